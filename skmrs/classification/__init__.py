"""Classifiers: the paper's residual CNN and the distillation pipeline."""

from ._batched import fit_resnets
from ._distillmix import DistillMixClassifier, make_distillmix_pipeline
from ._resnet import ResNetClassifier

__all__ = [
    "DistillMixClassifier",
    "ResNetClassifier",
    "fit_resnets",
    "make_distillmix_pipeline",
]
