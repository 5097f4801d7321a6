"""AttentionMILClassifier: a patient's spectra as one bag, pooled by attention."""

from __future__ import annotations

import inspect
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNetClassifier

from ..metrics._patient import patient_labels
from ..models import ResNet1D
from ..models._attention_mil import AttentionMIL
from ..utils._model_state import ModelStateMixin
from ..utils._random import set_random_states
from ..utils._validation import _check_real
from ._patient import _PatientAnswers
from ._resnet import ResNetClassifier, _resolve_device
from ._resnet_state import (
    check_network_weights,
    check_ranges,
    loading_device,
    meta_template,
)

__all__ = ["AttentionMILClassifier"]

# Bags per forward pass at prediction time; a speed knob, not a result knob.
_PREDICT_BAGS = 16


def _padded_bags(X: np.ndarray, inverse: np.ndarray, n_bags: int):
    """Bags padded to the largest: (n_bags, size, n_points), its mask, positions.

    ``position[i]`` is the slot of spectrum ``i`` in its bag ``inverse[i]``.
    """
    counts = np.bincount(inverse, minlength=n_bags)
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    position = np.empty_like(inverse)
    position[order] = np.arange(inverse.size) - starts[inverse[order]]
    bags = np.zeros((n_bags, counts.max(), X.shape[1]), dtype=np.float32)
    bags[inverse, position] = X
    mask = np.zeros(bags.shape[:2], dtype=bool)
    mask[inverse, position] = True
    return bags, mask, position


@contextmanager
def _seeded_torch(device: torch.device, seed: int):
    """Run a block on a fresh torch stream; the caller's states are restored."""
    cuda = None
    if device.type == "cuda":
        cuda = device.index if device.index is not None else torch.cuda.current_device()
    with torch.random.fork_rng(devices=[] if cuda is None else [cuda]):
        torch.default_generator.manual_seed(seed)
        if cuda is not None:
            with torch.cuda.device(cuda):
                torch.cuda.manual_seed(seed)
        yield


def _network_params(estimator: ResNetClassifier) -> dict:
    """The estimator's settings that :class:`ResNet1D` takes, by name.

    The shape (``n_outputs``, ``n_times``) comes from the data instead.
    """
    names = set(inspect.signature(ResNet1D).parameters) - {"n_outputs", "n_times"}
    return {k: v for k, v in estimator.get_params(deep=False).items() if k in names}


class AttentionMILClassifier(
    ModelStateMixin, _PatientAnswers, ClassifierMixin, BaseEstimator
):
    """Does this patient have a tumour? One network over all its spectra.

    The bag-level route to the patient question (the stacked route is
    :class:`PatientClassifier`). A patient's spectra are one bag: each goes
    through the convolutional layers of :class:`~skmrs.models.ResNet1D`,
    gated attention (Ilse et al., 2018) weighs the resulting embeddings, and
    a dense layer turns their weighted mean into the patient's logits
    (:class:`~skmrs.models.AttentionMIL`). The network is trained end to end
    on patient labels only, the diagnosis, which is clean where the voxel
    labels are noisy: a patient is a tumour patient when any of its spectra
    is labelled tumour (:func:`skmrs.metrics.patient_labels`). The attention
    weights (:meth:`attention_weights`) say which spectra made the decision.

    :meth:`predict_proba` and :meth:`predict` keep scikit-learn's contract of
    one row per spectrum: each row carries its patient's probability or
    decision. The per-patient table is :meth:`predict_patients`; :meth:`score`
    is the patient accuracy.

    Parameters
    ----------
    estimator : ResNetClassifier, default=None
        Declares the network: every parameter of it that
        :class:`~skmrs.models.ResNet1D` takes (``n_filters``, ``n_blocks``,
        ``kernel_size``, ``dropout``) shapes the spectrum network, reachable
        as ``estimator__n_filters`` in a grid search. With ``pretrain`` a
        clone of it is also fitted on the voxel labels (its own
        ``max_epochs``, ``batch_size``, ``lr``). None is
        ``ResNetClassifier()``, the Table-1 network.
    attention_dim : int, default=64
        Hidden size of the attention.
    gated : bool, default=True
        Gated attention; False is Ilse et al.'s plain attention.
    pretrain : bool, default=True
        Start the spectrum network from a clone of ``estimator`` fitted on
        the voxel labels; False starts it from random weights.
    max_epochs : int, default=20
        Epochs over the training patients.
    batch_size : int, default=8
        Patients per mini-batch.
    lr : float, default=3e-4
        Adam learning rate.
    weight_decay : float, default=1e-4
        Adam's L2 penalty (Ilse et al. use 1e-4 with few bags).
    threshold : float, default=0.5
        A patient is predicted tumour when its probability is at least this.
    device : str or torch.device, default="auto"
        ``"auto"`` trains on CUDA when available, else on the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, dropout and the order of the patients. The
        caller's global random states are left untouched.
    verbose : int, default=0
        Print a line per epoch when positive.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The voxel classes; the tumour class is 1 when it is a class, else the
        last (:func:`skmrs.metrics.positive_label`).
    estimator_ : ResNetClassifier
        With ``pretrain`` only: the clone of ``estimator`` fitted on the voxel
        labels, whose weights started the spectrum network (the voxel model
        the paper's mean rule would use).
    net_ : skorch.NeuralNetClassifier
        The trained net; ``net_.module_`` is the
        :class:`~skmrs.models.AttentionMIL`, ``net_.history`` the loss per
        epoch.
    threshold_ : float
        The tumour-probability cut-off of :meth:`predict` (``threshold``).
    patients_ : ndarray of shape (n_patients,)
        Sorted training patient ids (``0 ... n_samples - 1`` without groups).
    device_ : torch.device
        Device the network lives on.
    n_features_in_ : int
        Number of points of each spectrum.

    See Also
    --------
    PatientClassifier : The stacked route: a second stage on voxel scores.
    skmrs.models.AttentionMIL : The network, a plain ``torch.nn.Module``.

    Notes
    -----
    ``groups`` (the patient id of each spectrum) goes to :meth:`fit`,
    :meth:`predict`, :meth:`predict_proba`, :meth:`predict_patients`,
    :meth:`attention_weights` and :meth:`score`, and is requested by default
    for metadata routing, as in :class:`PatientClassifier`. Without
    ``groups`` each spectrum is a patient of its own (single-voxel MRS); a
    classifier fitted with ``groups`` then refuses to predict without them.
    Missing (NaN or None) patient ids are refused. A patient of one spectrum
    is a bag of one (its attention weight is 1).

    Bags are padded to the largest bag with a mask (padding never reaches
    the network or the softmax), and one skorch ``NeuralNetClassifier``
    trains them with Adam and cross-entropy on the patient labels. Training
    on patients means few gradient steps per epoch (120 patients in batches
    of 8: 15), hence more epochs than the voxel network. The defaults
    (``pretrain=True``, 20 epochs, ``lr=3e-4``) are what trained steadily on
    two folds of the 150-patient cohort with the quick preset's network; from
    random weights the bag network swung between epochs and, without
    dropout, learnt its training patients by heart. They are not tuned.
    No threshold is chosen on the training patients: the network fits them
    closely, so their probabilities would say little about new patients.

    ``torchmil`` (Apache-2.0) has an ``AttentionPool`` of the same form; it
    is not used because it would bring six packages (tensordict,
    torchmetrics, einops, h5py, pandas, tqdm) for twenty lines, and its
    models expect their own training loop, not skorch's.

    References
    ----------
    M. Ilse, J. M. Tomczak, M. Welling, "Attention-based Deep Multiple Instance
    Learning", ICML 2018, arXiv:1802.04712.

    D. Lu, G. Kurz, N. Polomac, I. Gacheva, E. Hattingen, J. Triesch,
    "Multiple Instance Learning for Brain Tumor Detection from Magnetic
    Resonance Spectroscopy Data", arXiv:2112.08845.

    Examples
    --------
    >>> import numpy as np
    >>> from skmrs import AttentionMILClassifier, ResNetClassifier
    >>> rng = np.random.default_rng(0)
    >>> groups = np.repeat(np.arange(20), 4)  # 20 patients of 4 spectra
    >>> y = np.repeat(np.arange(20) % 2, 4)  # odd patients have a tumour
    >>> X = rng.normal(size=(80, 32)).astype(np.float32)
    >>> X[y == 1, 10] += 3.0  # a peak that marks the tumour patients
    >>> net = ResNetClassifier(n_filters=4, n_blocks=2, kernel_size=5,
    ...                        dropout=0.0, max_epochs=10, lr=1e-2)
    >>> clf = AttentionMILClassifier(net, max_epochs=10, lr=1e-2, random_state=0)
    >>> clf = clf.fit(X, y, groups=groups)
    >>> clf.score(X, y, groups=groups)
    1.0
    >>> w = clf.attention_weights(X, groups=groups)
    >>> np.allclose(np.bincount(groups, weights=w), 1.0)
    True
    """

    _parameter_constraints: dict = {
        "estimator": [ResNetClassifier, None],
        "attention_dim": [Interval(Integral, 1, None, closed="left")],
        "gated": ["boolean"],
        "pretrain": ["boolean"],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "threshold": [Interval(Real, 0, 1, closed="both")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }
    _skmrs_model_name = "skmrs.AttentionMILClassifier"

    def __init__(
        self,
        estimator: ResNetClassifier | None = None,
        *,
        attention_dim: int = 64,
        gated: bool = True,
        pretrain: bool = True,
        max_epochs: int = 20,
        batch_size: int = 8,
        lr: float = 3e-4,
        weight_decay: float = 1e-4,
        threshold: float = 0.5,
        device: str | torch.device = "auto",
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
    ) -> None:
        self.estimator = estimator
        self.attention_dim = attention_dim
        self.gated = gated
        self.pretrain = pretrain
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.threshold = threshold
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, groups=None):
        """Train the bag network on the patients' labels.

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
        self : AttentionMILClassifier
            The fitted classifier.
        """
        _check_real(X, self)
        X, y = validate_data(self, X, y, dtype=np.float32)
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
                "AttentionMILClassifier needs both classes in y (tumour or not); "
                f"got one class: {self.classes_}."
            )
        estimator = ResNetClassifier() if self.estimator is None else self.estimator
        clone(estimator)._validate_params()
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=3)
        seed_init, seed_voxel, seed_train = (int(v) for v in seeds)
        self._groups_given = groups is not None
        groups = self._check_groups(groups, X.shape[0], fitting=True)
        self.patients_, inverse = np.unique(groups, return_inverse=True)
        truth = patient_labels(y, groups, pos_label=self._pos_label())
        if np.unique(truth).size < 2:
            raise ValueError(
                "every patient has a spectrum labelled tumour: the bag network "
                "needs patients of both classes."
            )
        bags, mask, _ = _padded_bags(X, inverse, self.patients_.size)
        self.device_ = _resolve_device(self.device)
        self.net_ = self._make_net(X.shape[1], _network_params(estimator))
        with _seeded_torch(self.device_, seed_init):
            self.net_.initialize()
        self.__dict__.pop("estimator_", None)  # from an earlier fit
        if self.pretrain:
            voxel = set_random_states(clone(estimator), seed_voxel)
            self.estimator_ = voxel.set_params(device=self.device_).fit(X, y)
            spectrum_net = voxel.net_.module_.state_dict()
            self.net_.module_.backbone.load_state_dict(
                {k: v for k, v in spectrum_net.items() if not k.startswith("fc.")}
            )
        with _seeded_torch(self.device_, seed_train):
            self.net_.partial_fit({"X": bags, "mask": mask}, truth.astype(np.int64))
        self.threshold_ = float(self.threshold)
        return self

    def _module_params(self, n_times: int, network: dict) -> dict:
        """The arguments of :class:`~skmrs.models.AttentionMIL`."""
        return dict(
            n_outputs=2,
            n_times=n_times,
            network=network,
            attention_dim=self.attention_dim,
            gated=self.gated,
        )

    def _make_net(self, n_times: int, network: dict) -> NeuralNetClassifier:
        module_params = self._module_params(n_times, network)
        return NeuralNetClassifier(
            module=AttentionMIL,
            **{f"module__{k}": v for k, v in module_params.items()},
            criterion=torch.nn.CrossEntropyLoss,
            optimizer=torch.optim.Adam,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            batch_size=self.batch_size,
            max_epochs=self.max_epochs,
            iterator_train__shuffle=True,
            train_split=None,
            classes=[0, 1],
            device=str(self.device_),
            verbose=self.verbose,
        )

    def _bags(self, X, groups):
        """Validated spectra as padded bags: patients, inverse, bags, mask, slots."""
        check_is_fitted(self)
        _check_real(X, self)
        X = validate_data(self, X, reset=False, dtype=np.float32)
        groups = self._check_groups(groups, X.shape[0])
        patients, inverse = np.unique(groups, return_inverse=True)
        bags, mask, position = _padded_bags(X, inverse, patients.size)
        return patients, inverse, bags, mask, position

    def _forward(self, bags, mask, method: str) -> np.ndarray:
        """``module_.<method>`` (``forward`` or ``attention``) over all bags."""
        module = self.net_.module_.eval()
        out = []
        with torch.no_grad():
            for start in range(0, len(bags), _PREDICT_BAGS):
                part = slice(start, start + _PREDICT_BAGS)
                Xb = torch.as_tensor(bags[part], device=self.device_)
                mb = torch.as_tensor(mask[part], device=self.device_)
                out.append(getattr(module, method)(Xb, mb).cpu().numpy())
        return np.concatenate(out)

    def _patient_proba(self, X, groups):
        patients, inverse, bags, mask, _ = self._bags(X, groups)
        logits = torch.as_tensor(self._forward(bags, mask, "forward"))
        return patients, inverse, torch.softmax(logits, dim=1)[:, 1].numpy()

    def attention_weights(self, X, groups=None) -> np.ndarray:
        """Each spectrum's attention weight within its patient: which made the call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Spectra.
        groups : array-like of shape (n_samples,), default=None
            Patient id of each spectrum.

        Returns
        -------
        weights : ndarray of shape (n_samples,)
            Non-negative; the weights of one patient's spectra sum to one (a
            patient of one spectrum has weight 1). A large weight means the
            spectrum's embedding dominates the patient's, for either class.
        """
        _, inverse, bags, mask, position = self._bags(X, groups)
        return self._forward(bags, mask, "attention")[inverse, position]

    def _skmrs_state_(self) -> dict:
        """Model-file state: the skorch net as its weights and per-epoch history."""
        state = dict(self.__getstate__())  # a copy: it may be the __dict__ itself
        net = state.pop("net_", None)
        state.pop("device_", None)
        if net is not None:
            state["net_"] = {
                "device": str(self.device_),
                "module": net.module_.state_dict(),
                "history": net.history.to_list(),
            }
        return state

    @classmethod
    def _skmrs_from_state_(cls, state: dict):
        """Rebuild the net from its checked weights (a ValueError if they are not).

        The network's settings (``estimator``'s, ``attention_dim``, the input
        length) are checked against their ranges, and the weights' names,
        shapes and dtypes against the network they describe, built on torch's
        ``meta`` device, before the network is allocated.
        """
        state = dict(state)
        net = state.pop("net_", None)
        clf = super()._skmrs_from_state_(state)
        if net is None:
            return clf
        if not isinstance(net, dict) or set(net) != {"device", "module", "history"}:
            raise ValueError(f"{cls.__name__}: net_ is not a network's state")
        network = clf._checked_network()
        params = clf._module_params(clf.n_features_in_, network)
        template = meta_template(cls.__name__, lambda: AttentionMIL(**params))
        check_network_weights(clf, net["module"], template)
        clf.device_ = loading_device(clf, net["device"], _resolve_device)
        clf.net_ = clf._make_net(clf.n_features_in_, network)
        with _seeded_torch(clf.device_, 0):  # weights replaced below
            clf.net_.initialize()
        clf.net_.module_.load_state_dict(net["module"])
        clf.net_.history.extend(net["history"])
        return clf

    def _checked_network(self) -> dict:
        """The spectrum network's settings, each in its declared range."""
        where = type(self).__name__
        estimator = ResNetClassifier() if self.estimator is None else self.estimator
        if not isinstance(estimator, ResNetClassifier):
            raise ValueError(f"{where}: estimator is not a ResNetClassifier")
        network = _network_params(estimator)
        values = {k: network.get(k) for k in ("n_filters", "n_blocks", "kernel_size")}
        values["n_features_in_"] = getattr(self, "n_features_in_", None)
        values["attention_dim"] = self.attention_dim
        check_ranges(
            where, values, network.get("dropout"), {"attention_dim": (1, 4096)}
        )
        if not isinstance(self.gated, bool):
            raise ValueError(f"{where}: gated={self.gated!r} is not a bool")
        return network

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        # a spectral CNN on the common checks' few-feature blobs, tiny and brief
        tags.classifier_tags.poor_score = True
        return tags
