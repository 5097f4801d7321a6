"""CAMDisplay: class activation maps drawn over the spectra (Fig. 9 of Lu et al.)."""

from __future__ import annotations

import numpy as np

from ..inspection._cam import _cam_estimator, class_activation_maps
from ._base import _check_ppm, _new_or_given_ax, _ppm_xaxis
from ._metabolites import mark_metabolites


class CAMDisplay:
    """Spectra coloured by their class activation map, metabolites marked.

    Each spectrum is drawn as a line whose colour at every point is the
    class activation map there: where the network looked to decide. Spectra
    are stacked from top to bottom. Build it with :meth:`from_estimator`, or
    from maps computed elsewhere with the constructor and :meth:`plot`.

    Parameters
    ----------
    spectra : array-like of shape (n_spectra, n_points)
        The spectra.
    cams : array-like of shape (n_spectra, n_points)
        One class activation map per spectrum, on the same points.
    ppm : array-like of shape (n_points,) or None, default=None
        Chemical shift of each point; None is
        :func:`skmrs.datasets.default_ppm_axis`.
    labels : list of str or None, default=None
        A caption per spectrum, written above it.
    cam_label : str, default="class activation"
        Label of the colour bar.

    Attributes
    ----------
    lines_ : list of matplotlib.collections.LineCollection
        The coloured spectra.
    colorbar_ : matplotlib.colorbar.Colorbar or None
        The colour bar.
    ax_ : matplotlib.axes.Axes
        Axes with the plot.
    figure_ : matplotlib.figure.Figure
        Figure holding the axes.

    See Also
    --------
    skmrs.inspection.class_activation_maps : The maps, without a plot.
    skmrs.ResNetClassifier.class_activation_maps : How the maps are computed.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skmrs.plotting import CAMDisplay
    >>> spectra = np.random.default_rng(0).normal(size=(2, 288))
    >>> display = CAMDisplay(spectra=spectra, cams=np.abs(spectra)).plot()
    >>> len(display.lines_)
    2
    """

    def __init__(self, *, spectra, cams, ppm=None, labels=None, cam_label=None):
        self.spectra = np.atleast_2d(np.asarray(spectra, dtype=float))
        self.cams = np.atleast_2d(np.asarray(cams, dtype=float))
        if self.spectra.ndim != 2 or self.cams.shape != self.spectra.shape:
            raise ValueError(
                "spectra and cams must have the same shape (n_spectra, n_points); "
                f"got {self.spectra.shape} and {self.cams.shape}."
            )
        self.ppm = _check_ppm(ppm, self.spectra.shape[1])
        if labels is not None and len(labels) != len(self.spectra):
            raise ValueError(
                f"labels must have one entry per spectrum ({len(self.spectra)}); "
                f"got {len(labels)}."
            )
        self.labels = labels
        self.cam_label = cam_label or "class activation"

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        *,
        y=None,
        ppm=None,
        class_label=None,
        normalize=True,
        metabolites=None,
        cmap="jet",
        ax=None,
    ):
        """Compute the maps of a fitted network over spectra and draw them.

        Parameters
        ----------
        estimator : estimator object
            Fitted :class:`~skmrs.ResNetClassifier`,
            :class:`~skmrs.DistillMixClassifier`, a pipeline ending in one,
            or any fitted estimator with a
            ``class_activation_maps(X, class_label=None)`` method.
        X : array-like of shape (n_spectra, n_points)
            A few spectra to explain (each gets its own line).
        y : array-like of shape (n_spectra,) or None, default=None
            Their labels, written in the captions when given.
        ppm : array-like of shape (n_points,) or None, default=None
            Chemical shifts; None is the default 288-point grid.
        class_label : label or None, default=None
            Class whose map to draw; None draws each spectrum's predicted
            class.
        normalize : bool, default=True
            Scale each map to ``[0, 1]`` (see :meth:`plot`).
        metabolites : None, list of str, dict or False, default=None
            Positions to mark (see :func:`mark_metabolites`); False marks
            none.
        cmap : str or Colormap, default="jet"
            Colour map of the activation.
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.

        Returns
        -------
        display : CAMDisplay
            The display, drawn.

        Raises
        ------
        TypeError
            If the estimator has no ``class_activation_maps`` method.
        """
        cams, spectra = class_activation_maps(estimator, X, class_label=class_label)
        if y is not None and len(y) != len(spectra):
            raise ValueError(
                f"y must have one label per spectrum ({len(spectra)}); got {len(y)}."
            )
        labels = _captions(_cam_estimator(estimator)[0], spectra, y)
        which = "the predicted class" if class_label is None else f"class {class_label}"
        display = cls(
            spectra=spectra,
            cams=cams,
            ppm=ppm,
            labels=labels,
            cam_label=f"class activation of {which}",
        )
        return display.plot(
            ax=ax, normalize=normalize, metabolites=metabolites, cmap=cmap
        )

    def plot(
        self, ax=None, *, normalize=True, metabolites=None, cmap="jet", colorbar=True
    ):
        """Draw the spectra, coloured by their maps, stacked top to bottom.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.
        normalize : bool, default=True
            Scale each map to ``[0, 1]`` (its minimum to 0, its maximum to
            1), so that each spectrum uses the whole colour range; otherwise
            one colour scale spans all maps.
        metabolites : None, list of str, dict or False, default=None
            Positions to mark (see :func:`mark_metabolites`); False marks
            none.
        cmap : str or Colormap, default="jet"
            Colour map of the activation.
        colorbar : bool, default=True
            Add a colour bar.

        Returns
        -------
        display : CAMDisplay
            The display, drawn.
        """
        from matplotlib.collections import LineCollection
        from matplotlib.colors import Normalize

        ax = _new_or_given_ax(ax)
        cams = self.cams
        if normalize:
            low = cams.min(1, keepdims=True)
            span = cams.max(1, keepdims=True) - low
            cams = (cams - low) / np.where(span > 0, span, 1.0)
            norm = Normalize(0.0, 1.0)
        else:
            norm = Normalize(float(cams.min()), float(cams.max()))
        height = np.ptp(self.spectra, axis=1).max() or 1.0
        step = 1.15 * height
        points_x = self.ppm
        self.lines_ = []
        for i, (spectrum, cam) in enumerate(zip(self.spectra, cams)):
            shift = -i * step
            points = np.column_stack([points_x, spectrum + shift])
            segments = np.stack([points[:-1], points[1:]], axis=1)
            lines = LineCollection(segments, cmap=cmap, norm=norm, linewidths=1.5)
            lines.set_array(0.5 * (cam[:-1] + cam[1:]))
            ax.add_collection(lines)
            self.lines_.append(lines)
            if self.labels is not None:
                ax.text(
                    0.01,
                    spectrum.max() + shift,
                    str(self.labels[i]),
                    transform=ax.get_yaxis_transform(),
                    va="bottom",
                    fontsize=8,
                )
        top = self.spectra[0].max() + 0.15 * height
        bottom = self.spectra[-1].min() - (len(self.spectra) - 1) * step
        headroom = 0.75 if metabolites is not False else 0.15
        ax.set_ylim(bottom - 0.05 * height, top + headroom * height)
        _ppm_xaxis(ax, self.ppm)
        ax.set_yticks([])
        ax.set_ylabel("intensity (stacked)")
        if metabolites is not False:
            mark_metabolites(ax, metabolites)
        self.colorbar_ = None
        if colorbar:
            label = self.cam_label + (", scaled per spectrum" if normalize else "")
            self.colorbar_ = ax.figure.colorbar(self.lines_[0], ax=ax, label=label)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


def _captions(estimator, spectra, y):
    """'label ..., predicted ... (p=...)' for each spectrum, as far as known."""
    parts = [[] for _ in range(len(spectra))]
    if y is not None:
        for part, label in zip(parts, y):
            part.append(f"label {label}")
    if hasattr(estimator, "predict_proba") and hasattr(estimator, "classes_"):
        proba = np.asarray(estimator.predict_proba(spectra))
        classes = np.asarray(estimator.classes_)
        for part, p in zip(parts, proba):
            part.append(f"predicted {classes[p.argmax()]} (p={p.max():.2f})")
    if not any(parts):
        return None
    return [", ".join(part) for part in parts]
