"""Helpers shared by the displays: axes creation and the ppm axis."""

from __future__ import annotations

import numpy as np


def _new_or_given_ax(ax):
    """The axes to draw on: ``ax``, or the single axes of a new figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(layout="constrained")
    return ax


def _panel_axes(ax, n_panels: int, *, n_cols: int | None = None, figsize=None):
    """``n_panels`` axes: a new figure, a split of one axes, or the ones given.

    ``ax`` may be None (a new figure with a grid of panels), one Axes (its
    place in the figure is divided into the grid, as scikit-learn's
    ``PartialDependenceDisplay`` does), or a sequence of exactly
    ``n_panels`` Axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    n_cols = min(n_panels, n_cols or n_panels)
    n_rows = -(-n_panels // n_cols)
    if ax is None:
        fig, axes = plt.subplots(
            n_rows, n_cols, figsize=figsize, squeeze=False, layout="constrained"
        )
        axes = axes.ravel()
        for extra in axes[n_panels:]:
            extra.remove()
        return np.asarray(axes[:n_panels], dtype=object)
    if isinstance(ax, Axes):
        if n_panels == 1:
            return np.asarray([ax], dtype=object)
        fig = ax.figure
        grid = ax.get_subplotspec().subgridspec(n_rows, n_cols)
        ax.set_axis_off()
        axes = [fig.add_subplot(grid[i // n_cols, i % n_cols]) for i in range(n_panels)]
        return np.asarray(axes, dtype=object)
    axes = np.asarray(ax, dtype=object).ravel()
    if axes.size != n_panels or not all(isinstance(a, Axes) for a in axes):
        raise ValueError(
            f"ax must be None, one matplotlib Axes or {n_panels} Axes; got "
            f"{axes.size} object(s)."
        )
    return axes


def _check_ppm(ppm, n_points: int) -> np.ndarray:
    """The ppm axis of ``n_points`` points: given, or the default grid."""
    if ppm is None:
        from ..datasets import default_ppm_axis

        return default_ppm_axis(n_points)
    ppm = np.asarray(ppm, dtype=float)
    if ppm.ndim != 1 or ppm.size != n_points:
        raise ValueError(
            f"ppm must have shape ({n_points},), one value per point of the "
            f"spectra; got shape {ppm.shape}."
        )
    return ppm


def _ppm_xaxis(ax, ppm: np.ndarray) -> None:
    """High ppm on the left, the convention of MR spectra."""
    ax.set_xlim(float(np.max(ppm)), float(np.min(ppm)))
    ax.set_xlabel("chemical shift (ppm)")
