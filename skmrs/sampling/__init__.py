"""Samplers of the distill-and-mix method: imbalanced-learn compatible.

:class:`ConfidenceDistiller` keeps the samples a network learns confidently
in its first epochs, :class:`MixingAugmenter` makes new samples by mixing
pairs, :class:`NoiseAugmenter` is the Gaussian-noise baseline.
"""

from ._distill import ConfidenceDistiller, DistillationWarning
from ._mixing import MixingAugmenter
from ._noise import NoiseAugmenter

__all__ = [
    "ConfidenceDistiller",
    "DistillationWarning",
    "MixingAugmenter",
    "NoiseAugmenter",
]
