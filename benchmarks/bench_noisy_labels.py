"""Noisy-label learners against plain and oracle, per fold (docs/noisy_labels.rst).

    python benchmarks/bench_noisy_labels.py MODEL [MODEL ...] [--cohort JSON ...]
        [--seeds 0 1] [--n-jobs 2] [--output FOLDER]

Quick network (8 filters, 4 blocks, kernel 15, 10 epochs),
``make_mrs_cohort(n_patients=150, random_state=0, **cohort)``, the 5 folds of
``GroupKFold(5)`` by patient, every ``random_state`` set to the seed: each
cohort is one :func:`skmrs.benchmark.run_benchmark` (its jobs side by side,
``--n-jobs``; finished jobs stored under ``--output``, so a rerun skips them).
Prints per cohort the benchmark's table (AUC against the noisy labels and
against the tissue, ``target_true``; patient accuracy), the gap to the oracle
each model closes (:func:`skmrs.benchmark.gap_closed`) and the per-fold
differences to the plain network. ``--record PATH`` writes every fit as a
record of ``benchmarks/results`` (its AUCs, patient accuracy, gap closed and
difference to the plain network on the same seed and fold).
"""

import argparse
import json
from pathlib import Path

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
        "distillmix": DistillMixClassifier(ResNetClassifier(**NET)),
    }
    try:
        from skmrs.classification import CleanLearningClassifier

        rows["cleanlab"] = CleanLearningClassifier(net, cv=3, trusted_class=0)
    except ImportError:
        pass
    return rows


def run(names, cohort, seeds, n_jobs, output):
    """One cohort's benchmark of the rows ``names``."""
    from skmrs.benchmark import run_benchmark
    from skmrs.datasets import make_mrs_cohort

    settings = json.loads(cohort)
    c = make_mrs_cohort(**{"n_patients": 150, "random_state": 0, **settings})
    rows = models(settings.get("label_noise", 0.6))
    return run_benchmark(
        c.data, c.target, c.groups, {name: rows[name] for name in names},
        n_splits=5, seeds=seeds, y_true=c.target_true, n_jobs=n_jobs,
        output_dir=output, description=f"bench_noisy_labels, cohort {cohort}",
    )  # fmt: skip


def summarise(result, cohort):
    from skmrs.benchmark import gap_closed

    print(f"\ncohort {cohort} (n_patients=150 unless given), quick network")
    print(result.format_table())
    if "plain" not in result.models:
        return
    gaps = gap_closed(result, plain="plain", oracle="oracle")
    auc = {
        (r["model"], r["seed"], r["fold"]): (r["roc_auc_true"], r["roc_auc"])
        for r in result.records
    }
    keys = sorted((s, f) for m, s, f in auc if m == "plain")
    print("  gap closed (tissue AUC, plain = 0, oracle = 1), mean +- sd;")
    print("  minus plain per (seed, fold), tissue/noisy:")
    for name in result.models:
        if name == "plain":
            continue
        gap = gaps.get(name)
        shown = f"{gap['mean']:+.2f} +- {gap['sd']:.2f}" if gap else "--"
        diff = ", ".join(
            f"{auc[(name, *k)][0] - auc[('plain', *k)][0]:+.3f}/"
            f"{auc[(name, *k)][1] - auc[('plain', *k)][1]:+.3f}"
            for k in keys
        )
        print(f"    {name:16s} {shown}  {diff}")


def record_rows(result, cohort, variant):
    """One row per fit: its scores and its difference to the plain network."""
    import math

    from skmrs.benchmark import gap_closed

    gaps = gap_closed(result, plain="plain", oracle="oracle")
    plain = {(r["seed"], r["fold"]): r for r in result.records if r["model"] == "plain"}
    keys = sorted(plain)
    rows = []
    for r in result.records:
        base = plain.get((r["seed"], r["fold"]))
        gap = None
        if r["model"] in gaps:
            value = gaps[r["model"]]["per_fold"][keys.index((r["seed"], r["fold"]))]
            gap = float(value) if math.isfinite(value) else None
        rows.append({
            "variant": variant, "cohort": cohort, "model": r["model"],
            "seed": r["seed"],
            "fold": r["fold"], "auc_noisy": r["roc_auc"],
            "auc_tissue": r["roc_auc_true"], "patient_acc": r["patient_accuracy"],
            "gap_closed": gap,
            "tissue_minus_plain": None if base is None
            else r["roc_auc_true"] - base["roc_auc_true"],
            "noisy_minus_plain": None if base is None
            else r["roc_auc"] - base["roc_auc"],
        })  # fmt: skip
    return rows


def write_record(path, rows):
    from _records import record_header, save_record

    header = record_header(
        "make_mrs_cohort(n_patients=150, random_state=0, **cohort), the quick "
        "network, GroupKFold(5) by patient: per (cohort, model, seed, fold) the "
        "voxel AUC against the noisy labels and against tissue, patient "
        "accuracy, the share of the plain-to-oracle gap in tissue AUC closed "
        "and the difference to the plain network on the same fit"
    )
    save_record(path, {**header, "rows": rows})
    print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("models", nargs="+")
    parser.add_argument("--cohort", nargs="+", default=["{}"], help="kwargs, JSON")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--output", default="noisy_labels", help="results folder")
    parser.add_argument("--record", help="write every fit as a record (JSON)")
    args = parser.parse_args()
    cohorts = [json.dumps(json.loads(c), sort_keys=True) for c in args.cohort]
    known = models(0.6)
    unknown = sorted(set(args.models) - set(known))
    if unknown:
        parser.error(f"unknown model(s) {unknown}; known: {sorted(known)}")
    rows = []
    for k, cohort in enumerate(cohorts):
        output = Path(args.output) / f"cohort{k}"
        result = run(args.models, cohort, args.seeds, args.n_jobs, output)
        summarise(result, cohort)
        rows += record_rows(result, cohort, f"cohort{k}")
    if args.record:
        write_record(args.record, rows)


if __name__ == "__main__":
    main()
