"""Preprocessing of real MR spectra onto the 288-point grid of the classifiers.

:class:`SpectrumPreprocessor` turns complex FIDs into real, normalised spectra
on :func:`skmrs.datasets.default_ppm_axis`; :class:`SpectrumNormalizer` scales
spectra that are already there. :class:`PatientContextTransformer` sets
each spectrum beside its difference from its own patient's median spectrum.
:func:`gate_spectra` decides which FIDs are 1H brain spectra a model may
score (not another nucleus, a water reference, an empty voxel, a conjugated
FID or a too narrow spectral width).
"""

from ._context import PatientContextTransformer
from ._gate import GateDecision, gate_spectra
from ._spectrum import SpectrumNormalizer, SpectrumPreprocessor

__all__ = [
    "GateDecision",
    "PatientContextTransformer",
    "SpectrumNormalizer",
    "SpectrumPreprocessor",
    "gate_spectra",
]
