"""ROCComparisonDisplay: ROC curves of several models and readers' points (Fig. 8)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.utils.validation import check_consistent_length

from ._base import _new_or_given_ax


def _scores_of(estimator, X, pos_label):
    """Score of the positive class: predict_proba column, else decision_function."""
    classes = np.asarray(estimator.classes_)
    if pos_label is None:
        pos_label = classes[-1]
    if hasattr(estimator, "predict_proba"):
        column = int(np.flatnonzero(classes == pos_label)[0])
        return estimator.predict_proba(X)[:, column], pos_label
    return estimator.decision_function(X), pos_label


class ROCComparisonDisplay:
    """ROC curves of several models on one plot, with operating points as dots.

    Fig. 8 of Lu et al.: the ROC of the plain ResNet and of DistillMix, with
    the sensitivity and specificity of eight neuroradiologists as dots. An
    operating point is given as ``(false positive rate, true positive rate)``
    = ``(1 - specificity, sensitivity)``.

    Parameters
    ----------
    curves : dict of str -> (array-like, array-like)
        ``(fpr, tpr)`` of each model.
    aucs : dict of str -> float or None, default=None
        Area under each curve, shown in the legend.
    operating_points : dict of str -> (float, float), default=None
        ``(fpr, tpr)`` of each reader (or arrays of several readers under one
        name).

    Attributes
    ----------
    lines_ : dict of str -> matplotlib.lines.Line2D
        The ROC curve of each model.
    points_ : dict of str -> matplotlib.collections.PathCollection
        The operating points.
    ax_ : matplotlib.axes.Axes
        Axes with the plot.
    figure_ : matplotlib.figure.Figure
        Figure holding the axes.

    See Also
    --------
    sklearn.metrics.RocCurveDisplay : One ROC curve.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skmrs.plotting import ROCComparisonDisplay
    >>> y = [0, 0, 1, 1]
    >>> display = ROCComparisonDisplay.from_predictions(
    ...     {"model": (y, [0.1, 0.4, 0.35, 0.8])},
    ...     operating_points={"reader": (0.12, 0.54)},
    ... )
    >>> display.aucs
    {'model': 0.75}
    """

    def __init__(self, *, curves, aucs=None, operating_points=None):
        self.curves = {}
        for name, pair in curves.items():
            fpr, tpr = (np.asarray(v, dtype=float) for v in pair)
            check_consistent_length(fpr, tpr)
            self.curves[str(name)] = (fpr, tpr)
        self.aucs = dict(aucs or {})
        self.operating_points = _check_points(operating_points)

    @classmethod
    def from_predictions(
        cls,
        predictions,
        *,
        pos_label=None,
        operating_points=None,
        class_name=None,
        auc_label="AUC",
        ax=None,
    ):
        """ROC curves from true labels and scores of several models.

        Parameters
        ----------
        predictions : dict of str -> (array-like, array-like)
            ``(y_true, y_score)`` of each model; ``y_score`` is the score
            (probability) of the positive class.
        pos_label : label or None, default=None
            The positive class; None takes the larger of binary labels.
        operating_points : dict of str -> (float, float), default=None
            ``(fpr, tpr)`` of readers, drawn as dots; arrays of several
            readers under one name are allowed.
        class_name : str or None, default=None
            Name of the positive class for the axis labels (see :meth:`plot`).
        auc_label : str, default="AUC"
            Name of the area in the legend (see :meth:`plot`).
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.

        Returns
        -------
        display : ROCComparisonDisplay
            The display, drawn.

        Raises
        ------
        ValueError
            If ``y_true`` and ``y_score`` of a model differ in length, or
            ``predictions`` is empty.
        """
        if not isinstance(predictions, Mapping) or not predictions:
            raise ValueError(
                "predictions must be a non-empty dict of name -> (y_true, y_score)."
            )
        curves, aucs = {}, {}
        for name, pair in predictions.items():
            if len(pair) != 2:
                raise ValueError(
                    f"predictions[{name!r}] must be a pair (y_true, y_score)."
                )
            y_true, y_score = (np.asarray(v) for v in pair)
            if len(y_true) != len(y_score):
                raise ValueError(
                    f"predictions[{name!r}]: y_true and y_score have different "
                    f"lengths ({len(y_true)} and {len(y_score)})."
                )
            label = pos_label if pos_label is not None else np.unique(y_true)[-1]
            fpr, tpr, _ = roc_curve(y_true, y_score, pos_label=label)
            curves[name] = (fpr, tpr)
            aucs[name] = float(roc_auc_score(y_true == label, y_score))
        display = cls(curves=curves, aucs=aucs, operating_points=operating_points)
        return display.plot(ax=ax, class_name=class_name, auc_label=auc_label)

    @classmethod
    def from_estimator(
        cls, estimators, X, y, *, pos_label=None, operating_points=None, ax=None
    ):
        """ROC curves of several fitted classifiers on one test set.

        Parameters
        ----------
        estimators : dict of str -> estimator
            Fitted binary classifiers with ``predict_proba`` or
            ``decision_function``.
        X : array-like of shape (n_samples, n_points)
            Test spectra.
        y : array-like of shape (n_samples,)
            True labels.
        pos_label : label or None, default=None
            The positive class; None takes the last of ``classes_``.
        operating_points : dict of str -> (float, float), default=None
            ``(fpr, tpr)`` of readers, drawn as dots.
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.

        Returns
        -------
        display : ROCComparisonDisplay
            The display, drawn.
        """
        predictions = {}
        label = pos_label
        for name, estimator in estimators.items():
            score, label = _scores_of(estimator, X, pos_label)
            predictions[name] = (y, score)
        return cls.from_predictions(
            predictions, pos_label=label, operating_points=operating_points, ax=ax
        )

    def plot(self, ax=None, *, chance=True, class_name=None, auc_label="AUC"):
        """Draw the curves, the chance diagonal and the operating points.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.
        chance : bool, default=True
            Draw the diagonal of a random classifier.
        class_name : str or None, default=None
            Name of the positive class, e.g. ``"tumour"``: the axes then read
            "tumour called tumour (sensitivity)" and "not tumour called
            tumour (1 - specificity)".
        auc_label : str, default="AUC"
            Name of the area in the legend, e.g. ``"pooled AUC"`` for curves
            of predictions pooled over cross-validation folds.

        Returns
        -------
        display : ROCComparisonDisplay
            The display, drawn.
        """
        ax = _new_or_given_ax(ax)
        self.lines_ = {}
        for j, (name, (fpr, tpr)) in enumerate(self.curves.items()):
            auc = self.aucs.get(name)
            label = name if auc is None else f"{name} ({auc_label} = {auc:.2f})"
            (self.lines_[name],) = ax.plot(
                fpr, tpr, color=f"C{j}", lw=1.8, label=label, drawstyle="default"
            )
        if chance:
            ax.plot([0, 1], [0, 1], color="0.7", ls="--", lw=1, label="chance")
        self.points_ = {}
        markers = "oDs^v*"
        for k, (name, (fpr, tpr)) in enumerate(self.operating_points.items()):
            self.points_[name] = ax.scatter(
                fpr,
                tpr,
                s=50,
                marker=markers[k % len(markers)],
                zorder=3,
                color=f"C{len(self.curves) + k}",
                edgecolors="k",
                label=name,
            )
        ax.set_xlim(-0.01, 1.01)
        ax.set_ylim(-0.01, 1.01)
        ax.set_aspect("equal")
        if class_name is None:
            ax.set_xlabel("false positive rate (1 - specificity)")
            ax.set_ylabel("true positive rate (sensitivity)")
        else:
            ax.set_xlabel(
                f"false positive rate: not {class_name} called {class_name} "
                "(1 - specificity)"
            )
            ax.set_ylabel(
                f"true positive rate: {class_name} called {class_name} (sensitivity)"
            )
        ax.legend(fontsize=8, loc="lower right")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


def _check_points(points):
    if points is None:
        return {}
    if not isinstance(points, Mapping):
        raise TypeError(
            "operating_points must be a dict of name -> (fpr, tpr); got "
            f"{type(points).__name__}."
        )
    out = {}
    for name, pair in points.items():
        try:
            fpr, tpr = (np.atleast_1d(np.asarray(v, dtype=float)) for v in pair)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"operating_points[{name!r}] must be a pair (fpr, tpr); got {pair!r}."
            ) from exc
        if fpr.shape != tpr.shape:
            raise ValueError(
                f"operating_points[{name!r}]: fpr and tpr have different lengths "
                f"({fpr.size} and {tpr.size})."
            )
        if np.any((fpr < 0) | (fpr > 1) | (tpr < 0) | (tpr > 1)):
            raise ValueError(
                f"operating_points[{name!r}] must lie in [0, 1]; got ({fpr}, {tpr})."
            )
        out[str(name)] = (fpr, tpr)
    return out
