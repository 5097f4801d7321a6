"""Cohort sweep at the quick size: SVC, RF and a network per fold, one variant.

For one ``make_mrs_cohort`` variant (keyword arguments as JSON; 150 patients
and ``random_state=0`` unless the variant says otherwise) trains, on every
fold of ``GroupKFold(5)`` by patient, an SVC (defaults), a random forest (200
trees, entropy) and a ``ResNetClassifier`` (the quick preset's network, or the
Table-1 network with ``"net": "table1"`` in the variant), one torch thread, and
prints one JSON line: voxel AUC against the noisy labels (mean +- sd over the
folds) and against tissue, patient accuracy, and the network's noisy AUC minus
the better baseline's, per fold. This is the cheap sweep that chose the
candidates of ``docs/simulator.rst``; ``bench_calibration.py`` then measures
a candidate at the paper's size with the Table-1 network.

Run::

    OMP_NUM_THREADS=1 python benchmarks/bench_cohort_sweep.py '{}'
    OMP_NUM_THREADS=1 python benchmarks/bench_cohort_sweep.py \\
        '{"exam_artefacts": 2, "net": "table1"}'
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import torch
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold
from sklearn.svm import SVC

from skmrs.benchmark import PRESETS
from skmrs.classification import ResNetClassifier
from skmrs.datasets import make_mrs_cohort
from skmrs.metrics import patient_accuracy_score


def _fold(X, y, y_true, groups, train, test, net):
    svc = SVC().fit(X[train], y[train]).decision_function(X[test])
    rf = RandomForestClassifier(200, criterion="entropy", random_state=0)
    rf = rf.fit(X[train], y[train]).predict_proba(X[test])[:, 1]
    resnet = ResNetClassifier(random_state=0, **net).fit(X[train], y[train])
    scores = {"svc": 1 / (1 + np.exp(-svc)), "rf": rf}
    scores["net"] = resnet.predict_proba(X[test])[:, 1]
    return {
        m: (
            roc_auc_score(y[test], p),
            roc_auc_score(y_true[test], p),
            # the SVC's logistic of decision values is not calibrated
            np.nan
            if m == "svc"
            else patient_accuracy_score(y[test], p, groups=groups[test]),
        )
        for m, p in scores.items()
    }


def main(variant_json: str) -> dict:
    torch.set_num_threads(1)
    variant = json.loads(variant_json)
    n_patients = variant.pop("n_patients", 150)
    net = variant.pop("net", "quick")
    net_kwargs = {} if net == "table1" else dict(PRESETS["quick"].network)
    c = make_mrs_cohort(n_patients=n_patients, random_state=0, **variant)
    X, y, y_true, groups = c.data, c.target, c.target_true, c.groups
    start = time.perf_counter()
    folds = [
        _fold(X, y, y_true, groups, train, test, net_kwargs)
        for train, test in GroupKFold(5).split(X, y, groups)
    ]
    out = {"variant": variant_json, "net": net, "s": round(time.perf_counter() - start)}
    for m in ("svc", "rf", "net"):
        v = np.array([f[m] for f in folds])
        out[m] = {
            "auc": v[:, 0].mean(),
            "auc_sd": v[:, 0].std(),
            "auc_tissue": v[:, 1].mean(),
            "patient_acc": np.nanmean(v[:, 2]) if m != "svc" else None,
        }
    best = np.maximum([f["svc"][0] for f in folds], [f["rf"][0] for f in folds])
    out["net_minus_better_baseline"] = [
        round(f["net"][0] - b, 3) for f, b in zip(folds, best)
    ]
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])), flush=True)
