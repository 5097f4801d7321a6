"""Confidence distillation (Algorithm 1 of Lu et al.)."""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from imblearn.utils import Substitution
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval

from .._docs import cite_paper
from ..utils import set_random_states
from ._base import _BaseDenseSampler, _random_state_doc


class DistillationWarning(UserWarning):
    """A class had no sample that reached the confidence threshold."""


def _seed_estimator(estimator, random_state):
    """Give every ``random_state`` parameter of ``estimator`` one derived seed."""
    return set_random_states(estimator, random_state.randint(np.iinfo(np.int32).max))


@cite_paper
@Substitution(random_state=_random_state_doc)
class ConfidenceDistiller(_BaseDenseSampler):
    """Keep the training samples that a network learns confidently and early.

    A clone of ``estimator`` is trained epoch by epoch on the whole input.
    After each epoch ``E = 1 .. epochs`` it predicts the input again, and
    every sample whose largest predicted probability is at least
    ``threshold`` joins the set ``C_E``. The sampler returns the union
    ``C = C_1 U ... U C_epochs``, in input order (Algorithm 1 of Lu et al.).
    Samples that are learned confidently in the first epochs are the typical
    ones, and the ones most likely to be correctly labelled.

    Parameters
    ----------
    estimator : estimator object
        Classifier with ``fit`` and ``predict_proba``; it is cloned, never
        fitted itself. Required (None is refused at ``fit_resample``): the
        paper uses the network of the final model, "the same structure and
        configuration", which :func:`skmrs.classification.make_distillmix_pipeline`
        and :class:`skmrs.DistillMixClassifier` supply (a
        :class:`skmrs.ResNetClassifier`). One call to ``partial_fit`` must
        train one epoch, as it does for :class:`skmrs.ResNetClassifier`,
        :class:`~sklearn.neural_network.MLPClassifier` and
        :class:`~sklearn.linear_model.SGDClassifier`. Every ``random_state``
        parameter of the clone, nested ones included, is set to one seed
        drawn from ``random_state``.

    threshold : float, default=0.99
        Confidence a sample's largest predicted probability must reach, in
        ``(0.5, 1]``. The paper's value.

    epochs : int, default=5
        Last epoch after which samples are collected (the paper's ``maxE``).

    require_correct : bool, default=False
        Also require that the confidently predicted class is the sample's
        label. Algorithm 1 does not: a sample predicted as the other class
        with confidence ``threshold`` is collected with its (then probably
        wrong) label.

    fallback_size : int or float, default=0.1
        Fewest samples kept of each class. A class with fewer confident
        samples (none, typically, when the network never gets confident in
        ``epochs`` epochs) is topped up with its other samples of the highest
        probability of their own label, best over the epochs, and a
        :class:`DistillationWarning` says so. An int is a number of samples,
        a float in ``(0, 1]`` a share of the class (at least one sample).
        The paper has no such rule; at its settings about 2000 of 6700
        samples pass, far above the default.

    {random_state}

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator``, as it was after the last epoch.

    sample_indices_ : ndarray of shape (n_kept,)
        Sorted row indices of the kept samples in the input.

    first_epoch_ : ndarray of shape (n_kept,)
        Epoch (1-based) after which each kept sample first reached the
        threshold, aligned with ``sample_indices_``; 0 marks a sample kept by
        the fallback rule.

    n_epochs_ : int
        Epochs run: ``epochs``, or 1 for an estimator without
        ``partial_fit``.

    n_confident_per_epoch_ : ndarray of shape (n_epochs_,)
        Size of each ``C_E``: samples at or above the threshold after epoch
        ``E``.

    n_new_per_epoch_ : ndarray of shape (n_epochs_,)
        Samples that reached the threshold for the first time after epoch
        ``E``; their cumulative sum is the size of the union.

    confidence_ : ndarray of shape (n_epochs_, n_samples)
        Largest predicted probability of every input sample after each
        epoch.

    fallback_classes_ : ndarray
        Classes topped up by the fallback rule (empty when every class had
        enough confident samples).

    n_features_in_ : int
        Number of features seen during :meth:`fit_resample`.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, defined when ``X`` has string column names.

    See Also
    --------
    MixingAugmenter : Mix the distilled samples into new ones.
    imblearn.under_sampling.InstanceHardnessThreshold : Keep samples by
        cross-validated probability of their label.

    Notes
    -----
    An estimator without ``partial_fit`` (for instance
    :class:`~sklearn.linear_model.LogisticRegression`) is fitted once, which
    counts as the only epoch: ``epochs`` is then ignored.

    The labels are used as they are; with noisy labels, the kept share of
    each class depends on how separable its spectra are, so the output may be
    imbalanced even when the input was not. Follow it by an over-sampler.

    References
    ----------
    .. [1] <paper>.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import SGDClassifier
    >>> from skmrs.sampling import ConfidenceDistiller
    >>> X, y = make_classification(n_samples=200, flip_y=0.1, random_state=0)
    >>> distiller = ConfidenceDistiller(
    ...     SGDClassifier(loss="log_loss", alpha=0.01),
    ...     threshold=0.95,
    ...     epochs=3,
    ...     random_state=0,
    ... )
    >>> X_kept, y_kept = distiller.fit_resample(X, y)
    >>> X_kept.shape[0] < X.shape[0]
    True
    >>> int(distiller.n_new_per_epoch_.sum()) == X_kept.shape[0]
    True
    """

    _skmrs_model_name = "skmrs.sampling.ConfidenceDistiller"
    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "threshold": [Interval(Real, 0.5, 1, closed="right")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "require_correct": ["boolean"],
        "fallback_size": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="right"),
        ],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        threshold=0.99,
        epochs=5,
        require_correct=False,
        fallback_size=0.1,
        random_state=None,
    ):
        self.estimator = estimator
        self.threshold = threshold
        self.epochs = epochs
        self.require_correct = require_correct
        self.fallback_size = fallback_size
        self.random_state = random_state

    def _make_estimator(self, random_state):
        if self.estimator is None:
            raise ValueError(
                "ConfidenceDistiller needs an estimator, the distillation network: "
                "pass one, e.g. ConfidenceDistiller(skmrs.ResNetClassifier()); "
                "make_distillmix_pipeline and DistillMixClassifier supply it."
            )
        return _seed_estimator(clone(self.estimator), random_state)

    def _fallback_count(self, n_class):
        if isinstance(self.fallback_size, Integral):
            return min(int(self.fallback_size), n_class)
        return max(1, math.ceil(self.fallback_size * n_class))

    def _fit_resample(self, X, y):
        classes = np.unique(y)
        for estimator in self._distillation(X, y):
            if hasattr(estimator, "partial_fit"):
                estimator.partial_fit(X, y, classes=classes)
            else:
                estimator.fit(X, y)
        return X[self.sample_indices_], y[self.sample_indices_]

    def _distillation(self, X, y):
        """Algorithm 1 as a generator: yields ``estimator_`` before each epoch.

        After each epoch the caller has trained, every sample's confidence is
        recorded; when the generator is exhausted, the fitted attributes are
        set.
        """
        random_state = check_random_state(self.random_state)
        self.estimator_ = self._make_estimator(random_state)
        self.n_epochs_ = self.epochs if hasattr(self.estimator_, "partial_fit") else 1

        n_samples = X.shape[0]
        first_epoch = np.zeros(n_samples, dtype=np.intp)
        confidence = np.empty((self.n_epochs_, n_samples))
        own_proba = np.zeros(n_samples)
        n_confident = np.zeros(self.n_epochs_, dtype=np.intp)
        for epoch in range(1, self.n_epochs_ + 1):
            yield self.estimator_
            proba = self.estimator_.predict_proba(X)
            label_column = np.searchsorted(self.estimator_.classes_, y)
            confident = proba.max(axis=1) >= self.threshold
            if self.require_correct:
                confident &= proba.argmax(axis=1) == label_column
            first_epoch[confident & (first_epoch == 0)] = epoch
            confidence[epoch - 1] = proba.max(axis=1)
            n_confident[epoch - 1] = confident.sum()
            own = proba[np.arange(n_samples), label_column]
            np.maximum(own_proba, own, out=own_proba)

        kept = first_epoch > 0
        self.fallback_classes_ = self._top_up(kept, y, own_proba)
        self.sample_indices_ = np.flatnonzero(kept)
        self.first_epoch_ = first_epoch[self.sample_indices_]
        self.n_confident_per_epoch_ = n_confident
        self.n_new_per_epoch_ = np.bincount(first_epoch, minlength=self.n_epochs_ + 1)[
            1:
        ]
        self.confidence_ = confidence

    def _top_up(self, kept, y, own_proba):
        """The fallback rule: fill ``kept`` in place; return the classes filled."""
        fallback_classes = []
        for klass in np.unique(y):
            in_class = np.flatnonzero(y == klass)
            n_kept = int(kept[in_class].sum())
            k = self._fallback_count(in_class.shape[0])
            if n_kept >= k:
                continue
            candidates = in_class[~kept[in_class]]
            order = np.argsort(-own_proba[candidates], kind="stable")
            kept[candidates[order[: k - n_kept]]] = True
            fallback_classes.append(klass)
            warnings.warn(
                f"Only {n_kept} sample(s) of class {klass} reached "
                f"threshold={self.threshold} in {self.n_epochs_} epoch(s); topping "
                f"the class up to {k} with the samples of the highest probability "
                f"of their label (fallback_size={self.fallback_size}).",
                DistillationWarning,
                stacklevel=4,
            )
        return np.asarray(fallback_classes, dtype=y.dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.sampler_tags.sample_indices = True
        return tags
