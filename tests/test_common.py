"""scikit-learn's and imbalanced-learn's API checks over every public estimator.

Estimators are found automatically (:func:`skmrs.utils.all_estimators`), so a
new estimator is checked the day it appears. Networks are checked with tiny
settings, declared once here; a known incompatibility is an
``EXPECTED_FAILED_CHECKS`` entry with its reason.
"""

import importlib.util

import numpy as np
import pytest
import torch
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as parametrize_with_sampler_checks,
)
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmrs.classification import ResNetClassifier
from skmrs.datasets import make_mrs_cohort
from skmrs.utils import all_estimators, set_random_states

# Small settings so that every network trains in well under a second.
TINY_NET = dict(
    n_filters=4, n_blocks=2, kernel_size=3, dropout=0.0, max_epochs=2, batch_size=16
)
SMALL_PARAMS: dict[str, dict] = {
    "ResNetClassifier": TINY_NET,
    # imblearn's sampler checks do not seed the sampler; they compare two runs.
    "ConfidenceDistiller": dict(
        epochs=2,
        random_state=0,
        estimator=ResNetClassifier(**dict(TINY_NET, batch_size=128)),
    ),
    "MixingAugmenter": dict(random_state=0),
    "NoiseAugmenter": dict(random_state=0),
    "DistillMixClassifier": dict(
        estimator=ResNetClassifier(**TINY_NET), distill_epochs=2, augment_factor=1
    ),
    # the nnPU path, the more involved one (the default "ce" is an average)
    "NoiseAwareClassifier": dict(
        estimator=ResNetClassifier(**TINY_NET),
        n_estimators=2,
        loss="nnpu",
        class_prior=0.3,
    ),
    "CleanLearningClassifier": dict(
        estimator=ResNetClassifier(**TINY_NET, random_state=0), cv=2
    ),
    "OracleClassifier": dict(estimator=ResNetClassifier(**TINY_NET, random_state=0)),
    # without groups every spectrum is a bag of one
    "AttentionMILClassifier": dict(
        estimator=ResNetClassifier(**TINY_NET), max_epochs=2, random_state=0
    ),
    # a linear voxel model: the checks are about the patient stage's API
    "PatientClassifier": dict(
        estimator=LogisticRegression(max_iter=200), cv=2, random_state=0
    ),
}

_DENSE_ONLY = "dense spectra only: pandas sparse frames are refused like scipy sparse"
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {
    "ConfidenceDistiller": {"check_samplers_pandas_sparse": _DENSE_ONLY},
    "MixingAugmenter": {"check_samplers_pandas_sparse": _DENSE_ONLY},
    "NoiseAugmenter": {"check_samplers_pandas_sparse": _DENSE_ONLY},
    "PatientContextTransformer": {
        "check_methods_subset_invariance": "a row depends on the other spectra "
        "of its patient by design (all rows are one patient without groups)",
    },
    "SpectrumPreprocessor": {
        "check_complex_data": "takes complex FIDs by design: they are its input"
    },
}


# Estimators of an optional extra, checked where it is installed (CI's dev extra).
OPTIONAL_DEPENDENCY = {"CleanLearningClassifier": "cleanlab"}


def _instances(kind):
    instances = []
    for name, cls in all_estimators():
        if name in OPTIONAL_DEPENDENCY and not importlib.util.find_spec(
            OPTIONAL_DEPENDENCY[name]
        ):
            continue
        is_sampler = hasattr(cls, "fit_resample")
        if is_sampler != (kind == "sampler"):
            continue
        params = dict(SMALL_PARAMS.get(name, {}))
        valid = cls().get_params()
        instances.append(cls(**{k: v for k, v in params.items() if k in valid}))
    return instances


def _expected_failed(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


ESTIMATORS = _instances("estimator")
SAMPLERS = _instances("sampler")


def test_discovery_finds_public_estimators():
    names = [name for name, _ in all_estimators()]
    assert names == sorted(set(names))
    assert all(not name.startswith("_") for name in names)


if ESTIMATORS:

    @parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed)
    def test_sklearn_compatible_estimator(estimator, check):
        check(estimator)


if SAMPLERS:

    @parametrize_with_sampler_checks(SAMPLERS, expected_failed_checks=_expected_failed)
    def test_imblearn_compatible_sampler(estimator, check):
        check(estimator)


def _global_rng_states():
    # numpy's legacy global generator is the state skmrs must not move
    return np.random.get_state(), torch.random.get_rng_state()  # noqa: NPY002


def _assert_same_rng_states(before, after):
    (np_before, torch_before), (np_after, torch_after) = before, after
    assert np_before[0] == np_after[0]
    np.testing.assert_array_equal(np_before[1], np_after[1])
    assert np_before[2:] == np_after[2:], "numpy's global random state moved"
    assert torch.equal(torch_before, torch_after), "torch's global random state moved"


@pytest.mark.parametrize("seed", [0, "RandomState"])
@pytest.mark.parametrize(
    "estimator", ESTIMATORS + SAMPLERS, ids=lambda est: type(est).__name__
)
def test_seeded_estimators_leave_the_global_random_states_alone(estimator, seed):
    random_state = np.random.RandomState(0) if seed == "RandomState" else seed
    estimator = set_random_states(clone(estimator), random_state)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 64)).astype(np.float32)
    y = np.repeat([0, 1], 20)
    X[y == 1, 30] += 3.0
    before = _global_rng_states()
    if hasattr(estimator, "fit_resample"):
        estimator.fit_resample(X, y)
    elif hasattr(estimator, "predict"):
        estimator.fit(X, y).predict_proba(X)
        estimator.predict(X)
    else:
        estimator.fit(X, y).transform(X)
    _assert_same_rng_states(before, _global_rng_states())


@pytest.mark.parametrize("seed", [0, "RandomState"])
def test_seeded_cohort_leaves_the_global_random_states_alone(seed):
    random_state = np.random.RandomState(0) if seed == "RandomState" else seed
    before = _global_rng_states()
    make_mrs_cohort(n_patients=4, random_state=random_state)
    _assert_same_rng_states(before, _global_rng_states())
