"""The Table-2 benchmark: models x seeds x leave-patients-out folds, resumable."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_consistent_length, column_or_1d

from ..metrics._patient import _check_not_missing
from ..model_selection import patient_splits
from ._engines import ENGINES
from ._jobs import FoldData, plan_jobs
from ._result import BenchmarkResult
from ._store import JobStore, fingerprint


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
    engine="sequential",
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
        run restarted with the same folder skips the finished ones (a damaged
        record is refitted, with a warning); a folder from a different
        configuration, or one that another living process is using (its
        ``.lock`` file), is refused. Ctrl-C raises a KeyboardInterrupt whose
        message says how many jobs are saved.
    n_jobs : int, default=None
        Jobs run in parallel through joblib (the engine's ``n_jobs`` when
        ``engine`` is a name).
    dask_scheduler : str, default=None
        Address of a Dask scheduler (``"tcp://host:8786"``): the jobs run on
        that cluster through joblib's Dask backend (one worker per GPU); the
        engine's ``dask_scheduler`` when ``engine`` is a name.
    progress : bool, default=False
        Show a progress bar over the jobs.
    description : str, default=""
        Stored with the results.
    engine : "sequential" or SequentialEngine, default="sequential"
        How the jobs are fitted: :class:`SequentialEngine`, one fit per job,
        the jobs in parallel. The name builds it with ``n_jobs`` and
        ``dask_scheduler``. (skmrs 0.2's ``"batched"`` engine is gone: it
        trained the networks with a second copy of the training loop and
        saved no work on a CPU; see :ref:`gpu_and_cluster`.)

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
    X, y, y_true, seeds = _check_inputs(X, y, y_true, models, seeds)
    engine = _make_engine(engine, n_jobs, dask_scheduler)
    splits, groups = patient_splits(int(n_splits), X, y, groups)
    data = FoldData(X, y, groups, y_true, splits)
    jobs = plan_jobs(models, seeds, len(splits))
    store = None
    if output_dir is not None:
        store = JobStore(output_dir, fingerprint(models, X, y, groups, n_splits, seeds))
    try:
        done = _run_jobs(
            lambda todo: engine.run(todo, models, data), jobs, store, progress
        )
    finally:
        if store is not None:
            store.close()
    return _collect(jobs, done, y, y_true, description)


def _run_jobs(run, jobs, store, progress) -> dict:
    """Every job's output, the stored ones read, the others run and saved.

    ``run(todo)`` yields ``(job, output)`` as the jobs of ``todo`` end. Ctrl-C
    raises a KeyboardInterrupt that says how many jobs are saved.
    """
    done = {} if store is None else store.load(jobs)
    todo = [job for job in jobs if job not in done]
    bar = _progress_bar(progress, len(jobs), len(done))
    try:
        for job, output in run(todo):
            done[job] = output
            if store is not None:
                store.save(job, output)
            bar.update(1)
    except KeyboardInterrupt:
        bar.close()
        if store is None:
            raise KeyboardInterrupt(
                f"{len(done)} of {len(jobs)} jobs done, none saved (no output given)"
            ) from None
        raise KeyboardInterrupt(
            f"{len(done)} of {len(jobs)} jobs saved in {store.location}; "
            "rerun to resume"
        ) from None
    bar.close()
    return done


def _check_inputs(X, y, y_true, models, seeds):
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
        # a NaN would still give an "AUC (true)", scored against a made-up class
        _check_not_missing(y_true, "y_true", "true label")
    if not models:
        raise ValueError("models is empty.")
    for name, model in models.items():
        if not hasattr(model, "predict_proba"):
            raise ValueError(f"model {name!r} has no predict_proba.")
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError("seeds is empty.")
    return X, y, y_true, seeds


def _make_engine(engine, n_jobs, dask_scheduler):
    if isinstance(engine, str):
        if engine == "batched":
            raise ValueError(
                "engine='batched' was removed in skmrs 0.4: every network now "
                "trains through ResNetClassifier.fit, the one training loop; use "
                "engine='sequential' with n_jobs (one process per GPU or core)."
            )
        if engine not in ENGINES:
            raise ValueError(
                f"engine must be one of {sorted(ENGINES)} or an engine; got {engine!r}."
            )
        return ENGINES[engine](n_jobs=n_jobs, dask_scheduler=dask_scheduler)
    if not hasattr(engine, "run"):
        raise ValueError(
            f"engine must be 'sequential' or a SequentialEngine; got {engine!r}."
        )
    return engine


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress_bar(progress, total, initial):
    if not progress:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc="folds", unit="fit")


def _collect(jobs, done, y, y_true, description):
    """Records in job order and the out-of-fold predictions per (model, seed)."""
    records = [done[job][0] for job in jobs]
    predictions = {}
    for job in jobs:
        _, test, proba = done[job]
        pred = predictions.setdefault((job.model, job.seed), np.zeros(len(y)))
        pred[test] = proba
    return BenchmarkResult(records, predictions, y, y_true, description)
