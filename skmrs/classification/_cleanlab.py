"""cleanlab's CleanLearning around a network, cross-validated by patient."""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import set_random_states
from ..utils._model_state import ModelStateMixin
from ..utils._validation import _check_real, check_groups
from ._noisy import _out_of_fold_proba
from ._resnet import ResNetClassifier

__all__ = ["CleanLearningClassifier"]


def _import_cleanlab():
    try:
        from cleanlab.classification import CleanLearning
    except ImportError as exc:
        raise ImportError(
            "CleanLearningClassifier needs cleanlab: pip install 'skmrs[noisy]'"
        ) from exc
    return CleanLearning


class CleanLearningClassifier(ModelStateMixin, ClassifierMixin, BaseEstimator):
    """cleanlab's ``CleanLearning`` with its out-of-fold probabilities by patient.

    ``CleanLearning`` finds label issues from out-of-fold predicted
    probabilities (confident learning), drops those samples and fits the
    model on the rest. Its own cross-validation is stratified by sample,
    which lets a patient's spectra sit on both sides of a fold; here the
    out-of-fold probabilities come from ``GroupKFold(cv)`` over the
    ``groups`` given to :meth:`fit` and are handed to ``CleanLearning.fit``
    as ``pred_probs``. Needs the optional dependency ``cleanlab``
    (``pip install 'skmrs[noisy]'``).

    Parameters
    ----------
    estimator : classifier, default=None
        The model; cloned for every fold and for the final fit. None is
        :class:`~skmrs.ResNetClassifier` with its defaults.

    cv : int, default=5
        Folds of the out-of-fold probabilities (by patient with ``groups``,
        stratified and shuffled otherwise).

    trusted_class : label or None, default=None
        A class known to be labelled without error (non-tumour, here):
        cleanlab's ``pulearning``, so none of its samples is flagged. None
        lets every class be flagged (binary labels only otherwise).

    random_state : int, RandomState instance or None, default=None
        Seeds the clones (every nested ``random_state``) and, without
        ``groups``, the fold shuffling.

    Attributes
    ----------
    estimator_ : classifier
        The model fitted on the samples kept (by ``CleanLearning``).
    label_issues_ : ndarray of shape (n_samples,) of bool
        The samples flagged (and dropped).
    sample_weight_ : ndarray of shape (n_samples,) or None
        The class-balancing weights ``CleanLearning`` gave the kept samples
        when the model's ``fit`` takes ``sample_weight`` (0 for dropped
        ones); None otherwise.
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    n_features_in_ : int
        Number of features seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features when ``X`` had string column names.

    See Also
    --------
    NoiseAwareClassifier : A learner for one-sided noise.

    References
    ----------
    .. [1] C. Northcutt, L. Jiang, I. Chuang, "Confident Learning: Estimating
       Uncertainty in Dataset Labels", JAIR 70, 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skmrs.classification import CleanLearningClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(120, 5))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> y[:10] = 1  # one-sided noise
    >>> groups = np.repeat(np.arange(24), 5)
    >>> clf = CleanLearningClassifier(LogisticRegression(), trusted_class=0)
    >>> clf = clf.fit(X, y, groups=groups)  # needs cleanlab
    >>> bool(clf.label_issues_[y == 0].any())  # class 0 is never flagged
    False
    """

    _skmrs_model_name = "skmrs.classification.CleanLearningClassifier"
    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "trusted_class": "no_validation",
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, *, cv=5, trusted_class=None, random_state=None):
        self.estimator = estimator
        self.cv = cv
        self.trusted_class = trusted_class
        self.random_state = random_state

    def fit(self, X, y, groups=None):
        """Out-of-fold probabilities, label issues, then the final fit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Noisy labels.
        groups : array-like of shape (n_samples,), default=None
            Patient of each sample; the folds keep patients apart.

        Returns
        -------
        self : CleanLearningClassifier
            The fitted classifier.
        """
        self._validate_params()
        CleanLearning = _import_cleanlab()
        _check_real(X, self)
        X, y = validate_data(self, X, y, dtype=[np.float32, np.float64])
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes; got 1 class "
                f"({self.classes_.tolist()!r})."
            )
        pulearning = None
        if self.trusted_class is not None:
            if self.trusted_class not in self.classes_:
                raise ValueError(
                    f"trusted_class={self.trusted_class!r} is not among the classes "
                    f"{self.classes_.tolist()}."
                )
            if len(self.classes_) != 2:
                raise ValueError("trusted_class needs binary labels (cleanlab).")
            pulearning = int(np.flatnonzero(self.classes_ == self.trusted_class)[0])
        groups = check_groups(groups, X.shape[0])
        rng = check_random_state(self.random_state)
        seed_cv, seed_final = (
            int(s) for s in rng.randint(np.iinfo(np.int32).max, size=2)
        )
        base = ResNetClassifier() if self.estimator is None else self.estimator
        pred_probs = _out_of_fold_proba(base, X, encoded, groups, self.cv, seed_cv)
        final = set_random_states(clone(base), seed_final)
        with warnings.catch_warnings():
            # the out-of-fold probabilities are given on purpose
            warnings.filterwarnings("ignore", "When X and pred_probs are both")
            # n_jobs=1: cleanlab's own process pool fails in a process that
            # was itself spawned (a NameError in its workers), and on a few
            # thousand spectra one process is fast anyway
            clean_learning = CleanLearning(
                final,
                cv_n_folds=self.cv,
                pulearning=pulearning,
                find_label_issues_kwargs={"n_jobs": 1},
            ).fit(X, encoded, pred_probs=pred_probs)
        self.estimator_ = clean_learning.clf
        issues = clean_learning.label_issues_df
        self.label_issues_ = issues["is_label_issue"].to_numpy()
        self.sample_weight_ = (
            issues["sample_weight"].to_numpy() if "sample_weight" in issues else None
        )
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities of the model fitted on the kept samples.

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
        _check_real(X, self)
        X = validate_data(self, X, reset=False, dtype=[np.float32, np.float64])
        return self.estimator_.predict_proba(X)

    def predict(self, X) -> np.ndarray:
        """Most probable class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.classifier_tags.multi_class = True
        tags.classifier_tags.poor_score = True
        return tags
