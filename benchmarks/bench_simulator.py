"""Simulator figures: speed, memory, difficulty calibration and realism.

Prints
- the wall time of the default cohort on one core (target < 5 s) and its peak
  traced memory next to the size of the output (memory ~ proportional);
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
"""

from __future__ import annotations

import argparse
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
    make_mrs_cohort(n_patients=5, random_state=0)  # build and cache the basis
    with threadpool_limits(1):
        times = []
        for seed in range(3):
            start = time.perf_counter()
            cohort = make_mrs_cohort(random_state=seed)
            times.append(time.perf_counter() - start)
    tracemalloc.start()
    cohort = make_mrs_cohort(random_state=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out = cohort.data.nbytes
    print(f"default cohort: {cohort.data.shape[0]} spectra x 288")
    print(
        f"  time on 1 core: best {min(times):.2f} s, median "
        f"{np.median(times):.2f} s (target < 5 s)"
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
    def fmt(values):
        q = np.nanpercentile(values, [25, 50, 75])
        return f"{q[1]:6.2f} [{q[0]:.2f}-{q[2]:.2f}]"

    print(
        f"  {name:38s} NAA/Cr {fmt(stats.naa_cr)}  Cho/Cr {fmt(stats.cho_cr)}  "
        f"LW {fmt(stats.linewidth_hz)} Hz  SNR {fmt(stats.snr)}"
    )


def realism():
    print("realism: median [IQR] over spectra")
    cohort = make_mrs_cohort(random_state=0)
    healthy = (cohort.target == 0) & (cohort.tumour_fraction == 0)
    _describe(
        "simulated non-tumour voxels", peak_statistics(cohort.data[healthy], cohort.ppm)
    )
    folder = SHARED / "nifti_mrs"
    if not folder.is_dir():
        print(f"  (real files skipped: {folder} is absent)")
        return
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
        _describe(
            name,
            peak_statistics(X, default_ppm_axis(), larmor_mhz=mrs.centre_frequency),
        )


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
    args = parser.parse_args()
    speed_and_memory()
    realism()
    if not args.fast:
        calibration(args.resnet_folds, args.workers, args.out)


if __name__ == "__main__":
    main()
