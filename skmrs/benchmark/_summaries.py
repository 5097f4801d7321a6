"""Model-specific lines under the table: what a fitted model says of its fit.

The runner and the table call :func:`fit_summary` and :func:`summary_lines`
for every model and know nothing of the models themselves.
"""

from __future__ import annotations

import numpy as np


def fit_summary(est, n_train: int) -> dict:
    """Extra record fields of a fitted model (DistillMix: what was kept)."""
    distiller = getattr(est, "distiller_", None)
    if distiller is None:
        return {}
    return {
        "n_distilled": int(len(distiller.sample_indices_)),
        "n_train": int(n_train),
        "n_fallback_classes": int(len(distiller.fallback_classes_)),
    }


def summary_lines(model: str, records: list) -> list[str]:
    """Lines under the table for one model's records."""
    if not records or "n_distilled" not in records[0]:
        return []
    kept = np.mean([r["n_distilled"] / r["n_train"] for r in records])
    fallback = sum(r["n_fallback_classes"] > 0 for r in records)
    return [
        f"  {model}: the distiller kept {kept:.1%} of the training "
        f"spectra; its fallback rule filled a class in {fallback} of "
        f"{len(records)} fits"
    ]
