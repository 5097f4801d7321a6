"""Scorers for cross_validate and GridSearchCV, with patient groups routed."""

from __future__ import annotations

import numpy as np
import sklearn
from sklearn.metrics import get_scorer, make_scorer, roc_auc_score
from sklearn.utils.metadata_routing import MetadataRequest

from ._classification import sensitivity_score, specificity_score
from ._fold import SCORE_NAMES, positive_label
from ._patient import (
    _check_groups,
    patient_accuracy_score,
    patient_labels,
    patient_probabilities,
    patient_roc_auc_score,
)

_PATIENT_METRICS = ("accuracy", "roc_auc", "neg_brier")


def make_patient_scorers(*, rule: str = "any", pos_label=1) -> dict:
    """Scorers for the paper's table: SEN, SPE, AUC, patient accuracy and AUC.

    The patient-wise scorers need the patient id of each test spectrum, which
    scikit-learn passes to a scorer through metadata routing. Enable it once
    with ``sklearn.set_config(enable_metadata_routing=True)``, then pass
    ``params={"groups": groups}`` to ``cross_validate`` or ``GridSearchCV.fit``:
    the same ``groups`` then reach the ``GroupKFold`` splitter and the scorers.
    Without routing, use :func:`skmrs.model_selection.cross_validate_patients`.

    Parameters
    ----------
    rule : {"any", "majority"}, default="any"
        How a patient's true label follows from its spectra's labels
        (see :func:`skmrs.metrics.patient_labels`).
    pos_label : int or str, default=1
        The tumour class.

    Returns
    -------
    scorers : dict of str to scorer
        One per name of :data:`~skmrs.metrics.SCORE_NAMES`.

    Examples
    --------
    >>> import sklearn
    >>> from sklearn.model_selection import GroupKFold, cross_validate
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skmrs.datasets import make_mrs_cohort
    >>> from skmrs.metrics import make_patient_scorers
    >>> cohort = make_mrs_cohort(n_patients=40, random_state=0)
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     scores = cross_validate(
    ...         LogisticRegression(max_iter=200), cohort.data, cohort.target,
    ...         cv=GroupKFold(4), scoring=make_patient_scorers(),
    ...         params={"groups": cohort.groups})
    >>> sorted(k for k in scores if k.startswith("test_"))[:2]
    ['test_patient_accuracy', 'test_patient_roc_auc']
    """
    if not sklearn.get_config().get("enable_metadata_routing", False):
        raise RuntimeError(
            "patient-wise scorers need the patient groups of each test fold, which "
            "scikit-learn passes only with metadata routing: call "
            "sklearn.set_config(enable_metadata_routing=True) first, or use "
            "skmrs.model_selection.cross_validate_patients, which needs no routing."
        )
    common = dict(response_method="predict_proba", rule=rule, pos_label=pos_label)
    scorers = (
        make_scorer(sensitivity_score, pos_label=pos_label),
        make_scorer(specificity_score, pos_label=pos_label),
        get_scorer("roc_auc"),
        make_scorer(patient_accuracy_score, **common).set_score_request(groups=True),
        make_scorer(patient_roc_auc_score, **common).set_score_request(groups=True),
    )
    return dict(zip(SCORE_NAMES, scorers))


class _PatientLevelScorer:
    """Score patients from an estimator's own patient answers, else the mean rule.

    An estimator with ``predict_patients`` (:class:`skmrs.PatientClassifier`)
    gives each patient a probability and a decision; any other classifier is
    scored as in the paper: the mean tumour probability of a patient's
    spectra, tumour at 0.5 or above.
    """

    def __init__(self, metric: str, rule: str = "any", pos_label=None):
        self.metric = metric
        self.rule = rule
        self.pos_label = pos_label

    def __repr__(self) -> str:
        return f"make_patient_level_scorers()[{'patient_' + self.metric!r}]"

    def get_metadata_routing(self) -> MetadataRequest:
        request = MetadataRequest(owner=type(self).__name__)
        request.score.add_request(param="groups", alias=True)
        return request

    def _answers(self, estimator, X, groups, pos):
        if hasattr(estimator, "predict_patients"):
            table = estimator.predict_patients(X, groups=groups)
            return table.proba, table.prediction == pos
        column = np.flatnonzero(np.asarray(estimator.classes_) == pos)[0]
        _, proba = patient_probabilities(estimator.predict_proba(X)[:, column], groups)
        return proba, proba >= 0.5

    def __call__(self, estimator, X, y_true, groups=None) -> float:
        groups = _check_groups(groups, len(y_true))
        pos = positive_label(estimator.classes_, self.pos_label)
        truth = patient_labels(y_true, groups, rule=self.rule, pos_label=pos)
        proba, decision = self._answers(estimator, X, groups, pos)
        if self.metric == "accuracy":
            return float(np.mean(decision == truth))
        if self.metric == "neg_brier":
            return -float(np.mean((proba - truth) ** 2))
        if np.unique(truth).size < 2:
            raise ValueError(
                "patient ROC AUC is undefined: every patient has the same label "
                f"({int(truth[0])})."
            )
        return float(roc_auc_score(truth, proba))


def make_patient_level_scorers(*, rule: str = "any", pos_label=None) -> dict:
    """Patient accuracy, ROC AUC and Brier score, for patient-level classifiers too.

    Unlike :func:`make_patient_scorers`, these scorers hand the patient ids to
    the estimator: one with ``predict_patients`` (:class:`skmrs.PatientClassifier`)
    is scored by its own calibrated probability and decision per patient (its
    chosen threshold, not 0.5); any other classifier by the paper's rule (mean
    voxel tumour probability, tumour at 0.5 or above). Greater is better, so
    the Brier score comes negated (``"neg_patient_brier"``). As with
    :func:`make_patient_scorers`, enable metadata routing and pass
    ``params={"groups": groups}``.

    Parameters
    ----------
    rule : {"any", "majority"}, default="any"
        How a patient's true label follows from its spectra's labels.
    pos_label : int or str, default=None
        The tumour class; None takes 1 when it is a class, else the last.

    Returns
    -------
    scorers : dict of str to callable
        ``"patient_accuracy"``, ``"patient_roc_auc"``, ``"neg_patient_brier"``.

    Examples
    --------
    >>> import sklearn
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import GroupKFold, cross_validate
    >>> from skmrs import PatientClassifier
    >>> from skmrs.datasets import make_mrs_cohort
    >>> from skmrs.metrics import make_patient_level_scorers
    >>> c = make_mrs_cohort(n_patients=40, random_state=0)
    >>> clf = PatientClassifier(LogisticRegression(max_iter=200), cv=3,
    ...                         random_state=0)
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     scores = cross_validate(clf, c.data, c.target, cv=GroupKFold(2),
    ...         scoring=make_patient_level_scorers(), params={"groups": c.groups})
    >>> scores["test_patient_accuracy"].shape
    (2,)
    """
    names = ("patient_accuracy", "patient_roc_auc", "neg_patient_brier")
    return {
        name: _PatientLevelScorer(metric, rule=rule, pos_label=pos_label)
        for name, metric in zip(names, _PATIENT_METRICS)
    }
