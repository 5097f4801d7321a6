"""Simulator figures: speed, memory, difficulty calibration and realism.

Prints
- the wall and CPU time of the default cohort on one core (target < 5 s) and
  its peak traced memory next to the size of the output (memory ~ proportional);
- calibration against every statistic the paper publishes, each beside the
  paper's value and its band (the jobs of ``bench_calibration.py`` for the
  default cohort): SVC (defaults) and RF (500 trees, entropy) voxel ROC AUC
  under 10-fold GroupKFold on the noisy labels (and on ``target_true``), the
  Table-1 ResNetClassifier on the first ``--resnet-folds`` folds, the share of
  a 90 % training fold that ConfidenceDistiller() keeps and its smaller
  class's share, k-means with 7 clusters holding both classes, the class
  counts;
- realism: NAA/Cr, Cho/Cr (peak heights), NAA linewidth (Hz) and SNR of the
  simulated healthy spectra next to the same figures of the real in-vivo files
  in ``../shared/data/nifti_mrs`` (skipped when that folder is absent).

Run::

    python benchmarks/bench_simulator.py            # everything (hours on 2 cores;
                                                    # 5 min on an H200, 16 workers)
    python benchmarks/bench_simulator.py --fast     # speed and realism only

``--record PATH`` writes the realism figures as a record of
``benchmarks/results``, ``--speed-record PATH`` the speed and memory figures
(with the 1-minute load average of the machine while they were timed).

Figures of ``docs/simulator.rst`` and ``docs/distillmix.rst`` with records of
their own (each flag alone skips the speed and realism figures)::

    python benchmarks/bench_simulator.py --basis-record PATH    # basis build time
    python benchmarks/bench_simulator.py --extent-record PATH   # per-patient shares
    python benchmarks/bench_simulator.py --label-record PATH    # label vs tissue
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from skmrs.datasets import make_mrs_cohort
from skmrs.inspection import peak_statistics

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL_FILES = {
    "osprey sub-01 PRESS TE 35": "osprey_sub01_press.nii.gz",
    "osprey sub-02 PRESS TE 35": "osprey_sub02_press.nii.gz",
    "osprey sub-01 PRESS TE 30 (MM set)": "osprey_mm_sub01_press.nii.gz",
    "suspect SVS_30 (RDA) TE 30": "suspect_svs30_rda.nii.gz",
}


def speed_and_memory():
    """Print the speed and memory figures; return them as a record row."""
    make_mrs_cohort(n_patients=5, random_state=0)  # build and cache the basis
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    with threadpool_limits(1):
        times, cpu = [], []
        for seed in range(3):
            start, start_cpu = time.perf_counter(), time.process_time()
            cohort = make_mrs_cohort(random_state=seed)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    tracemalloc.start()
    cohort = make_mrs_cohort(random_state=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out = cohort.data.nbytes
    print(f"default cohort: {cohort.data.shape[0]} spectra x 288")
    print(
        f"  time on 1 core: best {min(times):.2f} s, median "
        f"{np.median(times):.2f} s (target < 5 s); CPU time best "
        f"{min(cpu):.2f} s, median {np.median(cpu):.2f} s"
    )
    print(
        f"  peak traced memory {peak / 2**20:.1f} MiB for {out / 2**20:.1f} MiB "
        f"of spectra (ratio {peak / out:.1f})"
    )
    small = make_mrs_cohort(n_patients=109, random_state=0)
    tracemalloc.start()
    small = make_mrs_cohort(n_patients=109, random_state=0)
    _, peak_small = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"  quarter cohort: {small.data.nbytes / 2**20:.1f} MiB of spectra, peak "
        f"{peak_small / 2**20:.1f} MiB (ratio {peak_small / small.data.nbytes:.1f})"
    )
    return {
        "n_spectra": int(cohort.data.shape[0]),
        "best_s": min(times),
        "median_s": float(np.median(times)),
        "times_s": " ".join(f"{t:.2f}" for t in times),
        "cpu_best_s": min(cpu),
        "cpu_median_s": float(np.median(cpu)),
        "load_1min": load,
        "output_mib": out / 2**20,
        "peak_mib": peak / 2**20,
        "quarter_output_mib": small.data.nbytes / 2**20,
        "quarter_peak_mib": peak_small / 2**20,
    }


_BASIS_TIMING = """
import time
start, cpu = time.perf_counter(), time.process_time()
from skmrs.datasets import make_mrs_cohort
imported, imported_cpu = time.perf_counter(), time.process_time()
make_mrs_cohort(n_patients=1, random_state=0)
first, first_cpu = time.perf_counter(), time.process_time()
make_mrs_cohort(n_patients=1, random_state=0)
second, second_cpu = time.perf_counter(), time.process_time()
wall = (first - imported) - (second - first)
print(wall, (first_cpu - imported_cpu) - (second_cpu - first_cpu))
"""


def basis_time(repeats=3):
    """Seconds the basis takes to build: in a fresh process, the first
    ``make_mrs_cohort(n_patients=1)`` call (basis built) minus the second
    (basis cached); one row per process."""
    import subprocess
    import sys

    rows = []
    for repeat in range(repeats):
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        out = subprocess.run(
            [sys.executable, "-c", _BASIS_TIMING],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        ).stdout.split()
        rows.append(
            {
                "repeat": repeat,
                "s": float(out[0]),
                "cpu_s": float(out[1]),
                "load_1min": load,
            }
        )
        print(f"  basis build: {float(out[0]):.3f} s ({float(out[1]):.3f} s CPU)")
    return rows


def _patient_truth_shares(cohort):
    """Each tumour patient's number of voxels and share of them truly tumour."""
    tumour = np.flatnonzero(cohort.patient_target == 1)
    n_voxels = np.bincount(cohort.groups, minlength=cohort.patient_target.size)
    truly = np.bincount(
        cohort.groups, weights=cohort.target_true, minlength=cohort.patient_target.size
    )
    return n_voxels[tumour], truly[tumour] / np.maximum(n_voxels[tumour], 1)


def extent_shares(n_patients=2000, variabilities=(0.0, 0.375, 0.5), voxels=(15, 25)):
    """The share of each tumour patient's voxels that are truly tumour
    (``target_true``), over the tumour patients with ``voxels`` voxels (bounds
    included), for each ``extent_variability``; the rest at the defaults."""
    rows = []
    for variability in variabilities:
        cohort = make_mrs_cohort(
            n_patients=n_patients, extent_variability=variability, random_state=0
        )
        n_vox, share = _patient_truth_shares(cohort)
        keep = (n_vox >= voxels[0]) & (n_vox <= voxels[1])
        s = share[keep]
        row = {
            "extent_variability": variability,
            "n_patients": n_patients,
            "min_voxels": voxels[0],
            "max_voxels": voxels[1],
            "n_tumour_patients": int(keep.sum()),
            "share_p05": float(np.percentile(s, 5)),
            "share_p95": float(np.percentile(s, 95)),
            "share_median": float(np.median(s)),
            "below_5pct": float(np.mean(s < 0.05)),
            "above_60pct": float(np.mean(s > 0.6)),
        }
        rows.append(row)
        print(
            f"  extent_variability {variability}: {row['n_tumour_patients']} tumour "
            f"patients with {voxels[0]}-{voxels[1]} voxels; truly tumour 5-95 % "
            f"{row['share_p05']:.2f}-{row['share_p95']:.2f}, median "
            f"{row['share_median']:.2f}; < 5 %: {row['below_5pct']:.2f}, > 60 %: "
            f"{row['above_60pct']:.2f}"
        )
    return rows


#: skmrs 0.1's default cohort, spectrum for spectrum (the pure label-noise regime).
PURE = {
    "field_effect": 0,
    "age_effect": 0,
    "b0_inhomogeneity": 0,
    "baseline_distortion": 0,
    "extent_variability": 0,
}


def label_shares():
    """The share of tumour-labelled voxels (``target == 1``) that hold less
    than half tumour (``tumour_fraction < 0.5``), in skmrs 0.1's cohort (the
    pure label-noise regime) at its size and at the quick size with half the
    label noise, and in the default cohort."""
    settings = [
        ("pure (skmrs 0.1's cohort)", 435, 0.6, PURE),
        ("pure (skmrs 0.1's cohort)", 150, 0.3, PURE),
        ("default", 435, 0.6, {}),
        ("default", 150, 0.3, {}),
    ]
    rows = []
    for variant, n_patients, label_noise, kwargs in settings:
        cohort = make_mrs_cohort(
            n_patients=n_patients, label_noise=label_noise, random_state=0, **kwargs
        )
        labelled = cohort.target == 1
        mostly_not = float(np.mean(cohort.tumour_fraction[labelled] < 0.5))
        rows.append(
            {
                "variant": variant,
                "n_patients": n_patients,
                "label_noise": label_noise,
                "n_tumour_labelled": int(labelled.sum()),
                "share_mostly_not_tumour": mostly_not,
                "share_mostly_tumour": 1 - mostly_not,
            }
        )
        print(
            f"  {variant}, {n_patients} patients, label_noise {label_noise}: "
            f"{mostly_not:.3f} of {int(labelled.sum())} tumour-labelled voxels hold "
            "less than half tumour"
        )
    return rows


def calibration(resnet_folds=3, workers=2, out="calibration.jsonl"):
    """Every statistic the paper publishes, measured on the default cohort.

    The jobs of ``bench_calibration.py`` for the default cohort, side by side
    (``workers`` processes, one torch thread each); finished jobs are kept in
    ``out`` and skipped by a rerun.
    """
    from bench_calibration import calibrate

    print("calibration (default cohort, random_state=0)")
    calibrate(["{}"], rf=True, resnet_folds=resnet_folds, workers=workers, out=out)


def _describe(name, stats):
    """Print median [IQR] of each statistic; return them as a record row."""

    def quartiles(values):
        return np.nanpercentile(values, [25, 50, 75])

    row = {"spectra": name}
    for key in ("naa_cr", "cho_cr", "linewidth_hz", "snr"):
        q = quartiles(stats[key])
        row.update({key: q[1], f"{key}_q25": q[0], f"{key}_q75": q[2]})
    fmt = {
        k: f"{row[k]:6.2f} [{row[k + '_q25']:.2f}-{row[k + '_q75']:.2f}]"
        for k in ("naa_cr", "cho_cr", "linewidth_hz", "snr")
    }
    print(
        f"  {name:38s} NAA/Cr {fmt['naa_cr']}  Cho/Cr {fmt['cho_cr']}  "
        f"LW {fmt['linewidth_hz']} Hz  SNR {fmt['snr']}"
    )
    return row


SIMULATED = {
    "simulated non-tumour voxels (default)": {},
    "same, one voxel shimmed on itself (b0_inhomogeneity=0)": {"b0_inhomogeneity": 0},
    "same, skmrs 0.2's default": {
        "field_effect": 0.3,
        "exam_artefacts": 2,
        "b0_inhomogeneity": 0,
        "baseline_distortion": 0,
        "extent_variability": 0,
    },
}


def realism():
    print("realism: median [IQR] over spectra")
    rows = []
    for name, kwargs in SIMULATED.items():
        cohort = make_mrs_cohort(random_state=0, **kwargs)
        healthy = (cohort.target == 0) & (cohort.tumour_fraction == 0)
        stats = peak_statistics(cohort.data[healthy], cohort.ppm)
        rows.append(_describe(name, stats))
    folder = SHARED / "nifti_mrs"
    if not folder.is_dir():
        print(f"  (real files skipped: {folder} is absent)")
        return rows
    from skmrs.datasets import default_ppm_axis
    from skmrs.io import read_nifti_mrs
    from skmrs.preprocessing import SpectrumPreprocessor

    for name, file in REAL_FILES.items():
        mrs = read_nifti_mrs(folder / file)
        pre = SpectrumPreprocessor(
            spectral_width=mrs.spectral_width,
            centre_frequency=mrs.centre_frequency,
            line_broadening=0.0,
        )
        X = pre.fit_transform(mrs.fids)
        stats = peak_statistics(X, default_ppm_axis(), larmor_mhz=mrs.centre_frequency)
        rows.append(_describe(name, stats))
    return rows


def _load_words():
    """The machine's load averages, in words (``uptime``'s three figures)."""
    one, five, fifteen = os.getloadavg()
    return (
        f"{'shared' if one > 1.5 else 'quiet'} machine: load average {one:.2f}, "
        f"{five:.2f}, {fifteen:.2f} (uptime) on {os.cpu_count()} cores when the "
        "record was written"
    )


def _write_record(path, rows, description=None, **extra):

    from _records import record_header, save_record

    header = record_header(
        description
        or "NAA/Cr, Cho/Cr (peak heights), NAA linewidth (Hz) and peak SNR, "
        "median and quartiles over the healthy non-tumour voxels of "
        "make_mrs_cohort(random_state=0, ...) and of the real in-vivo scans"
    )
    save_record(path, {**header, **extra, "rows": rows})
    print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--fast", action="store_true", help="speed and realism only (no training)"
    )
    parser.add_argument(
        "--resnet-folds",
        type=int,
        default=3,
        help="folds of the 10 on which the Table-1 network is trained (0: none)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="jobs side by side (1 thread each)"
    )
    parser.add_argument("--out", default="calibration.jsonl", help="finished jobs")
    parser.add_argument("--record", help="write the realism figures as a record")
    parser.add_argument(
        "--speed-record", help="write the speed and memory figures as a record"
    )
    parser.add_argument("--basis-record", help="write the basis build time as a record")
    parser.add_argument(
        "--extent-record", help="write the per-patient tumour shares as a record"
    )
    parser.add_argument(
        "--label-record", help="write the shares of mislabelled voxels as a record"
    )
    args = parser.parse_args()
    extra = False
    if args.basis_record:
        extra = True
        rows = basis_time()
        _write_record(
            args.basis_record,
            rows,
            "seconds the metabolite basis takes to build (density-matrix "
            "simulation of the 16 metabolites, then their FIDs): in a fresh "
            "process with OMP_NUM_THREADS=1, the first make_mrs_cohort("
            "n_patients=1, random_state=0) call (basis built) minus the second "
            "(basis cached), wall (s) and process CPU time (cpu_s), one row per "
            "process; load_1min is the machine's load average before each",
            uses_cohort=False,
            load=_load_words(),
        )
    if args.extent_record:
        extra = True
        _write_record(
            args.extent_record,
            extent_shares(),
            "make_mrs_cohort(n_patients=2000, extent_variability=v, "
            "random_state=0), the rest at the defaults: over the tumour patients "
            "with 15-25 voxels, the share of a patient's voxels that are truly "
            "tumour (target_true: at least half tumour tissue), its 5th and 95th "
            "percentiles and median, and the fractions of those patients below "
            "5 % and above 60 %",
        )
    if args.label_record:
        extra = True
        _write_record(
            args.label_record,
            label_shares(),
            "the share of tumour-labelled voxels (target == 1) that hold less "
            "than half tumour tissue (tumour_fraction < 0.5), and the rest, in "
            "make_mrs_cohort(n_patients=n, label_noise=q, random_state=0) of the "
            "default cohort and of the pure label-noise regime (field_effect=0, "
            "age_effect=0, b0_inhomogeneity=0, baseline_distortion=0, "
            "extent_variability=0: skmrs 0.1's cohort, spectrum for spectrum)",
        )
    if extra:
        return
    speed = speed_and_memory()
    if args.speed_record:
        _write_record(
            args.speed_record,
            [speed],
            "seconds of make_mrs_cohort(random_state=seed) for seeds 0-2 on one "
            "thread (basis cached), and its peak traced memory (tracemalloc) "
            "beside the size of its spectra, for the default cohort and "
            "n_patients=109; cpu_*_s: the process's CPU time (time.process_time) "
            "over the same calls, what a busy machine does not stretch; load_1min "
            "is the machine's load average when the timing started",
            load=("shared machine" if speed["load_1min"] > 1.5 else "quiet machine")
            + f": 1-minute load average {speed['load_1min']:.1f} on "
            f"{os.cpu_count()} cores when the timing started",
        )
    rows = realism()
    if args.record:
        _write_record(args.record, rows)
    if not args.fast:
        calibration(args.resnet_folds, args.workers, args.out)


if __name__ == "__main__":
    main()
