"""Engines: how the benchmark's jobs are fitted. Both yield the same outputs."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from joblib import Parallel, delayed

from ..classification import fit_resnets
from ..classification._batched import _is_batchable
from ._jobs import FoldData, Job, fit_and_score_job, score_job, seeded


class SequentialEngine:
    """One fit per job, the jobs in parallel through joblib.

    Parameters
    ----------
    n_jobs : int, default=None
        Jobs fitted in parallel (joblib's ``n_jobs``).
    dask_scheduler : str, default=None
        Address of a Dask scheduler (``"tcp://host:8786"``): the jobs run on
        that cluster through joblib's Dask backend (one worker per GPU).

    Examples
    --------
    >>> from skmrs.benchmark import SequentialEngine
    >>> SequentialEngine(n_jobs=2).n_jobs
    2
    """

    def __init__(self, *, n_jobs: int | None = None, dask_scheduler: str | None = None):
        self.n_jobs = n_jobs
        self.dask_scheduler = dask_scheduler

    def run(self, jobs: list[Job], models: dict, data: FoldData) -> Iterator:
        """Yield ``(job, (record, test rows, tumour probability))`` as jobs end."""
        with _backend(self.dask_scheduler):
            outputs = Parallel(n_jobs=self.n_jobs, return_as="generator_unordered")(
                delayed(_run_one)(job, models[job.model], data) for job in jobs
            )
            for output in outputs:
                yield from output


class BatchedEngine:
    """Every network model's jobs (all its seeds and folds) as one computation.

    The jobs of a :class:`~skmrs.ResNetClassifier`, a
    :class:`~skmrs.DistillMixClassifier` or a pipeline ending in a
    ``ResNetClassifier`` (the noise baseline) are trained side by side with
    :func:`skmrs.classification.fit_resnets`, model by model; the other
    models' jobs are fitted one by one; the batched calls and those fits
    share ``n_jobs`` joblib workers. On the CPU the
    scores equal the sequential ones to float rounding. Each batched job
    records the batched training time divided by the number of jobs as
    ``fit_time``.

    Parameters
    ----------
    precision : {"float32", "bf16"}, default="float32"
        Passed to :func:`~skmrs.classification.fit_resnets`.
    compile : bool, default=False
        Passed to :func:`~skmrs.classification.fit_resnets`.
    n_jobs : int, default=None
        ``n_jobs`` of the sequential engine for the other models.
    dask_scheduler : str, default=None
        ``dask_scheduler`` of the sequential engine for the other models.

    Examples
    --------
    >>> from skmrs.benchmark import BatchedEngine
    >>> BatchedEngine(precision="bf16").precision
    'bf16'
    """

    def __init__(
        self,
        *,
        precision: str = "float32",
        compile: bool = False,
        n_jobs: int | None = None,
        dask_scheduler: str | None = None,
    ):
        self.precision = precision
        self.compile = compile
        self.n_jobs = n_jobs
        self.dask_scheduler = dask_scheduler

    def run(self, jobs: list[Job], models: dict, data: FoldData) -> Iterator:
        """Yield ``(job, (record, test rows, tumour probability))`` as jobs end.

        Each network model's batched call and each other job is one joblib
        task, so ``n_jobs`` workers share them.
        """
        batched = [job for job in jobs if _is_batchable(models[job.model])]
        tasks = [
            delayed(_run_batched)(
                [job for job in batched if job.model == name], models[name], data,
                self.precision, self.compile,
            )
            for name in dict.fromkeys(job.model for job in batched)
        ] + [
            delayed(_run_one)(job, models[job.model], data)
            for job in jobs
            if job not in batched
        ]  # fmt: skip
        with _backend(self.dask_scheduler):
            outputs = Parallel(n_jobs=self.n_jobs, return_as="generator_unordered")(
                tasks
            )
            for output in outputs:
                yield from output


def _run_one(job, estimator, data):
    return [(job, fit_and_score_job(job, estimator, data))]


def _run_batched(jobs, model, data, precision, compile):
    """One model's jobs (all its seeds and folds) in one fit_resnets call."""
    estimators = [seeded(model, job.seed) for job in jobs]
    start = time.perf_counter()
    fit_resnets(
        estimators, data.X, data.y,
        sample_indices=[data.train(job) for job in jobs],
        precision=precision, compile=compile,
    )  # fmt: skip
    fit_time = (time.perf_counter() - start) / len(jobs)
    return [
        (job, score_job(job, est, data, fit_time)) for est, job in zip(estimators, jobs)
    ]


ENGINES = {"sequential": SequentialEngine, "batched": BatchedEngine}


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
