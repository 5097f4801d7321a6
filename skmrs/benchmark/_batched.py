"""``run_benchmark(engine="batched")``: the plain-ResNet jobs as one computation."""

from __future__ import annotations

import time

from ..classification import ResNetClassifier, fit_resnets


def batched_jobs(models: dict, jobs: list) -> list:
    """The (name, seed, fold) jobs whose model is a plain ResNetClassifier."""
    return [job for job in jobs if isinstance(models[job[0]], ResNetClassifier)]


def run_batched_jobs(
    models, jobs, X, y, groups, y_true, splits, *, precision="float32", compile=False
):
    """Train each model's jobs (all its seeds and folds) in one batched call.

    Yields ``(record, test, proba)`` per job, as ``_run_job`` returns them;
    ``fit_time`` is the batched training time shared out equally.
    """
    from ._run import _score_job, _seeded

    for name in dict.fromkeys(job[0] for job in jobs):
        own = [job for job in jobs if job[0] == name]
        estimators = [_seeded(models[name], seed) for _, seed, _ in own]
        start = time.perf_counter()
        fit_resnets(
            estimators,
            X,
            y,
            sample_indices=[splits[fold][0] for _, _, fold in own],
            precision=precision,
            compile=compile,
        )
        fit_time = (time.perf_counter() - start) / len(own)
        for est, (_, seed, fold) in zip(estimators, own):
            yield _score_job(
                name, est, X, y, groups, y_true, splits[fold][1], seed, fold, fit_time
            )
