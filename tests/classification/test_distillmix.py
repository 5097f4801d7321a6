"""DistillMixClassifier and make_distillmix_pipeline."""

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.svm import SVC

from skmrs import DistillMixClassifier, ResNetClassifier
from skmrs.classification import make_distillmix_pipeline
from skmrs.sampling import ConfidenceDistiller, DistillationWarning, MixingAugmenter

NET = dict(
    n_filters=4, n_blocks=2, kernel_size=3, dropout=0.0, max_epochs=2, batch_size=64
)
TINY = dict(
    estimator=ResNetClassifier(**NET),
    distill_epochs=2,
    augment_factor=1,
    threshold=0.6,
)

pytestmark = pytest.mark.filterwarnings("ignore::skmrs.sampling.DistillationWarning")


def _spectra(n_patients=8, per_patient=6, n_points=24, seed=0):
    """Tiny two-class spectra with a class peak, patients in blocks."""
    rng = np.random.RandomState(seed)
    groups = np.repeat(np.arange(n_patients), per_patient)
    y = groups % 2
    X = rng.normal(size=(groups.shape[0], n_points)).astype(np.float32)
    X[:, n_points // 2] += 3.0 * y
    X[:, 0] = np.arange(groups.shape[0])  # a row id, to trace rows
    return X, y, groups


def test_both_networks_are_clones_of_the_one_declared():
    X, y, _ = _spectra()
    net = ResNetClassifier(**{**NET, "lr": 3e-3, "random_state": 5})
    clf = DistillMixClassifier(**{**TINY, "estimator": net}, random_state=0).fit(X, y)
    declared = net.get_params()
    networks = [clf.distiller_.estimator_, clf.pipeline_[-1]]
    for fitted in networks:
        params = fitted.get_params()
        assert {k: params[k] for k in declared if k != "random_state"} == {
            k: v for k, v in declared.items() if k != "random_state"
        }
        assert hasattr(fitted, "net_")
    # seeded from DistillMix's random_state, one seed each; the user's left alone
    seeds = [fitted.random_state for fitted in networks]
    assert 5 not in seeds and seeds[0] != seeds[1]
    assert net.get_params() == declared and not hasattr(net, "net_")
    default = DistillMixClassifier(random_state=0)._make_pipeline(
        np.random.RandomState(0)
    )
    assert default[-1].get_params()["n_filters"] == ResNetClassifier().n_filters


def test_fit_predict_and_what_the_distiller_kept():
    X, y, _ = _spectra()
    clf = DistillMixClassifier(**TINY, random_state=0).fit(X, y)
    assert isinstance(clf.pipeline_, Pipeline)
    assert [name for name, _ in clf.pipeline_.steps] == [
        "distill",
        "oversample",
        "augment",
        "classifier",
    ]
    assert clf.distiller_ is clf.pipeline_.named_steps["distill"]
    np.testing.assert_array_equal(
        clf.distilled_indices_, clf.distiller_.sample_indices_
    )
    assert set(clf.distilled_indices_) <= set(range(X.shape[0]))
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    assert clf.predict_proba(X).shape == (X.shape[0], 2)
    assert set(clf.predict(X)) <= {0, 1}
    assert clf.class_activation_maps(X).shape == X.shape
    # kept -> balanced -> plus augment_factor times as many mixed spectra
    n_balanced = 2 * np.bincount(y[clf.distilled_indices_]).max()
    assert clf.n_train_samples_ == 2 * n_balanced


def test_no_oversampling_and_identical_for_one_seed():
    X, y, _ = _spectra()
    a = DistillMixClassifier(**TINY, oversample=False, random_state=1).fit(X, y)
    b = clone(a).fit(X, y)
    assert a.pipeline_.named_steps["oversample"] == "passthrough"
    assert a.n_train_samples_ == 2 * a.distilled_indices_.shape[0]
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_string_labels():
    X, y, _ = _spectra()
    labels = np.array(["healthy", "tumour"])[y]
    clf = DistillMixClassifier(**TINY, random_state=0).fit(X, labels)
    assert set(clf.predict(X)) <= {"healthy", "tumour"}


def test_empty_class_warns_through_the_classifier():
    X, y, _ = _spectra()
    params = dict(TINY, threshold=1.0)
    with pytest.warns(DistillationWarning, match="reached threshold=1.0"):
        DistillMixClassifier(**params, random_state=0).fit(X, y)


@pytest.mark.parametrize(
    "params, name",
    [
        (dict(strategy="sideways"), "strategy"),
        (dict(alpha=1.2), "alpha"),
        (dict(augment_factor=-1), "augment_factor"),
        (dict(threshold=0.5), "threshold"),
        (dict(threshold=1.5), "threshold"),
    ],
)
def test_bad_parameters_raise_at_fit(params, name):
    X, y, _ = _spectra()
    clf = DistillMixClassifier(**{**TINY, **params})
    with pytest.raises(ValueError, match=f"'{name}' parameter of DistillMixClassifier"):
        clf.fit(X, y)


def test_pipeline_rejects_estimator_without_predict_proba():
    X, y, _ = _spectra()
    pipe = make_distillmix_pipeline(
        distiller=ConfidenceDistiller(SVC()), classifier=LogisticRegression()
    )
    with pytest.raises(
        ValueError, match="'estimator' parameter of ConfidenceDistiller"
    ):
        pipe.fit(X, y)


def test_make_pipeline_swaps_steps():
    X, y, _ = _spectra()
    pipe = make_distillmix_pipeline(
        distiller=ConfidenceDistiller(LogisticRegression(), threshold=0.9),
        oversampler=SMOTE(k_neighbors=2, random_state=0),
        augmenter="passthrough",
        classifier=LogisticRegression(),
    ).fit(X, y)
    assert pipe.predict(X).shape == y.shape
    defaults = make_distillmix_pipeline(random_state=0)
    assert isinstance(defaults.named_steps["distill"], ConfidenceDistiller)
    assert isinstance(defaults.named_steps["augment"], MixingAugmenter)
    assert isinstance(defaults[-1], ResNetClassifier)
    assert defaults[-1].random_state is not None


class _RowRecorder(LogisticRegression):
    """LogisticRegression that records the row ids (column 0) it is fit on."""

    seen: list = []

    def fit(self, X, y, sample_weight=None):
        type(self).seen.append(frozenset(np.asarray(X)[:, 0].astype(int)))
        return super().fit(X, y, sample_weight)


def test_grid_search_with_group_kfold_never_shows_test_rows_to_distiller():
    X, y, groups = _spectra(n_patients=9)
    cv = GroupKFold(n_splits=3)
    splits = list(cv.split(X, y, groups))
    _RowRecorder.seen = []
    pipe = make_distillmix_pipeline(
        distiller=ConfidenceDistiller(_RowRecorder(), threshold=0.6),
        classifier=LogisticRegression(),
        random_state=0,
    )
    search = GridSearchCV(
        pipe,
        {"augment__alpha": [0.2, 0.5], "augment__factor": [0, 1]},
        cv=splits,
        refit=False,
    ).fit(X, y)
    assert len(_RowRecorder.seen) == 4 * len(splits)
    train_sets = {frozenset(train) for train, _ in splits}
    for seen in _RowRecorder.seen:
        assert seen in train_sets  # exactly one split's training rows
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_grid_search_over_distillmix_classifier(monkeypatch):
    X, y, groups = _spectra(n_patients=6)
    cv = GroupKFold(n_splits=3)
    seen = []
    fit_resample = ConfidenceDistiller._fit_resample

    def spy(self, X, y):
        seen.append(frozenset(X[:, 0].astype(int)))
        return fit_resample(self, X, y)

    monkeypatch.setattr(ConfidenceDistiller, "_fit_resample", spy)
    search = GridSearchCV(
        DistillMixClassifier(**TINY, random_state=0),
        {"alpha": [0.3, 0.5], "augment_factor": [1]},
        cv=cv,
        scoring="roc_auc",
    ).fit(X, y, groups=groups)
    splits = list(cv.split(X, y, groups))
    train_sets = {frozenset(train) for train, _ in splits}
    assert len(seen) == 2 * len(splits) + 1  # plus the refit on everything
    assert all(rows in train_sets for rows in seen[:-1])
    assert seen[-1] == frozenset(range(X.shape[0]))
    assert search.best_params_["alpha"] in (0.3, 0.5)
