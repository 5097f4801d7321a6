"""The paper's Table 2 for any data set: models x seeds x leave-patients-out folds."""

from ._models import PRESETS, Preset, default_models
from ._run import BenchmarkResult, run_benchmark

__all__ = ["PRESETS", "BenchmarkResult", "Preset", "default_models", "run_benchmark"]
