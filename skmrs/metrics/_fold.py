"""The scores of one cross-validation fold: the paper's Table-2 columns."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from ._classification import sensitivity_score, specificity_score
from ._patient import patient_accuracy_score, patient_roc_auc_score

#: The scores of a fold, in the order of the paper's Table 2 (voxel
#: sensitivity, specificity and ROC AUC, then patient-wise accuracy and ROC
#: AUC). :func:`score_fold` adds ``"roc_auc_true"`` when true labels are given.
SCORE_NAMES = (
    "sensitivity",
    "specificity",
    "roc_auc",
    "patient_accuracy",
    "patient_roc_auc",
)
#: The short column header of each score, as the tables print it.
SCORE_HEADERS = {
    "sensitivity": "SEN",
    "specificity": "SPE",
    "roc_auc": "AUC",
    "patient_accuracy": "patient acc",
    "patient_roc_auc": "patient AUC",
    "roc_auc_true": "AUC (true)",
}


def positive_label(classes, pos_label=None):
    """The tumour class: ``pos_label``, or 1 when it is a class, else the last."""
    classes = np.asarray(classes)
    if pos_label is None:
        return 1 if 1 in classes else classes[-1]
    if pos_label not in classes:
        raise ValueError(f"pos_label={pos_label!r} is not a class of y {classes}.")
    return pos_label


def score_fold(y_true, y_proba, *, groups, classes, pos_label=None, target_true=None):
    """Voxel and patient scores of one fold's predictions.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Labels of the test spectra.
    y_proba : array-like of shape (n_samples, n_classes)
        Predicted class probabilities, columns in the order of ``classes``.
    groups : array-like of shape (n_samples,)
        Patient id of each test spectrum.
    classes : array-like of shape (n_classes,)
        The classifier's ``classes_``.
    pos_label : int or str, default=None
        The tumour class; None takes 1 when it is a class, else the last.
    target_true : array-like of shape (n_samples,), default=None
        True labels (simulated data); adds ``"roc_auc_true"``, the voxel ROC
        AUC against them.

    Returns
    -------
    scores : dict
        One float per name of :data:`SCORE_NAMES` (and ``"roc_auc_true"``);
        an undefined score (one class in the fold) is NaN.
    notes : list of str
        Why each NaN score is undefined.

    Examples
    --------
    >>> import numpy as np
    >>> from skmrs.metrics import score_fold
    >>> proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.7, 0.3]])
    >>> scores, notes = score_fold([0, 1, 1, 0], proba, groups=[1, 2, 2, 1],
    ...                            classes=[0, 1])
    >>> scores["roc_auc"], notes
    (1.0, [])
    """
    y_true, groups, classes = map(np.asarray, (y_true, groups, classes))
    y_proba = np.asarray(y_proba)
    pos_label = positive_label(classes, pos_label)
    p_pos = y_proba[:, int(np.flatnonzero(classes == pos_label)[0])]
    y_pred = classes[np.argmax(y_proba, axis=1)]
    notes = []
    present = np.unique(y_true)
    scores = {
        "sensitivity": sensitivity_score(y_true, y_pred, pos_label=pos_label),
        "specificity": specificity_score(y_true, y_pred, pos_label=pos_label),
        "roc_auc": np.nan,
        "patient_accuracy": patient_accuracy_score(
            y_true, p_pos, groups=groups, pos_label=pos_label
        ),
    }
    if present.size < 2:
        notes.append(
            f"only class {present[0]!r} in the test fold: roc_auc undefined, "
            + ("sensitivity" if present[0] != pos_label else "specificity")
            + " undefined"
        )
    else:
        scores["roc_auc"] = float(roc_auc_score(y_true == pos_label, p_pos))
    try:
        scores["patient_roc_auc"] = patient_roc_auc_score(
            y_true, p_pos, groups=groups, pos_label=pos_label
        )
    except ValueError as exc:
        notes.append(str(exc))
        scores["patient_roc_auc"] = np.nan
    if target_true is not None:
        is_pos = np.asarray(target_true) == pos_label
        scores["roc_auc_true"] = np.nan
        if np.unique(is_pos).size == 2:
            scores["roc_auc_true"] = float(roc_auc_score(is_pos, p_pos))
        else:
            notes.append(
                "one class in target_true of the test fold: AUC (true) undefined"
            )
    return scores, notes
