"""Noisy-label learners against plain and oracle, per fold (docs/noisy_labels.rst).

    python benchmarks/bench_noisy_labels.py MODEL [MODEL ...] [--cohort JSON]
        [--folds 0 1 2 3 4] [--seeds 0 1] [--workers 2] [--out results.jsonl]

Quick network (8 filters, 4 blocks, kernel 15, 10 epochs), one torch thread
per job (jobs side by side, ``--workers``; the networks on the GPU when there
is one), ``make_mrs_cohort(n_patients=150, random_state=0, **cohort)``, folds
of ``GroupKFold(5)``; prints per (model, seed, fold) the AUC against the noisy
labels and against the tissue (``target_true``) and patient accuracy, then per
model mean +- sd over (seed, fold), the gap to the oracle it closes, and the
per-fold differences to the plain network. Finished jobs accumulate in
``--out`` (JSON lines), so a rerun skips them.
"""

import argparse
import json

import numpy as np
from _pool import run_tasks

NET = dict(n_filters=8, n_blocks=4, kernel_size=15, max_epochs=10, batch_size=32)


def models(label_noise):
    from skmrs.benchmark import OracleClassifier
    from skmrs.classification import (
        DistillMixClassifier,
        NoiseAwareClassifier,
        ResNetClassifier,
        make_distillmix_pipeline,
    )
    from skmrs.sampling import MixingAugmenter

    def snapshot_net():
        return NoiseAwareClassifier(
            ResNetClassifier(**{**NET, "max_epochs": 20}),
            n_estimators=1,
            n_snapshots=10,
        )

    def mixing(classifier):
        return make_distillmix_pipeline(
            distiller="passthrough",
            augmenter=MixingAugmenter(strategy="both", factor=1),
            classifier=classifier,
        )

    net = ResNetClassifier(**NET)
    rows = {
        "plain": net,
        "oracle": OracleClassifier(net),
        "ensemble3": NoiseAwareClassifier(net, n_estimators=3, loss="ce"),
        "ensemble5": NoiseAwareClassifier(net, n_estimators=5, loss="ce"),
        "nnpu-true-prior": NoiseAwareClassifier(
            net, n_estimators=1, class_prior=label_noise
        ),
        # one network trained twice as long, its last 10 epochs averaged
        "snapshots": snapshot_net(),
        # multiple-instance learning, patients as bags, the true witness rate
        "mil-true-prior": NoiseAwareClassifier(
            net, n_estimators=1, loss="mil", class_prior=label_noise
        ),
        "nnpu-auto": NoiseAwareClassifier(net, n_estimators=1, loss="nnpu"),
        "nnpu3-auto": NoiseAwareClassifier(net, n_estimators=3, loss="nnpu"),
        # the paper's mixing on every spectrum, no distiller (one new per spectrum)
        "mixing": mixing(net),
        # both: the mixing above, then the snapshot network
        "mixing-snapshots": mixing(snapshot_net()),
        # the paper's method at the same network size (DistillMix-both)
        "distillmix": DistillMixClassifier(**NET),
    }
    try:
        from skmrs.classification import CleanLearningClassifier

        rows["cleanlab"] = CleanLearningClassifier(net, cv=3, trusted_class=0)
    except ImportError:
        pass
    return rows


_CACHE = {}


def _data(cohort):
    if cohort not in _CACHE:
        from skmrs.datasets import make_mrs_cohort
        from skmrs.model_selection import patient_splits

        kwargs = {"n_patients": 150, "random_state": 0, **json.loads(cohort)}
        c = make_mrs_cohort(**kwargs)
        splits, groups = patient_splits(5, c.data, c.target, c.groups)
        _CACHE.clear()
        _CACHE[cohort] = (c, splits, groups)
    return _CACHE[cohort]


def job(name, cohort, seed, fold):
    from sklearn.metrics import roc_auc_score

    from skmrs.benchmark._oracle import _fit_arguments
    from skmrs.metrics import patient_accuracy_score

    c, splits, groups = _data(cohort)
    label_noise = json.loads(cohort).get("label_noise", 0.6)
    est = models(label_noise)[name]
    est.set_params(
        **{
            k: seed
            for k in est.get_params()
            if k == "random_state" or k.endswith("__random_state")
        }
    )
    train, test = splits[fold]
    target, kwargs = _fit_arguments(est, c.target, c.target_true, groups, train)
    est.fit(c.data[train], target[train], **kwargs)
    p = est.predict_proba(c.data[test])[:, 1]
    return {
        "auc_noisy": float(roc_auc_score(c.target[test], p)),
        "auc_true": float(roc_auc_score(c.target_true[test], p)),
        "patient_acc": float(
            patient_accuracy_score(c.target[test], p, groups=groups[test])
        ),
        "prior": getattr(est, "class_prior_", None),
    }


def summarise(records, names, cohort):
    table = {}
    for r in records:
        if "error" in r or r["task"][1] != cohort:
            continue
        name, _, seed, fold = r["task"]
        table.setdefault(name, {})[(seed, fold)] = r
    print(f"\ncohort {cohort} (n_patients=150 unless given), quick network")
    print(
        f"  {'model':16s} {'AUC noisy':15s} {'AUC tissue':15s} {'patient acc':15s} "
        "gap closed (tissue)"
    )
    plain, oracle = table.get("plain", {}), table.get("oracle", {})
    for name in names:
        rows = table.get(name, {})
        if not rows:
            continue
        keys = sorted(rows)

        def stat(field, keys=keys, rows=rows):
            v = np.array([rows[k][field] for k in keys])
            return f"{v.mean():.3f} +- {v.std():.3f}"

        gaps = [
            (rows[k]["auc_true"] - plain[k]["auc_true"])
            / (oracle[k]["auc_true"] - plain[k]["auc_true"])
            for k in keys
            if k in plain and k in oracle
        ]
        gap = f"{np.mean(gaps):+.2f} +- {np.std(gaps):.2f}" if gaps else "--"
        print(
            f"  {name:16s} {stat('auc_noisy'):15s} {stat('auc_true'):15s} "
            f"{stat('patient_acc'):15s} {gap} ({len(keys)} fits)"
        )
        if name != "plain" and plain:
            diff = [
                (
                    rows[k]["auc_true"] - plain[k]["auc_true"],
                    rows[k]["auc_noisy"] - plain[k]["auc_noisy"],
                )
                for k in keys
                if k in plain
            ]
            shown = ", ".join(f"{a:+.3f}/{b:+.3f}" for a, b in diff)
            print(f"  {'':16s} minus plain per (seed, fold), tissue/noisy: {shown}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("models", nargs="+")
    parser.add_argument("--cohort", nargs="+", default=["{}"], help="kwargs, JSON")
    parser.add_argument("--folds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="noisy_labels.jsonl")
    args = parser.parse_args()
    cohorts = [json.dumps(json.loads(c), sort_keys=True) for c in args.cohort]
    known = models(0.6)
    unknown = sorted(set(args.models) - set(known))
    if unknown:
        parser.error(f"unknown model(s) {unknown}; known: {sorted(known)}")
    # every row of one (seed, fold) together, so a run stopped early still
    # compares complete blocks; within a block the slow rows first
    cost = {
        "mixing-snapshots": 6,
        "snapshots": 2,
        "mixing": 3,
        "cleanlab": 4,
        "ensemble5": 5,
        "ensemble3": 3,
        "nnpu3-auto": 3,
    }
    order = sorted(args.models, key=lambda m: -cost.get(m, 1))
    tasks = [
        (name, cohort, seed, fold)
        for cohort in cohorts
        for seed in args.seeds
        for fold in args.folds
        for name in order
    ]
    records = run_tasks(job, tasks, workers=args.workers, out=args.out)
    for r in records:
        if "error" in r:
            print("FAILED", r["task"], r["error"])
    for cohort in cohorts:
        summarise(records, args.models, cohort)


if __name__ == "__main__":
    main()
