"""Voxel-level sensitivity and specificity."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import recall_score


def _binary_labels(y_true, pos_label):
    labels = np.unique(np.asarray(y_true))
    if labels.size > 2:
        raise ValueError(
            f"sensitivity and specificity need binary y_true; got {labels.size} "
            f"classes {labels.tolist()}."
        )
    return labels


def sensitivity_score(y_true, y_pred, *, pos_label=1, sample_weight=None) -> float:
    """Sensitivity (true-positive rate, recall of the positive class).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True binary labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    pos_label : int or str, default=1
        The tumour class.
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    score : float
        ``TP / (TP + FN)``.

    Examples
    --------
    >>> from skmrs.metrics import sensitivity_score
    >>> sensitivity_score([0, 1, 1, 1], [0, 1, 0, 1])
    0.666...
    """
    _binary_labels(y_true, pos_label)
    return float(
        recall_score(
            y_true, y_pred, pos_label=pos_label, average="binary",
            sample_weight=sample_weight, zero_division=np.nan,
        )
    )  # fmt: skip


def specificity_score(y_true, y_pred, *, pos_label=1, sample_weight=None) -> float:
    """Specificity (true-negative rate): recall of every class but ``pos_label``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True binary labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    pos_label : int or str, default=1
        The tumour class; the other class is the negative one.
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    score : float
        ``TN / (TN + FP)``.

    Examples
    --------
    >>> from skmrs.metrics import specificity_score
    >>> specificity_score([0, 0, 0, 1], [0, 1, 0, 1])
    0.666...
    """
    _binary_labels(y_true, pos_label)
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "y_true and y_pred have different lengths: "
            f"{y_true.shape} vs {y_pred.shape}."
        )
    weight = (
        np.ones(y_true.shape) if sample_weight is None else np.asarray(sample_weight)
    )
    negative = y_true != pos_label
    if weight[negative].sum() == 0:
        return float("nan")
    return float(
        weight[negative & (y_pred != pos_label)].sum() / weight[negative].sum()
    )
