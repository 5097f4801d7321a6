"""The paper distiller's yield and the SVC's AUC on variants of the cohort.

For each cohort variant (``make_mrs_cohort`` keyword arguments as JSON, always
``random_state=0``) prints
- the SVC (defaults) voxel AUC under 10-fold GroupKFold, against the noisy
  labels and against tissue (``--svc``);
- the share of the training part of fold 0 of ``GroupKFold(10)`` that
  ``ConfidenceDistiller(ResNetClassifier(), random_state=0)`` keeps (threshold
  0.99, 5 epochs; the Table-1 network), per class, how clean it is, when it
  was collected, and the distillation network's AUC on the held-out fold
  (``--distill``; about 10 minutes on a quiet 2-core CPU, 40 when shared).

Run::

    python benchmarks/bench_distill_yield.py --svc --distill '{}' \\
        '{"field_effect": 0.3, "age_effect": 1.0}'
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import torch
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.svm import SVC

from skmrs import ResNetClassifier
from skmrs.datasets import make_mrs_cohort
from skmrs.sampling import ConfidenceDistiller


def svc_auc(cohort):
    score = cross_val_predict(
        SVC(),
        cohort.data,
        cohort.target,
        groups=cohort.groups,
        cv=GroupKFold(10),
        method="decision_function",
    )
    return roc_auc_score(cohort.target, score), roc_auc_score(cohort.target_true, score)


def distill_yield(cohort, verbose):
    X, y, y_true = cohort.data, cohort.target, cohort.target_true
    train, test = next(GroupKFold(10).split(X, y, cohort.groups))
    distiller = ConfidenceDistiller(ResNetClassifier(verbose=verbose), random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        distiller.fit_resample(X[train], y[train])
    kept = distiller.sample_indices_[distiller.first_epoch_ > 0]
    kept_y = y[train][kept]
    proba = distiller.estimator_.predict_proba(X[test])[:, 1]
    return dict(
        n=train.size,
        kept=kept.size,
        non_tumour=int((kept_y == 0).sum()),
        tumour=int((kept_y == 1).sum()),
        clean=float((y_true[train][kept] == kept_y).mean()) if kept.size else 0.0,
        new_per_epoch=distiller.n_new_per_epoch_.tolist(),
        test_auc=roc_auc_score(y[test], proba),
        test_auc_true=roc_auc_score(y_true[test], proba),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="+", help="make_mrs_cohort kwargs, JSON")
    parser.add_argument("--svc", action="store_true")
    parser.add_argument("--distill", action="store_true")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for variant in args.variants:
        kwargs = json.loads(variant)
        cohort = make_mrs_cohort(random_state=0, **kwargs)
        print(f"{variant}: {cohort.data.shape[0]} spectra", flush=True)
        if args.svc:
            start = time.perf_counter()
            auc, auc_true = svc_auc(cohort)
            print(
                f"  SVC 10-fold AUC: noisy {auc:.3f}, tissue {auc_true:.3f} "
                f"[{time.perf_counter() - start:.0f} s]",
                flush=True,
            )
        if args.distill:
            start = time.perf_counter()
            r = distill_yield(cohort, args.verbose)
            print(
                f"  distiller kept {r['kept']} of {r['n']} ({r['kept'] / r['n']:.1%}): "
                f"non-tumour {r['non_tumour']}, tumour {r['tumour']}, label == "
                f"tissue {r['clean']:.2f}, new per epoch {r['new_per_epoch']}; its "
                f"network on fold 0: AUC noisy {r['test_auc']:.3f}, tissue "
                f"{r['test_auc_true']:.3f} [{time.perf_counter() - start:.0f} s]",
                flush=True,
            )


if __name__ == "__main__":
    main()
