"""SweepDisplay: a score against one parameter, a line per strategy (Figs. 5-7)."""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real

import numpy as np

from ._base import _new_or_given_ax

# The mixing strategies keep their colour from one figure to the next.
_STRATEGY_COLORS = {"same": "C0", "other": "C1", "both": "C2"}
_REFERENCE_STYLES = ("--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)))


def _param_key(cv_results, name):
    """The ``param_*`` key of cv_results for ``name`` (exact, or after ``__``)."""
    keys = [key for key in cv_results if key.startswith("param_")]
    if f"param_{name}" in cv_results:
        return f"param_{name}"
    matches = [key for key in keys if key.endswith(f"__{name}")]
    if len(matches) == 1:
        return matches[0]
    known = sorted(key[len("param_") :] for key in keys)
    if matches:
        raise ValueError(
            f"parameter {name!r} is ambiguous in cv_results; use one of "
            f"{sorted(m[len('param_') :] for m in matches)}."
        )
    raise ValueError(
        f"parameter {name!r} is not in cv_results; its parameters are {known}."
    )


def _column(values):
    """Values of a cv_results column, masked entries as None."""
    mask = np.ma.getmaskarray(values)
    data = np.ma.getdata(values)
    return [None if m else v for v, m in zip(data.tolist(), mask.tolist())]


def _check_references(references):
    if references is None:
        return {}
    if not isinstance(references, Mapping):
        raise TypeError(
            "references must be a dict of name -> score or (mean, std); got "
            f"{type(references).__name__}."
        )
    out = {}
    for name, value in references.items():
        mean, std = (value, None) if isinstance(value, Real) else tuple(value)
        out[str(name)] = (float(mean), None if std is None else float(std))
    return out


class SweepDisplay:
    """Mean score (+- sd) against a parameter, one line per strategy.

    The figures 5-7 of Lu et al.: AUC against the mixing weight ``alpha``,
    against the last distillation epoch and against the augmentation factor,
    one line per mixing strategy ("same", "other", "both"), with horizontal
    reference lines for the plain ResNet, noise augmentation, SVM and random
    forest. Build it from a fitted :class:`~sklearn.model_selection.GridSearchCV`
    (:meth:`from_cv_results`) or from a table of results (:meth:`from_table`).

    Parameters
    ----------
    param : str
        Name of the swept parameter (the x axis).
    param_values : dict of str -> array-like
        x values of each line.
    means : dict of str -> array-like
        Mean score at each x value, same keys.
    stds : dict of str -> array-like or None, default=None
        Standard deviation at each x value, drawn as a band.
    references : dict of str -> float or (float, float), default=None
        Reference scores (mean, or (mean, std)) drawn as horizontal lines.
    score_name : str, default="AUC"
        Label of the y axis.

    Attributes
    ----------
    lines_ : dict of str -> matplotlib.lines.Line2D
        The line of each strategy.
    reference_lines_ : dict of str -> matplotlib.lines.Line2D
        The horizontal reference lines.
    ax_ : matplotlib.axes.Axes
        Axes with the plot.
    figure_ : matplotlib.figure.Figure
        Figure holding the axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skmrs.plotting import SweepDisplay
    >>> table = {
    ...     "alpha": [0.1, 0.5, 0.9, 0.1, 0.5, 0.9],
    ...     "strategy": ["same"] * 3 + ["other"] * 3,
    ...     "mean": [0.70, 0.74, 0.71, 0.69, 0.66, 0.60],
    ...     "std": [0.02] * 6,
    ... }
    >>> display = SweepDisplay.from_table(
    ...     table, param="alpha", line_param="strategy", references={"SVM": 0.63}
    ... )
    >>> sorted(display.lines_), list(display.reference_lines_)
    (['other', 'same'], ['SVM'])
    """

    def __init__(
        self,
        *,
        param,
        param_values,
        means,
        stds=None,
        references=None,
        score_name="AUC",
    ):
        self.param = param
        self.param_values = {k: np.asarray(v) for k, v in param_values.items()}
        self.means = {k: np.asarray(v, dtype=float) for k, v in means.items()}
        self.stds = (
            None
            if stds is None
            else {k: np.asarray(v, dtype=float) for k, v in stds.items()}
        )
        for name, x in self.param_values.items():
            if name not in self.means or len(self.means[name]) != len(x):
                raise ValueError(
                    f"line {name!r}: means must have one value per parameter value."
                )
            if self.stds is not None and len(self.stds.get(name, ())) != len(x):
                raise ValueError(
                    f"line {name!r}: stds must have one value per parameter value."
                )
        self.references = _check_references(references)
        self.score_name = score_name

    @classmethod
    def from_cv_results(
        cls,
        cv_results,
        *,
        param,
        line_param=None,
        metric=None,
        fixed_params=None,
        references=None,
        score_name="AUC",
        ax=None,
    ):
        """Draw a sweep from the ``cv_results_`` of a fitted grid search.

        Parameters
        ----------
        cv_results : dict or fitted search estimator
            ``GridSearchCV.cv_results_`` (or the search itself).
        param : str
            Parameter on the x axis: ``"alpha"`` finds ``param_alpha`` or,
            if that is absent, the one ``param_<step>__alpha``.
        line_param : str or None, default=None
            Parameter that makes one line per value (``"strategy"``); None
            draws a single line.
        metric : str or None, default=None
            Scorer name for multi-metric searches (``mean_test_<metric>``);
            None takes ``mean_test_score``, or the only ``mean_test_*``.
        fixed_params : dict or None, default=None
            Keep only the candidates with these parameter values, when the
            search varied more than ``param`` and ``line_param``.
        references : dict of str -> float or (float, float), default=None
            Reference scores drawn as horizontal lines, e.g.
            ``{"SVM": 0.63, "RF": (0.64, 0.05)}``.
        score_name : str, default="AUC"
            Label of the y axis.
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.

        Returns
        -------
        display : SweepDisplay
            The display, drawn.

        Raises
        ------
        ValueError
            If a parameter or metric is not in ``cv_results``, or another
            parameter varies among the candidates left.
        """
        cv_results = getattr(cv_results, "cv_results_", cv_results)
        if not isinstance(cv_results, Mapping):
            raise TypeError(
                "cv_results must be a search's cv_results_ dict or a fitted "
                f"search estimator; got {type(cv_results).__name__}."
            )
        mean_keys = [k for k in cv_results if k.startswith("mean_test_")]
        if metric is None:
            if "mean_test_score" in cv_results:
                metric = "score"
            elif len(mean_keys) == 1:
                metric = mean_keys[0][len("mean_test_") :]
            else:
                raise ValueError(
                    "cv_results has several metrics; choose one with metric= "
                    f"among {sorted(k[len('mean_test_') :] for k in mean_keys)}."
                )
        if f"mean_test_{metric}" not in cv_results:
            raise ValueError(
                f"metric {metric!r} is not in cv_results; it has "
                f"{sorted(k[len('mean_test_') :] for k in mean_keys)}."
            )
        x_key = _param_key(cv_results, param)
        line_key = None if line_param is None else _param_key(cv_results, line_param)
        fixed = {
            _param_key(cv_results, name): value
            for name, value in (fixed_params or {}).items()
        }
        columns = {
            key: _column(cv_results[key])
            for key in cv_results
            if key.startswith("param_")
        }
        keep = [
            i
            for i, x in enumerate(columns[x_key])
            if x is not None
            and all(columns[key][i] == value for key, value in fixed.items())
        ]
        if not keep:
            raise ValueError("no candidate of cv_results is left to draw.")
        for key, values in columns.items():
            if key in (x_key, line_key) or key in fixed:
                continue
            seen = {repr(values[i]) for i in keep}
            if len(seen) > 1:
                raise ValueError(
                    f"cv_results also varies {key[len('param_') :]!r} "
                    f"({sorted(seen)}); fix it with fixed_params="
                    f"{{{key[len('param_') :]!r}: ...}} or draw it as line_param."
                )
        table = {
            "x": [columns[x_key][i] for i in keep],
            "line": [
                param if line_key is None else str(columns[line_key][i]) for i in keep
            ],
            "mean": np.asarray(cv_results[f"mean_test_{metric}"])[keep],
            "std": np.asarray(cv_results[f"std_test_{metric}"])[keep]
            if f"std_test_{metric}" in cv_results
            else None,
        }
        return cls._from_columns(
            table, param=param, references=references, score_name=score_name, ax=ax
        )

    @classmethod
    def from_table(
        cls,
        table,
        *,
        param,
        line_param=None,
        mean="mean",
        std="std",
        references=None,
        score_name="AUC",
        ax=None,
    ):
        """Draw a sweep from a table of results, one row per (value, line).

        Parameters
        ----------
        table : dict of columns or pandas.DataFrame
            Results; each row is one parameter value of one line.
        param : str
            Column of the x values.
        line_param : str or None, default=None
            Column whose values make the lines; None draws a single line.
        mean : str, default="mean"
            Column of the mean scores.
        std : str or None, default="std"
            Column of the standard deviations; None (or a missing column)
            draws no band.
        references : dict of str -> float or (float, float), default=None
            Reference scores drawn as horizontal lines.
        score_name : str, default="AUC"
            Label of the y axis.
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.

        Returns
        -------
        display : SweepDisplay
            The display, drawn.
        """
        names = list(table.keys()) if hasattr(table, "keys") else []
        for column in (param, line_param, mean):
            if column is not None and column not in names:
                raise ValueError(f"table has no column {column!r}; it has {names}.")
        x = list(np.asarray(table[param]).tolist())
        columns = {
            "x": x,
            "line": [param] * len(x)
            if line_param is None
            else [str(v) for v in np.asarray(table[line_param]).tolist()],
            "mean": np.asarray(table[mean], dtype=float),
            "std": np.asarray(table[std], dtype=float)
            if std is not None and std in names
            else None,
        }
        lengths = {len(columns["x"]), len(columns["line"]), len(columns["mean"])}
        if columns["std"] is not None:
            lengths.add(len(columns["std"]))
        if len(lengths) != 1:
            raise ValueError(
                f"table columns have different lengths: {sorted(lengths)}."
            )
        return cls._from_columns(
            columns, param=param, references=references, score_name=score_name, ax=ax
        )

    @classmethod
    def _from_columns(cls, table, *, param, references, score_name, ax):
        param_values, means, stds = {}, {}, {}
        lines = np.asarray(table["line"], dtype=object)
        for name in dict.fromkeys(table["line"]):
            rows = np.flatnonzero(lines == name)
            x = [table["x"][i] for i in rows]
            if len({repr(v) for v in x}) != len(x):
                raise ValueError(
                    f"line {name!r} has several results for one {param!r} value; "
                    "another parameter varies (fix it, or make it the line_param)."
                )
            if all(isinstance(v, Real) for v in x):
                rows = rows[np.argsort(np.asarray(x, dtype=float), kind="stable")]
            param_values[name] = np.asarray([table["x"][i] for i in rows])
            means[name] = table["mean"][rows]
            if table["std"] is not None:
                stds[name] = table["std"][rows]
        display = cls(
            param=param,
            param_values=param_values,
            means=means,
            stds=stds if table["std"] is not None else None,
            references=references,
            score_name=score_name,
        )
        return display.plot(ax=ax)

    def plot(self, ax=None, *, errorbars=True):
        """Draw the lines, their +- sd error bars and the reference lines.

        Lines named "same", "other" and "both" (the mixing strategies) always
        get the same colours; other lines take the next ones.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.
        errorbars : bool, default=True
            Draw mean +- sd error bars when stds are known; the bars of the
            lines are shifted a little sideways so that they do not hide each
            other (the lines themselves are not). The sd of a reference is
            written in the legend.

        Returns
        -------
        display : SweepDisplay
            The display, drawn.
        """
        ax = _new_or_given_ax(ax)
        self.lines_ = {}
        numeric = all(
            np.issubdtype(np.asarray(x).dtype, np.number)
            for x in self.param_values.values()
        )
        values = np.concatenate([np.asarray(x) for x in self.param_values.values()])
        span = float(np.ptp(values.astype(float))) if numeric and values.size else 0.0
        n_lines = len(self.param_values)
        free = (f"C{i}" for i in range(3, 100))
        colors = {
            name: _STRATEGY_COLORS.get(name) or next(free) for name in self.param_values
        }
        for j, (name, x) in enumerate(self.param_values.items()):
            mean = self.means[name]
            (line,) = ax.plot(x, mean, "o-", color=colors[name], ms=4, label=name)
            self.lines_[name] = line
            if errorbars and self.stds is not None:
                shift = 0.012 * span * (j - (n_lines - 1) / 2) if numeric else 0.0
                ax.errorbar(
                    np.asarray(x, dtype=float) + shift if numeric else x,
                    mean,
                    yerr=self.stds[name],
                    fmt="none",
                    ecolor=colors[name],
                    elinewidth=1,
                    capsize=2,
                    alpha=0.7,
                )
        self.reference_lines_ = {}
        for k, (name, (mean, std)) in enumerate(self.references.items()):
            style = _REFERENCE_STYLES[k % len(_REFERENCE_STYLES)]
            text = f"{mean:.2f}" if std is None else f"{mean:.2f} +- {std:.2f}"
            self.reference_lines_[name] = ax.axhline(
                mean, color="0.35", ls=style, lw=1.2, label=f"{name} ({text})"
            )
        ax.set_xlabel(self.param)
        ax.set_ylabel(self.score_name)
        ax.legend(fontsize=8, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.14))
        self.ax_ = ax
        self.figure_ = ax.figure
        return self
