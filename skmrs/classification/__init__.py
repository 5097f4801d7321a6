"""Classifiers: the paper's residual CNN and the distillation pipeline."""

from ._bag import AttentionMILClassifier
from ._cleanlab import CleanLearningClassifier
from ._distillmix import DistillMixClassifier, make_distillmix_pipeline
from ._noisy import NoiseAwareClassifier
from ._patient import DEFAULT_PATIENT_FEATURES, PatientClassifier
from ._resnet import ResNetClassifier

__all__ = [
    "DEFAULT_PATIENT_FEATURES",
    "AttentionMILClassifier",
    "CleanLearningClassifier",
    "DistillMixClassifier",
    "NoiseAwareClassifier",
    "PatientClassifier",
    "ResNetClassifier",
    "make_distillmix_pipeline",
]
