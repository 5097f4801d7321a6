"""Any function's calls as benchmark jobs: in parallel, each record kept as it ends."""

from __future__ import annotations

import json
import time
from functools import partial

from ._engines import SequentialEngine
from ._run import _run_jobs
from ._store import TaskStore


def run_tasks(
    function,
    tasks,
    *,
    output=None,
    n_jobs: int | None = None,
    dask_scheduler: str | None = None,
    read_only: bool = False,
    verbose: bool = False,
) -> list[dict]:
    """The record of ``function(*task)`` for every task, run as benchmark jobs.

    For sweeps that are not :func:`run_benchmark`'s models x seeds x folds
    (cohort variants, settings, statistics of their own): the calls run
    through :class:`SequentialEngine`, in parallel, and each record is saved
    as its call ends, so that a stopped run keeps what it finished and a
    rerun with the same ``output`` runs only the rest.

    Parameters
    ----------
    function : callable
        Takes a task's items as arguments, returns a dict of JSON values, and
        seeds whatever it draws from its arguments. A module's function
        reaches the worker processes by name, so each worker keeps the
        module's state (a cache) from one call to the next; a function of
        the running script (``__main__``) travels by value, without it.
    tasks : sequence of tuple
        Each a tuple of JSON scalars (str, int, float, bool, None) or of
        tuples of them (stored as lists); the first tasks are started first,
        so list the longest first.
    output : path, default=None
        A JSON-lines file: each finished task's record is appended to it as
        one line, and a task it already holds is not run again. A task that
        raised is run again; a line a killed run left half-written is
        skipped with a warning. A file another living process is writing is
        refused (its lock ``.<name>.lock`` beside it).
    n_jobs : int, default=None
        Calls run in parallel through joblib, in worker processes (each
        limited to its share of the cores' threads, joblib's default).
    dask_scheduler : str, default=None
        Address of a Dask scheduler: the calls run on that cluster, as
        :class:`SequentialEngine`'s jobs do.
    read_only : bool, default=False
        Run nothing, take no lock: the records ``output`` holds.
    verbose : bool, default=False
        Print how many tasks are done already, then each record as its call
        ends, as one JSON line (list values left out).

    Returns
    -------
    records : list of dict
        One per task, in the order of ``tasks``: ``function``'s dict with
        ``task`` (the task as a list) and ``seconds`` (its wall time), or,
        for a call that raised, ``error`` (the exception in one line) in
        place of ``function``'s items; ``error`` is ``"missing"`` for a task
        not run (``read_only``).

    See Also
    --------
    run_benchmark : The models x seeds x folds benchmark, on the same engine.

    Examples
    --------
    >>> from math import comb
    >>> from skmrs.benchmark import run_tasks
    >>> def pairs(n):
    ...     return {"pairs": comb(n, 2)}
    >>> [r["pairs"] for r in run_tasks(pairs, [(3,), (4,)])]
    [3, 6]
    """
    tasks = [tuple(task) for task in tasks]
    engine = SequentialEngine(n_jobs=n_jobs, dask_scheduler=dask_scheduler)

    def run(todo):
        if verbose:
            done = len(tasks) - len(todo)
            print(f"{len(tasks)} tasks, {done} already done", flush=True)
        for task, record in engine.map(partial(_timed, function), todo):
            if verbose:
                shown = {k: v for k, v in record.items() if not isinstance(v, list)}
                print(json.dumps({"task": record["task"], **shown}), flush=True)
            yield task, record

    store = None if output is None else TaskStore(output, read_only=read_only)
    try:
        if read_only:
            done = {} if store is None else store.load(tasks)
        else:
            done = _run_jobs(run, tasks, store, progress=False)
    finally:
        if store is not None:
            store.close()
    missing = {"error": "missing"}
    return [done.get(task, {"task": _as_stored(task), **missing}) for task in tasks]


def _timed(function, *task) -> dict:
    """``function(*task)``, its task and wall time; an exception as ``error``."""
    start = time.perf_counter()
    try:
        record = dict(function(*task))
    except Exception as exc:  # a failed task is reported, the others go on
        record = {"error": f"{type(exc).__name__}: {exc}"}
    record["task"] = _as_stored(task)
    record["seconds"] = round(time.perf_counter() - start, 1)
    return record


def _as_stored(task) -> list:
    """The task as its record holds it: a list, its tuples lists too (JSON)."""
    return json.loads(json.dumps(list(task)))
