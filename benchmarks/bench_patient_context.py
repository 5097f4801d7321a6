"""Patient accuracy with and without patient context (docs/noisy_labels.rst).

    python benchmarks/bench_patient_context.py [--n-patients 150] [--n-splits 5]
        [--cohort JSON ...]

The benchmark's SVM row (``CalibratedClassifierCV(SVC())``) on each spectrum,
and on each spectrum beside its difference from its own patient's median
(:class:`skmrs.preprocessing.PatientContextTransformer`, which reads only the
patient's own spectra, so it is computed once for all rows), per fold of
``GroupKFold`` on ``make_mrs_cohort(n_patients, random_state=0, **cohort)``.
Prints per fold and as mean +- sd: patient accuracy (mean probability of a
patient's spectra >= 0.5; the paper's best is 0.73), patient AUC (the same
means ranked), voxel AUC against the noisy labels and against the tissue.
``--record PATH`` writes them per (cohort, input, fold) as a record of
``benchmarks/results``.
"""

import argparse
import json

import numpy as np
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from skmrs.benchmark import default_models
from skmrs.datasets import make_mrs_cohort
from skmrs.metrics import patient_accuracy_score, patient_roc_auc_score
from skmrs.model_selection import patient_splits
from skmrs.preprocessing import PatientContextTransformer


def run(cohort: dict, n_patients: int, n_splits: int) -> dict:
    c = make_mrs_cohort(n_patients=n_patients, random_state=0, **cohort)
    splits, groups = patient_splits(n_splits, c.data, c.target, c.groups)
    inputs = {
        "spectrum": c.data,
        "spectrum + context": PatientContextTransformer().fit_transform(
            c.data, groups=groups
        ),
    }
    svm = default_models()["SVM"]
    scores = {name: [] for name in inputs}
    for train, test in splits:
        for name, X in inputs.items():
            p = clone(svm).fit(X[train], c.target[train]).predict_proba(X[test])[:, 1]
            scores[name].append(
                (
                    patient_accuracy_score(c.target[test], p, groups=groups[test]),
                    patient_roc_auc_score(c.target[test], p, groups=groups[test]),
                    roc_auc_score(c.target[test], p),
                    roc_auc_score(c.target_true[test], p),
                )
            )
    return {name: np.array(v) for name, v in scores.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-patients", type=int, default=150)
    parser.add_argument("--n-splits", type=int, default=5)
    parser.add_argument(
        "--cohort",
        nargs="+",
        default=["{}", '{"field_effect": 0, "age_effect": 0, "exam_artefacts": 0}'],
    )
    parser.add_argument("--record", help="write every fold's scores as a record")
    args = parser.parse_args()
    rows = []
    for k, cohort in enumerate(args.cohort):
        scores = run(json.loads(cohort), args.n_patients, args.n_splits)
        for name, s in scores.items():
            rows += [
                {
                    "variant": f"cohort{k}",
                    "cohort": cohort,
                    "features": name,
                    "fold": fold,
                    "patient_acc": a,
                    "patient_auc": b,
                    "auc_noisy": c,
                    "auc_tissue": d,
                }
                for fold, (a, b, c, d) in enumerate(s.tolist())
            ]
        print(f"\ncohort {cohort}, {args.n_patients} patients, {args.n_splits} folds")
        print(
            f"  {'SVM on':20s} {'patient acc':15s} {'patient AUC':15s} "
            f"{'AUC noisy':15s} AUC tissue"
        )
        for name, s in scores.items():
            cells = [f"{m:.3f} +- {sd:.3f}" for m, sd in zip(s.mean(0), s.std(0))]
            print((f"  {name:20s} " + " ".join(f"{c:15s}" for c in cells)).rstrip())
            folds = ", ".join(f"{a:.2f}" for a in s[:, 0])
            print(f"  {'':20s} patient acc per fold: {folds}")
    if args.record:
        from _records import record_header, save_record

        header = record_header(
            "The benchmark's SVM row (CalibratedClassifierCV(SVC())) on the "
            "spectra and on the spectra beside their difference from their "
            f"patient's median, make_mrs_cohort(n_patients={args.n_patients}, "
            f"random_state=0, **cohort), GroupKFold({args.n_splits}) by patient: "
            "patient accuracy (mean probability >= 0.5), patient AUC, voxel AUC "
            "against the noisy labels and against tissue, per fold"
        )
        save_record(args.record, {**header, "rows": rows})
        print(f"wrote {args.record}")


if __name__ == "__main__":
    main()
