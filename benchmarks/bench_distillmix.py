"""Benchmark: DistillMix against the plain ResNet on the simulated cohort.

For every fold of a patient-grouped K-fold split of
``skmrs.datasets.make_mrs_cohort`` this script trains

* the plain :class:`skmrs.ResNetClassifier`, and
* :class:`skmrs.DistillMixClassifier` with the same network (distil for
  ``--distill-epochs`` epochs at ``--threshold``, oversample, mix with
  ``--strategy`` / ``--alpha`` / ``--factor``, train the final network),

and reports, per fold and as mean +- sd over folds:

* voxel ROC AUC against the noisy labels (``target``, what the paper scores)
  and against what the voxels really hold (``target_true``);
* how clean the distilled set is: the share of its spectra whose noisy label
  matches ``target_true``, beside the same share in the whole training fold,
  and the same for tumour-labelled spectra only (the noise is one-way);
* how many training spectra reached the threshold after each distillation
  epoch (``|C_E|``) and how many were new, and whether a class fell back.

The paper's configuration (Table-1 network, 5 distillation epochs, 10 folds,
the whole cohort) takes hours on a CPU; the flags shrink the network, the
cohort and the number of folds so that a quick run fits on a laptop::

    python benchmarks/bench_distillmix.py --n-patients 150 --n-splits 5 \\
        --max-folds 3 --n-filters 8 --n-blocks 4 --kernel-size 15 --max-epochs 15

Run with ``--help`` for every flag; ``--json`` writes every figure to a file,
``--record PATH`` every fold as a record of ``benchmarks/results`` (per-epoch
lists as space-separated text).
"""

import argparse
import json
import time

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from skmrs import DistillMixClassifier, ResNetClassifier
from skmrs.datasets import make_mrs_cohort
from skmrs.model_selection import patient_splits


def _parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--n-patients", type=int, default=435, help="cohort size (paper: 435)")
    add("--n-splits", type=int, default=10, help="GroupKFold splits (paper: 10)")
    add("--max-folds", type=int, default=None, help="run only the first folds")
    add("--folds", type=int, nargs="+", default=None, help="run only these folds")
    add("--seed", type=int, default=0, help="cohort and model seed")
    add(
        "--cohort",
        type=json.loads,
        default={},
        help="make_mrs_cohort keyword arguments as a JSON object, e.g. "
        "'{\"label_noise\": 0.3}' (default: the cohort's defaults)",
    )
    add("--n-filters", type=int, default=None, help="network width (Table 1: 16)")
    add("--n-blocks", type=int, default=None, help="residual blocks (Table 1: 8)")
    add("--kernel-size", type=int, default=None, help="conv kernel (Table 1: 32)")
    add("--dropout", type=float, default=None, help="dropout (Table 1: 0.55)")
    add("--max-epochs", type=int, default=None, help="final-network epochs")
    add("--batch-size", type=int, default=None, help="mini-batch (paper: 32)")
    add("--distill-epochs", type=int, default=5, help="maxE (paper: 5)")
    add("--threshold", type=float, default=0.99, help="theta (paper: 0.99)")
    add("--alpha", type=float, default=0.5, help="mixing weight (paper: 0.5)")
    add("--factor", type=float, default=5, help="augmentation factor (paper: 5)")
    add("--strategy", default="both", choices=["both", "same", "other"])
    add("--no-oversample", action="store_true", help="skip random oversampling")
    add("--device", default="auto", help="torch device of both networks")
    add("--threads", type=int, default=1, help="torch CPU threads (1 on a busy CPU)")
    add("--json", default=None, help="write all figures to this file")
    add("--record", default=None, help="write every fold as a record (JSON)")
    return parser.parse_args(argv)


def _net_params(args):
    names = ["n_filters", "n_blocks", "kernel_size", "dropout", "max_epochs"]
    names.append("batch_size")
    params = {name: getattr(args, name) for name in names}
    params = {name: value for name, value in params.items() if value is not None}
    return {**params, "device": args.device}


def _auc(y, proba):
    return float(roc_auc_score(y, proba)) if np.unique(y).size == 2 else np.nan


def _fold(cohort, train, test, args, net):
    X, y, y_true = cohort.data, cohort.target, cohort.target_true
    row = {"n_train": int(train.size), "n_test": int(test.size)}

    start = time.perf_counter()
    plain = ResNetClassifier(**net, random_state=args.seed).fit(X[train], y[train])
    proba = plain.predict_proba(X[test])[:, 1]
    row["plain_s"] = time.perf_counter() - start
    row["plain_auc_noisy"] = _auc(y[test], proba)
    row["plain_auc_true"] = _auc(y_true[test], proba)

    start = time.perf_counter()
    model = DistillMixClassifier(
        ResNetClassifier(**net),
        alpha=args.alpha,
        augment_factor=args.factor,
        strategy=args.strategy,
        threshold=args.threshold,
        distill_epochs=args.distill_epochs,
        oversample=not args.no_oversample,
        random_state=args.seed,
    ).fit(X[train], y[train])
    proba = model.predict_proba(X[test])[:, 1]
    row["distillmix_s"] = time.perf_counter() - start
    row["distillmix_auc_noisy"] = _auc(y[test], proba)
    row["distillmix_auc_true"] = _auc(y_true[test], proba)

    distiller = model.pipeline_.named_steps["distill"]
    kept = train[distiller.sample_indices_]
    clean_train = y[train] == y_true[train]
    clean_kept = y[kept] == y_true[kept]
    row["n_distilled"] = int(kept.size)
    row["distilled_tumour_share"] = float(y[kept].mean())
    row["clean_share_train"] = float(clean_train.mean())
    row["clean_share_distilled"] = float(clean_kept.mean())
    tumour_train, tumour_kept = y[train] == 1, y[kept] == 1
    row["clean_share_train_tumour"] = float(clean_train[tumour_train].mean())
    row["clean_share_distilled_tumour"] = (
        float(clean_kept[tumour_kept].mean()) if tumour_kept.any() else np.nan
    )
    row["n_confident_per_epoch"] = distiller.n_confident_per_epoch_.tolist()
    row["n_new_per_epoch"] = distiller.n_new_per_epoch_.tolist()
    row["max_confidence_per_epoch"] = distiller.confidence_.max(axis=1).tolist()
    row["fallback_classes"] = distiller.fallback_classes_.tolist()
    row["final_train_size"] = int(model.n_train_samples_)
    return row


def _summary(rows, key):
    values = np.array([row[key] for row in rows], dtype=float)
    return f"{np.nanmean(values):.3f} +- {np.nanstd(values):.3f}"


def main(argv=None):
    args = _parse_args(argv)
    torch.set_num_threads(args.threads)
    net = _net_params(args)
    if not isinstance(args.cohort, dict):
        raise SystemExit("--cohort: give a JSON object of make_mrs_cohort arguments")
    cohort = make_mrs_cohort(
        n_patients=args.n_patients, random_state=args.seed, **args.cohort
    )
    X, groups = cohort.data, cohort.groups
    print(
        f"cohort: {X.shape[0]} spectra, {np.unique(groups).size} patients, "
        f"noisy tumour share {cohort.target.mean():.3f}, "
        f"label == truth {np.mean(cohort.target == cohort.target_true):.3f}"
    )
    print(f"network: {net or 'ResNetClassifier defaults (Table 1)'}")
    splits, _ = patient_splits(args.n_splits, X, cohort.target, groups)
    folds = args.folds if args.folds is not None else range(len(splits))
    folds = list(folds)[: args.max_folds]

    rows = []
    for k in folds:
        train, test = splits[k]
        row = _fold(cohort, train, test, args, net)
        rows.append(row)
        fallback = row["fallback_classes"]
        print(
            f"fold {k}: AUC noisy plain {row['plain_auc_noisy']:.3f} / "
            f"distillmix {row['distillmix_auc_noisy']:.3f}; AUC true plain "
            f"{row['plain_auc_true']:.3f} / distillmix "
            f"{row['distillmix_auc_true']:.3f}; distilled {row['n_distilled']}/"
            f"{row['n_train']} (clean {row['clean_share_distilled']:.3f} vs "
            f"{row['clean_share_train']:.3f}); |C_E| "
            f"{row['n_confident_per_epoch']} new {row['n_new_per_epoch']} max p "
            f"{np.round(row['max_confidence_per_epoch'], 3).tolist()}"
            f"{f' fallback {fallback}' if fallback else ''}"
            f"; {row['plain_s']:.0f} s + {row['distillmix_s']:.0f} s",
            flush=True,
        )

    print(f"\nsummary over {len(rows)} fold(s), mean +- sd:")
    for key in [
        "plain_auc_noisy",
        "distillmix_auc_noisy",
        "plain_auc_true",
        "distillmix_auc_true",
        "n_distilled",
        "distilled_tumour_share",
        "clean_share_train",
        "clean_share_distilled",
        "clean_share_train_tumour",
        "clean_share_distilled_tumour",
    ]:
        print(f"  {key:30s} {_summary(rows, key)}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"args": vars(args), "folds": rows}, handle, indent=1)
    if args.record:
        _write_record(args, folds, rows)


def _write_record(args, folds, rows):

    from _records import record_header, save_record

    header = record_header(
        f"make_mrs_cohort(n_patients={args.n_patients}, random_state={args.seed}"
        + "".join(f", {key}={value!r}" for key, value in args.cohort.items())
        + "), "
        f"GroupKFold({args.n_splits}) by patient, the folds of the rows: the plain "
        "ResNetClassifier and DistillMixClassifier with the same network "
        f"({_net_params(args)}; strategy {args.strategy}, alpha {args.alpha}, "
        f"factor {args.factor}, threshold {args.threshold}, "
        f"{args.distill_epochs} distillation epochs): voxel AUC against the noisy "
        "labels and target_true, the distilled set and how clean it is, |C_E| "
        "and the new spectra per epoch, seconds"
    )
    flat = [
        {"fold": k, **{
            key: " ".join(f"{v:.6g}" for v in value) if isinstance(value, list)
            else value
            for key, value in row.items()
        }}
        for k, row in zip(folds, rows)
    ]  # fmt: skip
    save_record(args.record, {**header, "rows": flat})
    print(f"wrote {args.record}")


if __name__ == "__main__":
    main()
