"""The clean-label oracle row and the "gap closed" column of the benchmark."""

from __future__ import annotations

import inspect

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import check_is_fitted

from ..utils._model_state import ModelStateMixin

__all__ = ["OracleClassifier", "gap_closed"]


class OracleClassifier(
    ModelStateMixin, MetaEstimatorMixin, ClassifierMixin, BaseEstimator
):
    """Mark a model as the clean-label oracle of a benchmark on simulated data.

    On its own it is a transparent wrapper: :meth:`fit` fits a clone of
    ``estimator`` on the labels it is given. :func:`run_benchmark` gives an
    ``OracleClassifier`` row the **true** labels of the training fold
    (``y_true``, the simulator's ``target_true``) instead of the noisy ones,
    and scores it like every other row. The same network trained on the
    truth is the ceiling for any method that learns from noisy labels.

    Parameters
    ----------
    estimator : classifier, default=None
        The model to train on the true labels, usually the benchmark's plain
        network. It is cloned, never fitted itself. None is
        :class:`~skmrs.ResNetClassifier` with its defaults.

    Attributes
    ----------
    estimator_ : classifier
        The fitted clone.
    classes_ : ndarray of shape (n_classes,)
        Class labels of ``estimator_``.
    trains_on_true_labels : bool
        Always True: the flag :func:`run_benchmark` reads.

    See Also
    --------
    gap_closed : Share of the plain-to-oracle gap a model closes.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skmrs.benchmark import OracleClassifier, gap_closed, run_benchmark
    >>> from skmrs.datasets import make_mrs_cohort
    >>> c = make_mrs_cohort(n_patients=30, random_state=0)
    >>> lr = LogisticRegression(max_iter=300)
    >>> models = {"LR": lr, "LR C=0.01": LogisticRegression(C=0.01, max_iter=300),
    ...           "Oracle": OracleClassifier(lr)}
    >>> res = run_benchmark(c.data, c.target, c.groups, models, n_splits=3,
    ...                     seeds=(0,), y_true=c.target_true)
    >>> list(gap_closed(res, plain="LR", oracle="Oracle"))
    ['LR C=0.01']
    """

    trains_on_true_labels = True

    _skmrs_model_name = "skmrs.benchmark.OracleClassifier"
    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
    }

    def __init__(self, estimator=None):
        self.estimator = estimator

    def fit(self, X, y, **fit_params):
        """Fit a clone of ``estimator`` on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Labels; the true ones when called by :func:`run_benchmark`.
        **fit_params : dict
            Passed to the clone's ``fit``.

        Returns
        -------
        self : OracleClassifier
            The fitted wrapper.
        """
        self._validate_params()
        self.estimator_ = clone(self._estimator()).fit(X, y, **fit_params)
        self.classes_ = self.estimator_.classes_
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities of the fitted clone.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            In the order of ``classes_``.
        """
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    def predict(self, X) -> np.ndarray:
        """Labels predicted by the fitted clone.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self)
        return self.estimator_.predict(X)

    def _estimator(self):
        if self.estimator is None:
            from ..classification import ResNetClassifier

            return ResNetClassifier()
        return self.estimator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self._estimator().__sklearn_tags__()
        tags.input_tags = inner.input_tags
        tags.classifier_tags = inner.classifier_tags
        return tags


def _fit_arguments(estimator, y, y_true, groups, train):
    """The labels (all rows) and keyword arguments a benchmark row is fitted with.

    An :class:`OracleClassifier` row gets the true labels; a model whose
    ``fit`` takes ``groups`` gets the training fold's patient ids, so it can
    cross-fit by patient inside the fold.
    """
    labels = y
    if getattr(estimator, "trains_on_true_labels", False):
        if y_true is None:
            raise ValueError(
                "an OracleClassifier row needs the true labels: pass y_true "
                "(simulated data only)."
            )
        labels = y_true
    kwargs = {}
    if "groups" in inspect.signature(estimator.fit).parameters:
        kwargs["groups"] = groups[train]
    return labels, kwargs


def gap_closed(result, *, plain: str = "ResNet", oracle: str = "Oracle") -> dict:
    """Share of the plain-to-oracle gap in true-tissue AUC each model closes.

    ``(AUC_true(model) - AUC_true(plain)) / (AUC_true(oracle) -
    AUC_true(plain))``, computed per (seed, fold), then averaged: 0 is no
    better than ``plain``, 1 is as good as the oracle, a negative value
    widens the gap.

    Parameters
    ----------
    result : BenchmarkResult
        Scored with ``y_true``, holding the rows ``plain`` and ``oracle``.
    plain : str, default="ResNet"
        Row of the model trained on the noisy labels as they are.
    oracle : str, default="Oracle"
        Row of the same model trained on the true labels
        (:class:`OracleClassifier`).

    Returns
    -------
    gaps : dict of str to dict
        For every other row: ``"per_fold"`` (ndarray, in the order of the
        (seed, fold) pairs), ``"mean"`` and ``"sd"``. Empty when either row
        is missing. A fold where the oracle is no better than ``plain`` has
        no gap to close; it is NaN and left out of the mean.

    Examples
    --------
    See :class:`OracleClassifier`.
    """
    auc = {
        (r["model"], r["seed"], r["fold"]): r.get("roc_auc_true", np.nan)
        for r in result.records
    }
    keys = sorted({(s, f) for m, s, f in auc if m == plain})
    if not keys or not any((oracle, *k) in auc for k in keys):
        return {}
    base = np.array([auc[(plain, *k)] for k in keys], dtype=float)
    top = np.array([auc.get((oracle, *k), np.nan) for k in keys], dtype=float)
    width = top - base
    width[~(width > 0)] = np.nan
    gaps = {}
    for model in result.models:
        if model in (plain, oracle):
            continue
        values = np.array([auc.get((model, *k), np.nan) for k in keys], dtype=float)
        per_fold = (values - base) / width
        finite = per_fold[np.isfinite(per_fold)]
        gaps[model] = {
            "per_fold": per_fold,
            "mean": float(finite.mean()) if finite.size else float("nan"),
            "sd": float(finite.std()) if finite.size else float("nan"),
        }
    return gaps


def _gap_closed_lines(result) -> list[str]:
    """The table's "gap closed" lines, when it has a ResNet and an Oracle row."""
    gaps = gap_closed(result)
    if not gaps:
        return []
    lines = ["  gap closed (true-tissue AUC, ResNet = 0, Oracle = 1), mean +- sd:"]
    for model, gap in gaps.items():
        lines.append(f"    {model:18s}{gap['mean']:+.2f} +- {gap['sd']:.2f}")
    return lines
