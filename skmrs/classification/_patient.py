"""Patient-level classification: a final estimator on each patient's voxel scores."""

from __future__ import annotations

import math
import re
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ..metrics._fold import positive_label
from ..metrics._patient import patient_labels
from ..model_selection import patient_splits
from ..preprocessing._context import PatientContextTransformer
from ..utils._model_state import ModelStateMixin
from ..utils._random import set_random_states
from ..utils._validation import check_groups

__all__ = ["DEFAULT_PATIENT_FEATURES", "PatientClassifier"]

#: The patient features of :class:`PatientClassifier` when ``features=None``.
DEFAULT_PATIENT_FEATURES = (
    "mean",
    "std",
    "q10",
    "q50",
    "q90",
    "max",
    "top3",
    "share0.5",
    "count",
)
_FEATURE = re.compile(r"^(mean|std|min|max|count)$|^q(\d+)$|^top(\d+)$|^share(.+)$")
_TARGETS = ("sensitivity", "specificity")


def _parse_features(features) -> list[tuple[str, float]]:
    """``(kind, value)`` pairs of feature names; a ValueError for a bad name."""
    features = DEFAULT_PATIENT_FEATURES if features is None else features
    if isinstance(features, str) or len(features) == 0:
        raise ValueError(
            f"features must be a non-empty list of names; got {features!r}."
        )
    parsed = []
    for name in features:
        match = _FEATURE.match(name) if isinstance(name, str) else None
        if match is None:
            raise ValueError(
                f"unknown patient feature {name!r}: use 'mean', 'std', 'min', "
                "'max', 'count', 'q<percent>' (q10), 'top<k>' (top3) or "
                "'share<level>' (share0.5)."
            )
        simple, quantile, top, share = match.groups()
        if simple:
            parsed.append((simple, 0.0))
        elif quantile is not None:
            if int(quantile) > 100:
                raise ValueError(f"{name!r}: a percentile is between 0 and 100.")
            parsed.append(("q", float(quantile)))
        elif top is not None:
            if int(top) < 1:
                raise ValueError(f"{name!r}: top<k> needs k >= 1.")
            parsed.append(("top", float(top)))
        else:
            try:
                parsed.append(("share", float(share)))
            except ValueError:
                raise ValueError(
                    f"{name!r}: share<level> needs a number (share0.5)."
                ) from None
    return parsed


def _one_patient(scores: np.ndarray, kind: str, value: float) -> float:
    if kind == "mean":
        return scores.mean()
    if kind == "std":
        return scores.std()
    if kind == "min":
        return scores.min()
    if kind == "max":
        return scores.max()
    if kind == "count":
        return math.log(scores.size)
    if kind == "q":
        return np.percentile(scores, value)
    if kind == "top":
        return np.sort(scores)[-int(value) :].mean()
    return np.mean(scores >= value)


def _patient_features(scores, inverse, n_patients, parsed) -> np.ndarray:
    """One row per patient (in the order of ``inverse``'s codes) from its scores."""
    order = np.argsort(inverse, kind="stable")
    cuts = np.flatnonzero(np.diff(inverse[order])) + 1
    bags = np.split(scores[order], cuts)
    if len(bags) != n_patients:
        raise ValueError("every patient needs at least one spectrum.")
    return np.array(
        [[_one_patient(bag, kind, value) for kind, value in parsed] for bag in bags]
    )


def _parse_threshold(threshold):
    """``("accuracy", None)``, ``("fixed", t)`` or ``(target, level)``."""
    if isinstance(threshold, str):
        return "accuracy", None
    if isinstance(threshold, Real):
        return "fixed", float(threshold)
    ok = (
        len(threshold) == 2
        and threshold[0] in _TARGETS
        and isinstance(threshold[1], Real)
        and 0 < threshold[1] <= 1
    )
    if not ok:
        raise ValueError(
            "threshold must be 'accuracy', a probability in [0, 1], or "
            "('sensitivity', level) / ('specificity', level) with 0 < level <= 1; "
            f"got {threshold!r}."
        )
    return threshold[0], float(threshold[1])


def _choose_threshold(proba, truth, kind, level) -> float:
    """The cut-off of tumour probabilities (tumour when ``proba >= t``)."""
    if kind == "fixed":
        return level
    if kind == "sensitivity":
        positive = np.sort(proba[truth == 1])[::-1]
        return float(positive[math.ceil(level * positive.size) - 1])
    if kind == "specificity":
        negative = np.sort(proba[truth == 0])
        k = math.ceil(level * negative.size)
        return float(np.nextafter(negative[k - 1], np.inf))
    values = np.unique(np.concatenate([proba, [0.0, 1.0]]))
    above_all = np.nextafter(values[-1], np.inf)
    # the lowest value calls every patient tumour, above_all none of them
    candidates = np.concatenate(
        [[0.5, values[0], above_all], (values[1:] + values[:-1]) / 2]
    )
    correct = (proba[None, :] >= candidates[:, None]) == (truth[None, :] == 1)
    accuracy = correct.mean(axis=1)
    best = candidates[accuracy == accuracy.max()]
    return float(best[np.argmin(np.abs(best - 0.5))])


class _PatientAnswers:
    """Per-patient outputs of a classifier whose answer is one per patient.

    A subclass sets ``classes_``, ``threshold_`` and ``_groups_given`` in
    ``fit`` and implements ``_patient_proba(X, groups)``, which returns the
    sorted patient ids, each spectrum's patient index and each patient's
    tumour probability; this mixin turns them into scikit-learn's one row
    per spectrum, the per-patient table and the patient accuracy. Put it
    before ``ClassifierMixin``.
    """

    __metadata_request__fit = {"groups": True}
    __metadata_request__predict = {"groups": True}
    __metadata_request__predict_proba = {"groups": True}
    __metadata_request__score = {"groups": True}

    def _pos_label(self):
        return positive_label(self.classes_)

    def _check_groups(self, groups, n_samples, *, fitting=False) -> np.ndarray:
        if groups is None:
            if not fitting and self._groups_given:
                raise ValueError(
                    f"this {type(self).__name__} was fitted on patients: pass groups "
                    "(the patient id of each spectrum), or route it with "
                    "sklearn.set_config(enable_metadata_routing=True)."
                )
            return np.arange(n_samples)
        return check_groups(groups, n_samples)

    def _labels(self, tumour) -> np.ndarray:
        pos = self._pos_label()
        other = self.classes_[self.classes_ != pos][0]
        return np.where(tumour, pos, other)

    def predict_patients(self, X, groups=None) -> Bunch:
        """One row per patient: its id, size, tumour probability and decision.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Spectra.
        groups : array-like of shape (n_samples,), default=None
            Patient id of each spectrum.

        Returns
        -------
        table : :class:`~sklearn.utils.Bunch`
            Arrays of length n_patients, in the order of the sorted unique
            ``groups``: ``patient``, ``n_spectra``, ``proba`` (calibrated
            tumour probability) and ``prediction`` (a class of ``classes_``).
            ``pandas.DataFrame(table)`` makes it a data frame.
        """
        patients, inverse, proba = self._patient_proba(X, groups)
        return Bunch(
            patient=patients,
            n_spectra=np.bincount(inverse),
            proba=proba,
            prediction=self._labels(proba >= self.threshold_),
        )

    def predict_proba(self, X, groups=None) -> np.ndarray:
        """Class probabilities of each spectrum's patient.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Spectra.
        groups : array-like of shape (n_samples,), default=None
            Patient id of each spectrum.

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Row ``i`` holds the probabilities of the patient of spectrum ``i``,
            columns in the order of ``classes_``.
        """
        _, inverse, proba = self._patient_proba(X, groups)
        tumour = proba[inverse]
        if self.classes_[1] == self._pos_label():
            return np.column_stack([1 - tumour, tumour])
        return np.column_stack([tumour, 1 - tumour])

    def predict(self, X, groups=None) -> np.ndarray:
        """The decision for each spectrum's patient (probability >= ``threshold_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Spectra.
        groups : array-like of shape (n_samples,), default=None
            Patient id of each spectrum.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The class of the patient of each spectrum.
        """
        _, inverse, proba = self._patient_proba(X, groups)
        return self._labels(proba >= self.threshold_)[inverse]

    def score(self, X, y, groups=None) -> float:
        """Patient accuracy: the share of patients decided correctly.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Spectra.
        y : array-like of shape (n_samples,)
            Voxel labels; a patient is tumour when any of its spectra is.
        groups : array-like of shape (n_samples,), default=None
            Patient id of each spectrum.

        Returns
        -------
        score : float
        """
        table = self.predict_patients(X, groups)
        groups = self._check_groups(groups, np.shape(X)[0])
        truth = patient_labels(y, groups, pos_label=self._pos_label())
        return float(np.mean((table.prediction == self._pos_label()) == truth))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.sparse = False
        return tags


class PatientClassifier(
    ModelStateMixin, _PatientAnswers, ClassifierMixin, BaseEstimator
):
    """Does this patient have a tumour? A second stage on its spectra's scores.

    The paper scores a patient by the mean tumour probability of its spectra
    and a 0.5 cut-off. This classifier learns that step instead, as
    scikit-learn's :class:`~sklearn.ensemble.StackingClassifier` does, by
    patient: inside :meth:`fit`

    1. the patients are split into ``cv`` folds, and clones of ``estimator``
       trained on the other folds score each fold's spectra (out-of-fold
       voxel scores, never a score of a spectrum the model trained on);
    2. each patient becomes one row of ``features`` computed from its own
       scores only (mean, quantiles, mean of the top k, share above a level,
       number of spectra);
    3. ``final_estimator`` learns the patient label from those rows: a
       patient is a tumour patient when any of its spectra is labelled tumour
       (:func:`skmrs.metrics.patient_labels`), the diagnosis, which is clean
       where the voxel labels are noisy;
    4. the decision threshold is chosen on the final estimator's out-of-fold
       patient probabilities (same patient folds), for accuracy or for a
       sensitivity or specificity the user sets;
    5. the final estimator is refitted on all patients and ``estimator`` on
       all spectra.

    :meth:`predict_proba` and :meth:`predict` keep scikit-learn's contract of
    one row per spectrum: each row carries its patient's probability or
    decision, so every spectrum of a patient gets the same answer. The
    per-patient table is :meth:`predict_patients`; :meth:`score` is the
    patient accuracy.

    Parameters
    ----------
    estimator : classifier, default=None
        The voxel model, with ``predict_proba`` (its tumour probability is the
        score) or ``decision_function``. None is the benchmark's SVM,
        ``CalibratedClassifierCV(SVC(), ensemble=False)``.
    features : list of str, default=None
        Patient features from the scores of its spectra: ``"mean"``,
        ``"std"``, ``"min"``, ``"max"``, ``"count"`` (log of the number of
        spectra), ``"q<p>"`` (p-th percentile, ``"q90"``), ``"top<k>"`` (mean
        of the k highest, ``"top3"``), ``"share<level>"`` (share of spectra
        scored at least ``level``, ``"share0.5"``). None is
        :data:`DEFAULT_PATIENT_FEATURES`.
    final_estimator : classifier with ``predict_proba``, default=None
        Learns the patient label from the patient features. None is
        ``make_pipeline(StandardScaler(), LogisticRegression())``.
    context : bool, default=False
        Feed ``estimator`` each spectrum beside its difference from its own
        patient's median (:class:`~skmrs.preprocessing.PatientContextTransformer`),
        computed with the ``groups`` given to :meth:`fit` and :meth:`predict`.
    cv : int or cross-validation splitter, default=5
        Folds of patients for the out-of-fold scores. An int is a
        ``StratifiedKFold`` over patients, stratified by the patient label and
        shuffled with ``random_state``; a splitter must be a group splitter
        whose test parts cover every patient once (``GroupKFold``).
    threshold : "accuracy", float or tuple, default="accuracy"
        ``"accuracy"``: the cut-off of the most correct out-of-fold patients
        (the one nearest 0.5 among ties); a float in [0, 1]: that cut-off;
        ``("sensitivity", 0.9)``: the highest cut-off that finds at least
        90 % of the out-of-fold tumour patients (``("specificity", level)``
        likewise). A patient is predicted tumour when its probability is at
        least :attr:`threshold_`.
    calibration : {"sigmoid", "isotonic"} or None, default=None
        None uses the final estimator's own probabilities (a logistic
        regression's are calibrated on its training patients); otherwise the
        final estimator is wrapped in ``CalibratedClassifierCV(method=...,
        ensemble=False)`` over the same patient folds.
    random_state : int, RandomState instance or None, default=None
        Seeds the patient folds and, through integer seeds derived from it,
        every clone of ``estimator`` and ``final_estimator``.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The voxel classes; the tumour class is 1 when it is a class, else the
        last (:func:`skmrs.metrics.positive_label`).
    estimator_ : classifier
        ``estimator`` fitted on all spectra.
    final_estimator_ : classifier
        The final estimator (calibrated when asked) fitted on all patients.
    threshold_ : float
        The tumour-probability cut-off of :meth:`predict`.
    patients_ : ndarray of shape (n_patients,)
        Sorted training patient ids (``0 ... n_samples - 1`` without groups).
    oof_proba_ : ndarray of shape (n_patients,)
        Out-of-fold tumour probability of each training patient, in the order
        of ``patients_``: what ``threshold_`` was chosen on (a calibration
        curve of the training patients).
    feature_names_ : list of str
        The patient features, in column order.
    n_features_in_ : int
        Number of points of each spectrum.

    See Also
    --------
    skmrs.metrics.make_patient_level_scorers : Scorers for ``cross_validate``.
    skmrs.metrics.patient_accuracy_score : The paper's mean rule.

    Notes
    -----
    ``groups`` (the patient id of each spectrum) goes to :meth:`fit`,
    :meth:`predict`, :meth:`predict_proba`, :meth:`predict_patients` and
    :meth:`score`; with ``sklearn.set_config(enable_metadata_routing=True)``
    the estimator requests it by default, so ``cross_validate(...,
    params={"groups": groups})`` and ``GridSearchCV(...).fit(X, y,
    groups=groups)`` route it. Without ``groups`` each spectrum is a patient
    of its own (single-voxel MRS); a classifier fitted with ``groups`` then
    refuses to predict without them. A patient of one spectrum is a bag of
    one and works. The patient order of :meth:`predict_patients` is the
    sorted unique ``groups``.

    References
    ----------
    D. Lu, G. Kurz, N. Polomac, I. Gacheva, E. Hattingen, J. Triesch,
    "Multiple Instance Learning for Brain Tumor Detection from Magnetic
    Resonance Spectroscopy Data", arXiv:2112.08845.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skmrs.classification import PatientClassifier
    >>> from skmrs.datasets import make_mrs_cohort
    >>> c = make_mrs_cohort(n_patients=30, random_state=0)
    >>> clf = PatientClassifier(LogisticRegression(max_iter=200), cv=3,
    ...                         random_state=0)
    >>> clf = clf.fit(c.data, c.target, groups=c.groups)
    >>> table = clf.predict_patients(c.data, groups=c.groups)
    >>> sorted(table)
    ['n_spectra', 'patient', 'prediction', 'proba']
    >>> clf.predict_proba(c.data, groups=c.groups).shape == (len(c.data), 2)
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"]), None],
        "features": [list, tuple, None],
        "final_estimator": [HasMethods(["fit", "predict_proba"]), None],
        "context": ["boolean"],
        "cv": ["cv_object"],
        "threshold": [
            StrOptions({"accuracy"}),
            Interval(Real, 0, 1, closed="both"),
            tuple,
        ],
        "calibration": [StrOptions({"sigmoid", "isotonic"}), None],
        "random_state": ["random_state"],
    }
    _skmrs_model_name = "skmrs.PatientClassifier"

    def __init__(
        self,
        estimator=None,
        *,
        features=None,
        final_estimator=None,
        context=False,
        cv=5,
        threshold="accuracy",
        calibration=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.features = features
        self.final_estimator = final_estimator
        self.context = context
        self.cv = cv
        self.threshold = threshold
        self.calibration = calibration
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, groups=None):
        """Cross-fit the voxel scores, fit the patient stage, refit the voxel model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Spectra.
        y : array-like of shape (n_samples,)
            Voxel labels (binary); a patient is a tumour patient when any of
            its spectra is labelled tumour.
        groups : array-like of shape (n_samples,), default=None
            Patient id of each spectrum; None makes each spectrum a patient.

        Returns
        -------
        self : PatientClassifier
            The fitted classifier.
        """
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y")
        if y_type != "binary":
            raise ValueError(
                "Only binary classification is supported (tumour or not); the "
                f"type of the target is {y_type}."
            )
        self.classes_ = np.unique(y)
        if self.classes_.size != 2:
            raise ValueError(
                "PatientClassifier needs both classes in y (tumour or not); got "
                f"one class: {self.classes_}."
            )
        parsed = _parse_features(self.features)
        kind, level = _parse_threshold(self.threshold)
        rng = check_random_state(self.random_state)
        seed_cv, seed_est, seed_final = rng.randint(np.iinfo(np.int32).max, size=3)
        self._groups_given = groups is not None
        groups = self._check_groups(groups, X.shape[0], fitting=True)
        self.patients_, inverse = np.unique(groups, return_inverse=True)
        truth = patient_labels(y, groups, pos_label=self._pos_label())
        if np.unique(truth).size < 2:
            raise ValueError(
                "every patient has a spectrum labelled tumour: the patient stage "
                "needs patients of both classes."
            )
        folds = self._patient_folds(X, y, groups, inverse, truth, seed_cv)
        X_voxel = self._voxel_input(X, groups)
        scores = self._out_of_fold_scores(X_voxel, y, inverse, folds, seed_est)
        F = _patient_features(scores, inverse, self.patients_.size, parsed)
        final = self._make_final(folds, truth, seed_final)
        self.oof_proba_ = np.empty(self.patients_.size)
        for train, test in folds:
            fitted = clone(final).fit(F[train], truth[train])
            self.oof_proba_[test] = fitted.predict_proba(F[test])[:, 1]
        self.threshold_ = _choose_threshold(self.oof_proba_, truth, kind, level)
        self.final_estimator_ = final.fit(F, truth)
        self.feature_names_ = list(self.features or DEFAULT_PATIENT_FEATURES)
        self.estimator_ = self._make_voxel(seed_est).fit(X_voxel, y)
        return self

    def _patient_folds(self, X, y, groups, inverse, truth, seed) -> list:
        """(train, test) pairs of patient indices that cover every patient once."""
        n_patients = truth.size
        if isinstance(self.cv, Integral):
            least = int(np.bincount(truth, minlength=2).min())
            if least < self.cv:
                raise ValueError(
                    f"cv={self.cv} folds of patients need at least {self.cv} "
                    f"patients of each class; the smaller class has {least}."
                )
            splitter = StratifiedKFold(self.cv, shuffle=True, random_state=seed)
            return list(splitter.split(np.zeros((n_patients, 1)), truth))
        splits, _ = patient_splits(self.cv, X, y, groups)
        folds, seen = [], np.zeros(n_patients, dtype=int)
        for _, test in splits:
            test_p = np.unique(inverse[test])
            seen[test_p] += 1
            folds.append((np.setdiff1d(np.arange(n_patients), test_p), test_p))
        if np.any(seen != 1):
            raise ValueError(
                f"cv={self.cv!r} must put every patient in exactly one test part "
                "(as GroupKFold does), to score each patient out of fold once."
            )
        for k, (train, _) in enumerate(folds):
            if np.unique(truth[train]).size < 2:
                raise ValueError(
                    f"fold {k}: the training patients are all of one class."
                )
        return folds

    def _voxel_input(self, X, groups) -> np.ndarray:
        if not self.context:
            return X
        return PatientContextTransformer().fit_transform(X, groups=groups)

    def _make_voxel(self, seed):
        estimator = self.estimator
        if estimator is None:
            estimator = CalibratedClassifierCV(SVC(), ensemble=False)
        return set_random_states(clone(estimator), int(seed))

    def _make_final(self, folds, truth, seed):
        final = self.final_estimator
        if final is None:
            final = make_pipeline(StandardScaler(), LogisticRegression())
        final = set_random_states(clone(final), int(seed))
        if self.calibration is None:
            return final
        n_splits = min(len(folds), int(np.bincount(truth).min()))
        if n_splits < 2:
            raise ValueError(
                "calibration needs at least 2 patients of each class; "
                f"got {np.bincount(truth).tolist()}."
            )
        cv = StratifiedKFold(n_splits, shuffle=True, random_state=int(seed))
        return CalibratedClassifierCV(
            final, method=self.calibration, cv=cv, ensemble=False
        )

    def _scores(self, estimator, X) -> np.ndarray:
        """Tumour score of each spectrum: probability, else decision value."""
        pos = self._pos_label()
        if hasattr(estimator, "predict_proba"):
            column = np.flatnonzero(np.asarray(estimator.classes_) == pos)[0]
            return estimator.predict_proba(X)[:, column]
        scores = estimator.decision_function(X)
        return scores if pos == estimator.classes_[1] else -scores

    def _out_of_fold_scores(self, X, y, inverse, folds, seed) -> np.ndarray:
        scores = np.empty(X.shape[0])
        for train_p, test_p in folds:
            train, test = np.isin(inverse, train_p), np.isin(inverse, test_p)
            model = self._make_voxel(seed).fit(X[train], y[train])
            scores[test] = self._scores(model, X[test])
        return scores

    def _patient_proba(self, X, groups):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        groups = self._check_groups(groups, X.shape[0])
        patients, inverse = np.unique(groups, return_inverse=True)
        scores = self._scores(self.estimator_, self._voxel_input(X, groups))
        parsed = _parse_features(self.features)
        F = _patient_features(scores, inverse, patients.size, parsed)
        return patients, inverse, self.final_estimator_.predict_proba(F)[:, 1]
