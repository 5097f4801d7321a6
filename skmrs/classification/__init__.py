"""Classifiers: the paper's residual CNN and the distillation pipeline."""

from ._distillmix import DistillMixClassifier, make_distillmix_pipeline
from ._resnet import ResNetClassifier

__all__ = ["DistillMixClassifier", "ResNetClassifier", "make_distillmix_pipeline"]
