"""Patient accuracy, AUC and Brier score: the mean rule, the stacked and the bag route.

    OMP_NUM_THREADS=1 python benchmarks/bench_patient.py [--n-patients 150]
        [--n-splits 5] [--seeds 0 1] [--cohort NAME_OR_JSON ...]
        [--bases SVM ResNet count bag] [--network-seeds 0 1] [--context]
        [--n-jobs 1]
        [--out benchmarks/results/bench_patient.json]

On ``make_mrs_cohort(n_patients, random_state=0, **cohort)`` for each cohort
(a name of ``VARIANTS``: "default", "pure", or JSON keyword
arguments), outer ``GroupKFold(n_splits, shuffle=True, random_state=seed)`` by
patient. In every outer fold, for each base of ``--bases``:

- "SVM": one :class:`skmrs.PatientClassifier` with the benchmark's SVM
  (``CalibratedClassifierCV(SVC(), ensemble=False)``) as its voxel model. Its
  ``estimator_`` is that SVM refitted on all training spectra, the very model
  the paper's rule would use, so the rows are paired on one fitted SVM:
  "SVM mean rule" (mean tumour probability of a patient's spectra, tumour at
  0.5), "SVM PatientClassifier" (the calibrated patient probability and the
  threshold chosen inside ``fit``), "SVM PatientClassifier, no count" (the
  same without the number of spectra among the patient features) and, with
  ``--context``, "SVM PatientClassifier+context";
- "ResNet": "ResNet PatientClassifier" and "ResNet mean rule", the same with
  the quick preset's network (six network fits per fold);
- "count": "count only", a logistic regression on the log number of a
  patient's spectra, nothing else (what the patient's size alone tells);
- "bag": "AttentionMIL", :class:`skmrs.AttentionMILClassifier` with the
  quick preset's network as its spectrum network (its defaults otherwise),
  and "pretrained ResNet mean rule", the mean rule on its ``estimator_``, the
  network it was pretrained from (paired as the SVM rows are).

Prints per cohort and row the patient accuracy, AUC and Brier score (mean +-
sd over folds) and the per-fold differences against the mean rule with the
same base (``BASELINE``); writes every fold as a row of a JSON record
(``--out``). One torch thread per process; ``--n-jobs`` runs that many tasks
(a cohort, seed and outer fold) at a time, in processes, the stacked ResNet's
last; ``--network-seeds`` limits the ResNet and bag rows, the costly ones, to
some of the seeds. The tasks run through :func:`skmrs.benchmark.run_tasks`,
which keeps each finished one in ``tmp_<record name>/done.jsonl`` beside the
record, so that the same command resumes a stopped run; ``--out`` is written
at the end (``tasks_done`` of ``tasks_total``: fewer when a task raised).
Delete that folder before measuring changed code: a task is only skipped when
its arguments and the cohort version match.
"""

import argparse
import functools
import json
import time
from pathlib import Path

import numpy as np
import torch
from _records import record_header, save_record
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

from skmrs import AttentionMILClassifier, PatientClassifier
from skmrs.benchmark import default_models, run_tasks
from skmrs.classification import DEFAULT_PATIENT_FEATURES
from skmrs.datasets import make_mrs_cohort
from skmrs.metrics import patient_labels, patient_probabilities

METRICS = ("patient_accuracy", "patient_roc_auc", "patient_brier")
BASES = ("SVM", "ResNet", "count", "bag")
# each row is compared fold by fold with the mean rule of its base
BASELINE = {
    "SVM PatientClassifier": "SVM mean rule",
    "SVM PatientClassifier, no count": "SVM mean rule",
    "SVM PatientClassifier+context": "SVM mean rule",
    "count only": "SVM mean rule",
    "ResNet PatientClassifier": "ResNet mean rule",
    "AttentionMIL": "pretrained ResNet mean rule",
}
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


def _mean_rule_row(c, test, voxel_model, name) -> dict:
    """The paper's rule on a fitted voxel model: mean probability, tumour at 0.5."""
    truth = patient_labels(c.target[test], c.groups[test])
    _, mean = patient_probabilities(
        voxel_model.predict_proba(c.data[test])[:, 1], c.groups[test]
    )
    return dict(_scores(truth, mean, (mean >= 0.5).astype(int)), model=name)


def _patient_row(c, train, test, clf, name) -> dict:
    """Fit a patient-level classifier and score its own probability and decision."""
    start = time.perf_counter()
    clf.fit(c.data[train], c.target[train], groups=c.groups[train])
    fit_time = time.perf_counter() - start
    table = clf.predict_patients(c.data[test], groups=c.groups[test])
    truth = patient_labels(c.target[test], c.groups[test])
    scores = _scores(truth, table.proba, (table.prediction == 1).astype(int))
    return dict(scores, model=name, threshold=clf.threshold_, fit_time=fit_time)


def _stacked_rows(c, train, test, seed, base, variants) -> list[dict]:
    """Rows of PatientClassifier variants on one voxel model, and its mean rule.

    The first variant's ``estimator_`` (the voxel model refitted on all
    training spectra) gives the mean rule's row.
    """
    rows = []
    for k, (name, params) in enumerate(variants.items()):
        clf = PatientClassifier(default_models()[base], random_state=seed, **params)
        rows.append(_patient_row(c, train, test, clf, name))
        if k == 0:
            rows.append(_mean_rule_row(c, test, clf.estimator_, f"{base} mean rule"))
    return rows


def _sizes(c, part):
    """Log number of spectra of each patient of ``part``, and its label."""
    _, inverse = np.unique(c.groups[part], return_inverse=True)
    truth = patient_labels(c.target[part], c.groups[part])
    return np.log(np.bincount(inverse))[:, None], truth


def _count_row(c, train, test) -> dict:
    """A logistic regression on the log number of spectra of each patient."""
    model = LogisticRegression().fit(*_sizes(c, train))
    F, truth = _sizes(c, test)
    proba = model.predict_proba(F)[:, 1]
    return dict(_scores(truth, proba, (proba >= 0.5).astype(int)), model="count only")


def _bag_rows(c, train, test, seed) -> list[dict]:
    """AttentionMIL, and the mean rule on the ResNet it was pretrained from."""
    clf = AttentionMILClassifier(default_models()["ResNet"], random_state=seed)
    row = _patient_row(c, train, test, clf, "AttentionMIL")
    return [row, _mean_rule_row(c, test, clf.estimator_, BASELINE["AttentionMIL"])]


def _fold_rows(c, train, test, seed, bases, context) -> list[dict]:
    no_count = [f for f in DEFAULT_PATIENT_FEATURES if f != "count"]
    rows = []
    for base in bases:
        if base in ("SVM", "ResNet"):
            variants = {f"{base} PatientClassifier": {}}
            if base == "SVM":
                variants["SVM PatientClassifier, no count"] = {"features": no_count}
                if context:
                    variants["SVM PatientClassifier+context"] = {"context": True}
            rows += _stacked_rows(c, train, test, seed, base, variants)
        elif base == "count":
            rows.append(_count_row(c, train, test))
        else:
            rows += _bag_rows(c, train, test, seed)
    n_test = int(np.unique(c.groups[test]).size)
    return [dict(row, n_test_patients=n_test) for row in rows]


@functools.cache
def _cohort(variant: str, n_patients: int):
    """The cohort of a variant name or JSON keyword arguments (once per process)."""
    cohort = VARIANTS[variant] if variant in VARIANTS else json.loads(variant)
    return cohort, make_mrs_cohort(n_patients=n_patients, random_state=0, **cohort)


def run_fold(variant, n_patients, n_splits, seed, fold, bases, context) -> list[dict]:
    """The rows of ``bases`` on one outer fold of one cohort, printed as they come."""
    torch.set_num_threads(1)
    cohort, c = _cohort(variant, n_patients)
    outer = GroupKFold(n_splits, shuffle=True, random_state=seed)
    train, test = list(outer.split(c.data, c.target, c.groups))[fold]
    rows = []
    for row in _fold_rows(c, train, test, seed, bases, context):
        rows.append(
            dict(row, variant=variant, cohort=json.dumps(cohort), seed=seed)
            | {"fold": fold}
        )
        print(
            f"  {variant} seed {seed} fold {fold} {row['model']:32s} "
            + " ".join(f"{row[m]:.3f}" for m in METRICS),
            flush=True,
        )
    return rows


def task_rows(cohort_version, *task) -> dict:
    """One task's rows, for :func:`skmrs.benchmark.run_tasks` (the version: its key)."""
    return {"rows": run_fold(*task)}


def tasks(args) -> list[tuple]:
    """One task per cohort, seed, fold and group of bases, cheapest first.

    The first seed's folds of every cohort come first, and the stacked
    ResNet (six network fits per fold) last, so that a run stopped early has
    every other row of its finished folds.
    """
    cheap = [b for b in args.bases if b != "ResNet"]
    out = []
    for phase in ("cheap", "ResNet"):
        for seed in args.seeds:
            for variant in args.cohort:
                if phase == "cheap":
                    bases = [
                        b for b in cheap if b != "bag" or seed in args.network_seeds
                    ]
                else:
                    bases = ["ResNet"] if "ResNet" in args.bases else []
                    bases = bases if seed in args.network_seeds else []
                if bases:
                    out += [
                        (variant, args.n_patients, args.n_splits, seed, fold)
                        + (tuple(bases), args.context)
                        for fold in range(args.n_splits)
                    ]
    return out


def report(rows: list[dict]) -> None:
    models = list(dict.fromkeys(r["model"] for r in rows))
    by_fold = {(r["seed"], r["fold"], r["model"]): r for r in rows}
    print(f"  {'':32s} {'patient acc':16s} {'patient AUC':16s} Brier")
    for name in models:
        mine = [r for r in rows if r["model"] == name]
        s = np.array([[r[m] for m in METRICS] for r in mine])
        cells = [f"{m:.3f} +- {sd:.3f}" for m, sd in zip(s.mean(0), s.std(0))]
        print(f"  {name:32s} " + " ".join(f"{cell:16s}" for cell in cells))
        base = BASELINE.get(name)
        if base is None or (mine[0]["seed"], mine[0]["fold"], base) not in by_fold:
            continue
        b = np.array(
            [[by_fold[(r["seed"], r["fold"], base)][m] for m in METRICS] for r in mine]
        )
        d = s - b
        cells = [f"{m:+.3f} +- {sd:.3f}" for m, sd in zip(d.mean(0), d.std(0))]
        print(
            f"  {'  - ' + base + ', per fold':32s} "
            + " ".join(f"{c:16s}" for c in cells)
        )
        print(
            f"  {'    acc diff per fold':32s} "
            + ", ".join(f"{v:+.2f}" for v in d[:, 0])
        )


def record_rows(rows: list[dict]) -> list[dict]:
    """Flat rows with one set of keys, and a "diff" row per fold and variant.

    A diff row is the model minus the mean rule of its base (``BASELINE``) on
    the same outer fold, named "MODEL - BASELINE".
    """
    keys = ("variant", "cohort", "seed", "fold", "model", *METRICS)
    extra = ("threshold", "fit_time", "n_test_patients")
    out = [{k: r.get(k) for k in keys + extra} for r in rows]
    fold = {(r["variant"], r["seed"], r["fold"], r["model"]): r for r in rows}
    for (variant, seed, k, model), r in fold.items():
        if (variant, seed, k, BASELINE.get(model)) not in fold:
            continue
        base = fold[(variant, seed, k, BASELINE[model])]
        diff = {m: r[m] - base[m] for m in METRICS}
        out.append(
            {key: r[key] for key in keys[:4]}
            | {"model": f"{model} - {BASELINE[model]}"}
            | diff
            | dict.fromkeys(extra)
        )
    return out


def write_record(path: Path, header: dict, rows: list[dict], n_tasks: int, n_done: int):
    """The record of the rows so far, written atomically."""
    record = dict(header, tasks_total=n_tasks, tasks_done=n_done)
    # tasks finish in any order; the record lists them by cohort, seed and fold
    rows = sorted(rows, key=lambda r: (r["variant"], r["seed"], r["fold"]))
    record["rows"] = record_rows(rows)
    save_record(path, record)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-patients", type=int, default=150)
    parser.add_argument("--n-splits", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--cohort", nargs="+", default=list(VARIANTS))
    parser.add_argument("--bases", nargs="+", choices=BASES, default=list(BASES))
    parser.add_argument("--context", action="store_true")
    parser.add_argument("--n-jobs", type=int, default=1, help="processes")
    parser.add_argument(
        "--network-seeds",
        type=int,
        nargs="+",
        default=None,
        help="seeds of the ResNet and bag rows (default: all of --seeds)",
    )
    parser.add_argument("--out", default="benchmarks/results/bench_patient.json")
    args = parser.parse_args()
    if args.network_seeds is None:
        args.network_seeds = args.seeds
    torch.set_num_threads(1)
    header = {
        **record_header(
            "patient accuracy, AUC and Brier score per outer fold: the mean rule "
            "and PatientClassifier on one fitted voxel model (SVM, quick ResNet), "
            "the patient's number of spectra alone, AttentionMILClassifier and "
            "the mean rule on the ResNet it was pretrained from; rows "
            "'X - B' are per-fold differences",
            env="OMP_NUM_THREADS=1",
        ),
        "cohort": {"n_patients": args.n_patients, "random_state": 0},
    }
    out = Path(args.out)
    # finished tasks, one JSON line each, so that a stopped run resumes; the
    # cohort version leads every task, so a new cohort runs everything again
    done_path = out.parent / f"tmp_{out.stem}" / "done.jsonl"
    done_path.parent.mkdir(parents=True, exist_ok=True)
    todo = [(header["cohort_version"], *task) for task in tasks(args)]
    records = run_tasks(task_rows, todo, output=done_path, n_jobs=args.n_jobs)
    rows = [row for r in records if "error" not in r for row in r["rows"]]
    failed = [r for r in records if "error" in r]
    for r in failed:
        print("not done:", r["task"], r["error"])
    for cohort in args.cohort:
        print(f"\ncohort {cohort}, {args.n_patients} patients, {args.n_splits} folds")
        report([r for r in rows if r["variant"] == cohort])
    write_record(out, header, rows, len(todo), len(todo) - len(failed))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    # run as the module bench_patient, so that the tasks reach the worker
    # processes by name and each worker keeps its cohorts (_cohort's cache)
    import bench_patient

    bench_patient.main()
