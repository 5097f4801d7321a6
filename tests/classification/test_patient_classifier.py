"""PatientClassifier: a patient stage on out-of-fold voxel scores."""

import numpy as np
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold, cross_validate

from skmrs import PatientClassifier
from skmrs.classification._patient import _choose_threshold, _parse_features
from skmrs.metrics import (
    make_patient_level_scorers,
    patient_brier_score,
    patient_labels,
)


def _cohort(n_patients=24, n_spectra=8, n_points=16, seed=0):
    """Tumour patients hold two spectra with a raised point; labels are noisy.

    Every spectrum of a tumour patient is labelled tumour (the paper's
    hemisphere labels), but only its first two carry the signal, which the
    mean of a patient's voxel probabilities dilutes.
    """
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(n_patients), n_spectra)
    tumour_patient = np.arange(n_patients) % 2
    y = tumour_patient[groups]
    X = rng.normal(size=(groups.size, n_points))
    signal = (y == 1) & (np.arange(groups.size) % n_spectra < 2)
    X[signal, 3] += 5.0
    return X, y, groups


def _clf(**params):
    params = dict(dict(cv=3, random_state=0), **params)
    return PatientClassifier(LogisticRegression(max_iter=200), **params)


@pytest.fixture(scope="module")
def data():
    return _cohort()


@pytest.fixture(scope="module")
def fitted(data):
    X, y, groups = data
    return _clf().fit(X, y, groups=groups)


def test_one_row_per_spectrum_carrying_its_patient_answer(fitted, data):
    X, _, groups = data
    proba = fitted.predict_proba(X, groups=groups)
    pred = fitted.predict(X, groups=groups)
    table = fitted.predict_patients(X, groups=groups)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(1), 1)
    np.testing.assert_array_equal(table.patient, np.unique(groups))
    np.testing.assert_array_equal(table.n_spectra, np.bincount(groups))
    _, inverse = np.unique(groups, return_inverse=True)
    np.testing.assert_allclose(proba[:, 1], table.proba[inverse])
    np.testing.assert_array_equal(pred, table.prediction[inverse])
    np.testing.assert_array_equal(
        table.prediction, (table.proba >= fitted.threshold_).astype(int)
    )


def test_learned_attributes(fitted, data):
    X, y, groups = data
    assert fitted.patients_.size == 24
    assert fitted.oof_proba_.shape == (24,)
    assert 0 <= fitted.threshold_ <= 1
    assert len(fitted.feature_names_) == fitted.final_estimator_.n_features_in_
    assert fitted.estimator_.n_features_in_ == X.shape[1]


def test_finds_tumour_patients_the_mean_rule_misses(data):
    X, y, groups = data
    X_test, y_test, g_test = _cohort(seed=1)
    clf = _clf().fit(X, y, groups=groups)
    truth = patient_labels(y_test, g_test)
    assert clf.score(X_test, y_test, groups=g_test) >= 0.9
    # the voxel model alone, averaged per patient at 0.5
    voxel = LogisticRegression(max_iter=200).fit(X, y)
    _, mean = np.unique(g_test, return_inverse=True)
    p = np.bincount(mean, voxel.predict_proba(X_test)[:, 1]) / np.bincount(mean)
    assert np.mean((p >= 0.5) == truth) < clf.score(X_test, y_test, groups=g_test)


def test_patient_order_does_not_change_the_answers(fitted, data):
    X, _, groups = data
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X))
    relabel = {g: f"p{(g * 7) % 24:02d}" for g in np.unique(groups)}
    renamed = np.array([relabel[g] for g in groups])
    a = fitted.predict_proba(X, groups=groups)
    b = fitted.predict_proba(X[order], groups=renamed[order])
    np.testing.assert_allclose(a[order], b)


def test_a_patient_of_one_spectrum_is_a_bag_of_one(fitted, data):
    X, _, groups = data
    table = fitted.predict_patients(X[:1], groups=groups[:1])
    assert table.n_spectra.tolist() == [1]
    # single-voxel scans in training: every patient one spectrum
    Xs, ys, gs = _cohort(n_patients=30, n_spectra=1)
    Xs[ys == 1, 3] += 5.0
    clf = _clf().fit(Xs, ys, groups=gs)
    assert clf.predict(Xs, groups=gs).shape == (30,)


def test_same_seed_same_model_other_seed_other_folds(data):
    X, y, groups = data
    a = _clf().fit(X, y, groups=groups)
    b = _clf().fit(X, y, groups=groups)
    c = _clf(random_state=1).fit(X, y, groups=groups)
    np.testing.assert_array_equal(a.oof_proba_, b.oof_proba_)
    assert not np.allclose(a.oof_proba_, c.oof_proba_)


@pytest.mark.parametrize(
    "groups, match",
    [
        (np.where(np.arange(192) == 5, np.nan, np.arange(192) // 8), "missing"),
        (np.array([None] * 192, dtype=object), "missing"),
        (np.arange(10), "one patient id per spectrum"),
        (3, "one patient id per spectrum"),
    ],
)
def test_missing_or_bad_patient_ids_are_refused(data, groups, match):
    X, y, _ = data
    with pytest.raises(ValueError, match=match):
        _clf().fit(X, y, groups=groups)


def test_fitted_on_patients_refuses_to_predict_without_them(fitted, data):
    X, y, _ = data
    with pytest.raises(ValueError, match="fitted on patients"):
        fitted.predict(X)
    with pytest.raises(ValueError, match="fitted on patients"):
        fitted.score(X, y)


def test_one_class_and_all_tumour_patients_are_refused(data):
    X, y, groups = data
    with pytest.raises(ValueError, match="both classes"):
        _clf().fit(X, np.ones_like(y), groups=groups)
    # every patient holds one tumour spectrum: no healthy patient to learn from
    y_all = y.copy()
    y_all[::8] = 1
    with pytest.raises(ValueError, match="patients of both classes"):
        _clf().fit(X, y_all, groups=groups)


def test_fewer_patients_than_folds_need_is_refused():
    X, y, groups = _cohort(n_patients=4)
    with pytest.raises(ValueError, match="need at least 3 patients of each class"):
        _clf().fit(X, y, groups=groups)


def test_a_splitter_that_leaks_patients_is_refused(data):
    X, y, groups = data
    with pytest.raises(ValueError, match="both the training and the test part"):
        _clf(cv=KFold(5)).fit(X, y, groups=groups)
    # a group splitter works
    clf = _clf(cv=GroupKFold(3)).fit(X, y, groups=groups)
    assert clf.oof_proba_.shape == (24,)


@pytest.mark.parametrize(
    "features, match",
    [
        (["mean", "median"], "unknown patient feature 'median'"),
        (["q101"], "between 0 and 100"),
        (["top0"], "k >= 1"),
        (["sharex"], "needs a number"),
        ("mean", "'features' parameter"),
        ([], "non-empty list"),
    ],
)
def test_bad_features_are_refused(data, features, match):
    X, y, groups = data
    with pytest.raises(ValueError, match=match):
        _clf(features=features).fit(X, y, groups=groups)


def test_feature_names_parse():
    assert _parse_features(["mean", "q90", "top3", "share0.5", "count"]) == [
        ("mean", 0.0),
        ("q", 90.0),
        ("top", 3.0),
        ("share", 0.5),
        ("count", 0.0),
    ]


@pytest.mark.parametrize("threshold", [("recall", 0.9), ("sensitivity", 1.5), (1,)])
def test_bad_threshold_is_refused(data, threshold):
    X, y, groups = data
    with pytest.raises(ValueError, match="threshold must be"):
        _clf(threshold=threshold).fit(X, y, groups=groups)


def test_threshold_for_accuracy_sensitivity_and_specificity():
    proba = np.array([0.1, 0.2, 0.35, 0.4, 0.6, 0.7, 0.8, 0.9])
    truth = np.array([0, 0, 1, 0, 1, 1, 1, 1])
    t = _choose_threshold(proba, truth, "accuracy", None)
    assert np.mean((proba >= t) == truth) == 7 / 8
    assert _choose_threshold(proba, truth, "fixed", 0.3) == 0.3
    t = _choose_threshold(proba, truth, "sensitivity", 1.0)
    assert t == 0.35 and np.all(proba[truth == 1] >= t)
    t = _choose_threshold(proba, truth, "specificity", 1.0)
    assert np.all(proba[truth == 0] < t) and np.mean(proba[truth == 1] >= t) == 0.8


def test_sensitivity_target_is_met_on_the_training_patients(data):
    X, y, groups = data
    clf = _clf(threshold=("sensitivity", 1.0)).fit(X, y, groups=groups)
    truth = patient_labels(y, groups)
    assert np.all(clf.oof_proba_[truth == 1] >= clf.threshold_)


@pytest.mark.parametrize("calibration", ["sigmoid", "isotonic"])
def test_calibration_wraps_the_final_estimator(data, calibration):
    X, y, groups = data
    clf = _clf(calibration=calibration).fit(X, y, groups=groups)
    assert type(clf.final_estimator_).__name__ == "CalibratedClassifierCV"
    assert clf.predict_proba(X, groups=groups).shape == (len(X), 2)


def test_context_and_decision_function_voxel_models(data):
    from sklearn.svm import LinearSVC

    X, y, groups = data
    clf = PatientClassifier(LinearSVC(), cv=3, random_state=0)
    assert clf.fit(X, y, groups=groups).score(X, y, groups=groups) > 0.8
    clf.set_params(context=True).fit(X, y, groups=groups)
    assert clf.estimator_.n_features_in_ == 2 * X.shape[1]
    assert clf.predict(X[:8], groups=groups[:8]).shape == (8,)


def test_string_labels_take_the_last_class_as_tumour(data):
    X, y, groups = data
    labels = np.array(["healthy", "tumour"])[y]
    clf = _clf().fit(X, labels, groups=groups)
    assert set(clf.predict(X, groups=groups)) <= {"healthy", "tumour"}
    assert clf.score(X, labels, groups=groups) >= 0.9


def test_groups_are_routed_through_cross_validate_and_grid_search(data):
    X, y, groups = data
    with sklearn.config_context(enable_metadata_routing=True):
        scores = cross_validate(
            _clf(),
            X,
            y,
            cv=GroupKFold(2, shuffle=True, random_state=0),
            scoring=make_patient_level_scorers(),
            params={"groups": groups},
        )
        search = GridSearchCV(
            _clf(),
            {"features": [["mean"], ["mean", "top2"]]},
            cv=GroupKFold(2, shuffle=True, random_state=0),
        ).fit(X, y, groups=groups)
    assert scores["test_patient_accuracy"].shape == (2,)
    assert np.all(scores["test_neg_patient_brier"] <= 0)
    assert search.best_estimator_.patients_.size == 24
    assert 0 <= search.best_score_ <= 1


def test_patient_level_scorers_use_the_classifiers_own_decision(fitted, data):
    X, y, groups = data
    scorers = make_patient_level_scorers()
    assert scorers["patient_accuracy"](fitted, X, y, groups=groups) == fitted.score(
        X, y, groups=groups
    )
    brier = -scorers["neg_patient_brier"](fitted, X, y, groups=groups)
    proba = fitted.predict_proba(X, groups=groups)
    assert brier == pytest.approx(patient_brier_score(y, proba, groups=groups))
    # a voxel classifier is scored by the mean rule
    voxel = LogisticRegression(max_iter=200).fit(X, y)
    assert 0 <= scorers["patient_roc_auc"](voxel, X, y, groups=groups) <= 1
    with pytest.raises(ValueError, match="groups"):
        scorers["patient_accuracy"](fitted, X, y)


def test_clone_keeps_parameters_unchanged():
    features = ["mean", "q90"]
    clf = _clf(features=features, threshold=("sensitivity", 0.9))
    assert clf.get_params()["features"] is features
    params = clone(clf).get_params(deep=False)
    assert params["features"] == features
    assert params["threshold"] == ("sensitivity", 0.9)


@settings(max_examples=20, deadline=None)
@given(
    proba=st.lists(st.floats(0, 1), min_size=4, max_size=30),
    data=st.data(),
)
def test_accuracy_threshold_is_optimal(proba, data):
    proba = np.array(proba)
    truth = np.array(data.draw(st.lists(st.integers(0, 1), min_size=proba.size,
                                        max_size=proba.size)))  # fmt: skip
    t = _choose_threshold(proba, truth, "accuracy", None)
    best = max(
        np.mean((proba >= c) == truth) for c in np.concatenate([proba, [0, 1.1]])
    )
    assert np.mean((proba >= t) == truth) == best
