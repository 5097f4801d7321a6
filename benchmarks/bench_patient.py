"""Patient accuracy, AUC and Brier score: the paper's mean rule vs PatientClassifier.

    OMP_NUM_THREADS=1 python benchmarks/bench_patient.py [--n-patients 150]
        [--n-splits 5] [--seeds 0 1] [--cohort NAME_OR_JSON ...] [--context]
        [--out benchmarks/results/bench_patient.json]

On ``make_mrs_cohort(n_patients, random_state=0, **cohort)`` for each cohort
(a name of ``VARIANTS``: "default", "pure", or JSON keyword
arguments), outer ``GroupKFold(n_splits, shuffle=True, random_state=seed)`` by
patient. In every outer fold one :class:`skmrs.PatientClassifier` is fitted on
the training patients with the benchmark's SVM
(``CalibratedClassifierCV(SVC(), ensemble=False)``) as its voxel model. Its
``estimator_`` is that SVM refitted on all training spectra, the very model the
paper's rule would use, so the rows are paired on one fitted SVM:

- "mean rule": mean tumour probability of a patient's spectra, tumour at 0.5;
- "PatientClassifier": the calibrated patient probability and the threshold
  chosen inside ``fit`` (``threshold="accuracy"``);
- with ``--context``, "PatientClassifier+context" (``context=True``: the SVM
  also sees each spectrum's difference from its patient's median).

Prints per cohort and row the patient accuracy, AUC and Brier score (mean +-
sd over folds) and the per-fold differences against the mean rule; writes every
fold as a row of a JSON record (``--out``).
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
from _records import record_header
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

from skmrs import PatientClassifier
from skmrs.benchmark import default_models
from skmrs.datasets import make_mrs_cohort
from skmrs.metrics import patient_labels, patient_probabilities

METRICS = ("patient_accuracy", "patient_roc_auc", "patient_brier")
# --cohort takes these names or JSON keyword arguments of make_mrs_cohort
VARIANTS = {
    "default": {},
    "pure": {
        "field_effect": 0,
        "age_effect": 0,
        "exam_artefacts": 0,
        "b0_inhomogeneity": 0,
        "baseline_distortion": 0,
    },
}


def _scores(truth, proba, decision) -> dict:
    return {
        "patient_accuracy": float(np.mean(decision == truth)),
        "patient_roc_auc": float(roc_auc_score(truth, proba)),
        "patient_brier": float(np.mean((proba - truth) ** 2)),
    }


def _fold_rows(c, train, test, seed, context) -> list[dict]:
    groups, y = c.groups, c.target
    truth = patient_labels(y[test], groups[test])
    variants = {"PatientClassifier": False}
    if context:
        variants["PatientClassifier+context"] = True
    rows = []
    for name, with_context in variants.items():
        start = time.perf_counter()
        clf = PatientClassifier(
            default_models()["SVM"], context=with_context, random_state=seed
        ).fit(c.data[train], y[train], groups=groups[train])
        fit_time = time.perf_counter() - start
        table = clf.predict_patients(c.data[test], groups=groups[test])
        scores = _scores(truth, table.proba, (table.prediction == 1).astype(int))
        rows.append(
            dict(scores, model=name, threshold=clf.threshold_, fit_time=fit_time)
        )
        if with_context:
            continue
        svm = clf.estimator_
        _, mean = patient_probabilities(
            svm.predict_proba(c.data[test])[:, 1], groups[test]
        )
        rows.append(
            dict(_scores(truth, mean, (mean >= 0.5).astype(int)), model="mean rule")
        )
    return [dict(row, n_test_patients=int(truth.size)) for row in rows]


def run(variant: str, n_patients: int, n_splits: int, seeds, context) -> list[dict]:
    cohort = VARIANTS[variant] if variant in VARIANTS else json.loads(variant)
    c = make_mrs_cohort(n_patients=n_patients, random_state=0, **cohort)
    rows = []
    for seed in seeds:
        outer = GroupKFold(n_splits, shuffle=True, random_state=seed)
        for fold, (train, test) in enumerate(outer.split(c.data, c.target, c.groups)):
            for row in _fold_rows(c, train, test, seed, context):
                rows.append(
                    dict(row, variant=variant, cohort=json.dumps(cohort), seed=seed)
                    | {"fold": fold}
                )
                print(
                    f"  seed {seed} fold {fold} {row['model']:26s} "
                    + " ".join(f"{row[m]:.3f}" for m in METRICS),
                    flush=True,
                )
    return rows


def report(rows: list[dict]) -> None:
    models = sorted(dict.fromkeys(r["model"] for r in rows), key="mean rule".__ne__)
    base = np.array(
        [[r[m] for m in METRICS] for r in rows if r["model"] == "mean rule"]
    )
    print(f"  {'':26s} {'patient acc':16s} {'patient AUC':16s} Brier")
    for name in models:
        s = np.array([[r[m] for m in METRICS] for r in rows if r["model"] == name])
        cells = [f"{m:.3f} +- {sd:.3f}" for m, sd in zip(s.mean(0), s.std(0))]
        print(f"  {name:26s} " + " ".join(f"{cell:16s}" for cell in cells))
        if name != "mean rule":
            d = s - base
            cells = [f"{m:+.3f} +- {sd:.3f}" for m, sd in zip(d.mean(0), d.std(0))]
            print(
                f"  {'  - mean rule, per fold':26s} "
                + " ".join(f"{c:16s}" for c in cells)
            )
            print(
                f"  {'    acc diff per fold':26s} "
                + ", ".join(f"{v:+.2f}" for v in d[:, 0])
            )


def record_rows(rows: list[dict]) -> list[dict]:
    """Flat rows with one set of keys, and a "diff" row per fold and variant.

    A diff row is the model minus the mean rule on the same outer fold.
    """
    keys = ("variant", "cohort", "seed", "fold", "model", *METRICS)
    extra = ("threshold", "fit_time", "n_test_patients")
    out = [{k: r.get(k) for k in keys + extra} for r in rows]
    fold = {(r["variant"], r["seed"], r["fold"], r["model"]): r for r in rows}
    for (variant, seed, k, model), r in fold.items():
        if model == "mean rule":
            continue
        base = fold[(variant, seed, k, "mean rule")]
        diff = {m: r[m] - base[m] for m in METRICS}
        out.append(
            {key: r[key] for key in keys[:4]}
            | {"model": f"{model} - mean rule"}
            | diff
            | dict.fromkeys(extra)
        )
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-patients", type=int, default=150)
    parser.add_argument("--n-splits", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--cohort", nargs="+", default=list(VARIANTS))
    parser.add_argument("--context", action="store_true")
    parser.add_argument("--out", default="benchmarks/results/bench_patient.json")
    args = parser.parse_args()
    record = {
        **record_header(
            "patient accuracy, AUC and Brier score per outer fold: the mean rule "
            "and PatientClassifier on one fitted SVM; rows 'X - mean rule' are "
            "per-fold differences",
            env="OMP_NUM_THREADS=1",
        ),
        "cohort": {"n_patients": args.n_patients, "random_state": 0},
        "rows": [],
    }
    for cohort in args.cohort:
        print(f"\ncohort {cohort}, {args.n_patients} patients, {args.n_splits} folds")
        rows = run(cohort, args.n_patients, args.n_splits, args.seeds, args.context)
        report(rows)
        record["rows"].extend(rows)
    record["rows"] = record_rows(record["rows"])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1))
    tmp.replace(out)
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
