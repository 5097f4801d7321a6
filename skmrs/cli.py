"""The ``skmrs`` command line: ``skmrs simulate`` (and later ``skmrs benchmark``)."""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


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

    start = time.perf_counter()
    cohort = make_mrs_cohort(
        n_patients=args.n_patients,
        label_noise=args.label_noise,
        snr=args.snr,
        random_state=args.random_state,
    )
    print(_summary(cohort, time.perf_counter() - start))
    if args.output:
        np.savez_compressed(
            args.output,
            X=cohort.data,
            y=cohort.target,
            y_true=cohort.target_true,
            groups=cohort.groups,
            ppm=cohort.ppm,
        )
        print(f"  saved to        {args.output}")
    return 0


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
    sim.add_argument("--n-patients", type=int, default=435)
    sim.add_argument("--label-noise", type=float, default=0.6)
    sim.add_argument("--snr", type=float, default=8.0)
    sim.add_argument("--random-state", type=int, default=0)
    sim.add_argument("--output", help="save X, y, y_true, groups, ppm to this .npz")
    sim.set_defaults(func=_simulate)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``skmrs`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:
        print(f"skmrs: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
