"""ResNetClassifier: the paper's residual CNN as a scikit-learn classifier."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNetClassifier

from .._docs import cite_paper
from ..models import ResNet1D
from ..utils._model_state import ModelStateMixin
from ..utils._validation import _check_real
from ._resnet_state import resnet_from_state, resnet_state

__all__ = ["ResNetClassifier"]

# Spectra per forward pass at prediction time; a speed knob, not a result knob
# (batch norm runs in inference mode, so each spectrum is scored on its own).
_PREDICT_BATCH_SIZE = 256
# Rows validated (checked and made float32) at a time at prediction time, so
# that a float64 array or a DataFrame is never copied whole (issue 25).
_PREDICT_CHUNK_SIZE = 16 * _PREDICT_BATCH_SIZE


class _TensorDataset(torch.utils.data.Dataset):
    """Spectra and encoded labels held as two tensors, built once."""

    def __init__(self, X: np.ndarray, y: np.ndarray | None = None) -> None:
        self.X = torch.tensor(X, dtype=torch.float32)
        self.y = None if y is None else torch.tensor(y, dtype=torch.int64)

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], None if self.y is None else self.y[i]


class _BatchIterator:
    """Mini-batches sliced from pre-built tensors, instead of a DataLoader.

    skorch's default ``DataLoader`` indexes and collates every sample of every
    batch in Python; for 288-float spectra that bookkeeping costs more than
    the network. Here the training set is moved to the device once, permuted
    once per epoch (``torch.randperm`` on the CPU generator, so CPU and GPU
    see the same order for one seed) and cut into contiguous slices.
    """

    def __init__(
        self,
        dataset: _TensorDataset,
        batch_size: int,
        shuffle: bool = False,
        device: str | torch.device = "cpu",
    ) -> None:
        self.X = dataset.X.to(device)
        self.y = None if dataset.y is None else dataset.y.to(device)
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __len__(self) -> int:
        return math.ceil(len(self.X) / self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
        X, y = self.X, self.y
        if self.shuffle:
            order = torch.randperm(len(X)).to(X.device)
            X = X[order]
            y = None if y is None else y[order]
        for start in range(0, len(X), self.batch_size):
            stop = start + self.batch_size
            yield X[start:stop], (None if y is None else y[start:stop])


class _FastNet(NeuralNetClassifier):
    """skorch classifier with a tensor-slicing data path and one loss sync per epoch.

    The training loss is summed on the device and written to the history once
    per epoch, as a single batch entry holding the epoch's mean loss and
    sample count, so skorch's ``train_loss`` scoring and ``PrintLog`` work
    unchanged while the GPU never waits on the host between batches.
    Per-batch callback hooks are therefore not called.

    A net rebuilt from a model file defers its optimiser
    (:meth:`defer_optimizer`): building one imports ``torch._dynamo``, most
    of the cost of loading a network, and scoring never uses it.
    """

    def defer_optimizer(self, state: dict) -> None:
        """Build the optimiser, with ``state``, only when training resumes.

        Called before :meth:`initialize`.
        """
        self._deferred_optimizer_state = state

    def initialize_optimizer(self, *args, **kwargs):
        if "_deferred_optimizer_state" in self.__dict__:
            return self
        return super().initialize_optimizer(*args, **kwargs)

    def resume_optimizer(self) -> None:
        """Build a deferred optimiser and load its state (else do nothing)."""
        state = self.__dict__.pop("_deferred_optimizer_state", None)
        if state is not None:
            with self._current_init_context("optimizer"):  # as skorch's own
                super().initialize_optimizer()
            self.optimizer_.load_state_dict(state)

    def optimizer_state(self) -> dict:
        """The optimiser's ``state_dict``, deferred or built."""
        deferred = self.__dict__.get("_deferred_optimizer_state")
        return self.optimizer_.state_dict() if deferred is None else deferred

    def get_dataset(self, X, y=None):
        if isinstance(X, _TensorDataset):
            return X
        return _TensorDataset(X, y)

    def get_iterator(self, dataset, training=False):
        if training:
            return _BatchIterator(
                dataset, self.batch_size, shuffle=True, device=self.device
            )
        return _BatchIterator(dataset, _PREDICT_BATCH_SIZE)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if iterator is None:
            return
        loss_sum = torch.zeros((), device=self.device)
        n_seen = 0
        for batch in iterator:
            step = step_fn(batch, **fit_params)
            size = len(batch[0])
            loss_sum += step["loss"].detach() * size
            n_seen += size
        _record_epoch_loss(
            self.history, prefix, (loss_sum / n_seen).item(), n_seen, len(iterator)
        )


def _record_epoch_loss(history, prefix, mean_loss, n_seen, n_batches):
    """An epoch's loss as one batch entry of skorch's history (see _FastNet)."""
    history.new_batch()
    history.record_batch(prefix + "_loss", mean_loss)
    history.record_batch(prefix + "_batch_size", n_seen)
    history.record(prefix + "_batch_count", n_batches)


def _resolve_device(device: str | torch.device) -> torch.device:
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            "device must be 'auto', 'cpu', 'cuda', 'cuda:<index>' or a "
            f"torch.device; got unknown device {device!r}."
        ) from exc
    if resolved.type not in ("cpu", "cuda"):
        raise ValueError(
            f"device must be a CPU or CUDA device; got unsupported device {device!r}."
        )
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available; use "
            "device='auto' or 'cpu'."
        )
    if resolved.type == "cuda" and (resolved.index or 0) >= torch.cuda.device_count():
        raise ValueError(
            f"device={device!r} names CUDA device {resolved.index}, but only "
            f"{torch.cuda.device_count()} are visible."
        )
    return resolved


@cite_paper
class ResNetClassifier(ModelStateMixin, ClassifierMixin, BaseEstimator):
    """The residual CNN of Lu et al. as a scikit-learn classifier.

    Trains :class:`skmrs.models.ResNet1D` (Table 1 of the paper by default)
    with Adam and cross-entropy through a skorch ``NeuralNetClassifier``
    that is built inside :meth:`fit`. Labels may be of any type (strings
    too); :meth:`class_activation_maps` shows which points of a spectrum
    drove a decision.

    Parameters
    ----------
    n_filters : int, default=16
        Filters of the stem and of the first two residual blocks; doubled
        every other block from block 3.
    n_blocks : int, default=8
        Number of residual blocks; every other one, from block 1,
        subsamples by 2.
    kernel_size : int, default=32
        Width of every convolution kernel.
    dropout : float, default=0.55
        Dropout rate inside every residual block.
    max_epochs : int, default=5
        Epochs that :meth:`fit` trains from scratch (see Notes for how the
        default was chosen). :meth:`partial_fit` always trains one epoch.
    batch_size : int, default=32
        Mini-batch size.
    lr : float, default=1e-3
        Adam learning rate (Adam's default, with beta1=0.9, beta2=0.999).
    device : str or torch.device, default="auto"
        ``"auto"`` trains on CUDA when it is available and on the CPU
        otherwise; ``"cpu"``, ``"cuda"`` and ``"cuda:<index>"`` force one.
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, dropout and the shuffling. With an
        int, two fits give identical predictions on the same CPU. The caller's
        global torch and numpy random states are left untouched.
    verbose : int, default=0
        Print a line per epoch (skorch's ``PrintLog``) when positive.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    n_features_in_ : int
        Number of points of each spectrum seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the points when ``X`` had string column names.
    net_ : skorch.NeuralNetClassifier
        The trained skorch net; ``net_.module_`` is the
        :class:`~skmrs.models.ResNet1D` and ``net_.history`` the per-epoch
        training loss.
    device_ : torch.device
        Device the network lives on.
    n_iter_ : int
        Number of epochs trained so far.

    See Also
    --------
    skmrs.models.ResNet1D : The network itself, a plain ``torch.nn.Module``.

    Notes
    -----
    **Epochs.** The paper does not state how many epochs it trained. On a
    simulated cohort (``make_mrs_cohort(n_patients=150, random_state=0)``
    of skmrs 0.1, now ``field_effect=0, age_effect=0, exam_artefacts=0``;
    2358 spectra; two patient-grouped 75/25 splits, ``GroupShuffleSplit``;
    this network, one ``partial_fit`` per epoch), the validation ROC AUC
    against the noisy voxel labels, averaged over both splits, was 0.676,
    0.667, 0.670, 0.673, 0.677 after epochs 1-5, then 0.662 over epochs 4-6,
    0.663 over 7-9, 0.655 over 10-12, 0.634 over 16-20 and 0.633 over 21-26,
    while the training loss kept falling (0.69 after epoch 1, 0.62 after 5,
    0.43 after 26): beyond about 5 epochs the network learns the noisy
    labels, not the tumours (the AUC against the true voxel labels falls
    from 0.87 to 0.80 likewise). Hence ``max_epochs=5``, the end of the
    plateau, which also matches the paper's last distillation epoch.
    Larger training sets take more steps per epoch and should need no more.

    **Data path.** The training set is turned into one tensor, moved to the
    device once and sliced per mini-batch from a seeded permutation; the
    loss is accumulated on the device and read once per epoch. On this
    project's 2-core CPU (2 torch threads) it trains the Table-1 network at
    0.99x the speed of a minimal hand-written PyTorch loop (about 175
    spectra/s, 66 GFLOP/s; ``benchmarks/bench_training.py``).

    **partial_fit.** Each call trains exactly one epoch over the data it is
    given; the first call builds the network. A random stream is carried
    from call to call, so ``E`` calls on the same data give the same network
    as ``fit`` with ``max_epochs=E``.

    **Persistence.** A fitted classifier pickles (skorch stores the weights
    with ``torch.save``); a model trained on a GPU loads on a CPU-only
    machine, with skorch's ``DeviceWarning``, and predicts there.
    :func:`skmrs.io.save_model` writes a model file that, unlike a pickle,
    runs no code when :func:`skmrs.io.load_model` opens it.

    **Reproducibility.** On the CPU a fixed ``random_state`` gives bitwise
    identical predictions on one machine with one torch version; another CPU
    (AVX2 vs AVX-512, say) rounds differently and training amplifies the
    difference. On CUDA, cuDNN may pick non-deterministic kernels.

    References
    ----------
    .. [1] <paper>.

    Examples
    --------
    >>> import numpy as np
    >>> from skmrs import ResNetClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 64)).astype(np.float32)
    >>> y = np.repeat(["healthy", "tumour"], 30)
    >>> X[y == "tumour", 40] += 4.0  # a peak that decides the class
    >>> clf = ResNetClassifier(n_filters=4, n_blocks=2, kernel_size=5,
    ...                        max_epochs=10, random_state=0).fit(X, y)
    >>> clf.classes_
    array(['healthy', 'tumour'], dtype='<U7')
    >>> clf.predict_proba(X).shape, clf.class_activation_maps(X).shape
    ((60, 2), (60, 64))
    """

    _skmrs_model_name = "skmrs.ResNetClassifier"
    _parameter_constraints: dict = {
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "n_blocks": [Interval(Integral, 1, None, closed="left")],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        n_filters: int = 16,
        n_blocks: int = 8,
        kernel_size: int = 32,
        dropout: float = 0.55,
        max_epochs: int = 5,
        batch_size: int = 32,
        lr: float = 1e-3,
        device: str | torch.device = "auto",
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
    ) -> None:
        self.n_filters = n_filters
        self.n_blocks = n_blocks
        self.kernel_size = kernel_size
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------ validation
    def _validate(self, X, y=None, *, reset: bool, classes=None):
        """Validate spectra (and labels); (n, 1, n_points) input reads as 2-D.

        With ``reset``, also set ``classes_`` (from ``classes`` or ``y``).
        Returns X as float32, and y encoded as class indices when given.
        """
        if getattr(X, "ndim", None) == 3:
            if X.shape[1] != 1:
                raise ValueError(
                    "3-D input must have shape (n_samples, 1, n_points), one "
                    f"channel per spectrum; got shape {tuple(X.shape)}."
                )
            X = X[:, 0, :]
        _check_real(X, self)
        if y is None and not reset:
            return validate_data(self, X, reset=False, dtype=np.float32)
        X, y = validate_data(self, X, y, reset=reset, dtype=np.float32)
        if reset:
            check_classification_targets(y)
            self.classes_ = np.unique(y if classes is None else np.asarray(classes))
            if len(self.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs at least 2 classes; got 1 class "
                    f"({self.classes_.tolist()!r}) in "
                    f"{'y' if classes is None else 'classes'}."
                )
        return X, self._encode(y)

    def _encode(self, y: np.ndarray) -> np.ndarray:
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(
                f"y contains labels {np.unique(y[unknown]).tolist()} that are not "
                f"among the classes {self.classes_.tolist()}."
            )
        return np.searchsorted(self.classes_, y)

    # ---------------------------------------------------------------- train
    def _initialize(
        self,
        n_times: int,
        device: torch.device | None = None,
        optimizer_state: dict | None = None,
    ) -> None:
        """Build the skorch net; its weights are drawn from a fresh private stream.

        ``device`` overrides the ``device`` parameter (a loaded model file maps
        a GPU-trained network onto the CPU); ``optimizer_state`` (a model
        file's) defers the optimiser until training resumes.
        """
        self.device_ = _resolve_device(self.device) if device is None else device
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        module_params = self._module_params(n_times)
        self.net_ = _FastNet(
            module=ResNet1D,
            **{f"module__{name}": value for name, value in module_params.items()},
            **self._criterion_params(),
            optimizer=torch.optim.Adam,
            lr=self.lr,
            batch_size=self.batch_size,
            max_epochs=self.max_epochs,
            train_split=None,
            classes=list(range(len(self.classes_))),
            device=str(self.device_),
            verbose=self.verbose,
        )
        if optimizer_state is not None:
            self.net_.defer_optimizer(optimizer_state)
        with _private_torch_rng(self, seed):
            self.net_.initialize()
        self.n_iter_ = 0

    def _module_params(self, n_times: int) -> dict:
        """The arguments of :class:`~skmrs.models.ResNet1D`, for ``n_times`` points.

        The one place where the network's settings reach the network: the
        skorch net and the model files' weight check build it from here.
        """
        return dict(
            n_outputs=len(self.classes_),
            n_times=n_times,
            n_filters=self.n_filters,
            n_blocks=self.n_blocks,
            kernel_size=self.kernel_size,
            dropout=self.dropout,
        )

    def _criterion_params(self) -> dict:
        """skorch's ``criterion`` and its ``criterion__*`` arguments."""
        return {"criterion": torch.nn.CrossEntropyLoss}

    def _train(self, X: np.ndarray, y: np.ndarray, epochs: int) -> None:
        self.net_.resume_optimizer()
        with _private_torch_rng(self):
            self.net_.partial_fit(_TensorDataset(X, y), None, epochs=epochs)
        self.n_iter_ += epochs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train a fresh network for ``max_epochs`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points) or (n_samples, 1, n_points)
            Spectra.
        y : array-like of shape (n_samples,)
            Class labels, at least two distinct ones.

        Returns
        -------
        self : ResNetClassifier
            The fitted classifier.
        """
        X, y = self._validate(X, y, reset=True)
        self._initialize(X.shape[1])
        self._train(X, y, self.max_epochs)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """Train exactly one epoch, building the network on the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points) or (n_samples, 1, n_points)
            Spectra.
        y : array-like of shape (n_samples,)
            Class labels, all among ``classes_``.
        classes : array-like of shape (n_classes,), default=None
            All class labels, read on the first call only; when None, the
            first call takes them from ``y``, which must then hold every
            class.

        Returns
        -------
        self : ResNetClassifier
            The classifier, trained one more epoch.
        """
        first_call = not hasattr(self, "net_")
        X, y = self._validate(X, y, reset=first_call, classes=classes)
        if first_call:
            self._initialize(X.shape[1])
        self._train(X, y, 1)
        return self

    # -------------------------------------------------------------- predict
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (softmax of the network's logits).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points) or (n_samples, 1, n_points)
            Spectra.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``.
        """
        check_is_fitted(self)
        nonlinearity = self.net_._get_predict_nonlinearity()
        n_samples, batches = self._predict_batches(X)
        module = self.net_.module_
        proba = None
        with torch.no_grad():
            for start, xb in batches:
                out = nonlinearity(module(xb)).cpu().numpy()
                if proba is None:
                    proba = np.empty((n_samples, out.shape[1]), dtype=out.dtype)
                proba[start : start + len(out)] = out
        return proba

    def _predict_batches(self, X):
        """The number of spectra and an iterator of (first row, float32 batch).

        ``X`` is validated a chunk of :data:`_PREDICT_CHUNK_SIZE` rows at a
        time (a float32 array at once, which costs no copy), and each batch
        of :data:`_PREDICT_BATCH_SIZE` rows is a view of its chunk moved to
        the network's device: memory beyond the output does not grow with
        the number of spectra. The batches are those of skorch's
        ``predict_proba``, so the results are identical to it.
        """
        n_rows = getattr(X, "shape", (0,))[0]
        chunked = getattr(X, "ndim", None) in (2, 3) and n_rows > _PREDICT_CHUNK_SIZE
        if not chunked or getattr(X, "dtype", None) == np.float32:
            whole = self._validate(X, reset=False)
            return len(whole), self._iter_batches([whole])
        chunks = (
            self._validate(_safe_indexing(X, slice(i, i + _PREDICT_CHUNK_SIZE)),
                           reset=False)
            for i in range(0, n_rows, _PREDICT_CHUNK_SIZE)
        )  # fmt: skip
        return n_rows, self._iter_batches(chunks)

    def _iter_batches(self, chunks):
        self.net_.module_.eval()
        start = 0
        for chunk in chunks:
            for i in range(0, len(chunk), _PREDICT_BATCH_SIZE):
                batch = chunk[i : i + _PREDICT_BATCH_SIZE]
                if not batch.flags.writeable:  # torch refuses read-only memory
                    batch = batch.copy()
                yield start + i, torch.from_numpy(batch).to(self.net_.device)
            start += len(chunk)

    def predict(self, X) -> np.ndarray:
        """Most probable class of each spectrum.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points) or (n_samples, 1, n_points)
            Spectra.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def class_activation_maps(self, X, class_label=None) -> np.ndarray:
        """Class activation map of each spectrum, on its own points.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points) or (n_samples, 1, n_points)
            Spectra.
        class_label : label or None, default=None
            Class whose map to return, one of ``classes_``; None takes each
            spectrum's predicted class.

        Returns
        -------
        cams : ndarray of shape (n_samples, n_points)
            ``CAM_c(t) = sum_k w_ck A_k(t)`` over the last feature maps,
            linearly upsampled to the input points; large where the points
            push towards class ``c``. The logit of ``c`` is its mean over the
            feature positions plus the dense layer's bias.
        """
        check_is_fitted(self)
        n_samples, batches = self._predict_batches(X)
        if class_label is not None:
            fixed = int(self._encode(np.asarray([class_label]))[0])
        module = self.net_.module_
        maps = np.empty((n_samples, self.n_features_in_), dtype=np.float32)
        with torch.no_grad():
            for start, xb in batches:
                cams = module.class_activation_maps(xb)
                if class_label is None:
                    index = module(xb).argmax(dim=1)
                else:
                    index = torch.full((len(xb),), fixed, device=xb.device)
                maps[start : start + len(xb)] = cams[torch.arange(len(xb)), index].cpu()
        return maps

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.classifier_tags.multi_class = True
        # A spectral CNN is not meant for the few-feature blobs of the common
        # checks, and those run it with a tiny net for two epochs.
        tags.classifier_tags.poor_score = True
        return tags

    def __setstate__(self, state):
        super().__setstate__(state)
        if "net_" in state:
            # skorch maps a CUDA-trained net onto the CPU when CUDA is absent.
            self.device_ = torch.device(self.net_.device)

    def _skmrs_state_(self) -> dict:
        """Model-file state: the skorch net as its weights and training state."""
        return resnet_state(self)

    @classmethod
    def _skmrs_from_state_(cls, state: dict):
        """Rebuild the net from its checked weights (a ValueError if they are not)."""
        return resnet_from_state(cls, state, _resolve_device)


@contextmanager
def _private_torch_rng(estimator: ResNetClassifier, seed: int | None = None):
    """Run a block on the estimator's own torch random stream.

    With ``seed`` the stream starts afresh; otherwise it resumes from the
    state saved at the end of the previous block, so ``fit`` with ``E``
    epochs and ``E`` calls of ``partial_fit`` draw the same numbers. The
    caller's CPU (and CUDA device) random states are restored on exit.
    """
    device = estimator.device_
    cuda = None
    if device.type == "cuda":
        cuda = device.index if device.index is not None else torch.cuda.current_device()
    with torch.random.fork_rng(devices=[] if cuda is None else [cuda]):
        if seed is not None:
            torch.default_generator.manual_seed(seed)
            if cuda is not None:
                with torch.cuda.device(cuda):
                    torch.cuda.manual_seed(seed)
        else:
            cpu_state, cuda_state = estimator._rng_state_
            torch.set_rng_state(cpu_state)
            if cuda is not None and cuda_state is not None:
                torch.cuda.set_rng_state(cuda_state, cuda)
        try:
            yield
        finally:
            estimator._rng_state_ = (
                torch.get_rng_state(),
                None if cuda is None else torch.cuda.get_rng_state(cuda),
            )
