"""The benchmark's result: per-fold records, predictions, table and files."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np

from ..metrics import SCORE_HEADERS, SCORE_NAMES, positive_label
from ._oracle import _gap_closed_lines
from ._summaries import summary_lines

# The table's columns: the paper's Table 2, and the AUC against the true
# labels on simulated data (patient ROC AUC is in summary.csv).
_HEADERS = {
    name: SCORE_HEADERS[name]
    for name in ("sensitivity", "specificity", "roc_auc", "patient_accuracy")
    + ("roc_auc_true",)
}


class BenchmarkResult:
    """Per-fold scores, out-of-fold predictions and the summary table.

    Attributes
    ----------
    records : list of dict
        One row per (model, seed, fold): the scores, ``fit_time`` and notes.
    predictions : dict of (str, int) to ndarray
        Out-of-fold tumour probability of every spectrum, per (model, seed).
    y : ndarray
        The labels the predictions are scored against.
    """

    def __init__(self, records, predictions, y, y_true=None, description=""):
        self.records = records
        self.predictions = predictions
        self.y = y
        self.y_true = y_true
        self.description = description

    def _score_names(self) -> list[str]:
        extra = ["roc_auc_true"] if self.y_true is not None else []
        return [*SCORE_NAMES, *extra]

    @property
    def models(self) -> list[str]:
        seen = []
        for r in self.records:
            if r["model"] not in seen:
                seen.append(r["model"])
        return seen

    def summary(self) -> list[dict]:
        """Mean and sd over folds and seeds of every score, per model."""
        columns = self._score_names()
        rows = []
        for model in self.models:
            recs = [r for r in self.records if r["model"] == model]
            row = {"model": model, "n_runs": len(recs)}
            for col in columns:
                values = np.array([r[col] for r in recs], dtype=float)
                finite = values[np.isfinite(values)]
                row[f"{col}_mean"] = float(finite.mean()) if finite.size else None
                row[f"{col}_sd"] = float(finite.std()) if finite.size else None
                row[f"{col}_n"] = int(finite.size)
            row["fit_time_mean"] = float(np.mean([r["fit_time"] for r in recs]))
            rows.append(row)
        return rows

    def format_table(self) -> str:
        """The paper's Table 2 layout: mean +- sd over folds and seeds."""
        columns = [name for name in self._score_names() if name in _HEADERS]
        lines = [
            f"{'model':18s}"
            + "".join(f"{_HEADERS[c]:>17s}" for c in columns)
            + f"{'fit s':>8s}"
        ]
        notes = []
        for row in self.summary():
            cells = []
            for col in columns:
                if row[f"{col}_mean"] is None:
                    cells.append(f"{'skipped':>17s}")
                    notes.append(f"{row['model']}: {col} undefined in every fold")
                    continue
                cell = f"{row[f'{col}_mean']:.3f} +- {row[f'{col}_sd']:.3f}"
                if row[f"{col}_n"] < row["n_runs"]:
                    cell += "*"
                    notes.append(
                        f"{row['model']}: {col} over {row[f'{col}_n']} of "
                        f"{row['n_runs']} folds (the others are undefined)"
                    )
                cells.append(f"{cell:>17s}")
            lines.append(
                f"{row['model']:18s}" + "".join(cells) + f"{row['fit_time_mean']:8.1f}"
            )
        lines.extend(f"  * {note}" for note in notes)
        for model in self.models:
            recs = [r for r in self.records if r["model"] == model]
            lines.extend(summary_lines(model, recs))
        lines.extend(_gap_closed_lines(self))
        return "\n".join(lines)

    def save(self, output_dir) -> dict:
        """Write ``summary.csv``, ``folds.csv``, ``results.json`` and ``roc.png``."""
        out = Path(output_dir)
        out.mkdir(parents=True, exist_ok=True)
        summary = self.summary()
        keys = list(summary[0])
        with open(out / "summary.csv", "w", encoding="utf-8") as fh:
            fh.write(",".join(keys) + "\n")
            for row in summary:
                fh.write(",".join("" if row[k] is None else str(row[k]) for k in keys))
                fh.write("\n")
        fold_keys = ["model", "seed", "fold", *self._score_names(), "fit_time"]
        with open(out / "folds.csv", "w", encoding="utf-8") as fh:
            fh.write(",".join(fold_keys) + "\n")
            for r in self.records:
                fh.write(",".join(str(r[k]) for k in fold_keys) + "\n")
        with open(out / "results.json", "w", encoding="utf-8") as fh:
            json.dump(
                {"description": self.description, "environment": _environment(),
                 "summary": summary, "folds": self.records},
                fh, indent=1, default=float,
            )  # fmt: skip
        self.plot_roc().figure.savefig(out / "roc.png", dpi=100)
        return {
            name: out / name
            for name in ("summary.csv", "folds.csv", "results.json", "roc.png")
        }

    def plot_roc(self, ax=None):
        """ROC of every model from the out-of-fold predictions of seed 0, pooled.

        The curves pool every fold's test predictions; the table averages
        per-fold AUCs, so the two AUCs differ (folds scored on their own are
        not penalised for scores that shift between folds).
        """
        import matplotlib.pyplot as plt

        from ..plotting import ROCComparisonDisplay

        if ax is None:
            _, ax = plt.subplots(figsize=(5.5, 5.5))
        predictions = {}
        for model in self.models:
            seed = min(s for m, s in self.predictions if m == model)
            predictions[model] = (self.y, self.predictions[(model, seed)])
        pos_label = positive_label(np.unique(self.y))
        ROCComparisonDisplay.from_predictions(
            predictions, pos_label=pos_label, auc_label="pooled AUC", ax=ax,
            class_name="tumour" if pos_label == 1 else str(pos_label),
        )  # fmt: skip
        ax.set_title(
            "voxel ROC, leave-patients-out, pooled over folds\n"
            "(the table's AUC is the mean of per-fold AUCs)", fontsize=10,
        )  # fmt: skip
        return ax


def _cpu_model() -> str:
    """The CPU's model name (Linux ``/proc/cpuinfo``, else ``platform``)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _environment() -> dict:
    """The machine and versions that trained-network results depend on.

    The same CPU and versions give identical numbers for the same seeds; see
    "Reproducibility" in the README.
    """
    import sklearn
    import torch

    from .. import __version__

    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": _cpu_model(),
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "torch_threads": torch.get_num_threads(),
        "cuda_device": (
            torch.cuda.get_device_name() if torch.cuda.is_available() else None
        ),
        "skmrs": __version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
    }
