"""ConfidenceDistiller: Algorithm 1, fallback, determinism, bad input."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

from skmrs.sampling import ConfidenceDistiller, DistillationWarning


def _data(n=60, seed=0, sep=2.0):
    rng = np.random.RandomState(seed)
    y = np.tile([0, 1], n // 2)
    X = rng.normal(size=(n, 6)) + sep * y[:, None]
    return X, y


def _sgd():
    return SGDClassifier(loss="log_loss", alpha=0.01)


class _ScriptedClassifier(ClassifierMixin, BaseEstimator):
    """Returns scripted probabilities: row ``epoch - 1`` of ``script``."""

    def __init__(self, script=None):
        self.script = script

    def partial_fit(self, X, y, classes=None):
        self.classes_ = classes
        self.epoch_ = getattr(self, "epoch_", 0) + 1
        return self

    def fit(self, X, y):
        return self.partial_fit(X, y, np.unique(y))

    def predict_proba(self, X):
        p1 = np.asarray(self.script)[self.epoch_ - 1]
        return np.column_stack([1 - p1, p1])


def test_algorithm_1_union_first_epoch_and_counts():
    # P(class 1) per epoch for 5 samples; threshold 0.9.
    script = [
        [0.95, 0.50, 0.50, 0.02, 0.60],
        [0.50, 0.92, 0.50, 0.50, 0.60],
        [0.97, 0.99, 0.50, 0.50, 0.60],
    ]
    X = np.zeros((5, 2))
    y = np.array([1, 1, 0, 0, 1])
    distiller = ConfidenceDistiller(
        _ScriptedClassifier(script), threshold=0.9, epochs=3
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", DistillationWarning)
        X_kept, y_kept = distiller.fit_resample(X, y)
    np.testing.assert_array_equal(distiller.sample_indices_, [0, 1, 3])
    np.testing.assert_array_equal(distiller.first_epoch_, [1, 2, 1])
    np.testing.assert_array_equal(distiller.n_confident_per_epoch_, [2, 1, 2])
    np.testing.assert_array_equal(distiller.n_new_per_epoch_, [2, 1, 0])
    np.testing.assert_array_equal(y_kept, [1, 1, 0])
    assert distiller.confidence_.shape == (3, 5)
    assert distiller.fallback_classes_.size == 0


def test_class_with_too_few_confident_samples_is_topped_up():
    # Class 1 (rows 1, 3, 5, 7): row 1 is confident; fallback_size=3 adds the
    # next best by P(class 1): row 7, then row 5.
    script = [[0.5, 0.95, 0.02, 0.6, 0.01, 0.7, 0.03, 0.8]]
    y = np.tile([0, 1], 4)
    distiller = ConfidenceDistiller(
        _ScriptedClassifier(script), threshold=0.9, epochs=1, fallback_size=3
    )
    with pytest.warns(DistillationWarning, match="Only 1 sample"):
        distiller.fit_resample(np.zeros((8, 2)), y)
    np.testing.assert_array_equal(distiller.sample_indices_, [1, 2, 4, 5, 6, 7])
    np.testing.assert_array_equal(distiller.fallback_classes_, [1])
    np.testing.assert_array_equal(distiller.first_epoch_, [1, 1, 1, 0, 1, 0])


def test_require_correct_drops_confidently_mislabelled():
    script = [[0.02, 0.99, 0.5, 0.01]]
    y = np.array([1, 1, 0, 0])
    distiller = ConfidenceDistiller(
        _ScriptedClassifier(script), threshold=0.9, epochs=1, require_correct=True
    )
    distiller.fit_resample(np.zeros((4, 2)), y)
    np.testing.assert_array_equal(distiller.sample_indices_, [1, 3])
    paper = ConfidenceDistiller(_ScriptedClassifier(script), threshold=0.9, epochs=1)
    paper.fit_resample(np.zeros((4, 2)), y)
    np.testing.assert_array_equal(paper.sample_indices_, [0, 1, 3])


@pytest.mark.parametrize("fallback_size, expected", [(0.5, [2, 4]), (1, [2])])
def test_empty_class_warns_and_keeps_most_confident(fallback_size, expected):
    # Class 0 (rows 0, 2, 4) never reaches 0.9; its best own-label probability
    # (1 - p1, best over the two epochs) is row 2, then row 4, then row 0.
    script = [
        [0.4, 0.95, 0.30, 0.5, 0.20, 0.5],
        [0.3, 0.50, 0.15, 0.93, 0.35, 0.5],
    ]
    y = np.array([0, 1, 0, 1, 0, 1])
    distiller = ConfidenceDistiller(
        _ScriptedClassifier(script),
        threshold=0.9,
        epochs=2,
        fallback_size=fallback_size,
    )
    with pytest.warns(DistillationWarning) as record:
        distiller.fit_resample(np.zeros((6, 2)), y)
    messages = " ".join(str(w.message) for w in record)
    assert "Only 0 sample(s) of class 0" in messages and "class 1" not in messages
    kept_class0 = distiller.sample_indices_[y[distiller.sample_indices_] == 0]
    np.testing.assert_array_equal(kept_class0, expected)
    np.testing.assert_array_equal(distiller.fallback_classes_, [0])
    assert (distiller.first_epoch_[y[distiller.sample_indices_] == 0] == 0).all()


@pytest.mark.filterwarnings("ignore::skmrs.sampling.DistillationWarning")
@pytest.mark.parametrize("estimator", [_sgd(), MLPClassifier(hidden_layer_sizes=(8,))])
def test_incremental_estimators_train_one_epoch_per_round(estimator):
    X, y = _data()
    distiller = ConfidenceDistiller(estimator, threshold=0.9, epochs=3, random_state=0)
    distiller.fit_resample(X, y)
    assert distiller.n_epochs_ == 3
    assert distiller.estimator_ is not estimator
    assert not hasattr(estimator, "classes_")  # the given one is never fitted
    if isinstance(estimator, MLPClassifier):
        assert distiller.estimator_.t_ == 3 * X.shape[0]  # samples seen


def test_estimator_without_partial_fit_is_fitted_once():
    X, y = _data()
    distiller = ConfidenceDistiller(LogisticRegression(), threshold=0.9, epochs=5)
    distiller.fit_resample(X, y)
    assert distiller.n_epochs_ == 1
    assert distiller.confidence_.shape == (1, X.shape[0])


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 1000),
    threshold=st.floats(0.55, 1.0),
    epochs=st.integers(1, 3),
)
def test_distilled_rows_are_a_subset_and_identical_for_one_seed(
    seed, threshold, epochs
):
    X, y = _data(n=40, seed=seed, sep=1.0)
    params = dict(threshold=threshold, epochs=epochs, random_state=seed)
    first = ConfidenceDistiller(_sgd(), **params)
    second = ConfidenceDistiller(_sgd(), **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DistillationWarning)
        X_kept, y_kept = first.fit_resample(X, y)
        X_again, y_again = second.fit_resample(X, y)
    idx = first.sample_indices_
    assert np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(X_kept, X[idx])
    np.testing.assert_array_equal(y_kept, y[idx])
    assert set(y_kept) == set(y)  # no class silently emptied
    np.testing.assert_array_equal(X_kept, X_again)
    np.testing.assert_array_equal(idx, second.sample_indices_)


@pytest.mark.parametrize(
    "params, name",
    [
        (dict(threshold=0.5), "threshold"),
        (dict(threshold=1.01), "threshold"),
        (dict(epochs=0), "epochs"),
        (dict(estimator=SVC()), "estimator"),
        (dict(estimator=SGDClassifier(loss="hinge")), "estimator"),
    ],
)
def test_bad_parameters_raise_at_fit_resample(params, name):
    X, y = _data()
    distiller = ConfidenceDistiller(**params)
    with pytest.raises(ValueError, match=f"'{name}' parameter of ConfidenceDistiller"):
        distiller.fit_resample(X, y)


def test_no_estimator_is_refused():
    X, y = _data()
    with pytest.raises(ValueError, match="needs an estimator"):
        ConfidenceDistiller().fit_resample(X, y)


@pytest.mark.filterwarnings("ignore::skmrs.sampling.DistillationWarning")
def test_default_estimator_is_the_paper_resnet_one_epoch_per_round():
    """The pipeline builder supplies the distillation network (sampling stays
    below classification: it never imports ResNetClassifier)."""
    from skmrs import ResNetClassifier
    from skmrs.classification import make_distillmix_pipeline

    X, y = _data(n=32)
    X = np.repeat(X, 6, axis=1).astype(np.float32)  # 36 points per "spectrum"
    distiller = make_distillmix_pipeline(random_state=0).named_steps["distill"]
    distiller.set_params(epochs=2)
    X_kept, _ = distiller.fit_resample(X, y)
    estimator = distiller.estimator_
    assert isinstance(estimator, ResNetClassifier)
    defaults = ResNetClassifier().get_params()
    assert {k: v for k, v in estimator.get_params().items() if k != "random_state"} == {
        k: v for k, v in defaults.items() if k != "random_state"
    }
    assert isinstance(estimator.random_state, int)
    assert estimator.n_iter_ == 2  # two partial_fit calls, one epoch each
    assert X_kept.dtype == np.float32
