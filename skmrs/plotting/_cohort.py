"""CohortClustersDisplay: the k-means overview of a cohort (Fig. 3 of Lu et al.)."""

from __future__ import annotations

import numpy as np

from ..inspection._cohort import cluster_cohort
from ._base import _check_ppm, _panel_axes, _ppm_xaxis
from ._metabolites import mark_metabolites


class CohortClustersDisplay:
    """k-means clusters of a cohort: elbow curve, classes per cluster, spectra.

    Draws, from left to right and top to bottom: the k-means inertia against
    ``k`` with the elbow marked (when known), the number of spectra of each
    class in each cluster (stacked bars), and the mean +- standard deviation
    spectrum of each cluster. Lu et al. (Fig. 3) found that every one of
    their 7 clusters holds both classes: the labels overlap.

    Parameters
    ----------
    means : array-like of shape (n_clusters, n_points)
        Mean spectrum of each cluster.
    stds : array-like of shape (n_clusters, n_points)
        Standard deviation of each cluster's spectra.
    crosstab : array-like of shape (n_clusters, n_classes)
        Spectra of each class in each cluster.
    ppm : array-like of shape (n_points,) or None, default=None
        Chemical shifts; None is :func:`skmrs.datasets.default_ppm_axis`.
    class_names : list of str or None, default=None
        Names of the classes (columns of ``crosstab``).
    k_values : array-like of int or None, default=None
        Candidate numbers of clusters of the elbow rule.
    inertias : array-like or None, default=None
        k-means inertia of each candidate.

    Attributes
    ----------
    ax_elbow_ : matplotlib.axes.Axes or None
        The elbow curve (None without ``inertias``).
    ax_crosstab_ : matplotlib.axes.Axes
        The classes per cluster.
    axes_spectra_ : ndarray of matplotlib.axes.Axes
        One panel per cluster.
    figure_ : matplotlib.figure.Figure
        The figure.
    result_ : sklearn.utils.Bunch or None
        The output of :func:`skmrs.inspection.cluster_cohort` when built by
        :meth:`from_data`.

    See Also
    --------
    skmrs.inspection.cluster_cohort : The clustering, without a plot.
    skmrs.inspection.choose_k_elbow : The elbow rule.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skmrs.plotting import CohortClustersDisplay
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (30, 288)), rng.normal(3, 1, (30, 288))]
    >>> y = np.repeat([0, 1], 30)
    >>> display = CohortClustersDisplay.from_data(
    ...     X, y, k_values=range(1, 6), random_state=0
    ... )
    >>> display.crosstab
    array([[30,  0],
           [ 0, 30]])
    """

    def __init__(
        self,
        *,
        means,
        stds,
        crosstab,
        ppm=None,
        class_names=None,
        k_values=None,
        inertias=None,
    ):
        self.means = np.atleast_2d(np.asarray(means, dtype=float))
        self.stds = np.atleast_2d(np.asarray(stds, dtype=float))
        self.crosstab = np.atleast_2d(np.asarray(crosstab))
        n_clusters, n_points = self.means.shape
        if self.stds.shape != self.means.shape or len(self.crosstab) != n_clusters:
            raise ValueError(
                "means and stds must have shape (n_clusters, n_points) and "
                "crosstab n_clusters rows; got "
                f"{self.means.shape}, {self.stds.shape}, {self.crosstab.shape}."
            )
        self.ppm = _check_ppm(ppm, n_points)
        n_classes = self.crosstab.shape[1]
        if class_names is None:
            class_names = [f"class {c}" for c in range(n_classes)]
        if len(class_names) != n_classes:
            raise ValueError(
                f"class_names must have {n_classes} entries, one per crosstab "
                f"column; got {len(class_names)}."
            )
        self.class_names = [str(name) for name in class_names]
        if (k_values is None) != (inertias is None):
            raise ValueError("k_values and inertias must be given together.")
        if k_values is not None and len(k_values) != len(inertias):
            raise ValueError(
                f"k_values and inertias must have the same length; got "
                f"{len(k_values)} and {len(inertias)}."
            )
        self.k_values = None if k_values is None else np.asarray(k_values)
        self.inertias = None if inertias is None else np.asarray(inertias, float)
        self.result_ = None

    @classmethod
    def from_data(
        cls,
        X,
        y,
        *,
        ppm=None,
        n_clusters="elbow",
        k_values=range(1, 13),
        n_init=3,
        random_state=None,
        class_names=None,
        metabolites=False,
        ax=None,
    ):
        """Cluster spectra with k-means and draw the overview.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Spectra of the cohort.
        y : array-like of shape (n_samples,)
            Their labels.
        ppm : array-like of shape (n_points,) or None, default=None
            Chemical shifts; None is the default grid.
        n_clusters : int or "elbow", default="elbow"
            Number of clusters, or choose it by :func:`choose_k_elbow`.
        k_values : iterable of int, default=range(1, 13)
            Candidates of the elbow rule.
        n_init : int, default=3
            k-means restarts.
        random_state : int, RandomState instance or None, default=None
            Seeds k-means.
        class_names : list of str or None, default=None
            Names of the sorted labels; None uses the labels themselves.
        metabolites : None, list of str, dict or False, default=False
            Positions to mark on the cluster spectra (see
            :func:`mark_metabolites`); False marks none.
        ax : matplotlib Axes, sequence of Axes or None, default=None
            See :meth:`plot`.

        Returns
        -------
        display : CohortClustersDisplay
            The display, drawn; ``result_`` holds the clustering.
        """
        result = cluster_cohort(
            X,
            y,
            n_clusters=n_clusters,
            k_values=k_values,
            n_init=n_init,
            random_state=random_state,
        )
        if class_names is None:
            class_names = [str(c) for c in result.classes]
        display = cls(
            means=result.means,
            stds=result.stds,
            crosstab=result.crosstab,
            ppm=ppm,
            class_names=class_names,
            k_values=result.k_values,
            inertias=result.inertias,
        )
        display.result_ = result
        return display.plot(ax=ax, metabolites=metabolites)

    def plot(self, ax=None, *, n_cols=4, metabolites=False):
        """Draw the elbow curve, the class mix and one panel per cluster.

        Parameters
        ----------
        ax : matplotlib Axes, sequence of Axes or None, default=None
            None makes a new figure; one Axes is divided into the panels;
            a sequence must hold one Axes per panel (elbow curve if known,
            class mix, then one per cluster).
        n_cols : int, default=4
            Panels per row.
        metabolites : None, list of str, dict or False, default=False
            Positions to mark on the cluster spectra; False marks none.

        Returns
        -------
        display : CohortClustersDisplay
            The display, drawn.
        """
        n_clusters = len(self.means)
        has_elbow = self.inertias is not None
        n_panels = n_clusters + 1 + has_elbow
        n_rows = -(-n_panels // n_cols)
        axes = _panel_axes(
            ax,
            n_panels,
            n_cols=n_cols,
            figsize=(3.2 * min(n_cols, n_panels), 2.6 * n_rows),
        )
        self.ax_elbow_ = axes[0] if has_elbow else None
        self.ax_crosstab_ = axes[int(has_elbow)]
        self.axes_spectra_ = axes[int(has_elbow) + 1 :]
        if has_elbow:
            self._plot_elbow(self.ax_elbow_, n_clusters)
        self._plot_crosstab(self.ax_crosstab_)
        totals = self.crosstab.sum(1)
        low = (self.means - self.stds).min()
        high = (self.means + self.stds).max()
        for c, axis in enumerate(self.axes_spectra_):
            axis.fill_between(
                self.ppm,
                self.means[c] - self.stds[c],
                self.means[c] + self.stds[c],
                color="C0",
                alpha=0.25,
                lw=0,
            )
            axis.plot(self.ppm, self.means[c], color="C0", lw=1)
            share = self.crosstab[c, -1] / max(totals[c], 1)
            axis.set_title(
                f"cluster {c}: n={totals[c]}, {share:.0%} {self.class_names[-1]}",
                fontsize=9,
            )
            headroom = 0.25 * (high - low) if metabolites is not False else 0.0
            axis.set_ylim(low, high + headroom)
            _ppm_xaxis(axis, self.ppm)
            if metabolites is not False:
                mark_metabolites(axis, metabolites, fontsize=6)
        self.figure_ = self.ax_crosstab_.figure
        return self

    def _plot_elbow(self, axis, n_clusters):
        axis.plot(self.k_values, self.inertias, "o-", color="0.3", ms=4)
        chosen = self.k_values == n_clusters
        axis.plot(
            self.k_values[chosen],
            self.inertias[chosen],
            "o",
            color="C3",
            ms=9,
            label=f"elbow: k={n_clusters}",
        )
        axis.set_xlabel("k (clusters)")
        axis.set_ylabel("k-means inertia")
        axis.legend(fontsize=8)
        axis.set_title("elbow choice of k", fontsize=9)

    def _plot_crosstab(self, axis):
        clusters = np.arange(len(self.crosstab))
        bottom = np.zeros(len(self.crosstab))
        for j, name in enumerate(self.class_names):
            axis.bar(
                clusters,
                self.crosstab[:, j],
                bottom=bottom,
                label=name,
                color=f"C{j}",
            )
            bottom += self.crosstab[:, j]
        axis.set_xticks(clusters)
        axis.set_xlabel("cluster")
        axis.set_ylabel("spectra")
        axis.set_ylim(0, 1.3 * bottom.max())
        axis.legend(fontsize=8, loc="upper center", ncols=len(self.class_names))
        axis.set_title("classes per cluster", fontsize=9)
