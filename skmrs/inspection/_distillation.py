"""What confidence distillation keeps: indices and distances to the other class."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_array, check_consistent_length


def distilled_indices(estimator) -> np.ndarray:
    """Rows of the training data that a fitted distiller kept.

    Parameters
    ----------
    estimator : estimator object
        A fitted :class:`~skmrs.sampling.ConfidenceDistiller` (or any sampler
        with ``sample_indices_``), a fitted
        :class:`~skmrs.DistillMixClassifier` (``distilled_indices_``), or a
        fitted pipeline with a step named ``"distill"``.

    Returns
    -------
    indices : ndarray of shape (n_kept,)
        Sorted row indices into the data the estimator was fitted on.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from skmrs.inspection import distilled_indices
    >>> distilled_indices(SimpleNamespace(sample_indices_=[4, 1]))
    array([1, 4])
    """
    for attr in ("distilled_indices_", "sample_indices_"):
        if hasattr(estimator, attr):
            return np.sort(np.asarray(getattr(estimator, attr), dtype=int))
    named = getattr(estimator, "named_steps", None)
    if named is not None and "distill" in named:
        return distilled_indices(named["distill"])
    raise TypeError(
        f"{type(estimator).__name__} has no distilled_indices_ or sample_indices_; "
        "pass a fitted ConfidenceDistiller, DistillMixClassifier or a pipeline "
        "with a fitted 'distill' step."
    )


def opposite_class_distance(X, y) -> np.ndarray:
    """Euclidean distance of each sample to the centre of the other class(es).

    The centre of the other classes is the mean of every sample whose label
    differs from the sample's own. Lu et al. (Fig. 4) show that distilled
    samples lie further from the opposite class's centre than the rest.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Samples.
    y : array-like of shape (n_samples,)
        Labels, at least two distinct ones.

    Returns
    -------
    distance : ndarray of shape (n_samples,)
        Distance of each sample to the centre of the samples of other labels.

    Examples
    --------
    >>> from skmrs.inspection import opposite_class_distance
    >>> opposite_class_distance([[0.0, 0.0], [3.0, 4.0]], [0, 1])
    array([5., 5.])
    """
    X = check_array(X, dtype=[np.float64, np.float32])
    y = np.asarray(y)
    check_consistent_length(X, y)
    classes = np.unique(y)
    if classes.size < 2:
        raise ValueError(
            f"y must hold at least 2 classes to measure the distance to the "
            f"opposite class; got {classes.tolist()!r}."
        )
    total = X.sum(0, dtype=np.float64)
    distance = np.empty(len(X))
    for c in classes:
        mask = y == c
        centre = (total - X[mask].sum(0, dtype=np.float64)) / (~mask).sum()
        distance[mask] = np.linalg.norm(X[mask] - centre, axis=1)
    return distance
