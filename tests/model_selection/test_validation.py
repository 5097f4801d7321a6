import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    LeaveOneGroupOut,
    StratifiedGroupKFold,
)

from skmrs.datasets import make_mrs_cohort
from skmrs.model_selection import cross_validate_patients, patient_splits


@pytest.fixture(scope="module")
def cohort():
    return make_mrs_cohort(n_patients=30, random_state=1)


class _Spy(ClassifierMixin, BaseEstimator):
    """Records which rows (by their first feature) it was trained on."""

    seen: list = []

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        _Spy.seen.append(set(X[:, 0].tolist()))
        return self

    def predict_proba(self, X):
        return np.tile([0.5, 0.5], (len(X), 1))


def test_no_patient_is_on_both_sides_of_a_split(cohort):
    X = cohort.data.astype(float).copy()
    X[:, 0] = np.arange(len(X))  # row ids
    _Spy.seen = []
    cross_validate_patients(_Spy(), X, cohort.target, groups=cohort.groups, cv=5)
    for train_rows, (_, test) in zip(
        _Spy.seen, GroupKFold(5).split(X, cohort.target, cohort.groups)
    ):
        train_patients = set(cohort.groups[list(map(int, train_rows))])
        assert not train_patients & set(cohort.groups[test])


def test_returns_a_score_per_fold_and_predictions(cohort):
    res = cross_validate_patients(
        DummyClassifier(strategy="prior"), cohort.data, cohort.target,
        groups=cohort.groups, cv=3, return_predictions=True,
    )  # fmt: skip
    for name in ("sensitivity", "specificity", "roc_auc", "patient_accuracy"):
        assert res[name].shape == (3,)
    np.testing.assert_allclose(res["roc_auc"], 0.5)
    assert res["y_proba"].shape == (len(cohort.target), 2)


def test_fewer_patients_than_folds(cohort):
    with pytest.raises(ValueError, match="30 patients but 40 folds"):
        cross_validate_patients(
            DummyClassifier(), cohort.data, cohort.target, groups=cohort.groups, cv=40
        )


@pytest.mark.parametrize(
    "groups, match", [(None, "groups"), (np.arange(3), "groups has 3 entries")]
)
def test_missing_or_short_groups(cohort, groups, match):
    with pytest.raises(ValueError, match=match):
        cross_validate_patients(
            DummyClassifier(), cohort.data, cohort.target, groups=groups
        )


def test_one_class_test_fold_is_a_stated_nan(cohort):
    y = cohort.target.copy()
    g = cohort.groups
    # make fold 0 (by GroupKFold) hold non-tumour patients only
    first_test = next(GroupKFold(3).split(cohort.data, y, g))[1]
    y[first_test] = 0
    with pytest.warns(UserWarning, match="fold 0: only class"):
        res = cross_validate_patients(
            DummyClassifier(strategy="prior"), cohort.data, y, groups=g, cv=3
        )
    assert np.isnan(res["roc_auc"][0])
    assert any("fold 0" in note for note in res["notes"])
    assert np.isfinite(res["roc_auc"][1:]).all()


def test_needs_two_classes_and_predict_proba(cohort):
    with pytest.raises(ValueError, match="two classes"):
        cross_validate_patients(
            DummyClassifier(), cohort.data, np.zeros_like(cohort.target),
            groups=cohort.groups,
        )  # fmt: skip
    from sklearn.svm import LinearSVC

    with pytest.raises(ValueError, match="predict_proba"):
        cross_validate_patients(
            LinearSVC(), cohort.data, cohort.target, groups=cohort.groups
        )


@pytest.mark.parametrize("cv", [KFold(4), KFold(3, shuffle=True, random_state=0)])
def test_a_splitter_that_leaks_patients_is_refused(cohort, cv):
    with pytest.raises(ValueError, match=r"KFold\(.*\) puts patient .* both"):
        cross_validate_patients(
            DummyClassifier(), cohort.data, cohort.target, groups=cohort.groups, cv=cv
        )
    with pytest.raises(ValueError, match="KFold"):
        patient_splits(cv, cohort.data, cohort.target, cohort.groups)


def test_leak_check_names_a_patient_that_leaks():
    y = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    groups = np.array(["a", "a", "b", "b", "c", "c", "d", "d"])
    # patient "b" has one spectrum in each fold's test part
    splits = [(np.array([0, 1, 3, 6, 7]), np.array([2, 4, 5])),
              (np.array([2, 4, 5]), np.array([0, 1, 3, 6, 7]))]  # fmt: skip
    with pytest.raises(ValueError, match="patient 'b'"):
        patient_splits(splits, np.zeros((8, 2)), y, groups)


def test_group_splitters_and_ints_pass_the_leak_check(cohort):
    for cv in (3, GroupKFold(3), StratifiedGroupKFold(3), LeaveOneGroupOut()):
        splits, groups = patient_splits(cv, cohort.data, cohort.target, cohort.groups)
        for train, test in splits:
            assert not set(groups[train]) & set(groups[test])
