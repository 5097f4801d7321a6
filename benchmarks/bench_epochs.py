"""Held-out AUC of the ResNet epoch by epoch (docs/resnet.rst, "Choosing the
number of epochs").

    OMP_NUM_THREADS=1 python benchmarks/bench_epochs.py [--cohort JSON]
        [--n-patients 150] [--epochs 26] [--n-splits 2] [--record PATH]

``make_mrs_cohort(n_patients, random_state=0, **cohort)``, ``--n-splits``
patient-grouped 75/25 splits (``GroupShuffleSplit(test_size=0.25,
random_state=0)``); on each, the Table-1 :class:`skmrs.ResNetClassifier`
(``random_state=0``) is trained one ``partial_fit`` epoch at a time and scored
after each epoch on the held-out patients: ROC AUC against the noisy labels and
against the true labels (``target_true``), and the epoch's training loss.
Prints the mean over the splits per epoch; ``--record PATH`` writes one row per
(split, epoch) as a record of ``benchmarks/results``. The defaults (the
Table-1 network, 150 patients, 2 splits x 26 epochs) take tens of minutes of
one CPU thread.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupShuffleSplit

from skmrs import ResNetClassifier
from skmrs.datasets import make_mrs_cohort


def run(cohort, n_patients, epochs, n_splits):
    c = make_mrs_cohort(n_patients=n_patients, random_state=0, **cohort)
    splitter = GroupShuffleSplit(n_splits=n_splits, test_size=0.25, random_state=0)
    rows = []
    for split, (train, test) in enumerate(splitter.split(c.data, c.target, c.groups)):
        clf = ResNetClassifier(random_state=0)
        for epoch in range(1, epochs + 1):
            clf.partial_fit(c.data[train], c.target[train], classes=np.unique(c.target))
            p = clf.predict_proba(c.data[test])[:, 1]
            row = {
                "split": split,
                "epoch": epoch,
                "auc_noisy": float(roc_auc_score(c.target[test], p)),
                "auc_true": float(roc_auc_score(c.target_true[test], p)),
                "train_loss": float(clf.net_.history[-1, "train_loss"]),
            }
            rows.append(row)
            print(
                f"split {split} epoch {epoch:2d}: AUC noisy {row['auc_noisy']:.3f}, "
                f"true {row['auc_true']:.3f}, loss {row['train_loss']:.3f}",
                flush=True,
            )
    return c, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohort", default="{}", help="make_mrs_cohort kwargs, JSON")
    parser.add_argument("--n-patients", type=int, default=150)
    parser.add_argument("--epochs", type=int, default=26)
    parser.add_argument("--n-splits", type=int, default=2)
    parser.add_argument("--record", help="write every (split, epoch) as a record")
    args = parser.parse_args()
    cohort = json.loads(args.cohort)
    c, rows = run(cohort, args.n_patients, args.epochs, args.n_splits)
    print(f"\n{len(c.target)} spectra of {args.n_patients} patients, cohort {cohort}")
    print("epoch  AUC noisy  AUC true  loss (mean over splits)")
    for epoch in range(1, args.epochs + 1):
        at = [r for r in rows if r["epoch"] == epoch]
        mean = {k: np.mean([r[k] for r in at]) for k in ("auc_noisy", "auc_true")}
        loss = np.mean([r["train_loss"] for r in at])
        print(
            f"{epoch:5d}  {mean['auc_noisy']:9.3f}  {mean['auc_true']:8.3f}  {loss:.3f}"
        )
    if args.record:
        from _records import record_header, save_record

        header = record_header(
            f"make_mrs_cohort(n_patients={args.n_patients}, random_state=0, "
            f"**{cohort}), {args.n_splits} GroupShuffleSplit 75/25 splits by "
            "patient, the Table-1 ResNetClassifier(random_state=0) trained one "
            "partial_fit epoch at a time: held-out ROC AUC against the noisy "
            "and the true labels and the training loss, per (split, epoch)"
        )
        save_record(args.record, {**header, "rows": rows})
        print(f"wrote {args.record}")


if __name__ == "__main__":
    main()
