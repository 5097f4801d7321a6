"""Learning from one-sided noisy labels: seed ensembles, a non-negative PU risk,
and multiple-instance training with patients as bags."""

from __future__ import annotations

import copy
import inspect
import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import set_random_states
from ..utils._model_state import ModelStateMixin
from ..utils._validation import _check_real, check_groups
from ._resnet import ResNetClassifier

__all__ = ["NoiseAwareClassifier"]

# Bounds of an estimated class prior: a share of 0 or 1 would make the PU risk
# degenerate (no clean-class tissue, or no other tissue, in the noisy class).
_PRIOR_CLIP = (0.05, 0.95)


def _out_of_fold_proba(estimator, X, y, groups, cv, seed):
    """Out-of-fold ``predict_proba`` of clones of ``estimator``, by patient.

    With ``groups`` the folds are ``GroupKFold(cv)`` (no patient on both
    sides); without, ``StratifiedKFold(cv)``, shuffled with ``seed``.
    """
    if groups is not None:
        splitter = GroupKFold(n_splits=cv)
    else:
        splitter = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    member = set_random_states(clone(estimator), seed)
    return cross_val_predict(
        member, X, y, groups=groups, cv=splitter, method="predict_proba"
    )


def _bags(y, groups, trusted_label) -> list[np.ndarray]:
    """Indices of each bag: one patient's samples of the noisy class.

    Samples of the trusted class are negative instances on their own; a
    patient's samples of the other class form one bag, which holds at least
    one instance of that class (the hemisphere labelled tumour whole).
    """
    noisy = np.flatnonzero(y != trusted_label)
    _, inverse = np.unique(groups[noisy], return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    cuts = np.flatnonzero(np.diff(inverse[order])) + 1
    return np.split(noisy[order], cuts)


def _fit_epochs(
    member, X, y, classes, *, n_snapshots=1, bags=None, trusted=0, witness_rate=1.0
):
    """Train ``member`` one epoch at a time; return its last ``n_snapshots`` states.

    With ``bags`` (``loss="mil"``) the first third of ``max_epochs`` (at
    least one) trains on the labels as they are; before each later epoch the
    member scores the training spectra and, in every bag, keeps the
    ``ceil(witness_rate * size)`` spectra it ranks most like the noisy class
    and leaves the others out of that epoch (mi-SVM's witness selection,
    Andrews et al.). The ranking is within one patient, so anything shared by
    a patient's spectra (its acquisition) does not decide which are kept.
    """
    epochs = int(member.get_params()["max_epochs"])
    warm = max(1, math.ceil(epochs / 3))
    keep = np.ones(len(y), dtype=bool)
    snapshots = []
    for epoch in range(epochs):
        if bags is not None and epoch >= warm:
            score = member.predict_proba(X)[:, 1 - trusted]
            keep[:] = True
            for bag in bags:
                k = min(len(bag), max(1, math.ceil(witness_rate * len(bag))))
                keep[bag[np.argsort(-score[bag], kind="stable")[k:]]] = False
        member.partial_fit(X[keep], y[keep], classes=classes)
        if epoch >= epochs - n_snapshots:
            snapshots.append(member if epoch == epochs - 1 else copy.deepcopy(member))
    return snapshots


class _NonNegativePULoss(torch.nn.CrossEntropyLoss):
    """Non-negative PU risk of Kiryo et al. on a two-class softmax network.

    The samples of class ``trusted`` are clean (labelled); the samples of the
    other class are an unlabelled mixture whose share ``prior`` is tissue of
    the trusted class. With ``l(g, c)`` the cross-entropy of class ``c`` and
    ``w`` the share of the mixture in the training set, the risk is

    ``(1 - w + w * prior) * E_L[l(g, trusted)]
    + max(0, w * (E_U[l(g, other)] - prior * E_L[l(g, other)]))``,

    the cross-entropy the network would have on the true labels, estimated
    without them. When the second term turns negative (the network overfits
    the mixture), the step minimises its negative instead (gamma = 1, beta =
    0). A subclass of ``CrossEntropyLoss`` so that skorch applies a softmax in
    ``predict_proba``.
    """

    def __init__(self, prior: float, unlabelled_share: float, trusted: int = 0):
        super().__init__()
        self.prior = prior
        self.unlabelled_share = unlabelled_share
        self.trusted = trusted

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        log_p = torch.log_softmax(logits, dim=1)
        clean = (target == self.trusted).to(log_p.dtype)
        mixed = 1.0 - clean
        n_clean = clean.sum().clamp(min=1.0)
        n_mixed = mixed.sum().clamp(min=1.0)
        loss_trusted = -log_p[:, self.trusted]
        loss_other = -log_p[:, 1 - self.trusted]
        w = self.unlabelled_share
        positive = (1.0 - w + w * self.prior) * (loss_trusted * clean).sum() / n_clean
        negative = w * (
            (loss_other * mixed).sum() / n_mixed
            - self.prior * (loss_other * clean).sum() / n_clean
        )
        if negative.item() < 0.0:
            return -negative
        return positive + negative


def _with_network(init, network_init):
    """``init``'s own parameters, then the keyword parameters of ``network_init``."""
    own = [
        p
        for p in inspect.signature(init).parameters.values()
        if p.kind is not p.VAR_KEYWORD
    ]
    network = list(inspect.signature(network_init).parameters.values())[1:]
    return inspect.Signature(own + network)


class _PUResNetClassifier(ResNetClassifier):
    """ResNetClassifier trained with :class:`_NonNegativePULoss`."""

    _skmrs_model_name = "skmrs.classification._PUResNetClassifier"
    _parameter_constraints: dict = {
        **ResNetClassifier._parameter_constraints,
        "prior": [Interval(Real, 0, 1, closed="neither")],
        "unlabelled_share": [Interval(Real, 0, 1, closed="both")],
        "trusted": [Interval(Integral, 0, 1, closed="both")],
    }

    def __init__(self, *, prior=0.5, unlabelled_share=0.5, trusted=0, **network):
        super().__init__(**network)
        self.prior = prior
        self.unlabelled_share = unlabelled_share
        self.trusted = trusted

    # The network's settings are ResNetClassifier's, declared there only:
    # get_params and clone read this signature, its own three and all of those.
    __init__.__signature__ = _with_network(__init__, ResNetClassifier.__init__)

    def _criterion_params(self) -> dict:
        return {
            "criterion": _NonNegativePULoss,
            "criterion__prior": self.prior,
            "criterion__unlabelled_share": self.unlabelled_share,
            "criterion__trusted": self.trusted,
        }


class NoiseAwareClassifier(ModelStateMixin, ClassifierMixin, BaseEstimator):
    """A classifier for labels that are wrong in one direction only.

    In the paper's data every non-tumour label is right, while a tumour
    patient's hemisphere is labelled tumour whole, so the tumour class is a
    mixture of tumour and healthy tissue. This learner uses that structure
    and the variance such labels add:

    - ``loss="nnpu"`` trains each network with a non-negative
      positive-unlabelled risk (Kiryo et al.): the ``trusted_class`` samples
      are clean, the other class is an unlabelled mixture whose share
      ``class_prior`` is trusted-class tissue. Binary labels only, and
      ``estimator`` must be a :class:`~skmrs.ResNetClassifier`.
    - ``loss="mil"`` reads the labels as bags (multiple-instance
      learning): the ``trusted_class`` samples are negative instances, and
      one patient's samples of the other class (``groups``) are a bag that
      holds at least one instance of that class. After a warm-up on the
      labels, each epoch trains on every bag's ``1 - class_prior`` share of
      spectra the network ranks highest within the bag (its likeliest
      witnesses); the rest of the bag sits that epoch out. Binary labels,
      a :class:`~skmrs.ResNetClassifier` and ``groups`` are needed.
    - ``loss="ce"`` trains each network on the labels as they are.
    - ``n_estimators`` networks with different seeds are averaged.

    Parameters
    ----------
    estimator : classifier, default=None
        The network (or any classifier with ``predict_proba`` when
        ``loss="ce"``); cloned, never fitted itself. None is
        :class:`~skmrs.ResNetClassifier` with its defaults.

    n_estimators : int, default=3
        Members of the seed ensemble; their probabilities are averaged.

    n_snapshots : int, default=1
        Snapshots of each member averaged: the member's state at the end of
        each of its last ``n_snapshots`` epochs (a snapshot ensemble along
        one training run, cheaper than more members: one training run gives
        them all). 1 keeps the last epoch only. More than 1 needs an
        estimator with ``partial_fit`` and ``max_epochs`` (the ResNet), and
        at most ``max_epochs``. One quick network trained twice as long with
        its last half averaged closed 0.15 of the gap on the pure label-noise
        cohort and -0.03 on the calibrated one (:ref:`noisy_labels`).

    loss : {"ce", "nnpu", "mil"}, default="ce"
        How each member is trained. "ce" is the default: in the judgement
        run of :ref:`noisy_labels` (quick network, 5 folds x 2 seeds, two
        simulated cohorts) no setting closed half of the plain-to-oracle gap,
        "nnpu" (told the true prior) closed -0.07 of it on both, and "mil"
        +0.02 and -0.65.

    trusted_class : label or None, default=None
        The class whose labels are all right (non-tumour). None takes the
        first of ``classes_`` (0 for the simulator's labels).

    class_prior : "auto" or float, default="auto"
        Share of trusted-class tissue among the samples of the other class
        (with ``loss="nnpu"`` or ``"mil"``; the simulator's ``label_noise``). "auto"
        estimates it from ``cv``-fold out-of-fold probabilities of a clone of
        ``estimator`` trained on the labels (by patient when ``groups`` are
        given): among the ``n_trusted / 2`` samples ranked most
        trusted-like, a share ``c`` is labelled trusted; trusted-class tissue
        is labelled trusted with that probability everywhere (the labelling
        frequency of Elkan and Noto, read from the ranking instead of the
        probabilities), so ``prior = n_trusted (1 - c) / (c n_other)``,
        clipped to ``[0.05, 0.95]``.

    cv : int, default=5
        Folds of the out-of-fold estimate of ``class_prior``.

    random_state : int, RandomState instance or None, default=None
        Seeds every member (one derived integer seed each, set on every
        ``random_state`` of the clone) and the prior estimate.

    Attributes
    ----------
    estimators_ : list of classifiers
        The fitted members, ``n_snapshots`` states of each (the last one
        last), ``n_estimators * n_snapshots`` in all.
    class_prior_ : float or None
        The class prior used (None with ``loss="ce"``).
    trusted_class_ : label
        The trusted class.
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    n_features_in_ : int
        Number of points of each spectrum seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the points when ``X`` had string column names.

    See Also
    --------
    skmrs.benchmark.OracleClassifier : The same network trained on true labels.
    CleanLearningClassifier : cleanlab's pruning, cross-validated by patient.

    Notes
    -----
    Measured results, including the negative ones, are in the user guide
    page "Learning from noisy labels". :meth:`fit` accepts ``groups`` (patient
    ids) for the prior estimate; route them in a pipeline with
    ``set_fit_request(groups=True)``.

    References
    ----------
    .. [1] R. Kiryo, G. Niu, M. C. du Plessis, M. Sugiyama, "Positive-Unlabeled
       Learning with Non-Negative Risk Estimator", NeurIPS 2017.
    .. [2] C. Elkan, K. Noto, "Learning classifiers from only positive and
       unlabeled data", KDD 2008.
    .. [3] S. Andrews, I. Tsochantaridis, T. Hofmann, "Support Vector Machines
       for Multiple-Instance Learning", NeurIPS 2002.

    Examples
    --------
    >>> import numpy as np
    >>> from skmrs import ResNetClassifier
    >>> from skmrs.classification import NoiseAwareClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(80, 32)).astype(np.float32)
    >>> tissue = np.repeat([0, 1], 40)
    >>> X[tissue == 1, 20] += 4.0
    >>> y = tissue.copy()
    >>> y[30:40] = 1  # one-sided noise: healthy spectra labelled tumour
    >>> net = ResNetClassifier(n_filters=4, n_blocks=2, kernel_size=5, max_epochs=5)
    >>> clf = NoiseAwareClassifier(net, n_estimators=2, loss="nnpu",
    ...                            class_prior=0.2, random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape, len(clf.estimators_), clf.class_prior_
    ((80, 2), 2, 0.2)
    """

    _skmrs_model_name = "skmrs.classification.NoiseAwareClassifier"
    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "n_snapshots": [Interval(Integral, 1, None, closed="left")],
        "loss": [StrOptions({"nnpu", "ce", "mil"})],
        "trusted_class": "no_validation",
        "class_prior": [StrOptions({"auto"}), Interval(Real, 0, 1, closed="neither")],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        n_estimators=3,
        n_snapshots=1,
        loss="ce",
        trusted_class=None,
        class_prior="auto",
        cv=5,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.n_snapshots = n_snapshots
        self.loss = loss
        self.trusted_class = trusted_class
        self.class_prior = class_prior
        self.cv = cv
        self.random_state = random_state

    def _base(self):
        return ResNetClassifier() if self.estimator is None else self.estimator

    def _estimate_prior(self, X, y, groups, trusted, seed) -> float:
        proba = _out_of_fold_proba(self._base(), X, y, groups, self.cv, seed)
        clean = y == self.classes_[trusted]
        # c = P(labelled trusted | trusted-class tissue), the same for every
        # such sample: read off the samples ranked most trusted-like, so the
        # estimate needs a good ranking, not calibrated probabilities.
        top = np.argsort(-proba[:, trusted], kind="stable")[: max(1, clean.sum() // 2)]
        c = float(clean[top].mean())
        prior = clean.sum() * (1.0 - c) / (c * (~clean).sum())
        return float(np.clip(prior, *_PRIOR_CLIP))

    def _members(self, X, y, groups, rng):
        base = self._base()
        seeds = rng.randint(np.iinfo(np.int32).max, size=self.n_estimators + 1)
        if self.loss == "ce":
            self.class_prior_ = None
            epochs = "max_epochs" in base.get_params()
            if self.n_snapshots > 1 and not (hasattr(base, "partial_fit") and epochs):
                raise TypeError(
                    "n_snapshots > 1 trains the estimator one epoch at a time: it "
                    "needs partial_fit and a max_epochs parameter (a "
                    f"ResNetClassifier); estimator is a {type(base).__name__}."
                )
            return [set_random_states(clone(base), int(s)) for s in seeds[1:]]
        if len(self.classes_) != 2:
            raise ValueError(
                f"Only binary classification is supported with loss={self.loss!r}; "
                f"got {len(self.classes_)} classes. Use loss='ce' for more."
            )
        if type(base) is not ResNetClassifier:
            raise TypeError(
                f"loss={self.loss!r} trains a ResNetClassifier; estimator is a "
                f"{type(base).__name__}. Use loss='ce' for other models."
            )
        if self.loss == "mil" and groups is None:
            raise ValueError(
                "loss='mil' needs groups (the patient of each spectrum): a "
                "patient's spectra of the noisy class are one bag. Pass "
                "fit(X, y, groups=...), or route it with set_fit_request(groups=True)."
            )
        trusted = int(np.flatnonzero(self.classes_ == self.trusted_class_)[0])
        if self.class_prior == "auto":
            self.class_prior_ = self._estimate_prior(X, y, groups, trusted, seeds[0])
        else:
            self.class_prior_ = float(self.class_prior)
        if self.loss == "mil":
            return [set_random_states(clone(base), int(s)) for s in seeds[1:]]
        params = base.get_params()
        return [
            _PUResNetClassifier(
                **{**params, "random_state": int(s)},
                prior=self.class_prior_,
                unlabelled_share=float(np.mean(y != self.trusted_class_)),
                trusted=trusted,
            )
            for s in seeds[1:]
        ]

    def fit(self, X, y, groups=None):
        """Fit ``n_estimators`` networks, with the chosen risk.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Training spectra.
        y : array-like of shape (n_samples,)
            Labels, wrong in one direction only.
        groups : array-like of shape (n_samples,), default=None
            Patient of each spectrum: the folds of the out-of-fold prior
            estimate, and the bags of ``loss="mil"`` (required there).

        Returns
        -------
        self : NoiseAwareClassifier
            The fitted classifier.
        """
        self._validate_params()
        _check_real(X, self)
        X, y = validate_data(self, X, y, dtype=[np.float32, np.float64])
        check_classification_targets(y)
        groups = check_groups(groups, X.shape[0])
        rng = check_random_state(self.random_state)
        self.classes_ = np.unique(y)
        if self.trusted_class is None:
            self.trusted_class_ = self.classes_[0]
        elif self.trusted_class in self.classes_:
            self.trusted_class_ = self.trusted_class
        else:
            raise ValueError(
                f"trusted_class={self.trusted_class!r} is not among the classes "
                f"{self.classes_.tolist()}."
            )
        members = self._members(X, y, groups, rng)
        if self.loss != "mil" and self.n_snapshots == 1:
            self.estimators_ = [member.fit(X, y) for member in members]
            return self
        epochs = int(members[0].get_params()["max_epochs"])
        if self.n_snapshots > epochs:
            raise ValueError(
                f"n_snapshots={self.n_snapshots} exceeds the estimator's "
                f"max_epochs={epochs}: there is one snapshot per epoch."
            )
        epoch_loop = dict(n_snapshots=self.n_snapshots)
        if self.loss == "mil":
            epoch_loop.update(
                bags=_bags(y, groups, self.trusted_class_),
                trusted=int(np.flatnonzero(self.classes_ == self.trusted_class_)[0]),
                witness_rate=1.0 - self.class_prior_,
            )
        self.estimators_ = [
            snapshot
            for member in members
            for snapshot in _fit_epochs(member, X, y, self.classes_, **epoch_loop)
        ]
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Mean class probabilities of the members.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Spectra.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            In the order of ``classes_``.
        """
        check_is_fitted(self)
        _check_real(X, self)
        X = validate_data(self, X, reset=False, dtype=[np.float32, np.float64])
        return np.mean([m.predict_proba(X) for m in self.estimators_], axis=0)

    def predict(self, X) -> np.ndarray:
        """Most probable class of each spectrum.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Spectra.

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
        tags.classifier_tags.multi_class = self.loss == "ce"
        # Same reason as ResNetClassifier: the common checks' blobs are not
        # spectra, and the checks train a tiny net for two epochs.
        tags.classifier_tags.poor_score = True
        return tags
