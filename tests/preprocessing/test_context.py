"""PatientContextTransformer: a patient's rows depend on that patient alone."""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skmrs.preprocessing import PatientContextTransformer


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 8))
    groups = np.repeat([3, 7, 11], 10)
    return X, groups


def test_other_patients_spectra_do_not_change_a_row():
    X, groups = _data()
    before = PatientContextTransformer().fit(X).transform(X, groups=groups)
    changed = X.copy()
    others = groups != 7
    changed[others] = np.random.default_rng(1).normal(size=(others.sum(), 8)) * 50
    after = PatientContextTransformer().fit(changed).transform(changed, groups=groups)
    np.testing.assert_array_equal(after[groups == 7], before[groups == 7])
    assert not np.allclose(after[others], before[others])


def test_output_is_the_spectrum_and_its_difference_from_the_patient_median():
    X, groups = _data()
    out = PatientContextTransformer().fit_transform(X, groups=groups)
    assert out.shape == (30, 16)
    np.testing.assert_array_equal(out[:, :8], X)
    rows = groups == 11
    np.testing.assert_allclose(out[rows, 8:], X[rows] - np.median(X[rows], axis=0))


def test_patients_scored_alone_or_together_agree():
    X, groups = _data()
    together = PatientContextTransformer().fit_transform(X, groups=groups)
    order = np.random.default_rng(2).permutation(len(X))
    shuffled = PatientContextTransformer().fit_transform(X[order], groups=groups[order])
    np.testing.assert_allclose(shuffled, together[order])
    rows = groups == 3
    alone = PatientContextTransformer().fit_transform(X[rows])  # one scan, no groups
    np.testing.assert_allclose(alone, together[rows])


def test_groups_are_routed_through_a_pipeline():
    X, groups = _data()
    y = np.tile([0, 1], 15)
    with config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            PatientContextTransformer()
            .set_fit_request(groups=True)
            .set_transform_request(groups=True),
            LogisticRegression(),
        )
        pipe.fit(X, y, groups=groups)
        proba = pipe.predict_proba(X, groups=groups)
    expected = (
        LogisticRegression()
        .fit(PatientContextTransformer().fit_transform(X, groups=groups), y)
        .predict_proba(PatientContextTransformer().fit_transform(X, groups=groups))
    )
    np.testing.assert_allclose(proba, expected)


def test_groups_of_the_wrong_length_are_refused():
    X, groups = _data()
    with pytest.raises(ValueError, match="one patient id per spectrum"):
        PatientContextTransformer().fit(X).transform(X, groups=groups[:-1])
