import numpy as np
import pytest

from skmrs.inspection import choose_k_elbow, cluster_cohort


def _blobs(k, n=25, seed=0):
    rng = np.random.default_rng(seed)
    centres = 8 * rng.normal(size=(k, 6))
    return np.repeat(centres, n, axis=0) + rng.normal(size=(k * n, 6))


@pytest.mark.parametrize("k", [2, 4])
def test_elbow_finds_the_number_of_blobs(k):
    result = choose_k_elbow(_blobs(k), range(1, 9), random_state=0)
    assert result.k == k
    assert np.all(np.diff(result.inertias) <= 1e-9 * result.inertias[0])
    np.testing.assert_array_equal(result.k_values, np.arange(1, 9))


def test_elbow_rejects_bad_candidates():
    X = _blobs(2)
    with pytest.raises(ValueError, match="at least 3 increasing"):
        choose_k_elbow(X, [1, 2])
    with pytest.raises(ValueError, match="at least 3 increasing"):
        choose_k_elbow(X, [3, 2, 1])
    with pytest.raises(ValueError, match="only 50 samples"):
        choose_k_elbow(X, [1, 2, 60])


def test_cluster_cohort_sorts_clusters_by_last_class_share():
    X = _blobs(3, n=20)
    y = np.r_[np.ones(20), np.zeros(20), np.r_[np.ones(5), np.zeros(15)]]
    res = cluster_cohort(X, y, n_clusters=3, random_state=0)
    np.testing.assert_array_equal(res.crosstab, [[20, 0], [15, 5], [0, 20]])
    assert res.inertias is None
    for c in range(3):
        np.testing.assert_allclose(res.means[c], X[res.labels == c].mean(0))
    assert res.crosstab.sum() == len(X)


def test_cluster_cohort_elbow_and_errors():
    X = _blobs(3, n=20)
    y = np.repeat([0, 1, 1], 20)
    res = cluster_cohort(X, y, k_values=range(1, 7), random_state=0)
    assert res.n_clusters == 3 and len(res.inertias) == 6
    with pytest.raises(ValueError, match="n_clusters must be"):
        cluster_cohort(X, y, n_clusters=0)
    with pytest.raises(ValueError):
        cluster_cohort(X, y[:-1], n_clusters=2)
