"""The paper's Table 2 for any data set: models x seeds x leave-patients-out folds.

:func:`run_benchmark` fits and scores the models; :func:`run_tasks` runs any
other sweep's calls (cohort variants, settings) on the same engine, each
record kept as its call ends.
"""

from ._engines import SequentialEngine
from ._models import (
    PRESETS,
    Preset,
    default_models,
    estimate_fit_seconds,
    extra_models,
)
from ._oracle import OracleClassifier, gap_closed
from ._result import BenchmarkResult
from ._run import run_benchmark
from ._tasks import run_tasks

__all__ = [
    "PRESETS",
    "BenchmarkResult",
    "OracleClassifier",
    "Preset",
    "SequentialEngine",
    "default_models",
    "estimate_fit_seconds",
    "extra_models",
    "gap_closed",
    "run_benchmark",
    "run_tasks",
]
