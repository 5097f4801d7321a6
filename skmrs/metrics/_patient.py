"""Patient-wise scores: average the voxel probabilities of each patient."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.utils.validation import check_consistent_length, column_or_1d

from ..utils._validation import _check_not_missing

_RULES = ("any", "majority")


def _check_groups(groups, n_samples):
    if groups is None:
        raise ValueError(
            "groups (the patient id of each spectrum) is required for patient-wise "
            "scores; pass groups=..., or route it with set_score_request(groups=True)."
        )
    if np.ndim(groups) == 0:
        raise TypeError(
            f"groups must be an array of patient ids, one per spectrum; got {groups!r}."
        )
    groups = column_or_1d(groups, warn=True)
    if groups.shape[0] != n_samples:
        raise ValueError(
            f"groups has {groups.shape[0]} entries but there are {n_samples} spectra."
        )
    _check_not_missing(groups, "groups", "patient id")
    return groups


def _check_proba(y_proba):
    """Real probabilities in [0, 1], as floats; a clear error otherwise."""
    y_proba = np.asarray(y_proba)
    if y_proba.dtype.kind not in "biuf":
        raise TypeError(
            f"y_proba must hold real probabilities; got dtype {y_proba.dtype}."
        )
    y_proba = y_proba.astype(float, copy=False)
    if y_proba.ndim not in (1, 2):
        raise ValueError(f"y_proba must be 1-D or 2-D; got shape {y_proba.shape}.")
    if y_proba.shape[0] == 0:
        raise ValueError("y_proba is empty: there is no spectrum to score.")
    bad = ~np.isfinite(y_proba)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise ValueError(f"y_proba contains NaN or infinity (first in row {row}).")
    outside = (y_proba < 0) | (y_proba > 1)
    if outside.any():
        row = int(np.argwhere(outside)[0][0])
        raise ValueError(
            "y_proba must hold probabilities in [0, 1]; got "
            f"{y_proba[row].tolist()} in row {row} (scores or logits? pass "
            "predict_proba's output)."
        )
    return y_proba


def _positive_proba(y_proba):
    y_proba = _check_proba(y_proba)
    if y_proba.ndim == 2:
        if y_proba.shape[1] != 2:
            raise ValueError(
                "patient-wise scores are binary: y_proba must have shape (n,) or "
                f"(n, 2); got {y_proba.shape}."
            )
        y_proba = y_proba[:, 1]
    return y_proba


def patient_probabilities(y_proba, groups) -> tuple[np.ndarray, np.ndarray]:
    """Mean class probabilities of each patient's spectra, as in the paper.

    Parameters
    ----------
    y_proba : array-like of shape (n_samples,) or (n_samples, n_classes)
        Voxel probabilities (of the positive class, or of every class).
    groups : array-like of shape (n_samples,)
        Patient id of each spectrum.

    Returns
    -------
    patients : ndarray of shape (n_patients,)
        Sorted unique patient ids.

    Raises
    ------
    ValueError
        If ``y_proba`` holds NaN, infinity or values outside ``[0, 1]``, or
        ``groups`` is missing or of another length.
    proba : ndarray of shape (n_patients,) or (n_patients, n_classes)
        Mean probabilities, in the order of ``patients``.

    Examples
    --------
    >>> from skmrs.metrics import patient_probabilities
    >>> patient_probabilities([0.2, 0.4, 0.9], groups=["b", "b", "a"])
    (array(['a', 'b'], dtype='<U1'), array([0.9, 0.3]))
    """
    y_proba = _check_proba(y_proba)
    groups = _check_groups(groups, y_proba.shape[0])
    patients, inverse = np.unique(groups, return_inverse=True)
    counts = np.bincount(inverse)
    flat = y_proba.reshape(len(y_proba), -1)
    sums = np.zeros((patients.size, flat.shape[1]))
    np.add.at(sums, inverse, flat)
    mean = sums / counts[:, None]
    return patients, mean.reshape((patients.size,) + y_proba.shape[1:])


def patient_labels(y_true, groups, *, rule: str = "any", pos_label=1) -> np.ndarray:
    """One label per patient from the labels of its spectra.

    ``rule="any"`` (default): a patient is a tumour patient when any of its
    spectra is labelled tumour, the clinical meaning of a diagnosis (in the
    paper's data every spectrum carries its patient's diagnosis, so all rules
    agree there). ``rule="majority"``: when at least half of them are.

    Returns
    -------
    labels : ndarray of shape (n_patients,), int
        1 for tumour patients, in the order of the sorted unique patient ids.

    Examples
    --------
    >>> from skmrs.metrics import patient_labels
    >>> patient_labels([1, 0, 0, 0, 0], groups=[7, 7, 7, 8, 8])
    array([1, 0])
    """
    if rule not in _RULES:
        raise ValueError(f"rule must be one of {_RULES}; got {rule!r}.")
    y_true = column_or_1d(y_true)
    _check_not_missing(y_true, "y_true", "label")
    groups = _check_groups(groups, y_true.shape[0])
    _, inverse = np.unique(groups, return_inverse=True)
    positive = (y_true == pos_label).astype(float)
    share = np.bincount(inverse, weights=positive) / np.bincount(inverse)
    return (share > 0).astype(int) if rule == "any" else (share >= 0.5).astype(int)


def _patient_arrays(y_true, y_proba, groups, rule, pos_label):
    y_proba = _positive_proba(y_proba)
    check_consistent_length(y_true, y_proba)
    truth = patient_labels(y_true, groups, rule=rule, pos_label=pos_label)
    _, proba = patient_probabilities(y_proba, groups)
    return truth, proba


def patient_accuracy_score(
    y_true, y_proba, *, groups, rule: str = "any", pos_label=1
) -> float:
    """Share of patients classified correctly from their mean voxel probability.

    A patient is predicted tumour when the mean tumour probability of its
    spectra is at least 0.5 (the argmax of the mean class probabilities, as in
    the paper); its true label follows ``rule`` (see :func:`patient_labels`).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Voxel labels.
    y_proba : array-like of shape (n_samples,) or (n_samples, 2)
        Tumour probability of each spectrum (or both class probabilities).
    groups : array-like of shape (n_samples,)
        Patient id of each spectrum.
    rule : {"any", "majority"}, default="any"
    pos_label : int or str, default=1

    Returns
    -------
    score : float

    Examples
    --------
    >>> from skmrs.metrics import patient_accuracy_score
    >>> patient_accuracy_score([1, 1, 0, 0], [0.7, 0.4, 0.6, 0.6], groups=[1, 1, 2, 2])
    0.5
    """
    truth, proba = _patient_arrays(y_true, y_proba, groups, rule, pos_label)
    return float(np.mean((proba >= 0.5).astype(int) == truth))


def patient_roc_auc_score(
    y_true, y_proba, *, groups, rule: str = "any", pos_label=1
) -> float:
    """ROC AUC over patients, each scored by its mean voxel tumour probability.

    Parameters are those of :func:`patient_accuracy_score`. Raises a
    ``ValueError`` when all patients share one label (AUC is undefined).

    Examples
    --------
    >>> from skmrs.metrics import patient_roc_auc_score
    >>> patient_roc_auc_score([1, 1, 0, 0, 1], [0.9, 0.7, 0.2, 0.4, 0.6],
    ...                       groups=[1, 1, 2, 2, 3])
    1.0
    """
    truth, proba = _patient_arrays(y_true, y_proba, groups, rule, pos_label)
    if np.unique(truth).size < 2:
        raise ValueError(
            "patient ROC AUC is undefined: every patient has the same label "
            f"({int(truth[0])})."
        )
    return float(roc_auc_score(truth, proba))


def patient_brier_score(
    y_true, y_proba, *, groups, rule: str = "any", pos_label=1
) -> float:
    """Brier score over patients: mean squared gap of probability and diagnosis.

    Each patient is scored by the mean tumour probability of its spectra (a
    patient-level classifier gives every spectrum its patient's probability,
    so the mean is that probability). Lower is better; 0.25 is a constant 0.5.
    Parameters are those of :func:`patient_accuracy_score`.

    Examples
    --------
    >>> from skmrs.metrics import patient_brier_score
    >>> patient_brier_score([1, 1, 0, 0], [0.9, 0.6, 0.5, 0.0], groups=[1, 1, 2, 2])
    0.0625
    """
    truth, proba = _patient_arrays(y_true, y_proba, groups, rule, pos_label)
    return float(np.mean((proba - truth) ** 2))
