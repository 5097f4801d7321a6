"""Simulator figures: speed, memory, difficulty calibration and realism.

Prints
- the wall time of the default cohort on one core (target < 5 s) and its peak
  traced memory next to the size of the output (memory ~ proportional);
- calibration against the paper: SVC (defaults) voxel ROC AUC under 10-fold
  GroupKFold on the noisy labels (target 0.58-0.70) and on ``target_true``;
  k-means with 7 clusters: non-tumour/tumour counts per cluster (the paper
  finds both classes in every cluster);
- realism: NAA/Cr, Cho/Cr (peak heights), NAA linewidth (Hz) and SNR of the
  simulated healthy spectra next to the same figures of the real in-vivo files
  in ``../shared/data/nifti_mrs`` (skipped when that folder is absent).

Run::

    python benchmarks/bench_simulator.py            # everything (~3 min)
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


def calibration():
    from sklearn.cluster import KMeans
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold, cross_val_predict
    from sklearn.svm import SVC

    cohort = make_mrs_cohort(random_state=0)
    X, y, groups = cohort.data, cohort.target, cohort.groups
    start = time.perf_counter()
    score = cross_val_predict(
        SVC(), X, y, groups=groups, cv=GroupKFold(10), method="decision_function"
    )
    print(f"calibration (default cohort, random_state=0, {len(y)} spectra)")
    print(
        f"  SVC 10-fold GroupKFold voxel AUC: noisy labels "
        f"{roc_auc_score(y, score):.3f} (paper 0.63, target 0.58-0.70); "
        f"true labels {roc_auc_score(cohort.target_true, score):.3f} "
        f"[{time.perf_counter() - start:.0f} s]"
    )
    labels = KMeans(7, n_init=4, random_state=0).fit_predict(X)
    table = [
        (int(((labels == k) & (y == 0)).sum()), int(((labels == k) & (y == 1)).sum()))
        for k in range(7)
    ]
    print("  k-means k=7, (non-tumour, tumour) per cluster:", table)
    print(
        f"  every cluster holds both classes: {all(a > 0 and b > 0 for a, b in table)}"
    )


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
    parser.add_argument("--fast", action="store_true", help="skip the SVC calibration")
    args = parser.parse_args()
    speed_and_memory()
    realism()
    if not args.fast:
        calibration()


if __name__ == "__main__":
    main()
