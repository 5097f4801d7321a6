"""NoiseAugmenter: noise level relative to each spectrum or to the data."""

import numpy as np
import pytest

from skmrs.sampling import NoiseAugmenter


def _data():
    rng = np.random.RandomState(0)
    scales = np.repeat([1.0, 100.0], 20)
    X = rng.normal(size=(40, 50)) * scales[:, None]
    y = np.tile([0, 1], 20)
    return X, y


@pytest.mark.parametrize("relative_to", ["sample", "data"])
def test_noise_scale_and_labels(relative_to):
    X, y = _data()
    aug = NoiseAugmenter(scale=0.1, factor=5, relative_to=relative_to, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    n = X.shape[0]
    j = aug.target_indices_
    np.testing.assert_array_equal(y_res[n:], y[j])
    noise = X_res[n:] - X[j]
    if relative_to == "sample":
        ratio = noise.std(axis=1) / X[j].std(axis=1)
        np.testing.assert_allclose(ratio, 0.1, rtol=0.35)
    else:
        np.testing.assert_allclose(noise.std(), 0.1 * X.std(), rtol=0.05)


def test_deterministic_and_scale_zero_copies():
    X, y = _data()
    a = NoiseAugmenter(random_state=1).fit_resample(X, y)
    b = NoiseAugmenter(random_state=1).fit_resample(X, y)
    np.testing.assert_array_equal(a[0], b[0])
    aug = NoiseAugmenter(scale=0, factor=1, keep_original=False, random_state=0)
    X_res, _ = aug.fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X[aug.target_indices_])


@pytest.mark.parametrize(
    "params, name",
    [
        (dict(scale=-1), "scale"),
        (dict(factor=-2), "factor"),
        (dict(relative_to="x"), "relative_to"),
    ],
)
def test_bad_parameters(params, name):
    X, y = _data()
    with pytest.raises(ValueError, match=f"'{name}' parameter of NoiseAugmenter"):
        NoiseAugmenter(**params).fit_resample(X, y)
