"""Scorers for cross_validate and GridSearchCV, with patient groups routed."""

from __future__ import annotations

import sklearn
from sklearn.metrics import get_scorer, make_scorer

from ._classification import sensitivity_score, specificity_score
from ._fold import SCORE_NAMES
from ._patient import patient_accuracy_score, patient_roc_auc_score


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
