"""The ``skmrs`` command line: simulate, benchmark, train and predict."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from ._cli_common import (
    _add_random_state,
    _check_random_state,
    _cohort_seed,
    _declared_defaults,
    _positive_class,
    _preset_names,
    _quiet,
    _verbose_networks,
)

#: The settings of :func:`skmrs.datasets.make_mrs_cohort` that ``skmrs simulate``
#: takes, with their help; each flag's default and type are the function's,
#: read from its signature.
_SIMULATE_FLAGS = {
    "n_patients": "number of patients",
    "label_noise": "share of a tumour patient's voxels outside the tumour, in [0, 1]",
    "snr": "signal-to-noise ratio of NAA",
    "field_effect": "glioma field effect (0-0.9)",
    "age_effect": "age model strength (1 = lit.)",
    "exam_artefacts": "strength of the artefacts one examination's voxels share (>= 0)",
    "b0_inhomogeneity": "sd (Hz) of the voxels' B0 offsets across the slab (>= 0)",
    "baseline_distortion": "strength of every voxel's own baseline distortion (>= 0)",
    "extent_variability": "between-patient spread of tumour and lesion extent, "
    "in [0, 1)",
}


def _summary(cohort, seconds: float) -> str:
    counts = np.bincount(cohort.groups)
    tumour = cohort.target == 1
    types, n_types = np.unique(cohort.patient_type, return_counts=True)
    lines = [
        "Simulated 1H MRS cohort (PRESS TE 30 / TR 1500, 3 T; 288 points, "
        f"{cohort.ppm[0]:.2f}-{cohort.ppm[-1]:.2f} ppm)",
        f"  patients        {counts.size} "
        f"({int(cohort.patient_target.sum())} tumour, "
        f"{int((cohort.patient_target == 0).sum())} non-tumour)",
        f"  spectra         {cohort.target.size} "
        f"({int((~tumour).sum())} non-tumour, {int(tumour.sum())} tumour-labelled)",
        f"  voxels/patient  median {np.median(counts):.0f}, "
        f"mean {counts.mean():.1f}, max {counts.max()}",
        "  label noise     "
        f"{1 - cohort.target_true[tumour].mean():.1%} of tumour-labelled voxels "
        "hold < 50 % tumour",
        f"  SNR (NAA)       median {np.median(cohort.snr):.1f}; "
        f"linewidth median {np.median(cohort.linewidth):.1f} Hz",
        "  patient types   " + ", ".join(f"{t} {k}" for t, k in zip(types, n_types)),
        f"  simulated in    {seconds:.2f} s",
    ]
    return "\n".join(lines)


def _simulate(args) -> int:
    from .datasets import make_mrs_cohort
    from .io._files import atomic_path, check_distinct_paths

    check_distinct_paths({}, {"--output": args.output})  # not a folder
    start = time.perf_counter()
    settings = {name: getattr(args, name) for name in _SIMULATE_FLAGS}
    cohort = make_mrs_cohort(**settings, random_state=_cohort_seed(args))
    print(_summary(cohort, time.perf_counter() - start))
    if args.output:
        # a file handle: numpy would add ".npz" to a name without it
        with atomic_path(args.output) as temporary, open(temporary, "wb") as fh:
            np.savez_compressed(
                fh,
                X=cohort.data,
                y=cohort.target,
                y_true=cohort.target_true,
                groups=cohort.groups,
                ppm=cohort.ppm,
            )
        print(f"  saved to        {args.output}")
    return 0


def _check_benchmark_paths(data, output: Path) -> None:
    """The results folder must not be, nor hold, the data table."""
    if data is None:
        return
    import os

    data, folder = os.path.realpath(data), os.path.realpath(output)
    if data == folder or data.startswith(folder + os.sep):
        raise ValueError(
            f"--data {data} lies in the results folder --output {output}, where "
            "the benchmark writes its files; move it or choose another folder."
        )


def _benchmark(args) -> int:
    from .benchmark import PRESETS, default_models, extra_models, run_benchmark

    preset = PRESETS[args.preset]
    models = default_models(args.preset, distill_epochs=args.distill_epochs)
    if args.models:
        available = {**models, **extra_models()}
        unknown = set(args.models) - set(available)
        if unknown:
            raise ValueError(
                f"unknown model(s) {sorted(unknown)}; choose from {list(available)}."
            )
        models = {name: available[name] for name in args.models}
    if args.verbose:
        for model in models.values():
            _verbose_networks(model)
    n_splits = preset.n_splits if args.n_splits is None else args.n_splits
    seeds = tuple(args.seeds) if args.seeds else preset.seeds
    y_true = None
    _check_random_state(args, simulated=not args.data)
    if args.data:
        from .io import load_spectra_table

        X, y, groups = load_spectra_table(
            args.data, label_column=args.label_column, group_column=args.group_column
        )
        source = f"data: {args.data} ({len(y)} spectra, {len(set(groups))} patients)"
        if np.unique(y).size == 2:  # else run_benchmark names the problem
            positive, note = _positive_class(y, args.positive_label)
            y = (y == positive).astype(int)  # scored as 1 = tumour from here on
            source += f"\n{note}"
    else:
        from .datasets import make_mrs_cohort

        n_patients = preset.n_patients if args.n_patients is None else args.n_patients
        cohort = make_mrs_cohort(n_patients=n_patients, random_state=_cohort_seed(args))
        X, y, groups, y_true = (
            cohort.data,
            cohort.target,
            cohort.groups,
            cohort.target_true,
        )
        source = (
            f"data: simulated cohort, {n_patients} patients, {len(y)} spectra "
            f"(make_mrs_cohort random_state={_cohort_seed(args)})"
        )
    output = Path(args.output or f"skmrs_benchmark_{args.preset}")
    _check_benchmark_paths(args.data, output)
    n_jobs = preset.n_jobs if args.n_jobs is None else args.n_jobs
    if n_jobs == 0:
        raise ValueError("--n-jobs 0 runs nothing; give 1 or more, or -1 for all CPUs.")
    header = [
        f"skmrs benchmark, preset {preset.name!r}: {preset.description}",
        source,
        f"protocol: GroupKFold({n_splits}) over patients x seeds {list(seeds)}; "
        f"models: {', '.join(models)}",
    ]
    print("\n".join(header), flush=True)
    _slow_rows_note(models, len(y), n_splits, len(seeds), n_jobs)
    start = time.perf_counter()
    with _quiet(not args.verbose):
        result = run_benchmark(
            X, y, groups, models, n_splits=n_splits, seeds=seeds, y_true=y_true,
            output_dir=output, n_jobs=n_jobs,
            dask_scheduler=args.dask_scheduler,
            progress=not args.no_progress, description="\n".join(header),
        )  # fmt: skip
    print(result.format_table())
    files = result.save(output)
    print(f"wall time {time.perf_counter() - start:.0f} s; results in {output}/: "
          + ", ".join(p.name for p in files.values()))  # fmt: skip
    return 0


def _slow_rows_note(models, n_spectra, n_splits, n_seeds, n_jobs) -> None:
    """Say before the run when a row's fits will take long (the SVM row's grow
    faster than linearly with the training spectra), and what runs faster."""
    from .benchmark import estimate_fit_seconds
    from .benchmark._models import SVM_FIT_EXPONENT

    if n_splits < 2:
        return  # the benchmark refuses it, with its own message
    n_train = n_spectra * (n_splits - 1) // n_splits
    for name in models:
        seconds = estimate_fit_seconds(name, n_train)
        if seconds is None:
            continue
        total = seconds * n_splits * n_seeds / max(n_jobs, 1)
        if total < 600:
            continue
        print(
            f"note: the {name} row will be slow: about {seconds / 60:.0f} min per "
            f"fit on {n_train} training spectra, {total / 3600:.1f} h in all on a "
            f"2-core CPU like this project's (its fit grows as n^{SVM_FIT_EXPONENT})."
            " Its "
            "kernel approximation grows linearly: --models ... SVM-Nystroem "
            "(docs: Whole-brain MRSI).",
            flush=True,
        )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``skmrs`` command."""
    parser = argparse.ArgumentParser(
        prog="skmrs",
        description="Brain-tumour detection from 1H MR spectroscopy.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser(
        "simulate", help="simulate a patient cohort and print its summary"
    )
    defaults = _declared_defaults("datasets/_simulate.py", "make_mrs_cohort")
    for name, text in _SIMULATE_FLAGS.items():
        sim.add_argument(
            f"--{name.replace('_', '-')}",
            type=type(defaults[name]),
            default=defaults[name],
            help=f"{text} (default: %(default)s)",
        )
    _add_random_state(sim)
    sim.add_argument("--output", help="save X, y, y_true, groups, ppm to this .npz")
    sim.set_defaults(func=_simulate)

    bench = sub.add_parser(
        "benchmark",
        help="the paper's Table 2: SVM, RF, ResNet, noise, DistillMix x3 under "
        "leave-patients-out cross-validation",
    )
    bench.add_argument("--preset", choices=_preset_names(), default="quick")
    bench.add_argument("--n-patients", type=int, help="simulated cohort size")
    bench.add_argument("--n-splits", type=int, help="GroupKFold folds")
    bench.add_argument("--seeds", type=int, nargs="+", help="model seeds")
    bench.add_argument(
        "--models",
        nargs="+",
        help="the rows to run (default: Table 2's); SVM-Nystroem is an extra row",
    )
    bench.add_argument("--distill-epochs", type=int, default=5)
    _add_random_state(bench)
    bench.add_argument("--data", help="your own CSV/Parquet/NPZ table of spectra")
    bench.add_argument("--label-column", default="label")
    bench.add_argument("--group-column", default="patient")
    bench.add_argument(
        "--positive-label",
        help="the tumour class of --data (default: 1, else the last label sorted)",
    )
    bench.add_argument("--output", help="results folder (reused to resume)")
    bench.add_argument(
        "--n-jobs", type=int, help="parallel fits (default: 2 for quick, 1 for paper)"
    )
    bench.add_argument("--dask-scheduler", help="run the jobs on this Dask cluster")
    bench.add_argument("--no-progress", action="store_true")
    bench.add_argument(
        "--verbose", action="store_true", help="print every network's epochs"
    )
    bench.set_defaults(func=_benchmark)

    from ._cli_model import add_parsers

    add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``skmrs`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError) as exc:  # bad input or a file not there
        print(f"skmrs: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # Ctrl-C: one line, the shell's code 130
        what = str(exc) or "nothing was written"
        print(f"skmrs: interrupted: {what}", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
