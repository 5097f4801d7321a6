"""Start-up of ``skmrs predict``: CPU seconds before scoring, and their floor.

    OMP_NUM_THREADS=1 python benchmarks/bench_startup.py [--repeats 5]
        [--before PATH] [--record PATH]

Each measurement is a fresh Python process on one thread; its user + system
CPU seconds (``resource.getrusage`` of the child) are its cost, nearer to a
quiet machine's than its wall-clock time when the machine is shared. The
steps, interleaved ``--repeats`` times so that a change of load reaches all
of them alike:

- ``python``: an empty interpreter;
- ``import numpy``, ``import torch``, ``import sklearn.base``,
  ``import skorch``: what the libraries cost to import (the floor under any
  command that loads a scikit-learn estimator holding a torch network);
- ``skmrs --help``;
- ``skmrs predict``: the quick preset's network (a model file written
  here) scoring a one-row NPZ table, everything included: imports, reading
  and checking the model file, building the network, both CSVs;
- with ``--before PATH``, ``skmrs predict (before)``: the same with the
  skmrs package found at PATH first on ``sys.path`` (a checkout of an
  older commit, e.g. ``git worktree add /tmp/before HEAD~1``): a change
  measured against its reference in one run.

Prints the median, minimum and maximum per step and, with ``--record``,
writes every measurement as a record of ``benchmarks/results``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

PREDICT = (
    "from skmrs.cli import main\n"
    "main(['predict', {model!r}, {table!r}, '--output', {output!r}])\n"
)


def _steps(model: Path, table: Path, output: Path, before: str | None) -> dict:
    predict = PREDICT.format(model=str(model), table=str(table), output=str(output))
    steps = {
        "python": ("pass", None),
        "import numpy": ("import numpy", None),
        "import torch": ("import torch", None),
        "import sklearn.base": ("import sklearn.base", None),
        "import skorch": ("import skorch", None),
        "skmrs --help": (
            "from skmrs.cli import main\ntry:\n    main(['--help'])\n"
            "except SystemExit:\n    pass",
            None,
        ),
        "skmrs predict": (predict, None),
    }
    if before:
        steps["skmrs predict (before)"] = (predict, before)
    return steps


def _cpu_seconds(code: str, path: str | None) -> tuple[float, float]:
    """CPU and wall seconds of a fresh interpreter running ``code``."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if path:
        env["PYTHONPATH"] = os.pathsep.join([path, env.get("PYTHONPATH", "")])
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True
    )
    wall = time.perf_counter() - start
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (now.ru_utime - used.ru_utime) + (now.ru_stime - used.ru_stime)
    return cpu, wall


def _write_inputs(workdir: Path) -> tuple[Path, Path]:
    from skmrs import ResNetClassifier
    from skmrs.datasets import default_ppm_axis, make_mrs_cohort
    from skmrs.io import save_model

    cohort = make_mrs_cohort(n_patients=6, random_state=0)
    net = ResNetClassifier(
        n_filters=8, n_blocks=4, kernel_size=15, max_epochs=1, random_state=0
    ).fit(cohort.data, cohort.target)
    model = workdir / "model.skmrs"
    save_model(net, model, ppm=default_ppm_axis())
    table = workdir / "one_row.npz"
    np.savez(table, X=cohort.data[:1].astype(np.float32), patient=np.array(["p0"]))
    return model, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--before", help="an older skmrs checkout to compare with")
    parser.add_argument("--record", help="write the measurements as a record")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        model, table = _write_inputs(workdir)
        steps = _steps(model, table, workdir / "predictions.csv", args.before)
        rows = []
        load_start = os.getloadavg()[0]
        for repeat in range(args.repeats):
            for step, (code, path) in steps.items():
                cpu, wall = _cpu_seconds(code, path)
                rows.append(
                    {"step": step, "repeat": repeat, "cpu_s": cpu, "wall_s": wall}
                )
        load_end = os.getloadavg()[0]
    load = f"load average {load_start:.1f} at start, {load_end:.1f} at end"
    print(f"{'step':<26}{'CPU s median':>14}{'min':>8}{'max':>8}{'wall s':>9}")
    for step in steps:
        cpu = [r["cpu_s"] for r in rows if r["step"] == step]
        wall = [r["wall_s"] for r in rows if r["step"] == step]
        print(
            f"{step:<26}{statistics.median(cpu):>14.2f}{min(cpu):>8.2f}"
            f"{max(cpu):>8.2f}{statistics.median(wall):>9.2f}"
        )
    print(load)
    if args.record:
        from _records import record_header, save_record

        header = record_header(
            "CPU seconds (user + system) of fresh one-thread Python processes: "
            "importing the libraries, skmrs --help, and skmrs predict of the "
            "quick network on a one-row NPZ table, interleaved"
        )
        record = {**header, "uses_cohort": False, "load": load, "rows": rows}
        save_record(args.record, record)
        print(f"wrote {args.record}")


if __name__ == "__main__":
    main()
