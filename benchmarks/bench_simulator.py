"""Simulator figures: speed, memory, difficulty calibration and realism.

Prints
- the wall time of the default cohort on one core (target < 5 s) and its peak
  traced memory next to the size of the output (memory ~ proportional);
- calibration against every statistic the paper publishes, each beside its
  band: SVC (defaults) and RF (500 trees, entropy) voxel ROC AUC under 10-fold
  GroupKFold on the noisy labels (and on ``target_true``), the Table-1
  ResNetClassifier on the first ``--resnet-folds`` folds, the share of a 90 %
  training fold that ConfidenceDistiller() keeps and its smaller class's share,
  k-means with 7 clusters holding both classes, the class counts;
- realism: NAA/Cr, Cho/Cr (peak heights), NAA linewidth (Hz) and SNR of the
  simulated healthy spectra next to the same figures of the real in-vivo files
  in ``../shared/data/nifti_mrs`` (skipped when that folder is absent).

Run::

    python benchmarks/bench_simulator.py            # everything (~1 h on 2 cores)
    python benchmarks/bench_simulator.py --fast     # speed and realism only
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings
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


PAPER = [
    # statistic, paper's value, band
    ("spectra non-tumour / tumour", "3388 / 4054", "each within 20 %"),
    ("SVC voxel AUC, noisy labels", "0.63", (0.60, 0.66)),
    ("RF (500, entropy) voxel AUC, noisy labels", "0.64", (0.61, 0.67)),
    ("Table-1 ResNet (5 epochs) voxel AUC, noisy", "0.69", (0.66, 0.72)),
    ("ConfidenceDistiller() share kept, E = 5", "~30 %", (0.25, 0.35)),
    ("  smaller class's share of what is kept", "both classes", (0.20, 1.0)),
    ("k-means k=7: clusters holding both classes", "7 of 7", (7, 7)),
]


def _within(value, band):
    return "yes" if band[0] <= value <= band[1] else "NO"


def calibration(resnet_folds=3, threads=2):
    """Every statistic the paper publishes, measured on the default cohort."""
    import torch
    from sklearn.cluster import KMeans
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold, cross_val_predict
    from sklearn.svm import SVC

    from skmrs import ResNetClassifier
    from skmrs.sampling import ConfidenceDistiller

    torch.set_num_threads(threads)
    cohort = make_mrs_cohort(random_state=0)
    X, y, groups, y_true = cohort.data, cohort.target, cohort.groups, cohort.target_true
    cv = GroupKFold(10)
    rows = []
    n0, n1 = int((y == 0).sum()), int((y == 1).sum())
    ok = abs(n0 / 3388 - 1) <= 0.2 and abs(n1 / 4054 - 1) <= 0.2
    rows.append((*PAPER[0][:2], f"{n0} / {n1}", "yes" if ok else "NO"))
    print(f"calibration (default cohort, random_state=0, {len(y)} spectra)")

    def baseline(estimator, method, paper_row, label):
        start = time.perf_counter()
        score = cross_val_predict(
            estimator, X, y, groups=groups, cv=cv, method=method, n_jobs=threads
        )
        if score.ndim == 2:
            score = score[:, 1]
        auc, auc_true = roc_auc_score(y, score), roc_auc_score(y_true, score)
        print(
            f"  {label} 10-fold GroupKFold AUC: noisy {auc:.3f}, tissue "
            f"{auc_true:.3f} [{time.perf_counter() - start:.0f} s]",
            flush=True,
        )
        rows.append((*paper_row[:2], f"{auc:.3f}", _within(auc, paper_row[2])))

    baseline(SVC(), "decision_function", PAPER[1], "SVC")
    rf = RandomForestClassifier(500, criterion="entropy", random_state=0)
    baseline(rf, "predict_proba", PAPER[2], "RF")

    # The Table-1 network on the first folds. On fold 0 the distiller's own
    # network (5 epochs of partial_fit on the same training fold) is scored.
    aucs, aucs_true = [], []
    for fold, (train, test) in enumerate(cv.split(X, y, groups)):
        if fold == resnet_folds:
            break
        start = time.perf_counter()
        if fold == 0:
            distiller = ConfidenceDistiller(random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                distiller.fit_resample(X[train], y[train])
            net = distiller.estimator_
            confident = distiller.sample_indices_[distiller.first_epoch_ > 0]
            kept_y = y[train][confident]
            share = confident.size / train.size
            minority = min((kept_y == 0).sum(), (kept_y == 1).sum())
            minority_share = minority / max(confident.size, 1)
            clean = (y_true[train][confident] == kept_y).mean() if confident.size else 0
            print(
                f"  ConfidenceDistiller() on fold 0 ({train.size} spectra): kept "
                f"{confident.size} ({share:.1%}; non-tumour {(kept_y == 0).sum()}, "
                f"tumour {(kept_y == 1).sum()}; label == tissue {clean:.2f}); "
                f"new per epoch {distiller.n_new_per_epoch_.tolist()}",
                flush=True,
            )
            rows.append((*PAPER[4][:2], f"{share:.1%}", _within(share, PAPER[4][2])))
            rows.append(
                (
                    *PAPER[5][:2],
                    f"{minority_share:.1%}",
                    _within(minority_share, PAPER[5][2]),
                )
            )
        else:
            net = ResNetClassifier(random_state=fold).fit(X[train], y[train])
        proba = net.predict_proba(X[test])[:, 1]
        aucs.append(roc_auc_score(y[test], proba))
        aucs_true.append(roc_auc_score(y_true[test], proba))
        print(
            f"  Table-1 ResNet fold {fold}: AUC noisy {aucs[-1]:.3f}, tissue "
            f"{aucs_true[-1]:.3f} [{time.perf_counter() - start:.0f} s]",
            flush=True,
        )
    if aucs:
        mean = float(np.mean(aucs))
        rows.insert(
            3,
            (
                *PAPER[3][:2],
                f"{mean:.3f} +- {np.std(aucs):.3f} ({len(aucs)} folds)",
                _within(mean, PAPER[3][2]),
            ),
        )
        print(
            f"  Table-1 ResNet, {len(aucs)} folds: noisy {mean:.3f} +- "
            f"{np.std(aucs):.3f}, tissue {np.mean(aucs_true):.3f} +- "
            f"{np.std(aucs_true):.3f}"
        )

    labels = KMeans(7, n_init=4, random_state=0).fit_predict(X)
    table = [
        (int(((labels == k) & (y == 0)).sum()), int(((labels == k) & (y == 1)).sum()))
        for k in range(7)
    ]
    print("  k-means k=7, (non-tumour, tumour) per cluster:", table)
    mixed = sum(a > 0 and b > 0 for a, b in table)
    rows.append((*PAPER[6][:2], f"{mixed} of 7", _within(mixed, PAPER[6][2])))

    print(f"\n  {'statistic':46s} {'paper':12s} {'skmrs':14s} in band")
    for name, paper, value, inside in rows:
        print(f"  {name:46s} {paper:12s} {value:14s} {inside}")


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
    parser.add_argument("--threads", type=int, default=2, help="torch threads, jobs")
    args = parser.parse_args()
    speed_and_memory()
    realism()
    if not args.fast:
        calibration(args.resnet_folds, args.threads)


if __name__ == "__main__":
    main()
