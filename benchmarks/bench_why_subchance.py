"""Why skmrs 0.2's default cohort put the networks below chance.

On a 150-patient cohort, fold ``--fold`` of ``GroupKFold(5)`` by patient
(the main job's split), the quick preset's network (one torch thread):

- ``epochs``: its voxel AUC after every epoch on its own training spectra
  and on the held-out patients (noisy labels and tissue), for cohort
  variants (the record's rows with ``"exam_seed": K``, the exam artefacts
  redrawn from another seed, all else equal, were made by this script as of
  commit c646337, which reached that draw through the simulator's private
  function);
- ``probe``: the plain network and DistillMix-both, with the held-out AUC
  split into what it measures: tumour against healthy voxels within the
  tumour patients (tissue), and healthy voxels of tumour against healthy
  voxels of non-tumour patients (the patient), and what the distiller kept.

One JSON line per result. Run (each line about a minute)::

    OMP_NUM_THREADS=1 python benchmarks/bench_why_subchance.py epochs \\
        '{"field_effect": 0.3, "exam_artefacts": 2, "b0_inhomogeneity": 0, \\
          "baseline_distortion": 0}'
    OMP_NUM_THREADS=1 python benchmarks/bench_why_subchance.py probe '{...}'
"""

from __future__ import annotations

import argparse
import json

import torch
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

from skmrs.benchmark import PRESETS
from skmrs.classification import DistillMixClassifier, ResNetClassifier
from skmrs.datasets import make_mrs_cohort


def _cohort(variant):
    return make_mrs_cohort(n_patients=150, random_state=0, **variant)


def epochs(c, train, test, n_epochs=10):
    X, y, y_true = c.data, c.target, c.target_true
    clf = ResNetClassifier(random_state=0, **PRESETS["quick"].network)
    rows = []
    for epoch in range(1, n_epochs + 1):
        clf.partial_fit(X[train], y[train], classes=[0, 1])
        p, p_train = (clf.predict_proba(X[i])[:, 1] for i in (test, train))
        rows.append(
            {
                "epoch": epoch,
                "auc_train": roc_auc_score(y[train], p_train),
                "auc": roc_auc_score(y[test], p),
                "auc_tissue": roc_auc_score(y_true[test], p),
            }
        )
    return rows


def probe(c, train, test):
    X, y, y_true = c.data, c.target, c.target_true
    net = PRESETS["quick"].network
    rows = []
    for name, clf in (
        ("ResNet", ResNetClassifier(random_state=0, **net)),
        (
            "DistillMix-both",
            DistillMixClassifier(
                ResNetClassifier(**net), strategy="both", random_state=0
            ),
        ),
    ):
        p = clf.fit(X[train], y[train]).predict_proba(X[test])[:, 1]
        yt, tt = y[test], y_true[test]
        row = {
            "model": name,
            "auc": roc_auc_score(yt, p),
            "auc_tissue": roc_auc_score(tt, p),
            "tissue_within_tumour_patients": roc_auc_score(tt[yt == 1], p[yt == 1]),
            "patient_on_healthy_voxels": roc_auc_score(yt[tt == 0], p[tt == 0]),
        }
        if name.startswith("DistillMix"):
            kept = clf.distilled_indices_
            label, tissue = y[train][kept], y_true[train][kept]
            row["kept_tumour_labelled"] = int((label == 1).sum())
            row["kept_tumour_labelled_healthy_share"] = float(
                (tissue[label == 1] == 0).mean()
            )
            row["kept_non_tumour"] = int((label == 0).sum())
        rows.append(row)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["epochs", "probe"])
    parser.add_argument("variants", nargs="+", help="make_mrs_cohort kwargs, JSON")
    parser.add_argument("--fold", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=10, help="for 'epochs'")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for variant in args.variants:
        c = _cohort(json.loads(variant))
        train, test = list(GroupKFold(5).split(c.data, c.target, c.groups))[args.fold]
        if args.what == "epochs":
            rows = epochs(c, train, test, args.epochs)
        else:
            rows = probe(c, train, test)
        for row in rows:
            row = {"what": args.what, "variant": variant, "fold": args.fold, **row}
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
