"""MixingAugmenter: equation 1, strategies, determinism, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skmrs.sampling import MixingAugmenter


def _data(n_per_class=(6, 4, 5), n_features=7, seed=0):
    rng = np.random.RandomState(seed)
    y = np.repeat(np.arange(len(n_per_class)), n_per_class)
    X = rng.normal(size=(y.shape[0], n_features)) + 3 * y[:, None]
    return X, y


@settings(max_examples=40, deadline=None)
@given(
    alpha=st.floats(0, 1),
    factor=st.floats(0, 4),
    strategy=st.sampled_from(["same", "other", "both"]),
    seed=st.integers(0, 2**31 - 1),
    labels=arrays(np.int64, st.integers(4, 30), elements=st.integers(0, 2)),
)
def test_mixed_samples_lie_on_segment_and_carry_target_label(
    alpha, factor, strategy, seed, labels
):
    if np.unique(labels).size < 2:
        labels = np.r_[labels, 1 - labels[:1]]
    X = np.random.RandomState(seed).normal(size=(labels.shape[0], 5))
    mixer = MixingAugmenter(
        alpha=alpha, factor=factor, strategy=strategy, random_state=seed
    )
    X_res, y_res = mixer.fit_resample(X, labels)

    n = X.shape[0]
    np.testing.assert_array_equal(X_res[:n], X)
    np.testing.assert_array_equal(y_res[:n], labels)
    j, k = mixer.pair_indices_.T
    assert X_res.shape[0] == n + round(factor * n) == n + j.shape[0]
    np.testing.assert_allclose(X_res[n:], (1 - alpha) * X[j] + alpha * X[k])
    np.testing.assert_array_equal(y_res[n:], labels[j])
    if strategy == "same":
        np.testing.assert_array_equal(labels[k], labels[j])
    elif strategy == "other":
        assert np.all(labels[k] != labels[j])


def test_every_sample_is_a_target_factor_times():
    X, y = _data()
    mixer = MixingAugmenter(factor=3, random_state=0)
    X_res, _ = mixer.fit_resample(X, y)
    assert X_res.shape == (4 * X.shape[0], X.shape[1])
    targets = mixer.pair_indices_[:, 0]
    np.testing.assert_array_equal(np.bincount(targets, minlength=X.shape[0]), 3)


def test_same_random_state_same_output_and_other_differs():
    X, y = _data()
    a = MixingAugmenter(random_state=3).fit_resample(X, y)
    b = MixingAugmenter(random_state=3).fit_resample(X, y)
    c = MixingAugmenter(random_state=4).fit_resample(X, y)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_other_strategy_multiclass_draws_from_every_other_class():
    X, y = _data((30, 30, 30))
    mixer = MixingAugmenter(strategy="other", factor=10, random_state=0)
    mixer.fit_resample(X, y)
    j, k = mixer.pair_indices_.T
    for klass in range(3):
        partners = set(y[k[y[j] == klass]])
        assert partners == set(range(3)) - {klass}


def test_factor_zero_and_keep_original():
    X, y = _data()
    X_res, y_res = MixingAugmenter(factor=0).fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X)
    X_new, y_new = MixingAugmenter(factor=2, keep_original=False).fit_resample(X, y)
    assert X_new.shape[0] == 2 * X.shape[0]
    with pytest.raises(ValueError, match="no sample"):
        MixingAugmenter(factor=0, keep_original=False).fit_resample(X, y)


def test_alpha_extremes_copy_target_or_partner():
    X, y = _data()
    mixer = MixingAugmenter(alpha=1.0, factor=1, keep_original=False, random_state=0)
    X_res, _ = mixer.fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X[mixer.pair_indices_[:, 1]])


def test_float32_and_string_labels_kept():
    X, y = _data()
    labels = np.array(["healthy", "tumour", "other"])[y]
    X_res, y_res = MixingAugmenter(random_state=0).fit_resample(
        X.astype(np.float32), labels
    )
    assert X_res.dtype == np.float32
    assert set(y_res) == set(labels)


@pytest.mark.parametrize(
    "params, name",
    [
        (dict(strategy="sideways"), "strategy"),
        (dict(alpha=1.5), "alpha"),
        (dict(alpha=-0.1), "alpha"),
        (dict(factor=-1), "factor"),
    ],
)
def test_bad_parameters_raise_at_fit_resample(params, name):
    X, y = _data()
    mixer = MixingAugmenter(**params)  # no error at construction
    with pytest.raises(ValueError, match=f"'{name}' parameter of MixingAugmenter"):
        mixer.fit_resample(X, y)


def test_refuses_sparse_and_single_class():
    from scipy import sparse

    X, y = _data()
    with pytest.raises(TypeError, match="[Ss]parse"):
        MixingAugmenter().fit_resample(sparse.csr_matrix(X), y)
    with pytest.raises(ValueError, match="class"):
        MixingAugmenter().fit_resample(X, np.zeros(X.shape[0]))
