"""Run benchmark tasks side by side: one process per core, one torch thread each.

Shared by the benchmark scripts that sweep many small jobs (``bench_calibration.py``,
``bench_noisy_labels.py``). Each task is a tuple handed to a module-level
function; each result is a dict, appended as one JSON line to ``out`` as soon as
it is done, so that a run stopped half-way keeps what it finished and a rerun
skips it.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path


def _init_worker():
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["MKL_NUM_THREADS"] = "1"
    warnings.simplefilter("ignore")
    import torch

    torch.set_num_threads(1)


def _call(args):
    fn, task = args
    start = time.perf_counter()
    try:
        result = fn(*task)
    except Exception as exc:  # a failed task is reported, the others go on
        result = {"error": f"{type(exc).__name__}: {exc}"}
    result["task"] = list(task)
    result["seconds"] = round(time.perf_counter() - start, 1)
    return result


def task_key(task) -> str:
    return json.dumps(list(task), sort_keys=True)


def run_tasks(fn, tasks, *, workers: int, out: str | Path, verbose: bool = True):
    """Results of ``fn(*task)`` for every task, finished ones read from ``out``.

    ``workers=0`` runs nothing: it returns what ``out`` holds.
    """
    out = Path(out)
    done = {}
    if out.exists():
        for line in out.read_text().splitlines():
            record = json.loads(line)
            if "error" not in record:
                done[task_key(record["task"])] = record
    todo = [t for t in tasks if task_key(t) not in done]
    if verbose:
        print(f"{len(tasks)} tasks, {len(tasks) - len(todo)} already done", flush=True)
    if todo and workers > 0:
        # not a multiprocessing.Pool: its daemonic workers cannot start the
        # processes a job may need itself (cleanlab's cross-validation)
        pool = ProcessPoolExecutor(
            workers, mp_context=mp.get_context("spawn"), initializer=_init_worker
        )
        with pool, out.open("a") as sink:
            futures = [pool.submit(_call, (fn, t)) for t in todo]
            for future in as_completed(futures):
                record = future.result()
                sink.write(json.dumps(record) + "\n")
                sink.flush()
                done[task_key(record["task"])] = record
                if verbose:
                    shown = {
                        k: v
                        for k, v in record.items()
                        if not isinstance(v, list) or k == "task"
                    }
                    print(json.dumps(shown), flush=True)
    return [done.get(task_key(t), {"task": list(t), "error": "missing"}) for t in tasks]
