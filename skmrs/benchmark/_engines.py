"""The engine: how the benchmark's jobs are fitted (joblib, or Dask through joblib)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from joblib import Parallel, delayed

from ._jobs import FoldData, Job, fit_and_score_job


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
        calls = [(job, models[job.model], data) for job in jobs]
        for (job, _, _), output in self.map(fit_and_score_job, calls):
            yield job, output

    def map(self, function, tasks: list[tuple]) -> Iterator:
        """Yield ``(task, function(*task))`` for every task, as the calls end.

        The calls run in parallel as :meth:`run`'s jobs do; an exception in
        one is raised here.
        """
        with _backend(self.dask_scheduler):
            outputs = Parallel(n_jobs=self.n_jobs, return_as="generator_unordered")(
                delayed(_numbered)(i, function, task) for i, task in enumerate(tasks)
            )
            for i, output in outputs:
                yield tasks[i], output


def _numbered(i, function, task):
    """The call's number and output: only the output travels back, not the task."""
    return i, function(*task)


ENGINES = {"sequential": SequentialEngine}


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
