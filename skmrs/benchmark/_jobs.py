"""Benchmark jobs: one model, one seed, one fold; fitted and scored."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from sklearn.base import clone

from ..metrics import positive_label
from ..model_selection._validation import _fit_and_score_fold, _score_fitted
from ..utils import set_random_states
from ._oracle import _fit_arguments
from ._summaries import fit_summary


class Job(NamedTuple):
    """One cell of the benchmark: a model fitted with a seed on a fold."""

    model: str
    seed: int
    fold: int


@dataclass(frozen=True)
class FoldData:
    """The data every job reads: spectra, labels, patients and the folds."""

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    y_true: np.ndarray | None
    splits: list

    def train(self, job: Job) -> np.ndarray:
        return self.splits[job.fold][0]

    def test(self, job: Job) -> np.ndarray:
        return self.splits[job.fold][1]


def plan_jobs(models, seeds, n_folds) -> list[Job]:
    """Every (model, seed, fold), seed-major: the order of the records."""
    return [
        Job(name, seed, fold)
        for seed in seeds
        for name in models
        for fold in range(n_folds)
    ]


def seeded(estimator, seed: int):
    """A clone with every ``random_state`` (nested ones too) set to ``seed``."""
    return set_random_states(clone(estimator), seed)


def fit_and_score_job(job: Job, estimator, data: FoldData):
    """Fit ``estimator`` seeded with ``job.seed`` on its fold; the job's output."""
    est = seeded(estimator, job.seed)
    labels, fit_kwargs = _fit_arguments(
        est, data.y, data.y_true, data.groups, data.train(job)
    )
    if labels is not data.y or fit_kwargs:  # an oracle, or a fit taking groups
        start = time.perf_counter()
        est.fit(data.X[data.train(job)], labels[data.train(job)], **fit_kwargs)
        return score_job(job, est, data, time.perf_counter() - start)
    est, scores, notes, proba = _fit_and_score_fold(
        est, data.X, data.y, data.groups,
        data.train(job), data.test(job), target_true=data.y_true,
    )  # fmt: skip
    return _output(job, est, scores, notes, proba, data)


def score_job(job: Job, est, data: FoldData, fit_time: float):
    """The output of a job whose model is fitted (on labels or arguments of its own)."""
    scores, notes, proba = _score_fitted(
        est, data.X, data.y, data.groups, data.test(job), target_true=data.y_true
    )
    scores["fit_time"] = fit_time
    return _output(job, est, scores, notes, proba, data)


def _output(job, est, scores, notes, proba, data):
    """``(record, test rows, tumour probability)`` of a finished job."""
    classes = np.asarray(est.classes_)
    column = int(np.flatnonzero(classes == positive_label(classes))[0])
    scores.pop("score_time", None)  # timing that differs run to run: fit_time only
    record = {**job._asdict(), **scores, "notes": notes}
    record.update(fit_summary(est, len(data.train(job))))
    return record, data.test(job), proba[:, column]
