"""Calibrate the simulated cohort: the paper's statistics for cohort variants.

For each variant (``make_mrs_cohort`` keyword arguments as JSON; always
``random_state=0``, 435 patients unless the variant says otherwise) computes,
one job per core (one torch thread each; the networks on the GPU when there
is one):

- the class counts and k-means (k = 7) clusters holding both classes;
- SVC (defaults) and, with ``--rf``, RF (500 trees, entropy): voxel ROC AUC
  under 10-fold GroupKFold, pooled over the folds, against the noisy labels
  and against tissue (``target_true``);
- the Table-1 ``ResNetClassifier()`` (5 epochs) on the first
  ``--resnet-folds`` folds: mean +- sd of the per-fold AUCs;
- the yield of ``ConfidenceDistiller(ResNetClassifier(**NET))`` (threshold
  0.99, 5 epochs) on the training part of fold 0 for every ``--nets`` entry
  (training details: dropout, lr, batch size; ``"predict": "batch_stats"``
  scores the training spectra with batch norm in training mode, dropout off):
  the share kept, per class, its label == tissue share, when it was collected,
  the network's AUC on its own training spectra and on the held-out fold.

and prints them beside the paper's bands. The jobs run through
:func:`skmrs.benchmark.run_tasks`: each result goes to ``--out`` (one JSON
line per job) as it finishes, and a rerun skips finished jobs.

Run (the whole calibration grid of docs/simulator.rst took 5 minutes on an
H200 with 16 cores; on a 2-core CPU expect hours)::

    python benchmarks/bench_calibration.py '{}' '{"exam_artefacts": 2}' \\
        --resnet-folds 10 --nets '{}' '{"dropout": 0}' --workers 14
"""

from __future__ import annotations

import argparse
import json
import warnings
from functools import lru_cache

import numpy as np
from _records import record_header, save_record

from skmrs.benchmark import run_tasks

# the paper's published statistics (../shared/SPEC.md) and the bands of issue 11
BANDS = {
    "svc": (0.60, 0.66),  # paper 0.63
    "rf": (0.61, 0.67),  # paper 0.64
    "resnet": (0.66, 0.72),  # paper 0.69
    "yield": (0.25, 0.35),  # paper ~30 %
    "minority": (0.20, 1.0),  # paper: both classes
}
PAPER = {"svc": 0.63, "rf": 0.64, "resnet": 0.69}
PAPER_PATIENT = {"svc": 0.67, "rf": 0.70, "resnet": 0.67}


@lru_cache(maxsize=2)
def _cohort(variant):
    from skmrs.datasets import make_mrs_cohort

    kwargs = json.loads(variant)
    return make_mrs_cohort(**{"random_state": 0, **kwargs})


def _folds(variant):
    from sklearn.model_selection import GroupKFold

    c = _cohort(variant)
    return list(GroupKFold(10).split(c.data, c.target, c.groups))


def _auc(y, score):
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


def _scores(c, test, p):
    """Voxel AUC against the noisy labels and tissue, patient accuracy."""
    from skmrs.metrics import patient_accuracy_score

    return {
        "auc": _auc(c.target[test], p),
        "auc_true": _auc(c.target_true[test], p),
        "patient_acc": patient_accuracy_score(c.target[test], p, groups=c.groups[test]),
    }


def baseline_job(kind, variant, fold):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.svm import SVC

    c = _cohort(variant)
    train, test = _folds(variant)[fold]
    if kind == "svc":
        # Platt scaling as in the benchmark's SVM row: a monotone map of the
        # SVC's decision values (same AUC), probabilities for the patients
        model = CalibratedClassifierCV(SVC(), ensemble=False)
    else:
        model = RandomForestClassifier(500, criterion="entropy", random_state=0)
    p = model.fit(c.data[train], c.target[train]).predict_proba(c.data[test])[:, 1]
    return {"test": test.tolist(), "score": p.tolist(), **_scores(c, test, p)}


def kmeans_job(variant):
    from sklearn.cluster import KMeans

    c = _cohort(variant)
    labels = KMeans(7, n_init=4, random_state=0).fit_predict(c.data)
    table = [
        [int(((labels == k) & (c.target == y)).sum()) for y in (0, 1)] for k in range(7)
    ]
    return {
        "clusters": table,
        "mixed": sum(a > 0 and b > 0 for a, b in table),
        "counts": [int((c.target == 0).sum()), int((c.target == 1).sum())],
    }


def resnet_job(variant, fold, seed=None):
    from skmrs import ResNetClassifier

    c = _cohort(variant)
    train, test = _folds(variant)[fold]
    seed = fold if seed is None else seed
    net = ResNetClassifier(random_state=seed).fit(c.data[train], c.target[train])
    return _scores(c, test, net.predict_proba(c.data[test])[:, 1])


def _batch_stats_class():
    import torch

    from skmrs import ResNetClassifier

    class BatchStatsResNet(ResNetClassifier):
        """Scores with batch norm in training mode (batch statistics), no dropout."""

        def predict_proba(self, X):
            module = self.net_.module_
            saved = {k: v.clone() for k, v in module.state_dict().items()}
            module.train()
            for m in module.modules():
                if isinstance(m, torch.nn.Dropout):
                    m.eval()
            out = []
            with torch.no_grad():
                for start in range(0, len(X), self.batch_size):
                    xb = torch.as_tensor(
                        np.asarray(X[start : start + self.batch_size], np.float32),
                        device=self.device_,
                    )
                    out.append(module(xb).softmax(-1).cpu().numpy())
            module.load_state_dict(saved)
            module.eval()
            return np.concatenate(out)

    return BatchStatsResNet


def distill_job(variant, net):
    from skmrs import ResNetClassifier
    from skmrs.sampling import ConfidenceDistiller

    c = _cohort(variant)
    X, y, y_true = c.data, c.target, c.target_true
    train, test = _folds(variant)[0]
    kwargs = json.loads(net)
    cls = ResNetClassifier
    if kwargs.pop("predict", "eval") == "batch_stats":
        cls = _batch_stats_class()
    distiller = ConfidenceDistiller(cls(**kwargs), random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        distiller.fit_resample(X[train], y[train])
    kept = distiller.sample_indices_[distiller.first_epoch_ > 0]
    kept_y = y[train][kept]
    estimator = distiller.estimator_
    p_train = estimator.predict_proba(X[train])[:, 1]
    p_test = estimator.predict_proba(X[test])[:, 1]
    n_patients_kept = np.unique(c.groups[train][kept]).size
    return {
        "n": int(train.size),
        "kept": int(kept.size),
        "non_tumour": int((kept_y == 0).sum()),
        "tumour": int((kept_y == 1).sum()),
        "clean": float((y_true[train][kept] == kept_y).mean()) if kept.size else 0.0,
        "patients_kept": int(n_patients_kept),
        "new_per_epoch": distiller.n_new_per_epoch_.tolist(),
        "train_auc": _auc(y[train], p_train),
        "test_auc": _auc(y[test], p_test),
        "test_auc_true": _auc(y_true[test], p_test),
    }


def job(kind, *args):
    """One job on one thread (torch, OpenMP, BLAS): the jobs run one per core."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind in ("svc", "rf"):
            return baseline_job(kind, *args)
        jobs = {"kmeans": kmeans_job, "resnet": resnet_job, "distill": distill_job}
        return jobs[kind](*args)


def _band(value, name):
    low, high = BANDS[name]
    return "in band" if low <= value <= high else "OUT"


def _fold_rows(mine, kind):
    return [r for r in mine if r["task"][0] == kind]


def _print_folds(label, rows, paper, band):
    """Mean +- sd over folds of voxel AUC (noisy, tissue) and patient accuracy."""
    auc = np.array([r["auc"] for r in rows])
    true = np.array([r["auc_true"] for r in rows])
    acc = np.array([r["patient_acc"] for r in rows])
    print(
        f"  {label:18s} {len(rows)} folds AUC noisy {auc.mean():.3f} +- {auc.std():.3f}"
        f" (paper {paper}, {_band(auc.mean(), band)}), tissue {true.mean():.3f} +- "
        f"{true.std():.3f}; patient acc {acc.mean():.3f} +- {acc.std():.3f} (paper "
        f"{PAPER_PATIENT[band]})"
    )


def _print_ranking(mine):
    """Per fold (and seed): the ResNet's noisy AUC minus the better baseline's."""
    best = {}
    for r in _fold_rows(mine, "svc") + _fold_rows(mine, "rf"):
        fold = r["task"][2]
        best[fold] = max(best.get(fold, 0.0), r["auc"])
    diffs = [
        r["auc"] - best[r["task"][2]]
        for r in _fold_rows(mine, "resnet")
        if r["task"][2] in best
    ]
    if diffs:
        above = sum(d > 0 for d in diffs)
        print(
            f"  ResNet - better baseline, per fold: "
            f"{', '.join(f'{d:+.3f}' for d in diffs)} (above on {above} of "
            f"{len(diffs)})"
        )


def summarise(variant, records):
    c = _cohort(variant)
    mine = [r for r in records if r["task"][1] == variant and "error" not in r]
    print(f"\n{variant}: {c.data.shape[0]} spectra")
    for kind, label in (("svc", "SVC"), ("rf", "RF (500, entropy)")):
        parts = _fold_rows(mine, kind)
        if parts:
            _print_folds(label, parts, PAPER[kind], kind)
        if len(parts) == 10:
            test = np.concatenate([r["test"] for r in parts])
            score = np.concatenate([r["score"] for r in parts])
            print(
                f"  {'':18s} 10-fold pooled AUC noisy "
                f"{_auc(c.target[test], score):.3f}, tissue "
                f"{_auc(c.target_true[test], score):.3f}"
            )
    folds = _fold_rows(mine, "resnet")
    if folds:
        _print_folds("Table-1 ResNet", folds, PAPER["resnet"], "resnet")
    _print_ranking(mine)
    for r in (r for r in mine if r["task"][0] == "kmeans"):
        n0, n1 = r["counts"]
        near = abs(n0 / 3388 - 1) <= 0.2 and abs(n1 / 4054 - 1) <= 0.2
        print(
            f"  spectra non-tumour / tumour {n0} / {n1} (paper 3388 / 4054, "
            f"{'in band' if near else 'OUT'}); k-means k=7: {r['mixed']} of 7 "
            f"clusters hold both classes (paper 7 of 7)"
        )
    for r in (r for r in mine if r["task"][0] == "distill"):
        share = r["kept"] / r["n"]
        minority = min(r["non_tumour"], r["tumour"]) / max(r["kept"], 1)
        print(
            f"  distiller {r['task'][2]} (paper ~30 % of both): kept {r['kept']} "
            f"of {r['n']} ({share:.1%}, "
            f"{_band(share, 'yield')}; non-tumour {r['non_tumour']}, tumour "
            f"{r['tumour']}, smaller class {minority:.0%} {_band(minority, 'minority')}"
            f"); label == tissue {r['clean']:.2f}; {r['patients_kept']} patients; new "
            f"per epoch {r['new_per_epoch']}; AUC on its training spectra "
            f"{r['train_auc']:.3f}, held-out fold {r['test_auc']:.3f} (tissue "
            f"{r['test_auc_true']:.3f})"
        )


def calibrate(
    variants,
    *,
    rf=False,
    resnet_folds=0,
    folds=None,
    seeds=(0,),
    nets=("{}",),
    details=(),
    workers=2,
    out,
    record=None,
):
    """Run (or, with ``workers=0``, only read) every job and print the summaries.

    ``folds`` limits the SVC, RF and ResNet jobs to those folds of
    GroupKFold(10) (default: all ten for SVC and RF, the first
    ``resnet_folds`` for the ResNet, seeded with its fold number).
    """
    variants = [json.dumps(json.loads(v), sort_keys=True) for v in variants]
    nets = [json.dumps(json.loads(n), sort_keys=True) for n in nets]
    details = [json.dumps(json.loads(n), sort_keys=True) for n in details]
    base_folds = list(range(10)) if folds is None else list(folds)
    net_folds = list(range(resnet_folds)) if folds is None else list(folds)
    # the longest jobs first, so that the workers finish together
    if folds is None:
        tasks = [("resnet", v, f) for f in net_folds for v in variants]
    else:
        tasks = [
            ("resnet", v, f, s) for s in seeds for f in net_folds for v in variants
        ]
    tasks += [("distill", v, n) for v in variants for n in nets]
    tasks += [("distill", variants[0], n) for n in details if n not in nets]
    if rf:
        tasks += [("rf", v, f) for v in variants for f in base_folds]
    tasks += [("svc", v, f) for v in variants for f in base_folds]
    tasks += [("kmeans", v) for v in variants]
    records = run_tasks(
        job, tasks, output=out, n_jobs=workers, read_only=workers == 0, verbose=True
    )
    for r in records:
        if "error" in r:
            print("not done:", r["task"], r["error"])
    for v in variants:
        summarise(v, records)
    if record:
        write_record(record, records)


def write_record(path, records):
    """The finished jobs as a record of ``benchmarks/results`` (see its README)."""
    names = {"svc": "SVM", "rf": "RF", "resnet": "ResNet (Table 1)"}
    rows, extra = [], {"distiller": [], "kmeans": []}
    for r in records:
        if "error" in r:
            continue
        kind, variant = r["task"][0], r["task"][1]
        if kind in names:
            seed = r["task"][3] if len(r["task"]) > 3 else r["task"][2]
            rows.append(
                {
                    "variant": variant,
                    "fold": r["task"][2],
                    "seed": 0 if kind != "resnet" else seed,
                    "model": names[kind],
                    "auc": r["auc"],
                    "auc_tissue": r["auc_true"],
                    "patient_acc": r["patient_acc"],
                    "s": r["seconds"],
                }
            )
        elif kind in ("distill", "kmeans"):
            keep = {k: v for k, v in r.items() if k not in ("test", "score")}
            extra["distiller" if kind == "distill" else kind].append(
                {"variant": variant, **keep}
            )
    header = record_header(
        "make_mrs_cohort(random_state=0, **variant), GroupKFold(10) by patient: "
        "voxel ROC AUC against the noisy labels and tissue, patient accuracy "
        "(mean voxel probability, 0.5 cut-off), per fold"
    )
    save_record(path, {**header, "rows": rows, **extra})
    print(f"wrote {path} ({len(rows)} rows)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="+", help="make_mrs_cohort kwargs, JSON")
    parser.add_argument("--rf", action="store_true", help="also the random forest")
    parser.add_argument("--resnet-folds", type=int, default=0)
    parser.add_argument(
        "--folds",
        type=int,
        nargs="*",
        default=None,
        help="only these folds of GroupKFold(10), for SVC, RF and the ResNet",
    )
    parser.add_argument(
        "--seeds", type=int, nargs="*", default=[0], help="ResNet seeds (with --folds)"
    )
    parser.add_argument(
        "--nets", nargs="*", default=["{}"], help="ResNetClassifier kwargs, JSON"
    )
    parser.add_argument(
        "--detail-nets",
        nargs="*",
        default=[],
        help="more ResNetClassifier kwargs for the distiller, first variant only",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--summary-only",
        action="store_true",
        help="print what --out holds, run nothing",
    )
    parser.add_argument("--out", default="calibration.jsonl")
    parser.add_argument("--record", help="also write the jobs as a record (JSON)")
    args = parser.parse_args()
    calibrate(
        args.variants,
        rf=args.rf,
        resnet_folds=args.resnet_folds,
        folds=args.folds,
        seeds=args.seeds,
        nets=args.nets,
        details=args.detail_nets,
        workers=0 if args.summary_only else args.workers,
        out=args.out,
        record=args.record,
    )


if __name__ == "__main__":
    # run as the module bench_calibration, so that the jobs reach the worker
    # processes by name and each worker keeps its cohorts (_cohort's cache)
    import bench_calibration

    bench_calibration.main()
