"""Classifiers: the paper's residual CNN and the distillation pipeline."""

from ._batched import fit_resnets
from ._cleanlab import CleanLearningClassifier
from ._distillmix import DistillMixClassifier, make_distillmix_pipeline
from ._noisy import NoiseAwareClassifier
from ._resnet import ResNetClassifier

__all__ = [
    "CleanLearningClassifier",
    "DistillMixClassifier",
    "NoiseAwareClassifier",
    "ResNetClassifier",
    "fit_resnets",
    "make_distillmix_pipeline",
]
