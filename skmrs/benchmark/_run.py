"""The Table-2 benchmark: models x seeds x leave-patients-out folds, resumable."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.utils.validation import check_consistent_length, column_or_1d

from ..metrics._patient import _check_not_missing
from ..model_selection import patient_splits
from ..model_selection._validation import SCORE_NAMES, _score_fold
from ..utils import set_random_states

TABLE_COLUMNS = ("sensitivity", "specificity", "roc_auc", "patient_accuracy")
_HEADERS = {
    "sensitivity": "SEN",
    "specificity": "SPE",
    "roc_auc": "AUC",
    "patient_accuracy": "patient acc",
    "roc_auc_true": "AUC (true)",
}


def _seeded(estimator, seed: int):
    """A clone with every ``random_state`` (nested ones too) set to ``seed``."""
    return set_random_states(clone(estimator), seed)


def _run_job(name, estimator, X, y, groups, y_true, train, test, seed, fold):
    """Fit one model on one fold with one seed; return scores and predictions."""
    est = _seeded(estimator, seed)
    start = time.perf_counter()
    est.fit(X[train], y[train])
    fit_time = time.perf_counter() - start
    record, test, proba = _score_job(
        name, est, X, y, groups, y_true, test, seed, fold, fit_time
    )
    distiller = getattr(est, "distiller_", None)
    if distiller is not None:
        record["n_distilled"] = int(len(distiller.sample_indices_))
        record["n_train"] = int(len(train))
        record["n_fallback_classes"] = int(len(distiller.fallback_classes_))
    return record, test, proba


def _score_job(name, est, X, y, groups, y_true, test, seed, fold, fit_time):
    """Score one fitted model on its test fold; return scores and predictions."""
    proba = est.predict_proba(X[test])
    classes = np.asarray(est.classes_)
    pos_label = 1 if 1 in classes else classes[-1]
    scores, notes = _score_fold(y[test], proba, groups[test], classes, pos_label)
    if y_true is not None:
        yt = y_true[test]
        p_pos = proba[:, int(np.flatnonzero(classes == pos_label)[0])]
        if np.unique(yt).size == 2:
            scores["roc_auc_true"] = float(roc_auc_score(yt == pos_label, p_pos))
        else:
            scores["roc_auc_true"] = float("nan")
            notes.append(
                "one class in target_true of the test fold: AUC (true) undefined"
            )
    scores["fit_time"] = fit_time
    record = {"model": name, "seed": seed, "fold": fold, **scores, "notes": notes}
    return record, test, proba[:, int(np.flatnonzero(classes == pos_label)[0])]


class BenchmarkResult:
    """Per-fold scores, out-of-fold predictions and the summary table.

    Attributes
    ----------
    records : list of dict
        One row per (model, seed, fold): the scores, ``fit_time`` and notes.
    predictions : dict of (str, int) to ndarray
        Out-of-fold tumour probability of every spectrum, per (model, seed).
    y : ndarray
        The labels the predictions are scored against.
    """

    def __init__(self, records, predictions, y, y_true=None, description=""):
        self.records = records
        self.predictions = predictions
        self.y = y
        self.y_true = y_true
        self.description = description

    @property
    def models(self) -> list[str]:
        seen = []
        for r in self.records:
            if r["model"] not in seen:
                seen.append(r["model"])
        return seen

    def summary(self) -> list[dict]:
        """Mean and sd over folds and seeds of every score, per model."""
        columns = list(TABLE_COLUMNS) + ["patient_roc_auc"]
        if self.y_true is not None:
            columns.append("roc_auc_true")
        rows = []
        for model in self.models:
            recs = [r for r in self.records if r["model"] == model]
            row = {"model": model, "n_runs": len(recs)}
            for col in columns:
                values = np.array([r[col] for r in recs], dtype=float)
                finite = values[np.isfinite(values)]
                row[f"{col}_mean"] = float(finite.mean()) if finite.size else None
                row[f"{col}_sd"] = float(finite.std()) if finite.size else None
                row[f"{col}_n"] = int(finite.size)
            row["fit_time_mean"] = float(np.mean([r["fit_time"] for r in recs]))
            rows.append(row)
        return rows

    def format_table(self) -> str:
        """The paper's Table 2 layout: mean +- sd over folds and seeds."""
        columns = list(TABLE_COLUMNS)
        if self.y_true is not None:
            columns.append("roc_auc_true")
        lines = [
            f"{'model':18s}"
            + "".join(f"{_HEADERS[c]:>17s}" for c in columns)
            + f"{'fit s':>8s}"
        ]
        notes = []
        for row in self.summary():
            cells = []
            for col in columns:
                if row[f"{col}_mean"] is None:
                    cells.append(f"{'skipped':>17s}")
                    notes.append(f"{row['model']}: {col} undefined in every fold")
                    continue
                cell = f"{row[f'{col}_mean']:.3f} +- {row[f'{col}_sd']:.3f}"
                if row[f"{col}_n"] < row["n_runs"]:
                    cell += "*"
                    notes.append(
                        f"{row['model']}: {col} over {row[f'{col}_n']} of "
                        f"{row['n_runs']} folds (the others are undefined)"
                    )
                cells.append(f"{cell:>17s}")
            lines.append(
                f"{row['model']:18s}" + "".join(cells) + f"{row['fit_time_mean']:8.1f}"
            )
        lines.extend(f"  * {note}" for note in notes)
        for model in self.models:
            recs = [r for r in self.records if r["model"] == model]
            if recs and "n_distilled" in recs[0]:
                kept = np.mean([r["n_distilled"] / r["n_train"] for r in recs])
                fallback = sum(r["n_fallback_classes"] > 0 for r in recs)
                lines.append(
                    f"  {model}: the distiller kept {kept:.1%} of the training "
                    f"spectra; its fallback rule filled a class in {fallback} of "
                    f"{len(recs)} fits"
                )
        return "\n".join(lines)

    def save(self, output_dir) -> dict:
        """Write ``summary.csv``, ``folds.csv``, ``results.json`` and ``roc.png``."""
        out = Path(output_dir)
        out.mkdir(parents=True, exist_ok=True)
        summary = self.summary()
        keys = list(summary[0])
        with open(out / "summary.csv", "w", encoding="utf-8") as fh:
            fh.write(",".join(keys) + "\n")
            for row in summary:
                fh.write(",".join("" if row[k] is None else str(row[k]) for k in keys))
                fh.write("\n")
        fold_keys = ["model", "seed", "fold", *SCORE_NAMES, "fit_time"]
        if self.y_true is not None:
            fold_keys.insert(-1, "roc_auc_true")
        with open(out / "folds.csv", "w", encoding="utf-8") as fh:
            fh.write(",".join(fold_keys) + "\n")
            for r in self.records:
                fh.write(",".join(str(r[k]) for k in fold_keys) + "\n")
        with open(out / "results.json", "w", encoding="utf-8") as fh:
            json.dump(
                {"description": self.description, "environment": _environment(),
                 "summary": summary, "folds": self.records},
                fh, indent=1, default=float,
            )  # fmt: skip
        self.plot_roc().figure.savefig(out / "roc.png", dpi=100)
        return {
            name: out / name
            for name in ("summary.csv", "folds.csv", "results.json", "roc.png")
        }

    def plot_roc(self, ax=None):
        """ROC of every model from the out-of-fold predictions of seed 0, pooled.

        The curves pool every fold's test predictions; the table averages
        per-fold AUCs, so the two AUCs differ (folds scored on their own are
        not penalised for scores that shift between folds).
        """
        import matplotlib.pyplot as plt

        from ..plotting import ROCComparisonDisplay

        if ax is None:
            _, ax = plt.subplots(figsize=(5.5, 5.5))
        predictions = {}
        for model in self.models:
            seed = min(s for m, s in self.predictions if m == model)
            predictions[model] = (self.y, self.predictions[(model, seed)])
        classes = np.unique(self.y)
        pos_label = 1 if 1 in classes else classes[-1]
        ROCComparisonDisplay.from_predictions(
            predictions, pos_label=pos_label, auc_label="pooled AUC", ax=ax,
            class_name="tumour" if pos_label == 1 else str(pos_label),
        )  # fmt: skip
        ax.set_title(
            "voxel ROC, leave-patients-out, pooled over folds\n"
            "(the table's AUC is the mean of per-fold AUCs)", fontsize=10,
        )  # fmt: skip
        return ax


def _cpu_model() -> str:
    """The CPU's model name (Linux ``/proc/cpuinfo``, else ``platform``)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _environment() -> dict:
    """The machine and versions that trained-network results depend on.

    The same CPU and versions give identical numbers for the same seeds; see
    "Reproducibility" in the README.
    """
    import sklearn
    import torch

    from .. import __version__

    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": _cpu_model(),
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "torch_threads": torch.get_num_threads(),
        "cuda_device": (
            torch.cuda.get_device_name() if torch.cuda.is_available() else None
        ),
        "skmrs": __version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
    }


def _fingerprint(models, X, y, groups, n_splits, seeds) -> str:
    h = hashlib.sha256()
    for arr in (X, y, groups):
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update(repr(sorted((k, repr(v)) for k, v in models.items())).encode())
    h.update(repr((n_splits, tuple(seeds))).encode())
    return h.hexdigest()[:16]


def _job_path(folder: Path, name: str, seed: int, fold: int) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    return folder / f"{safe}__seed{seed}__fold{fold}.npz"


def _save_job(path: Path, record, test, proba):
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, record=json.dumps(record, default=float), test=test, proba=proba)
    os.replace(tmp, path)


def _load_job(path: Path):
    with np.load(path) as data:
        return json.loads(str(data["record"])), data["test"], data["proba"]


@contextlib.contextmanager
def _backend(dask_scheduler):
    if dask_scheduler is None:
        yield
        return
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "dask_scheduler needs dask.distributed: pip install 'skmrs[dask]'"
        ) from exc
    import joblib

    with Client(dask_scheduler) as client, joblib.parallel_config(backend="dask"):
        yield client


def run_benchmark(
    X,
    y,
    groups,
    models: dict,
    *,
    n_splits: int = 10,
    seeds=(0, 1),
    y_true=None,
    output_dir=None,
    n_jobs: int | None = None,
    dask_scheduler: str | None = None,
    progress: bool = False,
    description: str = "",
    engine: str = "sequential",
) -> BenchmarkResult:
    """Score every model on every leave-patients-out fold, for several seeds.

    The paper's protocol: ``GroupKFold(n_splits)`` over patients (the same
    folds for every model and seed), every model refit with each seed on each
    fold; per fold voxel sensitivity, specificity, ROC AUC and patient-wise
    accuracy and ROC AUC, and, when ``y_true`` is given (simulated data), the
    voxel AUC against the true labels.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_points)
    y : array-like of shape (n_samples,)
        Binary (noisy) labels.
    groups : array-like of shape (n_samples,)
        Patient id of each spectrum.
    models : dict of str to classifier
        Each needs ``predict_proba``; see :func:`default_models`.
    n_splits : int, default=10
    seeds : sequence of int, default=(0, 1)
        Every ``random_state`` of a model (nested ones too) is set to the seed.
    y_true : array-like of shape (n_samples,), default=None
        True labels, for the extra "AUC (true)" column.
    output_dir : path, default=None
        Where each finished (model, seed, fold) is stored as it completes. A
        run restarted with the same folder skips the finished ones; a folder
        from a different configuration is refused.
    n_jobs : int, default=None
        Jobs run in parallel through joblib.
    dask_scheduler : str, default=None
        Address of a Dask scheduler (``"tcp://host:8786"``): the jobs run on
        that cluster through joblib's Dask backend (one worker per GPU).
    progress : bool, default=False
        Show a progress bar over the jobs.
    description : str, default=""
        Stored with the results.
    engine : {"sequential", "batched"}, default="sequential"
        ``"batched"`` trains the jobs of every plain
        :class:`~skmrs.ResNetClassifier` model (all its folds and seeds) as
        one batched computation (:func:`skmrs.classification.fit_resnets`)
        before the other jobs run as usual; on the CPU its scores equal the
        sequential ones to float rounding. Each of those jobs records the
        batched training time divided by the number of networks as
        ``fit_time``.

    Returns
    -------
    result : BenchmarkResult

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skmrs.benchmark import run_benchmark
    >>> from skmrs.datasets import make_mrs_cohort
    >>> c = make_mrs_cohort(n_patients=30, random_state=0)
    >>> res = run_benchmark(c.data, c.target, c.groups,
    ...                     {"LR": LogisticRegression(max_iter=200)},
    ...                     n_splits=3, seeds=(0,))
    >>> [r["fold"] for r in res.records]
    [0, 1, 2]
    """
    X = np.asarray(X, dtype=np.float32)
    y = column_or_1d(y)
    _check_not_missing(y, "y", "label")
    check_consistent_length(X, y)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_spectra, n_points); got shape {X.shape}.")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinity.")
    if np.unique(y).size != 2:
        raise ValueError(
            f"y must hold two classes (non-tumour, tumour); got {np.unique(y).size}."
        )
    if y_true is not None:
        y_true = column_or_1d(y_true)
        check_consistent_length(y, y_true)
    if not models:
        raise ValueError("models is empty.")
    if engine not in ("sequential", "batched"):
        raise ValueError(f"engine must be 'sequential' or 'batched'; got {engine!r}.")
    for name, model in models.items():
        if not hasattr(model, "predict_proba"):
            raise ValueError(f"model {name!r} has no predict_proba.")
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError("seeds is empty.")
    splits, groups = patient_splits(int(n_splits), X, y, groups)

    jobs = [
        (name, seed, fold)
        for seed in seeds
        for name in models
        for fold in range(len(splits))
    ]
    done = {}
    folder = None
    if output_dir is not None:
        folder = Path(output_dir) / "jobs"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = Path(output_dir) / "config.json"
        fingerprint = _fingerprint(models, X, y, groups, n_splits, seeds)
        if stamp.exists():
            previous = json.loads(stamp.read_text())["fingerprint"]
            if previous != fingerprint:
                raise ValueError(
                    f"{output_dir} holds results of a different configuration "
                    "(data, models, folds or seeds differ): use another folder."
                )
        else:
            stamp.write_text(json.dumps({"fingerprint": fingerprint}))
        for name, seed, fold in jobs:
            path = _job_path(folder, name, seed, fold)
            if path.exists():
                done[(name, seed, fold)] = _load_job(path)
    todo = [job for job in jobs if job not in done]

    # engine="batched": the plain-ResNet jobs, trained together (_batched.py).
    batched_outputs = []
    if engine == "batched":
        from ._batched import batched_jobs, run_batched_jobs

        batched = batched_jobs(models, todo)
        todo = [job for job in todo if job not in batched]
        batched_outputs = run_batched_jobs(
            models, batched, X, y, groups, y_true, splits
        )

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), initial=len(done), desc="folds", unit="fit")
    with _backend(dask_scheduler):
        outputs = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
            delayed(_run_job)(
                name, models[name], X, y, groups, y_true,
                splits[fold][0], splits[fold][1], seed, fold,
            )
            for name, seed, fold in todo
        )  # fmt: skip
        for record, test, proba in itertools.chain(batched_outputs, outputs):
            key = (record["model"], record["seed"], record["fold"])
            done[key] = (record, test, proba)
            if folder is not None:
                _save_job(_job_path(folder, *key), record, test, proba)
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()

    records = [done[job][0] for job in jobs]
    predictions = {}
    for name, seed, fold in jobs:
        _, test, proba = done[(name, seed, fold)]
        pred = predictions.setdefault((name, seed), np.zeros(len(y)))
        pred[test] = proba
    return BenchmarkResult(records, predictions, y, y_true, description)
