"""The clean-label oracle row and the gap-closed column."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skmrs.benchmark import BenchmarkResult, OracleClassifier, gap_closed, run_benchmark
from skmrs.datasets import make_mrs_cohort


@pytest.fixture(scope="module")
def cohort():
    return make_mrs_cohort(n_patients=24, random_state=0)


def test_oracle_row_is_trained_on_the_true_labels(cohort):
    lr = LogisticRegression(max_iter=300)
    res = run_benchmark(
        cohort.data, cohort.target, cohort.groups,
        {"LR": lr, "Oracle": OracleClassifier(lr)},
        n_splits=3, seeds=(0,), y_true=cohort.target_true,
    )  # fmt: skip
    from skmrs.model_selection import patient_splits

    splits, _ = patient_splits(3, cohort.data, cohort.target, cohort.groups)
    train, test = splits[0]
    X = cohort.data.astype(np.float32)
    on_truth = LogisticRegression(max_iter=300).fit(X[train], cohort.target_true[train])
    on_noise = LogisticRegression(max_iter=300).fit(X[train], cohort.target[train])
    np.testing.assert_allclose(
        res.predictions[("Oracle", 0)][test], on_truth.predict_proba(X[test])[:, 1]
    )
    np.testing.assert_allclose(
        res.predictions[("LR", 0)][test], on_noise.predict_proba(X[test])[:, 1]
    )
    assert not np.allclose(res.predictions[("Oracle", 0)], res.predictions[("LR", 0)])


def test_oracle_row_without_true_labels_is_refused(cohort):
    with pytest.raises(ValueError, match="needs the true labels"):
        run_benchmark(
            cohort.data, cohort.target, cohort.groups,
            {"Oracle": OracleClassifier(LogisticRegression())},
            n_splits=3, seeds=(0,),
        )  # fmt: skip


def test_oracle_alone_fits_the_labels_it_is_given():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5))
    y = (X[:, 0] > 0).astype(int)
    oracle = OracleClassifier(LogisticRegression()).fit(X, y)
    np.testing.assert_allclose(
        oracle.predict_proba(X), LogisticRegression().fit(X, y).predict_proba(X)
    )
    assert oracle.trains_on_true_labels


def _result(aucs):
    records = [
        {"model": m, "seed": 0, "fold": f, "roc_auc_true": a}
        for m, per_fold in aucs.items()
        for f, a in enumerate(per_fold)
    ]
    return BenchmarkResult(records, {}, np.zeros(2), np.zeros(2))


def test_gap_closed_is_computed_per_fold_then_averaged():
    res = _result(
        {
            "ResNet": [0.80, 0.90, 0.70],
            "Oracle": [0.90, 0.94, 0.70],
            "New": [0.85, 0.86, 0.75],
        }
    )
    gap = gap_closed(res)["New"]
    # fold 2 has no gap to close (oracle == plain): NaN, left out of the mean
    np.testing.assert_allclose(gap["per_fold"], [0.5, -1.0, np.nan])
    assert gap["mean"] == pytest.approx(-0.25)
    assert gap["sd"] == pytest.approx(0.75)
    assert set(gap_closed(res)) == {"New"}
    assert gap_closed(res, oracle="missing") == {}
