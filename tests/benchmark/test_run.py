import json
import os
from pathlib import Path

import numpy as np
import pytest
import sklearn
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

import skmrs
from skmrs import DistillMixClassifier, ResNetClassifier
from skmrs.benchmark import default_models, run_benchmark
from skmrs.cli import main
from skmrs.datasets import make_mrs_cohort


@pytest.fixture(scope="module")
def cohort():
    return make_mrs_cohort(n_patients=24, random_state=0)


def _models():
    return {
        "LR": LogisticRegression(max_iter=300),
        "RF": RandomForestClassifier(n_estimators=10),
    }


class _CountingLR(ClassifierMixin, BaseEstimator):
    """Logistic regression that appends its seed to a log file at each fit.

    A file, not a list in memory, so fits in worker processes count too.
    """

    def __init__(self, log=None, random_state=None):
        self.log = log
        self.random_state = random_state

    def fit(self, X, y):
        with open(self.log, "a") as fh:
            fh.write(f"{self.random_state}\n")
        self.lr_ = LogisticRegression(max_iter=300).fit(X, y)
        self.classes_ = self.lr_.classes_
        return self

    def predict_proba(self, X):
        return self.lr_.predict_proba(X)


def test_every_model_seed_and_fold_is_scored(cohort, tmp_path):
    res = run_benchmark(
        cohort.data, cohort.target, cohort.groups, _models(), n_splits=3,
        seeds=(0, 1), y_true=cohort.target_true,
    )  # fmt: skip
    assert len(res.records) == 2 * 2 * 3
    assert {(r["model"], r["seed"], r["fold"]) for r in res.records} == {
        (m, s, f) for m in ("LR", "RF") for s in (0, 1) for f in range(3)
    }
    table = res.format_table()
    assert "AUC (true)" in table and "RF" in table and "+-" in table
    files = res.save(tmp_path)
    assert all(path.exists() for path in files.values())
    header = (tmp_path / "folds.csv").read_text().splitlines()[0]
    assert header.startswith("model,seed,fold,sensitivity")
    environment = json.loads(files["results.json"].read_text())["environment"]
    assert environment["torch"] == torch.__version__
    assert environment["numpy"] == np.__version__
    assert environment["sklearn"] == sklearn.__version__
    assert environment["skmrs"] == skmrs.__version__
    assert environment["cpu"] and environment["platform"]
    assert environment["torch_cpu_capability"]
    # the figure says it pools the folds, and names the class
    ax = res.plot_roc()
    assert "pooled over folds" in ax.get_title()
    assert "tumour called tumour" in ax.get_ylabel()
    assert "Positive label" not in ax.get_xlabel() + ax.get_ylabel()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("LR (pooled AUC = ") for t in legend)
    # the seeds reach the models: two RF runs on one fold differ
    rf = [r["roc_auc"] for r in res.records if r["model"] == "RF" and r["fold"] == 0]
    assert rf[0] != rf[1]


def _without_fit_time(table):
    """The table's lines, less the last column (mean fit time) of its rows."""
    return [line if line.startswith("  ") else line[:-8] for line in table.splitlines()]


def test_a_restarted_run_skips_finished_jobs(cohort, tmp_path):
    log = tmp_path / "fits.log"
    model = {"LR": _CountingLR(log=str(log))}
    args = (cohort.data, cohort.target, cohort.groups, model)
    out = tmp_path / "run"
    first = run_benchmark(*args, n_splits=3, seeds=(0, 1), output_dir=out)
    assert len(log.read_text().split()) == 6
    # a killed run lost one job; the restart fits that one only
    (out / "jobs" / "LR__seed1__fold2.npz").unlink()
    log.unlink()
    second = run_benchmark(*args, n_splits=3, seeds=(0, 1), output_dir=out)
    assert log.read_text().split() == ["1"]
    # fit_time is a measurement: the resumed jobs keep their stored one, the
    # re-run job is timed anew; everything else is reproduced exactly.
    for a, b in zip(first.records, second.records, strict=True):
        if (b["model"], b["seed"], b["fold"]) == ("LR", 1, 2):
            a, b = ({k: r[k] for k in r if k != "fit_time"} for r in (a, b))
        assert a == b
    assert _without_fit_time(second.format_table()) == _without_fit_time(
        first.format_table()
    )
    for key in first.predictions:
        np.testing.assert_array_equal(first.predictions[key], second.predictions[key])


def test_a_folder_of_another_configuration_is_refused(cohort, tmp_path):
    model = {"LR": _CountingLR(log=str(tmp_path / "fits.log"))}
    args = (cohort.data, cohort.target, cohort.groups, model)
    run_benchmark(*args, n_splits=3, seeds=(0,), output_dir=tmp_path / "run")
    with pytest.raises(ValueError, match="different configuration"):
        run_benchmark(*args, n_splits=4, seeds=(0,), output_dir=tmp_path / "run")


def test_dask_cluster_gives_the_local_results(cohort):
    distributed = pytest.importorskip("distributed")
    local = run_benchmark(
        cohort.data, cohort.target, cohort.groups, _models(), n_splits=3, seeds=(0,)
    )
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://",
        host="127.0.0.1", dashboard_address=None,
    ) as cluster:  # fmt: skip
        remote = run_benchmark(
            cohort.data, cohort.target, cohort.groups, _models(), n_splits=3,
            seeds=(0,), dask_scheduler=cluster.scheduler_address,
        )  # fmt: skip
    assert cluster.scheduler_address.startswith("tcp://127.0.0.1")
    for a, b in zip(local.records, remote.records):
        assert {k: a[k] for k in a if k != "fit_time"} == {
            k: b[k] for k in b if k != "fit_time"
        }


@pytest.mark.parametrize(
    "change, match",
    [
        (dict(groups=None), "groups"),
        (dict(groups="short"), "groups has"),
        (dict(n_splits=40), "patients but 40 folds"),
        (dict(y="one class"), "two classes"),
        (dict(models={"SVC": LinearSVC()}), "predict_proba"),
        (dict(X="nan"), "NaN"),
        (dict(engine="gpu"), "engine must be one of"),
        (dict(engine="batched"), "'batched' was removed in skmrs 0.4"),
        (dict(engine=object()), "engine must be 'sequential'"),
    ],
)
def test_bad_input_is_a_clear_error(cohort, change, match):
    kwargs = dict(
        X=cohort.data.copy(), y=cohort.target, groups=cohort.groups,
        models={"LR": LogisticRegression()}, n_splits=3, seeds=(0,),
    )  # fmt: skip
    kwargs.update(change)
    if change.get("groups") == "short":
        kwargs["groups"] = cohort.groups[:5]
    if change.get("y") == "one class":
        kwargs["y"] = np.zeros_like(cohort.target)
    if change.get("X") == "nan":
        kwargs["X"] = cohort.data.copy()
        kwargs["X"][3, 4] = np.nan
    with pytest.raises(ValueError, match=match):
        run_benchmark(**kwargs)


def test_default_models_are_the_papers_rows():
    models = default_models("paper")
    assert list(models) == [
        "SVM", "RF", "ResNet", "Noise", "DistillMix-same", "DistillMix-other",
        "DistillMix-both",
    ]  # fmt: skip
    assert models["RF"].get_params()["n_estimators"] == 500
    assert models["RF"].get_params()["criterion"] == "entropy"
    assert models["DistillMix-other"].get_params()["strategy"] == "other"
    assert models["ResNet"].get_params()["kernel_size"] == 32
    with pytest.raises(ValueError, match="preset"):
        default_models("huge")


def test_cli_benchmark_on_simulated_and_own_data(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["benchmark", "--models", "RF", "--n-patients", "20", "--n-splits", "3",
            "--seeds", "0", "--output", str(out), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "GroupKFold(3)" in text and "RF" in text
    assert (out / "summary.csv").exists() and (out / "roc.png").exists()
    cohort = make_mrs_cohort(n_patients=15, random_state=1)
    table = tmp_path / "mine.npz"
    np.savez(table, X=cohort.data, label=cohort.target, patient=cohort.groups)
    own = str(tmp_path / "own")
    argv = ["benchmark", "--models", "RF", "--data", str(table), "--n-splits", "3",
            "--seeds", "0", "--output", own, "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    assert "mine.npz" in capsys.readouterr().out
    np.savez(table, X=cohort.data, label=cohort.target)
    argv[argv.index("--output") + 1] = str(tmp_path / "bad")
    assert main(argv) == 2
    assert "patient" in capsys.readouterr().err
    assert main(["benchmark", "--models", "XGB", "--n-patients", "20"]) == 2
    assert "XGB" in capsys.readouterr().err


def test_cli_verbose_prints_every_epoch(tmp_path, capsys):
    argv = ["benchmark", "--models", "ResNet", "--n-patients", "12", "--n-splits",
            "2", "--seeds", "0", "--output", str(tmp_path), "--no-progress",
            "--verbose", "--n-jobs", "1"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "train_loss" in out
    # one epoch log per network: 2 folds (in-process with --n-jobs 1)
    assert out.count("train_loss") == 2


def test_cli_summarises_the_distiller_instead_of_warning_per_fit(tmp_path, capsys):
    argv = ["benchmark", "--models", "DistillMix-both", "--n-patients", "12",
            "--n-splits", "2", "--seeds", "0", "--output", str(tmp_path),
            "--no-progress", "--n-jobs", "1"]  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "DistillMix-both: the distiller kept" in captured.out
    assert "fallback rule filled a class in" in captured.out
    assert "DistillationWarning" not in captured.err


@pytest.mark.filterwarnings("ignore::skmrs.sampling.DistillationWarning")
def test_network_rows_are_identical_when_rerun_in_one_process(cohort):
    # Same machine, same versions: identical numbers (across CPUs they are not,
    # so no test compares them with numbers stored from another machine).
    tiny = dict(n_filters=4, n_blocks=2, kernel_size=5, max_epochs=2, batch_size=64)
    models = {
        "ResNet": ResNetClassifier(**tiny),
        "DistillMix": DistillMixClassifier(
            ResNetClassifier(**tiny), distill_epochs=1, augment_factor=1
        ),
    }
    runs = [
        run_benchmark(
            cohort.data, cohort.target, cohort.groups, models, n_splits=2, seeds=(3,)
        )
        for _ in range(2)
    ]
    for key, proba in runs[0].predictions.items():
        np.testing.assert_array_equal(proba, runs[1].predictions[key])
    for first, second in zip(runs[0].records, runs[1].records):
        assert first["roc_auc"] == second["roc_auc"]


# ------------------------------------------------ the output folder (issue 26)
class _InterruptedLR(_CountingLR):
    """Counts its fits, and presses Ctrl-C at the third while ``<log>.stop`` exists."""

    def fit(self, X, y):
        super().fit(X, y)
        stop = Path(self.log + ".stop")
        if stop.exists() and len(Path(self.log).read_text().split()) == 3:
            raise KeyboardInterrupt
        return self


def _fits(log):
    return len(log.read_text().split()) if log.exists() else 0


def test_ctrl_c_says_how_many_jobs_are_saved_and_a_rerun_resumes(cohort, tmp_path):
    log, out = tmp_path / "fits.log", tmp_path / "run"
    (tmp_path / "fits.log.stop").touch()
    args = (
        cohort.data,
        cohort.target,
        cohort.groups,
        {"LR": _InterruptedLR(log=str(log))},
    )
    with pytest.raises(
        KeyboardInterrupt, match=r"^(\d) of 6 jobs saved in .*rerun"
    ) as e:
        run_benchmark(*args, n_splits=3, seeds=(0, 1), output_dir=out)
    n_saved = int(str(e.value)[0])
    assert 0 < n_saved < 3
    assert len(list((out / "jobs").glob("*.npz"))) == n_saved
    assert not (out / ".lock").exists()  # the lock goes with the run
    (tmp_path / "fits.log.stop").unlink()
    log.unlink()
    res = run_benchmark(*args, n_splits=3, seeds=(0, 1), output_dir=out)
    assert _fits(log) == 6 - n_saved  # the jobs not saved, no more
    assert len(res.records) == 6


def test_cli_ctrl_c_is_one_line_and_exit_code_130(monkeypatch, tmp_path, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt("3 of 14 jobs saved in out; rerun to resume")

    monkeypatch.setattr("skmrs.benchmark.run_benchmark", interrupted)
    argv = ["benchmark", "--n-patients", "6", "--models", "SVM", "--n-splits",
            "2", "--seeds", "0", "--output", str(tmp_path / "b"),
            "--no-progress"]  # fmt: skip
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert err == "skmrs: interrupted: 3 of 14 jobs saved in out; rerun to resume\n"


def test_a_damaged_job_record_is_refitted_with_a_warning(cohort, tmp_path):
    log, out = tmp_path / "fits.log", tmp_path / "run"
    args = (
        cohort.data,
        cohort.target,
        cohort.groups,
        {"LR": _CountingLR(log=str(log))},
    )
    first = run_benchmark(*args, n_splits=3, seeds=(0,), output_dir=out)
    record = out / "jobs" / "LR__seed0__fold1.npz"
    record.write_bytes(record.read_bytes()[: record.stat().st_size // 2])  # disk full
    (out / "jobs" / "LR__seed0__fold2.npz").write_bytes(b"")
    log.unlink()
    with pytest.warns(UserWarning, match=r"LR__seed0__fold1\.npz is damaged"):
        second = run_benchmark(*args, n_splits=3, seeds=(0,), output_dir=out)
    assert _fits(log) == 2
    for a, b in zip(first.records, second.records, strict=True):
        assert {k: a[k] for k in a if k != "fit_time"} == {
            k: b[k] for k in b if k != "fit_time"
        }


def test_an_empty_config_from_a_killed_run_is_written_afresh(cohort, tmp_path):
    log, out = tmp_path / "fits.log", tmp_path / "run"
    args = (
        cohort.data,
        cohort.target,
        cohort.groups,
        {"LR": _CountingLR(log=str(log))},
    )
    run_benchmark(*args, n_splits=3, seeds=(0,), output_dir=out)
    (out / "config.json").write_text("")
    log.unlink()
    with pytest.warns(UserWarning, match=r"config\.json is damaged"):
        run_benchmark(*args, n_splits=3, seeds=(0,), output_dir=out)
    assert _fits(log) == 0  # each record carries the configuration it belongs to
    assert json.loads((out / "config.json").read_text())["fingerprint"]
    # a record of another configuration is not trusted once config.json is lost
    (out / "config.json").write_text("{")
    with pytest.warns(UserWarning, match="of another configuration; refitting"):
        run_benchmark(*args, n_splits=4, seeds=(0,), output_dir=out)
    assert _fits(log) == 4


def test_a_folder_in_use_is_refused_and_a_stale_lock_taken_over(cohort, tmp_path):
    import os
    import subprocess
    import sys

    out = tmp_path / "run"
    out.mkdir()
    args = (cohort.data, cohort.target, cohort.groups, _models())
    (out / ".lock").write_text(f"{os.getpid()} host\n")  # a living process
    with pytest.raises(ValueError, match=rf"in use by another .*process {os.getpid()}"):
        run_benchmark(*args, n_splits=2, seeds=(0,), output_dir=out)
    code = "import os; print(os.getpid())"
    dead = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    (out / ".lock").write_text(f"{dead} host\n")
    with pytest.warns(UserWarning, match=rf"lock left by process {dead}"):
        res = run_benchmark(*args, n_splits=2, seeds=(0,), output_dir=out)
    assert len(res.records) == 4 and not (out / ".lock").exists()


def test_records_are_written_under_a_name_unique_to_the_process(tmp_path):
    from skmrs.benchmark._store import _atomic_write

    target = tmp_path / "config.json"
    target.write_text("old")
    seen = []

    def failing(fh):
        seen.append(fh.name)
        fh.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        _atomic_write(target, failing)
    assert target.read_text() == "old"  # never half of a file
    assert str(os.getpid()) in Path(seen[0]).name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]
