"""Batched training: many networks trained side by side as one vmapped computation."""

from __future__ import annotations

import contextlib
import copy
import math

import numpy as np
import torch
import torch.nn.functional as F
from imblearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing, check_array, column_or_1d
from sklearn.utils._param_validation import StrOptions, validate_params
from torch import nn
from torch.func import functional_call, vmap

from ..sampling import ConfidenceDistiller
from ._distillmix import DistillMixClassifier
from ._resnet import ResNetClassifier

__all__ = ["fit_resnets"]

# Parameters that fix the shape of the batched computation: equal for all.
_SHARED_PARAMS = ("n_filters", "n_blocks", "kernel_size", "batch_size")


@validate_params(
    {
        "estimators": [list, tuple],
        "X": ["array-like"],
        "y": ["array-like"],
        "sample_indices": [list, tuple, None],
        "precision": [StrOptions({"float32", "bf16"})],
        "compile": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def fit_resnets(
    estimators,
    X,
    y,
    *,
    sample_indices=None,
    precision="float32",
    compile=False,
):
    """Fit several network models at once, their networks as one computation.

    Each estimator ends up as if ``estimators[k].fit(X[sample_indices[k]],
    y[sample_indices[k]])`` had been called (see Notes for how exactly), but
    the networks of all estimators train side by side: every mini-batch
    step of all of them is one forward and one backward pass of
    :class:`~skmrs.models.ResNet1D`'s own modules, vectorised over the
    networks with :func:`torch.func.vmap`.

    Parameters
    ----------
    estimators : list of estimators
        Each one is a :class:`~skmrs.ResNetClassifier`, a
        :class:`~skmrs.DistillMixClassifier` (its distillation networks train
        side by side, then its final networks), or an
        :class:`imblearn.pipeline.Pipeline` whose last step is a
        ``ResNetClassifier`` (say the noise-augmentation baseline; a
        :class:`~skmrs.sampling.ConfidenceDistiller` step around a
        ``ResNetClassifier`` is batched too, other samplers run as usual).
        Every estimator is refitted from scratch, in place, with its own
        random states, dropout, learning rate and epochs. ``n_filters``,
        ``n_blocks``, ``kernel_size``, ``batch_size`` and the resolved
        ``device`` of the networks that train together must be equal.
    X : array-like of shape (n_samples, n_points)
        Spectra, shared by all estimators.
    y : array-like of shape (n_samples,)
        Class labels.
    sample_indices : list of array-like of int, default=None
        Rows of ``X`` that each estimator trains on (the training folds of a
        cross-validation, say); None trains every estimator on all rows.
        Every estimator's rows must hold the same number of classes.
    precision : {"float32", "bf16"}, default="float32"
        ``"bf16"`` runs the forward pass under bfloat16 autocast (batch
        statistics, loss and optimiser stay in float32). Faster on GPUs with
        bf16 tensor cores; results then differ from ``ResNetClassifier``.
    compile : bool, default=False
        Compile the batched forward pass with ``torch.compile``; pays on a
        GPU for long runs, costs compile time everywhere.

    Returns
    -------
    estimators : list
        The same objects, fitted.

    See Also
    --------
    ResNetClassifier : One network, one ``fit``.

    Notes
    -----
    **One definition.** The batched forward pass is the network's own
    ``forward``, run through :func:`torch.func.functional_call` on a copy of
    the first network whose batch-norm and dropout layers are told which
    rows are real and which dropout mask to apply. Parameters, the
    optimiser and its state stay those of each estimator's own skorch net
    (each network's ``optimizer.step()`` follows its own mini-batch), and
    the training state is lent by ``ResNetClassifier._training_session``.

    **Equivalence.** Each network gets the initial weights that ``fit``
    would draw, its own torch random stream, from which it draws its epoch
    permutations and dropout masks in the order ``fit`` draws them, its own
    batch-norm statistics over its own rows, its own cross-entropy (mean
    over its batch) and its own Adam. On the CPU the fitted networks
    therefore match ``fit`` to float rounding (batched and single
    convolutions sum in different orders): same batch order, same dropout
    masks, epoch losses equal to ~1e-5. On CUDA, permutations are identical
    too, but ``ResNetClassifier``'s fused dropout kernel draws other masks
    than ``bernoulli_``, so the networks are equal in distribution only.
    Results never depend on which networks share a batched call.

    **Unequal training sets.** Networks whose training sets differ in size
    (the folds of a cross-validation, DistillMix's final networks) take
    different numbers of steps per epoch. Shorter batches are padded with
    rows that are excluded from the batch-norm statistics, the loss and the
    running averages; a network with no batch left in a step is not updated
    at all.

    After fitting, each network's ``net_`` holds the trained weights, the
    Adam state and a per-epoch ``train_loss`` history, and its random stream
    continues where training left it, so ``partial_fit`` goes on as it would
    after ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmrs.classification import ResNetClassifier, fit_resnets
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 32)).astype(np.float32)
    >>> y = np.arange(40) % 2
    >>> nets = [ResNetClassifier(n_filters=4, n_blocks=2, kernel_size=5,
    ...                          max_epochs=2, device="cpu", random_state=seed)
    ...         for seed in (0, 1, 2)]
    >>> nets = fit_resnets(nets, X, y, sample_indices=[np.arange(30)] * 3)
    >>> [net.predict_proba(X[30:]).shape for net in nets]
    [(10, 2), (10, 2), (10, 2)]
    """
    estimators = list(estimators)
    if not estimators:
        raise ValueError("estimators is empty.")
    for est in estimators:
        if not _is_batchable(est):
            raise TypeError(
                "fit_resnets trains ResNetClassifier, DistillMixClassifier or a "
                f"Pipeline ending in a ResNetClassifier; got {type(est)!r}."
            )
        est._validate_params()
    if len({id(est) for est in estimators}) < len(estimators):
        raise ValueError("an estimator appears twice in estimators.")
    if sample_indices is None:
        sample_indices = [np.arange(len(X))] * len(estimators)
    if len(sample_indices) != len(estimators):
        raise ValueError(
            f"sample_indices has {len(sample_indices)} entries for "
            f"{len(estimators)} estimators."
        )
    indices = [
        column_or_1d(check_array(np.asarray(idx), ensure_2d=False, dtype=np.int64))
        for idx in sample_indices
    ]
    for k, idx in enumerate(indices):
        outside = (idx < -len(X)) | (idx >= len(X))
        if outside.any():
            raise ValueError(
                f"sample_indices[{k}] holds index {int(idx[outside][0])}, outside "
                f"the {len(X)} samples of X."
            )
    plans = [
        _plan(est, _safe_indexing(X, idx), _safe_indexing(y, idx))
        for est, idx in zip(estimators, indices)
    ]
    _run_plans(plans, precision, compile)
    return estimators


# ------------------------------------------------------------------ plans
class _Request:
    """One network to train: its estimator, data, epochs and end-of-epoch call."""

    def __init__(self, estimator, X, y, epochs=None, after_epoch=None):
        self.estimator = estimator
        self.X, self.y = X, y
        self.epochs = epochs
        self.after_epoch = after_epoch


def _is_batchable(est) -> bool:
    if isinstance(est, (ResNetClassifier, DistillMixClassifier)):
        return True
    return isinstance(est, Pipeline) and isinstance(est.steps[-1][1], ResNetClassifier)


def _plan(model, X, y):
    """Fit ``model`` as a generator that yields each network it must train."""
    if isinstance(model, ResNetClassifier):
        yield _Request(model, X, y)
    elif isinstance(model, DistillMixClassifier):
        pipeline, X, y = model._start_fit(X, y)
        n_train = yield from _pipeline_plan(pipeline, X, y)
        model._finish_fit(pipeline, n_train)
    else:
        yield from _pipeline_plan(model, X, y)


def _pipeline_plan(pipeline, X, y):
    """Resample through the steps, then train the last; return its data size."""
    for _, step in pipeline.steps[:-1]:
        if step is None or step == "passthrough":
            continue
        if isinstance(step, ConfidenceDistiller) and isinstance(
            step.estimator, ResNetClassifier
        ):
            X, y = yield from _distill_plan(step, X, y)
        else:
            X, y = step.fit_resample(X, y)
    yield _Request(pipeline.steps[-1][1], X, y)
    return len(y)


def _distill_plan(distiller, X, y):
    """A distiller whose network trains with the others, epoch by epoch."""
    steps = distiller._fit_resample_steps(X, y)
    network = next(steps)
    kept = []

    def after_epoch():
        try:
            next(steps)
        except StopIteration as stop:
            kept.append(stop.value)

    yield _Request(network, X, y, distiller.epochs, after_epoch)
    return kept[0]


def _run_plans(plans, precision, compile):
    """Advance all plans together: each round trains their networks side by side."""
    pending = {}

    def advance(i):
        try:
            pending[i] = next(plans[i])
        except StopIteration:
            pending.pop(i, None)

    for i in range(len(plans)):
        advance(i)
    while pending:
        round_ = dict(pending)
        _train_together(list(round_.values()), precision, compile)
        for i in round_:
            advance(i)


def _train_together(requests, precision, compile):
    with contextlib.ExitStack() as stack:
        sessions = [
            stack.enter_context(
                r.estimator._training_session(r.X, r.y, epochs=r.epochs)
            )
            for r in requests
        ]
        _check_same_shape([r.estimator for r in requests], sessions)
        engine = _Lockstep(sessions, precision, compile)
        engine.run([r.after_epoch for r in requests])


def _check_same_shape(networks, sessions):
    for name in _SHARED_PARAMS:
        values = {est.get_params()[name] for est in networks}
        if len(values) > 1:
            raise ValueError(
                f"all estimators must share {name} to train as one batch; "
                f"got {sorted(values)}."
            )
    if len({len(est.classes_) for est in networks}) > 1:
        raise ValueError(
            "every estimator's training rows must hold the same number of classes."
        )
    if len({s.X.shape[1] for s in sessions}) > 1:
        raise ValueError("all estimators must train on spectra of one length.")
    devices = {s.device for s in sessions}
    if len(devices) > 1:
        raise ValueError(f"all estimators must train on one device; got {devices}.")


# ------------------------------------------------------------ the layers
class _RowMaskedBatchNorm:
    """Mixin: batch norm over the real rows only, when ``row_weight`` is set.

    ``row_weight`` (1 for a real row, 0 for padding) is set per step by the
    engine; None runs the layer's own ``forward``.
    """

    row_weight = None

    def forward(self, x):
        weight = self.row_weight
        if weight is None:
            return super().forward(x)
        reduce = [0, *range(2, x.dim())]
        channel = (1, -1) + (1,) * (x.dim() - 2)
        xf = x.float()
        m = weight.view((-1,) + (1,) * (x.dim() - 1))
        n = weight.sum() * xf[0, 0].numel()
        mean = (xf * m).sum(reduce) / n.clamp(min=1)
        centred = xf - mean.view(channel)
        var = (centred * centred * m).sum(reduce) / n.clamp(min=1)
        out = centred * torch.rsqrt(var + self.eps).view(channel)
        if self.affine:
            out = out * self.weight.view(channel) + self.bias.view(channel)
        with torch.no_grad():
            keep = n > 0
            unbiased = var * n / (n - 1).clamp(min=1)
            for stat, value in [
                (self.running_mean, mean),
                (self.running_var, unbiased),
            ]:
                stat.copy_(torch.where(keep, stat.lerp(value, self.momentum), stat))
            self.num_batches_tracked.add_(keep.long())
        return out.to(x.dtype)


class _GivenMaskDropout(nn.Dropout):
    """Dropout that multiplies by the mask the engine drew for this network."""

    mask = None

    def forward(self, x):
        return x if self.mask is None else x * self.mask


_MASKED_TYPES: dict = {}


def _batchable_copy(module: nn.Module) -> nn.Module:
    """A copy of the network whose batch norms and dropouts take per-step masks."""
    template = copy.deepcopy(module).train()
    for layer in template.modules():
        if isinstance(layer, nn.modules.batchnorm._BatchNorm):
            cls = type(layer)
            if cls not in _MASKED_TYPES:
                _MASKED_TYPES[cls] = type(
                    f"_RowMasked{cls.__name__}", (_RowMaskedBatchNorm, cls), {}
                )
            layer.__class__ = _MASKED_TYPES[cls]
        elif type(layer) is nn.Dropout:
            layer.__class__ = _GivenMaskDropout
        elif isinstance(layer, nn.modules.dropout._DropoutNd):
            raise TypeError(
                f"fit_resnets draws the masks of nn.Dropout only; got {type(layer)}."
            )
    return template


# ------------------------------------------------------------ the engine
class _Lockstep:
    """Networks of one shape trained in lockstep, one vmapped step for all.

    Parameters stay each estimator's own leaf tensors: a step stacks them
    (differentiably), runs the template's forward through ``vmap``, and
    each network's own optimiser applies the gradient that reached its
    leaves. Batch-norm buffers are stacked for an epoch and written back at
    its end.
    """

    def __init__(self, sessions, precision, compile):
        self.sessions = sessions
        first = sessions[0]
        self.device = first.device
        self.batch_size = first.batch_size
        self.precision = precision
        self.template = _batchable_copy(first.module)
        self.bn_layers = [
            m for m in self.template.modules() if isinstance(m, _RowMaskedBatchNorm)
        ]
        self.param_names = [name for name, _ in self.template.named_parameters()]
        self.buffer_names = [name for name, _ in self.template.named_buffers()]
        sizes = [len(s.X) for s in sessions]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.X = torch.as_tensor(np.concatenate([s.X for s in sessions])).to(
            self.device
        )
        self.dropouts, shapes = self._dropout_layers()
        self.mask_shapes = shapes
        self.dropout_p = [
            [dict(s.module.named_modules())[name].p for name in self.dropouts]
            for s in sessions
        ]
        self.forward = torch.compile(self._forward) if compile else self._forward

    def _dropout_layers(self):
        """Names of the dropout layers in call order, and their input shapes."""
        modules = dict(self.template.named_modules())
        calls = []
        hooks = [
            layer.register_forward_hook(
                lambda layer, inputs, _, name=name: calls.append(
                    (name, tuple(inputs[0].shape[1:]))
                )
            )
            for name, layer in modules.items()
            if isinstance(layer, _GivenMaskDropout)
        ]
        try:
            with torch.no_grad():
                self.template.eval()(self.X[:1])
        finally:
            self.template.train()
            for hook in hooks:
                hook.remove()
        self._dropout_modules = [modules[name] for name, _ in calls]
        return [name for name, _ in calls], [shape for _, shape in calls]

    # -------------------------------------------------------------- forward
    def _forward(self, params, buffers, x, row_weight, masks):
        """Logits (K, B, n_outputs) of every network on its own batch."""
        masked = [mask is not None for mask in masks]
        given = [mask for mask in masks if mask is not None]

        def one(params, buffers, x, row_weight, given):
            for layer in self.bn_layers:
                layer.row_weight = row_weight
            own = iter(given)
            for layer, has in zip(self._dropout_modules, masked):
                layer.mask = next(own) if has else None
            try:
                return functional_call(self.template, (params, buffers), (x,))
            finally:
                for layer in self.bn_layers:
                    layer.row_weight = None
                for layer in self._dropout_modules:
                    layer.mask = None

        in_dims = (0, 0, 0, None if row_weight is None else 0, [0] * len(given))
        return vmap(one, in_dims=in_dims)(params, buffers, x, row_weight, given)

    def _dropout_masks(self, active, counts):
        """Per dropout layer, each network's mask drawn as its own layer would."""
        B = self.batch_size
        masks = []
        for j, shape in enumerate(self.mask_shapes):
            ps = [self.dropout_p[k][j] for k in active]
            if not any(p > 0 for p in ps):
                masks.append(None)
                continue
            per_net = []
            for k, p, n in zip(active, ps, counts):
                mask = torch.ones(B, *shape, device=self.device)
                if p > 0 and n > 0:
                    # torch's CPU dropout: bernoulli_(1 - p), div_(1 - p), multiply.
                    drawn = torch.empty(n, *shape, device=self.device)
                    drawn.bernoulli_(1 - p, generator=self.sessions[k].mask_generator)
                    mask[:n] = drawn.div_(1 - p)
                per_net.append(mask)
            masks.append(torch.stack(per_net))
        return masks

    # ---------------------------------------------------------------- train
    def run(self, after_epoch):
        """Every epoch of every network; ``after_epoch[k]()`` after each of k's."""
        for epoch in range(max(s.epochs for s in self.sessions)):
            active = [k for k, s in enumerate(self.sessions) if epoch < s.epochs]
            self._epoch(active)
            for k in active:
                if after_epoch[k] is not None:
                    after_epoch[k]()

    def _epoch_plan(self, active):
        """Rows and labels of every step of one epoch, padded; real rows per step."""
        B = self.batch_size
        sizes = np.array([len(self.sessions[k].X) for k in active])
        n_steps = int(max(math.ceil(n / B) for n in sizes))
        rows = torch.zeros(n_steps, len(active), B, dtype=torch.int64)
        labels = torch.zeros(n_steps, len(active), B, dtype=torch.int64)
        for j, k in enumerate(active):
            session = self.sessions[k]
            # fit draws the epoch's permutation first, from the same stream.
            order = torch.randperm(sizes[j], generator=session.generator)
            padded = torch.zeros(n_steps * B, dtype=torch.int64)
            padded[: sizes[j]] = order
            rows[:, j] = (padded + int(self.offsets[k])).view(n_steps, B)
            labels[:, j] = torch.as_tensor(session.y)[padded].view(n_steps, B)
        counts = np.clip(sizes[None, :] - B * np.arange(n_steps)[:, None], 0, B)
        return rows, labels, counts

    def _epoch(self, active):
        sessions = [self.sessions[k] for k in active]
        for session in sessions:
            session.begin_epoch()
        rows, labels, counts = self._epoch_plan(active)
        B, dev = self.batch_size, self.device
        valid = np.arange(B)[None, None, :] < counts[:, :, None]  # (T, K, B)
        on_dev = {
            name: torch.as_tensor(value, dtype=torch.float32).to(dev)
            for name, value in [
                ("valid", valid),
                ("scale", valid / np.maximum(counts, 1)[:, :, None]),
                ("counts", counts),
            ]
        }
        rows, labels = rows.to(dev), labels.to(dev)
        modules = [s.module for s in sessions]
        buffers = {
            name: torch.stack([dict(m.named_buffers())[name] for m in modules])
            for name in self.buffer_names
        }
        leaves = [dict(m.named_parameters()) for m in modules]
        epoch_loss = torch.zeros(len(active), device=dev)
        for t in range(len(counts)):
            params = {
                name: torch.stack([own[name] for own in leaves])
                for name in self.param_names
            }
            row_weight = None if (counts[t] == B).all() else on_dev["valid"][t]
            masks = self._dropout_masks(active, counts[t])
            autocast = torch.autocast(
                dev.type, dtype=torch.bfloat16, enabled=self.precision == "bf16"
            )
            with autocast:
                logits = self.forward(
                    params, buffers, self.X[rows[t]], row_weight, masks
                )
            per_row = F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]).float(),
                labels[t].reshape(-1),
                reduction="none",
            ).view(len(active), B)
            per_net = (per_row * on_dev["scale"][t]).sum(1)
            for session in sessions:
                session.optimizer.zero_grad()
            per_net.sum().backward()
            for session, n in zip(sessions, counts[t]):
                if n > 0:
                    session.optimizer.step()
            epoch_loss += per_net.detach() * on_dev["counts"][t]
        with torch.no_grad():
            for j, module in enumerate(modules):
                for name, buffer in module.named_buffers():
                    buffer.copy_(buffers[name][j])
        seen = counts.sum(0)
        for session, loss, n in zip(sessions, epoch_loss.cpu().numpy(), seen):
            session.end_epoch(float(loss / n), int(n), math.ceil(n / B))
