import numpy as np
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_validate

from skmrs.datasets import make_mrs_cohort
from skmrs.metrics import (
    make_patient_scorers,
    patient_accuracy_score,
    patient_labels,
    patient_probabilities,
    patient_roc_auc_score,
    sensitivity_score,
    specificity_score,
)
from skmrs.model_selection import cross_validate_patients

# Hand-computed example: 4 patients.
#   patient 10: tumour, voxel probs 0.9 0.8 0.2      -> mean 0.633 -> tumour   (right)
#   patient 11: tumour, voxel probs 0.3 0.4          -> mean 0.35  -> non-tum. (wrong)
#   patient 12: non-tumour, 0.1 0.6 0.2              -> mean 0.3   -> non-tum. (right)
#   patient 13: non-tumour, 0.7                      -> mean 0.7   -> tumour   (wrong)
Y = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0])
P = np.array([0.9, 0.8, 0.2, 0.3, 0.4, 0.1, 0.6, 0.2, 0.7])
G = np.array([10, 10, 10, 11, 11, 12, 12, 12, 13])


def test_hand_computed_voxel_scores():
    pred = (P >= 0.5).astype(int)  # 1 1 0 0 0 | 0 1 0 1
    assert sensitivity_score(Y, pred) == pytest.approx(2 / 5)
    assert specificity_score(Y, pred) == pytest.approx(2 / 4)


def test_hand_computed_patient_scores():
    patients, proba = patient_probabilities(P, G)
    np.testing.assert_array_equal(patients, [10, 11, 12, 13])
    np.testing.assert_allclose(proba, [1.9 / 3, 0.35, 0.3, 0.7])
    assert patient_accuracy_score(Y, P, groups=G) == pytest.approx(0.5)
    # tumour patients (0.633, 0.35) vs non-tumour (0.3, 0.7): 3 of 4 pairs right
    assert patient_roc_auc_score(Y, P, groups=G) == pytest.approx(0.5)
    two_col = np.column_stack([1 - P, P])
    assert patient_accuracy_score(Y, two_col, groups=G) == pytest.approx(0.5)


def test_patient_auc_pairs():
    # pairs (0.633 > 0.3) yes, (0.633 > 0.7) no, (0.35 > 0.3) yes, (0.35 > 0.7) no
    assert patient_roc_auc_score(Y, P, groups=G) == pytest.approx(2 / 4)


def test_patient_label_rules():
    y = [1, 0, 0, 1, 1, 0]
    g = [1, 1, 1, 2, 2, 3]
    np.testing.assert_array_equal(patient_labels(y, g), [1, 1, 0])
    np.testing.assert_array_equal(patient_labels(y, g, rule="majority"), [0, 1, 0])
    with pytest.raises(ValueError, match="rule"):
        patient_labels(y, g, rule="vote")


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_reordering_and_renaming_patients_changes_nothing(seed):
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(Y))
    new_ids = dict(zip([10, 11, 12, 13], rng.permutation([3, 99, 7, 42])))
    g2 = np.array([new_ids[g] for g in G])[order]
    for score in (patient_accuracy_score, patient_roc_auc_score):
        assert score(Y[order], P[order], groups=g2) == pytest.approx(
            score(Y, P, groups=G)
        )


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: patient_accuracy_score(Y, P, groups=None), "groups"),
        (lambda: patient_accuracy_score(Y, P, groups=G[:-1]), "groups has 8"),
        (lambda: patient_accuracy_score(Y, np.ones((9, 3)) / 3, groups=G), "binary"),
        (lambda: patient_accuracy_score(Y, np.r_[P[:-1], np.nan], groups=G), "NaN"),
        (lambda: patient_probabilities(np.r_[np.nan, P[1:]], G), "NaN"),
        (lambda: patient_probabilities(np.r_[P[:-1], 1.2], G), r"in \[0, 1\]"),
        (lambda: patient_probabilities(np.c_[1 - P, P] - 0.5, G), r"in \[0, 1\]"),
        (lambda: patient_roc_auc_score(Y, P * 3 - 1, groups=G), r"in \[0, 1\]"),
        (lambda: patient_accuracy_score(Y, P, groups=np.r_[G[:-1], np.nan]), "NaN"),
        (lambda: sensitivity_score([0, 1, 2], [0, 1, 2]), "binary"),
        (lambda: patient_roc_auc_score(Y[:5], P[:5], groups=G[:5]), "undefined"),
    ],
)
def test_bad_input_raises_naming_the_problem(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.fixture(scope="module")
def small_cohort():
    return make_mrs_cohort(n_patients=40, random_state=0)


def test_scorers_need_routing():
    with pytest.raises(RuntimeError, match="enable_metadata_routing"):
        make_patient_scorers()


def test_routed_scorers_match_the_simple_path(small_cohort):
    X, y, groups = small_cohort.data, small_cohort.target, small_cohort.groups
    model = LogisticRegression(max_iter=300)
    simple = cross_validate_patients(model, X, y, groups=groups, cv=4)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = cross_validate(
            model, X, y, cv=GroupKFold(4), scoring=make_patient_scorers(),
            params={"groups": groups},
        )  # fmt: skip
    for name in ("sensitivity", "specificity", "roc_auc", "patient_accuracy"):
        np.testing.assert_allclose(routed[f"test_{name}"], simple[name], err_msg=name)
    np.testing.assert_allclose(
        routed["test_patient_roc_auc"], simple["patient_roc_auc"]
    )
