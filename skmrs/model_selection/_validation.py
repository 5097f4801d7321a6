"""Leave-patients-out cross-validation with the paper's voxel and patient scores."""

from __future__ import annotations

import time
import warnings
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone, is_classifier
from sklearn.model_selection import GroupKFold, check_cv
from sklearn.utils.validation import check_consistent_length, column_or_1d

from ..metrics import SCORE_NAMES, positive_label, score_fold
from ..metrics._patient import _check_groups, _check_not_missing


def check_patient_cv(cv, y, groups):
    """A splitter over patients; ``int`` means ``GroupKFold(cv)``.

    Raises a ``ValueError`` when groups are missing or of the wrong length, or
    when there are fewer patients than folds. Whether the splitter keeps each
    patient on one side is only known from its splits: :func:`patient_splits`
    checks that, so split through it rather than ``cv.split``.
    """
    if groups is None:
        raise ValueError(
            "groups (the patient id of each spectrum) is required: spectra of one "
            "patient must never be on both sides of a split."
        )
    groups = _check_groups(groups, len(y))
    n_patients = np.unique(groups).size
    if n_patients < 2:
        raise ValueError(
            f"cross-validation over patients needs at least 2 patients; groups "
            f"holds {n_patients}."
        )
    if isinstance(cv, Integral):
        if cv < 2:
            raise ValueError(f"cv must be >= 2 folds; got {cv}.")
        cv = GroupKFold(n_splits=int(cv))
    cv = check_cv(cv, y, classifier=True)
    n_splits = cv.get_n_splits(None, y, groups)
    if isinstance(cv, GroupKFold) and n_patients < n_splits:
        raise ValueError(
            f"there are {n_patients} patients but {n_splits} folds: every fold "
            "needs at least one patient."
        )
    return cv, groups


def _check_in_range(k: int, part: str, index: np.ndarray, n: int) -> None:
    """A clear error for a split index past the end (not numpy's IndexError)."""
    if index.dtype.kind not in "iu":
        return
    outside = (index < -n) | (index >= n)
    if outside.any():
        raise ValueError(
            f"split {k}: the {part} part holds index {int(index[outside][0])}, "
            f"outside the {n} spectra."
        )


def _check_no_leak(cv, splits, groups):
    """Raise when a patient is on both sides of a split, naming one."""
    for k, (train, test) in enumerate(splits):
        for part, index in (("training", train), ("test", test)):
            _check_in_range(k, part, np.asarray(index), len(groups))
        leaked = np.intersect1d(groups[train], groups[test])
        if leaked.size:
            # check_cv wraps a list of (train, test) pairs in a private class
            private = type(cv).__name__.startswith("_")
            name = "the given splits" if private else repr(cv)
            raise ValueError(
                f"{name} puts patient {leaked[0].item()!r} in both the training "
                f"and the test part of split {k} ({leaked.size} patient(s) leak): "
                "spectra of one patient must never be on both sides of a split. Use a "
                "group splitter (GroupKFold, StratifiedGroupKFold, LeaveOneGroupOut"
                ", GroupShuffleSplit) or an int."
            )


def patient_splits(cv, X, y, groups) -> tuple[list, np.ndarray]:
    """The (train, test) index pairs of a patient splitter, checked.

    :func:`check_patient_cv` plus the split itself, a ``ValueError`` naming
    the splitter and a patient when a patient is on both sides of a split
    (``KFold`` ignores ``groups``, say), and one for a fold whose training
    patients hold only one class (nothing to learn from). Every skmrs path
    that splits by patient goes through here.

    Returns
    -------
    splits : list of (ndarray, ndarray)
    groups : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from skmrs.model_selection import patient_splits
    >>> y = np.array([0, 1, 0, 1, 0, 1])
    >>> splits, _ = patient_splits(3, np.zeros((6, 2)), y, [1, 1, 2, 2, 3, 3])
    >>> len(splits)
    3
    """
    cv, groups = check_patient_cv(cv, y, groups)
    splits = list(cv.split(X, y, groups))
    _check_no_leak(cv, splits, groups)
    for k, (train, _) in enumerate(splits):
        if np.unique(y[train]).size < 2:
            raise ValueError(
                f"fold {k}: the training patients hold only one class; use fewer "
                "folds or a stratified group splitter (StratifiedGroupKFold)."
            )
    return splits, groups


def _score_fitted(est, X, y, groups, test, *, pos_label=None, target_true=None):
    """Scores, notes and class probabilities of a fitted model on a test fold."""
    start = time.perf_counter()
    proba = est.predict_proba(X[test])
    scores, notes = score_fold(
        y[test],
        proba,
        groups=groups[test],
        classes=np.asarray(est.classes_),
        pos_label=pos_label,
        target_true=None if target_true is None else target_true[test],
    )
    scores["score_time"] = time.perf_counter() - start
    return scores, notes, proba


def _fit_and_score_fold(estimator, X, y, groups, train, test, **score_params):
    """Fit a clone on the training fold and score it: the one path of both
    :func:`cross_validate_patients` and :func:`skmrs.benchmark.run_benchmark`."""
    est = clone(estimator)
    start = time.perf_counter()
    est.fit(X[train], y[train])
    fit_time = time.perf_counter() - start
    scores, notes, proba = _score_fitted(est, X, y, groups, test, **score_params)
    scores["fit_time"] = fit_time
    return est, scores, notes, proba


def cross_validate_patients(
    estimator,
    X,
    y,
    *,
    groups,
    cv=10,
    pos_label=None,
    n_jobs: int | None = None,
    return_predictions: bool = False,
) -> dict:
    """Leave-patients-out cross-validation scored as in the paper's Table 2.

    The simple path to the paper's scores, with no metadata routing: every fold
    trains a clone of ``estimator`` on the training patients and scores the
    test patients' spectra: voxel sensitivity, specificity and ROC AUC, and
    patient-wise accuracy and ROC AUC (mean voxel probabilities per patient).

    Parameters
    ----------
    estimator : classifier with ``predict_proba``
    X : array-like of shape (n_samples, n_points)
    y : array-like of shape (n_samples,)
        Binary labels.
    groups : array-like of shape (n_samples,)
        Patient id of each spectrum.
    cv : int or cross-validation splitter, default=10
        An int means ``GroupKFold(cv)`` over patients (the paper: 10).
    pos_label : int or str, default=None
        The tumour class; None takes 1 when present, else the last class.
    n_jobs : int, default=None
        Folds run in parallel through joblib (any joblib backend, e.g. Dask).
    return_predictions : bool, default=False
        Also return the out-of-fold class probabilities.

    Returns
    -------
    results : dict
        One array per score (``"sensitivity"``, ``"specificity"``,
        ``"roc_auc"``, ``"patient_accuracy"``, ``"patient_roc_auc"``,
        ``"fit_time"``, ``"score_time"``) with a value per fold, ``"notes"``
        (why a score of a fold is undefined: it is then NaN, never silently),
        and with ``return_predictions`` ``"y_proba"`` (n_samples, n_classes)
        and ``"classes"``.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skmrs.datasets import make_mrs_cohort
    >>> from skmrs.model_selection import cross_validate_patients
    >>> cohort = make_mrs_cohort(n_patients=40, random_state=0)
    >>> res = cross_validate_patients(LogisticRegression(max_iter=200),
    ...     cohort.data, cohort.target, groups=cohort.groups, cv=4)
    >>> res["roc_auc"].shape
    (4,)
    """
    if not is_classifier(estimator) or not hasattr(estimator, "predict_proba"):
        raise ValueError(
            f"estimator must be a classifier with predict_proba; got {estimator!r}."
        )
    X = np.asarray(X)
    y = column_or_1d(y)
    _check_not_missing(y, "y", "label")
    check_consistent_length(X, y)
    classes = np.unique(y)
    if classes.size != 2:
        raise ValueError(
            f"y must hold exactly two classes (non-tumour, tumour); got {classes.size}."
        )
    pos_label = positive_label(classes, pos_label)
    splits, groups = patient_splits(cv, X, y, groups)
    out = Parallel(n_jobs=n_jobs)(
        delayed(_fit_and_score_fold)(
            estimator, X, y, groups, train, test, pos_label=pos_label
        )
        for train, test in splits
    )
    out = [fold[1:] for fold in out]
    results = {
        name: np.array([scores[name] for scores, _, _ in out], dtype=float)
        for name in SCORE_NAMES + ("fit_time", "score_time")
    }
    results["notes"] = [
        f"fold {k}: {note}" for k, (_, notes, _) in enumerate(out) for note in notes
    ]
    for note in results["notes"]:
        warnings.warn(note, UserWarning, stacklevel=2)
    if return_predictions:
        proba = np.zeros((len(y), out[0][2].shape[1]))
        for (_, test), (_, _, p) in zip(splits, out):
            proba[test] = p
        results["y_proba"] = proba
        results["classes"] = classes
    return results
