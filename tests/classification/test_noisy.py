"""NoiseAwareClassifier, its nnPU risk, and CleanLearningClassifier."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from skmrs.classification import (
    CleanLearningClassifier,
    NoiseAwareClassifier,
    ResNetClassifier,
    make_distillmix_pipeline,
)
from skmrs.classification._noisy import _bags, _NonNegativePULoss

TINY = dict(n_filters=4, n_blocks=2, kernel_size=5, dropout=0.0, max_epochs=15, lr=1e-2)


def _one_sided(n=160, prior=0.5, seed=0):
    """Healthy (0) and tumour (1) tissue; a share ``prior`` of the tumour-labelled
    rows is healthy tissue labelled tumour."""
    rng = np.random.default_rng(seed)
    n_clean = n // 2
    n_mixed = n - n_clean
    tissue = np.r_[np.zeros(n_clean), (rng.random(n_mixed) >= prior)].astype(int)
    X = rng.normal(size=(n, 32)).astype(np.float32)
    X[tissue == 1, 20] += 4.0
    y = np.r_[np.zeros(n_clean), np.ones(n_mixed)].astype(int)
    return X, y, tissue


def test_pu_risk_equals_the_clean_cross_entropy_when_the_mixture_is_known():
    torch.manual_seed(0)
    healthy = torch.randn(30, 2)
    tumour = torch.randn(20, 2)
    # labelled: the 30 healthy; mixture: the same 30 healthy and 20 tumour
    logits = torch.cat([healthy, healthy, tumour])
    noisy = torch.cat([torch.zeros(30), torch.ones(50)]).long()
    true = torch.cat([torch.zeros(60), torch.ones(20)]).long()
    loss = _NonNegativePULoss(prior=30 / 50, unlabelled_share=50 / 80, trusted=0)
    clean = torch.nn.functional.cross_entropy(logits, true)
    assert loss(logits, noisy).item() == pytest.approx(clean.item(), rel=1e-5)


def test_pu_risk_turns_a_negative_mixture_term_into_a_positive_step():
    # the mixture's "tumour" loss is lower than the prior share of the clean
    # class's one: the unbiased term is negative, and its negative is returned
    logits = torch.tensor([[5.0, 0.0], [5.0, 0.0], [0.0, 5.0], [0.0, 5.0]])
    noisy = torch.tensor([0, 0, 1, 1])
    loss = _NonNegativePULoss(prior=0.9, unlabelled_share=0.5, trusted=0)
    log_p = torch.log_softmax(logits, 1)
    negative = 0.5 * (-log_p[2:, 1].mean() + 0.9 * log_p[:2, 1].mean())
    assert negative.item() < 0
    assert loss(logits, noisy).item() == pytest.approx(-negative.item())


def test_members_are_seeded_apart_and_averaged():
    X, y, _ = _one_sided()
    clf = NoiseAwareClassifier(
        ResNetClassifier(**TINY),
        n_estimators=3,
        loss="nnpu",
        class_prior=0.5,
        random_state=0,
    ).fit(X, y)
    probas = [m.predict_proba(X) for m in clf.estimators_]
    np.testing.assert_allclose(clf.predict_proba(X), np.mean(probas, axis=0))
    assert not np.allclose(probas[0], probas[1])
    assert clf.class_prior_ == 0.5
    again = NoiseAwareClassifier(
        ResNetClassifier(**TINY),
        n_estimators=3,
        loss="nnpu",
        class_prior=0.5,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_auto_prior_is_estimated_out_of_fold_by_patient():
    X, y, _ = _one_sided(n=240, prior=0.5)
    groups = np.repeat(np.arange(48), 5)
    clf = NoiseAwareClassifier(
        ResNetClassifier(**TINY), n_estimators=1, loss="nnpu", cv=3, random_state=0
    ).fit(X, y, groups=groups)
    assert clf.class_prior_ == pytest.approx(0.5, abs=0.1)


def test_nnpu_ranks_tissue_better_than_its_noisy_labels_suggest():
    X, y, tissue = _one_sided(n=240, prior=0.6)
    clf = NoiseAwareClassifier(
        ResNetClassifier(**TINY),
        n_estimators=1,
        loss="nnpu",
        class_prior=0.6,
        random_state=0,
    ).fit(X, y)
    proba = clf.predict_proba(X)[:, 1]
    # healthy tissue labelled tumour is scored near the clean healthy tissue,
    # not near the tumour tissue (cross-entropy on these labels gives ~0.9)
    mislabelled = (y == 1) & (tissue == 0)
    assert proba[mislabelled].mean() < 0.2 < proba[tissue == 1].mean()


def test_ce_loss_takes_any_classifier_and_more_classes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = np.repeat([0, 1, 2], 20)
    clf = NoiseAwareClassifier(LogisticRegression(), loss="ce", n_estimators=2)
    assert clf.fit(X, y).predict_proba(X).shape == (60, 3)
    assert clf.class_prior_ is None


@pytest.mark.parametrize("loss", ["nnpu", "mil"])
@pytest.mark.parametrize(
    "params, y, error, match",
    [
        ({"estimator": LogisticRegression()}, [0, 1], TypeError, "ResNetClassifier"),
        ({}, [0, 1, 2], ValueError, "Only binary"),
        ({"trusted_class": 5}, [0, 1], ValueError, "trusted_class=5"),
    ],
)
def test_bad_settings_are_refused(params, y, error, match, loss):
    X = np.random.default_rng(0).normal(size=(30, 8)).astype(np.float32)
    y = np.resize(y, 30)
    groups = np.arange(30) // 3
    with pytest.raises(error, match=match):
        NoiseAwareClassifier(**params, loss=loss, class_prior=0.5).fit(
            X, y, groups=groups
        )


def _bagged(n_patients=60, per_patient=8, prior=0.6, seed=0):
    """Patients as bags: half of them tumour patients, every spectrum of one
    labelled tumour, a share ``1 - prior`` of them tumour tissue."""
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(n_patients), per_patient)
    y = (groups < n_patients // 2).astype(int)
    tissue = (y == 1) & (rng.random(len(y)) >= prior)
    X = rng.normal(size=(len(y), 32)).astype(np.float32)
    X[tissue, 20] += 3.0
    return X, y, tissue, groups


def test_bags_are_one_patients_spectra_of_the_noisy_class():
    y = np.array([1, 1, 0, 1, 0, 0, 1])
    groups = np.array([7, 7, 7, 3, 3, 5, 7])
    bags = _bags(y, groups, trusted_label=0)
    assert [b.tolist() for b in bags] == [[3], [0, 1, 6]]


def test_mil_needs_groups():
    X, y, _, _ = _bagged()
    with pytest.raises(ValueError, match="loss='mil' needs groups"):
        NoiseAwareClassifier(ResNetClassifier(**TINY), loss="mil", class_prior=0.6).fit(
            X, y
        )


def test_mil_trains_later_epochs_on_each_bags_witnesses_only():
    X, y, tissue, groups = _bagged()
    clf = NoiseAwareClassifier(
        ResNetClassifier(**TINY),
        n_estimators=1,
        loss="mil",
        class_prior=0.6,
        random_state=0,
    ).fit(X, y, groups=groups)
    history = clf.estimators_[0].net_.history
    seen = [epoch["batches"][0]["train_batch_size"] for epoch in history]
    # warm-up: the first third (5 of 15 epochs) on every spectrum; then every
    # non-tumour spectrum and ceil(0.4 * 8) = 4 of each tumour patient's 8
    assert seen[:5] == [len(y)] * 5
    assert seen[5:] == [int((y == 0).sum()) + 30 * 4] * 10
    assert clf.class_prior_ == 0.6
    # healthy spectra labelled tumour score lower than cross-entropy scores them
    ce = NoiseAwareClassifier(
        ResNetClassifier(**TINY), n_estimators=1, loss="ce", random_state=0
    ).fit(X, y)
    mislabelled = (y == 1) & ~tissue
    p_mil, p_ce = clf.predict_proba(X)[:, 1], ce.predict_proba(X)[:, 1]
    assert p_mil[mislabelled].mean() < p_ce[mislabelled].mean() - 0.1
    assert p_mil[tissue].mean() > p_mil[mislabelled].mean() + 0.2


def test_usable_as_the_distillmix_classifier():
    X, y, _ = _one_sided()
    pipe = make_distillmix_pipeline(
        distiller="passthrough",
        classifier=NoiseAwareClassifier(
            ResNetClassifier(**TINY), n_estimators=2, class_prior=0.5
        ),
        random_state=0,
    ).fit(X, y)
    assert pipe.predict_proba(X).shape == (len(X), 2)


def test_cleanlab_never_flags_the_trusted_class_and_refits_on_the_rest():
    pytest.importorskip("cleanlab", reason="cleanlab is an optional extra (noisy)")
    X, y, tissue = _one_sided(n=200, prior=0.5)
    X = X.astype(float)
    groups = np.repeat(np.arange(40), 5)
    clf = CleanLearningClassifier(LogisticRegression(), cv=4, trusted_class=0).fit(
        X, y, groups=groups
    )
    issues = clf.label_issues_
    assert not issues[y == 0].any()
    assert issues[(y == 1) & (tissue == 0)].mean() > issues[tissue == 1].mean()
    weights = clf.sample_weight_
    kept = LogisticRegression().fit(
        X[~issues], y[~issues], sample_weight=weights[~issues]
    )
    np.testing.assert_allclose(clf.predict_proba(X), kept.predict_proba(X))


def test_cleanlab_missing_is_a_clear_import_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_cleanlab(name, *args, **kwargs):
        if name.startswith("cleanlab"):
            raise ImportError("no cleanlab")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_cleanlab)
    X, y, _ = _one_sided(n=40)
    with pytest.raises(ImportError, match=r"skmrs\[noisy\]"):
        CleanLearningClassifier(LogisticRegression()).fit(X, y)


_SPAWNED_CLEANLAB = """
import multiprocessing as mp
import numpy as np
from sklearn.linear_model import LogisticRegression
from skmrs.classification import CleanLearningClassifier
if __name__ == "__main__":
    mp.set_start_method("spawn", force=True)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 8))
    y = (X[:, 0] + rng.normal(size=400) > 0).astype(int)
    clf = CleanLearningClassifier(LogisticRegression(), cv=3, trusted_class=0)
    clf.fit(X, y, groups=np.arange(400) // 4)
    print("flagged", int(clf.label_issues_.sum()))
"""


def test_cleanlab_works_where_processes_are_spawned(tmp_path):
    # The default start method on macOS and, from Python 3.14, on Linux.
    # cleanlab's own process pool raised NameError in spawned workers.
    pytest.importorskip("cleanlab", reason="cleanlab is an optional extra (noisy)")
    import subprocess
    import sys

    script = tmp_path / "spawned.py"
    script.write_text(_SPAWNED_CLEANLAB)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("flagged")


def test_snapshots_are_the_last_epochs_of_one_run():
    X, y, _ = _one_sided()
    tiny = dict(TINY, max_epochs=6)
    clf = NoiseAwareClassifier(
        ResNetClassifier(**tiny), n_estimators=2, n_snapshots=3, random_state=0
    ).fit(X, y)
    assert len(clf.estimators_) == 6
    assert [m.n_iter_ for m in clf.estimators_] == [4, 5, 6] * 2
    np.testing.assert_allclose(
        clf.predict_proba(X), np.mean([m.predict_proba(X) for m in clf.estimators_], 0)
    )
    # the last snapshot of each member is the network fit() would train
    single = NoiseAwareClassifier(
        ResNetClassifier(**tiny), n_estimators=2, random_state=0
    ).fit(X, y)
    for last, whole in zip(clf.estimators_[2::3], single.estimators_, strict=True):
        np.testing.assert_allclose(last.predict_proba(X), whole.predict_proba(X))
    # earlier snapshots are other networks, not references to the last one
    assert not np.allclose(
        clf.estimators_[0].predict_proba(X), clf.estimators_[2].predict_proba(X)
    )


@pytest.mark.parametrize(
    "estimator, error, match",
    [
        (LogisticRegression(), TypeError, "needs partial_fit and a max_epochs"),
        (ResNetClassifier(**dict(TINY, max_epochs=2)), ValueError, "exceeds"),
    ],
)
def test_bad_snapshot_settings_are_refused(estimator, error, match):
    X, y, _ = _one_sided(n=40)
    with pytest.raises(error, match=match):
        NoiseAwareClassifier(estimator, n_snapshots=3).fit(X, y)


def test_snapshot_and_mil_models_survive_a_model_file(tmp_path):
    from skmrs.io import load_model, save_model

    X, y, _, groups = _bagged(n_patients=20)
    clf = NoiseAwareClassifier(
        ResNetClassifier(**dict(TINY, max_epochs=4)),
        n_estimators=1,
        n_snapshots=2,
        loss="mil",
        class_prior=0.6,
        random_state=0,
    ).fit(X, y, groups=groups)
    save_model(clf, tmp_path / "model.skmrs")
    again = load_model(tmp_path / "model.skmrs")
    assert len(again.estimators_) == 2
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X), rtol=1e-6)
