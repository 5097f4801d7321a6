"""Voxel-level and patient-wise scores, and scorers with routed patient groups."""

from ._classification import sensitivity_score, specificity_score
from ._fold import SCORE_HEADERS, SCORE_NAMES, positive_label, score_fold
from ._patient import (
    patient_accuracy_score,
    patient_brier_score,
    patient_labels,
    patient_probabilities,
    patient_roc_auc_score,
)
from ._scorer import make_patient_level_scorers, make_patient_scorers

__all__ = [
    "SCORE_HEADERS",
    "SCORE_NAMES",
    "make_patient_level_scorers",
    "make_patient_scorers",
    "patient_accuracy_score",
    "patient_brier_score",
    "patient_labels",
    "patient_probabilities",
    "patient_roc_auc_score",
    "positive_label",
    "score_fold",
    "sensitivity_score",
    "specificity_score",
]
