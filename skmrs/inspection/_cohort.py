"""Cohort overview: k-means clusters of spectra, the elbow choice of k, class mix."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.cluster import KMeans
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.validation import check_array, check_consistent_length


def choose_k_elbow(X, k_values=range(1, 13), *, n_init=3, random_state=None):
    """Choose the number of k-means clusters by the elbow of the inertia curve.

    k-means is fitted for each ``k`` in ``k_values``; with both axes scaled
    to ``[0, 1]``, the elbow is the ``k`` whose point lies furthest below the
    straight line from the first to the last point of the curve of
    log-inertia against ``k`` (the "kneedle" rule of Satopaa et al., 2011, on
    a log scale, so that a drop counts by its ratio and not by the size of
    the first, largest drops). Lu et al. chose ``k = 7`` by the elbow on
    their cohort.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Spectra.
    k_values : iterable of int, default=range(1, 13)
        Candidate numbers of clusters, at least three, increasing.
    n_init : int, default=3
        k-means restarts for each ``k``.
    random_state : int, RandomState instance or None, default=None
        Seeds every k-means fit.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``k`` (int, the elbow), ``k_values`` (ndarray of the candidates) and
        ``inertias`` (ndarray, the within-cluster sum of squares of each).

    Examples
    --------
    >>> import numpy as np
    >>> from skmrs.inspection import choose_k_elbow
    >>> rng = np.random.default_rng(0)
    >>> centres = 10 * rng.normal(size=(3, 5))
    >>> X = np.repeat(centres, 30, axis=0) + rng.normal(size=(90, 5))
    >>> choose_k_elbow(X, range(1, 8), random_state=0).k
    3
    """
    X = check_array(X, dtype=[np.float64, np.float32])
    k_values = np.asarray(list(k_values))
    if (
        k_values.ndim != 1
        or k_values.size < 3
        or not all(isinstance(k, Integral) for k in k_values.tolist())
        or np.any(np.diff(k_values) <= 0)
        or k_values[0] < 1
    ):
        raise ValueError(
            "k_values must hold at least 3 increasing integers >= 1; got "
            f"{k_values.tolist()!r}."
        )
    if k_values[-1] > X.shape[0]:
        raise ValueError(
            f"k_values go up to {k_values[-1]} but X has only {X.shape[0]} samples."
        )
    rng = check_random_state(random_state)
    seed = int(rng.randint(np.iinfo(np.int32).max))
    inertias = np.array(
        [
            KMeans(n_clusters=int(k), n_init=n_init, random_state=seed).fit(X).inertia_
            for k in k_values
        ]
    )
    x = (k_values - k_values[0]) / (k_values[-1] - k_values[0])
    log_inertia = np.log(np.maximum(inertias, np.finfo(float).tiny))
    span = log_inertia[0] - log_inertia[-1]
    y = (log_inertia - log_inertia[-1]) / span if span > 0 else np.zeros_like(x)
    k = int(k_values[np.argmax(1 - x - y)])
    return Bunch(k=k, k_values=k_values, inertias=inertias)


def cluster_cohort(
    X,
    y,
    *,
    n_clusters="elbow",
    k_values=range(1, 13),
    n_init=3,
    random_state=None,
):
    """k-means clusters of a cohort's spectra, with the classes in each (Fig. 3).

    Clusters are numbered by their share of the last class (for 0/1 labels,
    the tumour share) in increasing order, so cluster 0 is the most typical
    of the first class and the last cluster the most typical of the last.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_points)
        Spectra.
    y : array-like of shape (n_samples,)
        Class labels.
    n_clusters : int or "elbow", default="elbow"
        Number of clusters, or ``"elbow"`` to choose it with
        :func:`choose_k_elbow` over ``k_values``.
    k_values : iterable of int, default=range(1, 13)
        Candidates for the elbow rule.
    n_init : int, default=3
        k-means restarts.
    random_state : int, RandomState instance or None, default=None
        Seeds k-means.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``labels`` (cluster of each spectrum), ``n_clusters``, ``classes``
        (sorted labels), ``crosstab`` (ndarray of shape (n_clusters,
        n_classes), spectra of each class in each cluster), ``means`` and
        ``stds`` (ndarray of shape (n_clusters, n_points)), ``k_values`` and
        ``inertias`` (None unless ``n_clusters="elbow"``), ``kmeans`` (the
        fitted :class:`~sklearn.cluster.KMeans`; its cluster numbers are the
        unsorted ones).

    Examples
    --------
    >>> import numpy as np
    >>> from skmrs.inspection import cluster_cohort
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (40, 8)), rng.normal(6, 1, (40, 8))]
    >>> y = np.r_[np.zeros(35), np.ones(5), np.zeros(5), np.ones(35)]
    >>> res = cluster_cohort(X, y, n_clusters=2, random_state=0)
    >>> res.crosstab
    array([[35,  5],
           [ 5, 35]])
    """
    X = check_array(X, dtype=[np.float64, np.float32])
    y = np.asarray(y)
    check_consistent_length(X, y)
    rng = check_random_state(random_state)
    elbow_seed, seed = rng.randint(np.iinfo(np.int32).max, size=2)
    k_tried = inertias = None
    if isinstance(n_clusters, str) and n_clusters == "elbow":
        elbow = choose_k_elbow(X, k_values, n_init=n_init, random_state=int(elbow_seed))
        n_clusters, k_tried, inertias = elbow.k, elbow.k_values, elbow.inertias
    elif not isinstance(n_clusters, Integral) or not 1 <= n_clusters <= len(X):
        raise ValueError(
            f"n_clusters must be 'elbow' or an int in [1, {len(X)}]; got "
            f"{n_clusters!r}."
        )
    kmeans = KMeans(n_clusters=int(n_clusters), n_init=n_init, random_state=int(seed))
    raw = kmeans.fit_predict(X)
    classes, y_index = np.unique(y, return_inverse=True)
    counts = np.zeros((int(n_clusters), classes.size), dtype=int)
    np.add.at(counts, (raw, y_index), 1)
    order = np.argsort(counts[:, -1] / np.maximum(counts.sum(1), 1), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    labels = rank[raw]
    means = np.stack([X[labels == c].mean(0) for c in range(int(n_clusters))])
    stds = np.stack([X[labels == c].std(0) for c in range(int(n_clusters))])
    return Bunch(
        labels=labels,
        n_clusters=int(n_clusters),
        classes=classes,
        crosstab=counts[order],
        means=means,
        stds=stds,
        k_values=k_tried,
        inertias=inertias,
        kmeans=kmeans,
    )
