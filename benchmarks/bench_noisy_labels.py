"""Noisy-label learners against plain and oracle, per fold (docs/noisy_labels.rst).

    python benchmarks/bench_noisy_labels.py MODEL [MODEL ...] [--folds 0 1 2]
        [--label-noise 0.6] [--out results.json]

Quick network (8 filters, 4 blocks, kernel 15, 10 epochs), one torch thread,
``make_mrs_cohort(n_patients=150, random_state=0)``, the first folds of
``GroupKFold(5)``; prints AUC against the noisy labels and against the tissue
(``target_true``) and patient accuracy. Results accumulate in ``--out`` so
that models can be run one at a time.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from skmrs.benchmark import OracleClassifier
from skmrs.benchmark._oracle import _fit_arguments
from skmrs.classification import NoiseAwareClassifier, ResNetClassifier
from skmrs.datasets import make_mrs_cohort
from skmrs.metrics import patient_accuracy_score
from skmrs.model_selection import patient_splits

NET = dict(n_filters=8, n_blocks=4, kernel_size=15, max_epochs=10, batch_size=32)


def models(label_noise):
    net = ResNetClassifier(**NET)
    rows = {
        "plain": net,
        "oracle": OracleClassifier(net),
        "ensemble3": NoiseAwareClassifier(net, n_estimators=3, loss="ce"),
        "nnpu-true-prior": NoiseAwareClassifier(
            net, n_estimators=1, class_prior=label_noise
        ),
        "nnpu-auto": NoiseAwareClassifier(net, n_estimators=1, loss="nnpu"),
        "nnpu3-auto": NoiseAwareClassifier(net, n_estimators=3, loss="nnpu"),
    }
    try:
        from skmrs.classification import CleanLearningClassifier

        rows["cleanlab"] = CleanLearningClassifier(net, cv=3, trusted_class=0)
    except ImportError:
        pass
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("models", nargs="+")
    parser.add_argument("--folds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--label-noise", type=float, default=0.6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="noisy_labels.json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    c = make_mrs_cohort(n_patients=150, label_noise=args.label_noise, random_state=0)
    X = c.data.astype(np.float32)
    splits, groups = patient_splits(5, X, c.target, c.groups)
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {}
    rows = models(args.label_noise)
    for name in args.models:
        for fold in args.folds:
            train, test = splits[fold]
            est = rows[name].set_params(
                **{k: args.seed for k in rows[name].get_params() if
                   k == "random_state" or k.endswith("__random_state")}
            )  # fmt: skip
            target, kwargs = _fit_arguments(est, c.target, c.target_true, groups, train)
            start = time.perf_counter()
            est.fit(X[train], target[train], **kwargs)
            p = est.predict_proba(X[test])[:, 1]
            rec = {
                "auc_noisy": roc_auc_score(c.target[test], p),
                "auc_true": roc_auc_score(c.target_true[test], p),
                "patient_acc": patient_accuracy_score(
                    c.target[test], p, groups=groups[test]
                ),
                "fit_s": time.perf_counter() - start,
                "prior": getattr(est, "class_prior_", None),
            }
            results[f"{name}|{args.label_noise}|{args.seed}|{fold}"] = rec
            out.write_text(json.dumps(results, indent=1))
            shown = {k: v if v is None else round(v, 3) for k, v in rec.items()}
            print(name, fold, shown, flush=True)


if __name__ == "__main__":
    main()
