"""DistillationDisplay: what confidence distillation keeps (Fig. 4 of Lu et al.)."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_consistent_length

from ..inspection._distillation import distilled_indices, opposite_class_distance
from ._base import _panel_axes


class DistillationDisplay:
    """t-SNE map of the training spectra, distilled ones highlighted; distances.

    Left: a t-SNE embedding of every training spectrum, coloured by label,
    with the spectra the distiller kept drawn bold and outlined. Right: the
    histograms of each spectrum's Euclidean distance to the centre of the
    opposite class, for all spectra and for the distilled ones. Lu et al.
    (Fig. 4) found the distilled spectra further from the other class: the
    typical ones.

    Parameters
    ----------
    embedding : array-like of shape (n_samples, 2)
        2-D embedding of the spectra (t-SNE).
    y : array-like of shape (n_samples,)
        Labels.
    distilled : array-like of shape (n_samples,), dtype=bool
        Which spectra were kept.
    distance : array-like of shape (n_samples,)
        Distance of each spectrum to the opposite class's centre.
    class_names : dict or None, default=None
        Names of the labels for the legend, as label -> name.

    Attributes
    ----------
    ax_embedding_ : matplotlib.axes.Axes
        The t-SNE map.
    ax_distance_ : matplotlib.axes.Axes
        The histograms.
    figure_ : matplotlib.figure.Figure
        The figure.

    See Also
    --------
    skmrs.sampling.ConfidenceDistiller : The distiller.
    skmrs.inspection.opposite_class_distance : The distances.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skmrs.plotting import DistillationDisplay
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 10))
    >>> y = np.repeat([0, 1], 30)
    >>> X[y == 1] += 1.0
    >>> display = DistillationDisplay.from_indices(
    ...     X, y, sample_indices=np.arange(0, 60, 3), perplexity=10,
    ...     tsne_params={"max_iter": 250}, random_state=0,
    ... )
    >>> display.embedding.shape, int(display.distilled.sum())
    ((60, 2), 20)
    """

    def __init__(self, *, embedding, y, distilled, distance, class_names=None):
        self.embedding = np.asarray(embedding, dtype=float)
        self.y = np.asarray(y)
        self.distilled = np.asarray(distilled, dtype=bool)
        self.distance = np.asarray(distance, dtype=float)
        if self.embedding.ndim != 2 or self.embedding.shape[1] != 2:
            raise ValueError(
                f"embedding must have shape (n_samples, 2); got {self.embedding.shape}."
            )
        check_consistent_length(self.embedding, self.y, self.distilled, self.distance)
        self.class_names = class_names

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        perplexity=30.0,
        tsne_params=None,
        random_state=None,
        class_names=None,
        bins=30,
        ax=None,
    ):
        """Embed the training spectra and highlight what a fitted distiller kept.

        Parameters
        ----------
        estimator : estimator object
            A fitted :class:`~skmrs.sampling.ConfidenceDistiller`,
            :class:`~skmrs.DistillMixClassifier` or pipeline with a
            ``"distill"`` step (see
            :func:`skmrs.inspection.distilled_indices`).
        X : array-like of shape (n_samples, n_points)
            The spectra it was fitted on, in the same order.
        y : array-like of shape (n_samples,)
            Their (noisy) labels.
        perplexity : float, default=30.0
            t-SNE perplexity, lowered to ``(n_samples - 1) / 3`` for tiny
            inputs.
        tsne_params : dict or None, default=None
            Other arguments of :class:`~sklearn.manifold.TSNE` (for instance
            ``{"max_iter": 250}`` for a quicker map).
        random_state : int, RandomState instance or None, default=None
            Seeds t-SNE.
        class_names : dict or None, default=None
            Label -> name for the legend.
        bins : int, default=30
            Histogram bins.
        ax : sequence of two Axes, one Axes or None, default=None
            See :meth:`plot`.

        Returns
        -------
        display : DistillationDisplay
            The display, drawn.
        """
        return cls.from_indices(
            X,
            y,
            sample_indices=distilled_indices(estimator),
            perplexity=perplexity,
            tsne_params=tsne_params,
            random_state=random_state,
            class_names=class_names,
            bins=bins,
            ax=ax,
        )

    @classmethod
    def from_indices(
        cls,
        X,
        y,
        sample_indices,
        *,
        perplexity=30.0,
        tsne_params=None,
        random_state=None,
        class_names=None,
        bins=30,
        ax=None,
    ):
        """Embed the spectra and highlight the rows ``sample_indices``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Training spectra.
        y : array-like of shape (n_samples,)
            Their labels.
        sample_indices : array-like of int
            Rows that were distilled (a distiller's ``sample_indices_``).
        perplexity : float, default=30.0
            t-SNE perplexity, lowered to ``(n_samples - 1) / 3`` for tiny
            inputs.
        tsne_params : dict or None, default=None
            Other arguments of :class:`~sklearn.manifold.TSNE` (for instance
            ``{"max_iter": 250}`` for a quicker map).
        random_state : int, RandomState instance or None, default=None
            Seeds t-SNE.
        class_names : dict or None, default=None
            Label -> name for the legend.
        bins : int, default=30
            Histogram bins.
        ax : sequence of two Axes, one Axes or None, default=None
            See :meth:`plot`.

        Returns
        -------
        display : DistillationDisplay
            The display, drawn.
        """
        from sklearn.manifold import TSNE

        X = check_array(X, dtype=[np.float64, np.float32])
        y = np.asarray(y)
        check_consistent_length(X, y)
        indices = np.asarray(sample_indices)
        if indices.ndim != 1 or (
            indices.size and not np.issubdtype(indices.dtype, np.integer)
        ):
            raise ValueError("sample_indices must be a 1-D array of row indices.")
        if indices.size and (indices.min() < 0 or indices.max() >= len(X)):
            raise ValueError(
                f"sample_indices must lie in [0, {len(X)}), the rows of X; got "
                f"values from {indices.min()} to {indices.max()}. Pass the X the "
                "distiller was fitted on."
            )
        distilled = np.zeros(len(X), dtype=bool)
        distilled[indices] = True
        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
        embedding = TSNE(
            n_components=2,
            perplexity=min(float(perplexity), (len(X) - 1) / 3),
            **{"init": "pca", **(tsne_params or {})},
            random_state=seed,
        ).fit_transform(X)
        display = cls(
            embedding=embedding,
            y=y,
            distilled=distilled,
            distance=opposite_class_distance(X, y),
            class_names=class_names,
        )
        return display.plot(ax=ax, bins=bins)

    def plot(self, ax=None, *, bins=30):
        """Draw the t-SNE map and the distance histograms.

        Parameters
        ----------
        ax : sequence of two Axes, one Axes or None, default=None
            None makes a new figure; one Axes is split in two; two Axes are
            used as (map, histograms).
        bins : int, default=30
            Histogram bins.

        Returns
        -------
        display : DistillationDisplay
            The display, drawn.
        """
        axes = _panel_axes(ax, 2, figsize=(10, 4.2))
        self.ax_embedding_, self.ax_distance_ = axes
        names = self.class_names or {}
        for j, label in enumerate(np.unique(self.y)):
            name = names.get(label, str(label))
            rest = (self.y == label) & ~self.distilled
            kept = (self.y == label) & self.distilled
            self.ax_embedding_.scatter(
                *self.embedding[rest].T,
                s=6,
                color=f"C{j}",
                alpha=0.25,
                lw=0,
                label=f"{name}",
            )
            self.ax_embedding_.scatter(
                *self.embedding[kept].T,
                s=16,
                color=f"C{j}",
                edgecolors="k",
                linewidths=0.5,
                label=f"{name}, distilled",
            )
        self.ax_embedding_.set_xticks([])
        self.ax_embedding_.set_yticks([])
        self.ax_embedding_.set_xlabel("t-SNE 1")
        self.ax_embedding_.set_ylabel("t-SNE 2")
        self.ax_embedding_.legend(fontsize=8, markerscale=1.5)
        self.ax_embedding_.set_title(
            f"{int(self.distilled.sum())} of {len(self.y)} spectra distilled",
            fontsize=10,
        )
        edges = np.histogram_bin_edges(self.distance, bins=bins)
        for subset, name, color in (
            (np.ones_like(self.distilled), "all", "0.5"),
            (self.distilled, "distilled", "C3"),
        ):
            values = self.distance[subset]
            if values.size == 0:
                continue
            self.ax_distance_.hist(
                values,
                bins=edges,
                density=True,
                alpha=0.5,
                color=color,
                label=f"{name} (mean {values.mean():.2f})",
            )
            self.ax_distance_.axvline(values.mean(), color=color, ls="--")
        self.ax_distance_.set_xlabel(
            "Euclidean distance to the opposite class's centre"
        )
        self.ax_distance_.set_ylabel("density")
        self.ax_distance_.legend(fontsize=8)
        self.figure_ = self.ax_embedding_.figure
        return self
