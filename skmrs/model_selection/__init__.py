"""Leave-patients-out cross-validation with voxel and patient-wise scores."""

from ._validation import check_patient_cv, cross_validate_patients, patient_splits

__all__ = ["check_patient_cv", "cross_validate_patients", "patient_splits"]
