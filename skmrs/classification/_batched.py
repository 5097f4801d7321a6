"""Batched training engine: K independent ResNet1D networks as one computation."""

from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils import _safe_indexing, check_array, column_or_1d
from sklearn.utils._param_validation import StrOptions, validate_params
from torch import nn

from ._resnet import ResNetClassifier

__all__ = ["fit_resnets"]

# Parameters that fix the shape of the batched computation: equal for all.
_SHARED_PARAMS = ("n_filters", "n_blocks", "kernel_size", "batch_size")
_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-8  # torch.optim.Adam defaults, as skorch uses


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
    """Fit several ResNetClassifiers at once, as one batched computation.

    The K networks are trained side by side as a single network whose
    convolutions have ``groups=K``: every mini-batch step of all K networks
    is one forward and one backward pass, the training data stays on the
    device, and the host reads the losses once, at the end. Each estimator
    ends up as if ``estimators[k].fit(X[sample_indices[k]],
    y[sample_indices[k]])`` had been called (see Notes for how exactly).

    Parameters
    ----------
    estimators : list of ResNetClassifier
        Unfitted or fitted classifiers; each is refitted from scratch, in
        place, with its own ``random_state``, ``dropout``, ``lr`` and
        ``max_epochs``. ``n_filters``, ``n_blocks``, ``kernel_size``,
        ``batch_size`` and the resolved ``device`` must be equal for all.
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
        Compile the batched forward and loss with ``torch.compile``; pays on
        a GPU for long runs, costs compile time everywhere.

    Returns
    -------
    estimators : list of ResNetClassifier
        The same objects, fitted.

    See Also
    --------
    ResNetClassifier : One network, one ``fit``.

    Notes
    -----
    **Equivalence.** Each network gets the initial weights that
    ``ResNetClassifier.fit`` would draw (the estimator builds its own skorch
    net), its own copy of the estimator's torch random stream, from which it
    draws its epoch permutations and dropout masks in the order
    ``ResNetClassifier`` draws them, its own batch-norm statistics over its
    own rows, its own cross-entropy (mean over its batch) and its own Adam
    state. On the CPU the fitted networks therefore match ``fit`` to float
    rounding (grouped and single convolutions sum in different orders):
    same batch order, same dropout masks, predictions equal to ~1e-5.
    On CUDA, permutations are identical too, but ``ResNetClassifier``'s
    fused dropout kernel draws other masks than ``bernoulli_``, so the
    networks are equal in distribution only (cuDNN is not bitwise
    deterministic either). Results never depend on which networks share a
    batched call.

    **Unequal training sets.** Networks whose training sets differ in size
    take different numbers of steps per epoch. Shorter batches are padded
    with rows that are excluded from the batch-norm statistics, the loss and
    the running averages; a network with no batch left in a step is not
    updated at all (its Adam state and step count stand still).

    After fitting, each estimator's ``net_`` holds the trained weights, the
    Adam state and a per-epoch ``train_loss`` history, and its random
    stream continues where training left it, so ``partial_fit`` goes on as
    it would after ``fit``.

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
        if not isinstance(est, ResNetClassifier):
            raise TypeError(
                f"fit_resnets trains ResNetClassifier instances; got {type(est)!r}."
            )
        est._validate_params()
    if len({id(est) for est in estimators}) < len(estimators):
        raise ValueError("an estimator appears twice in estimators.")
    n_samples = len(X)
    if sample_indices is None:
        sample_indices = [np.arange(n_samples)] * len(estimators)
    if len(sample_indices) != len(estimators):
        raise ValueError(
            f"sample_indices has {len(sample_indices)} entries for "
            f"{len(estimators)} estimators."
        )
    for name in _SHARED_PARAMS:
        values = {est.get_params()[name] for est in estimators}
        if len(values) > 1:
            raise ValueError(
                f"all estimators must share {name} to train as one batch; "
                f"got {sorted(values)}."
            )
    indices = [
        column_or_1d(check_array(np.asarray(idx), ensure_2d=False, dtype=np.int64))
        for idx in sample_indices
    ]
    labels = []
    for est, idx in zip(estimators, indices):
        # The estimator validates exactly what its own fit would see.
        _, y_enc = est._validate(
            _safe_indexing(X, idx), _safe_indexing(y, idx), reset=True
        )
        labels.append(y_enc)
    if len({len(est.classes_) for est in estimators}) > 1:
        raise ValueError(
            "every estimator's training rows must hold the same number of classes."
        )
    X = check_array(X, dtype=np.float32)
    for est in estimators:
        est._initialize(X.shape[1])
    devices = {est.device_ for est in estimators}
    if len(devices) > 1:
        raise ValueError(f"all estimators must train on one device; got {devices}.")

    engine = _BatchedResNets(estimators, X, indices, labels, precision, compile)
    for _ in range(max(est.max_epochs for est in estimators)):
        engine.train_epoch()
    engine.write_back()
    return estimators


class _BatchedResNets:
    """K ResNet1D networks held as stacked tensors and trained in lockstep.

    Parameters and buffers of network k are row k of tensors of shape
    ``(K, ...)``; activations have shape ``(batch, K * channels, length)``
    with network k's channels contiguous, so every convolution is one
    grouped convolution, every batch norm (K * channels features) is per
    network, and the dense layer is one batched product.
    """

    def __init__(self, estimators, X, indices, labels, precision, compile):
        self.estimators = estimators
        self.K = len(estimators)
        est0 = estimators[0]
        self.template = est0.net_.module_
        self.device = est0.device_
        self.batch_size = est0.batch_size
        self.n_outputs = len(est0.classes_)
        self.dropout = [float(est.dropout) for est in estimators]
        self.max_epochs = [est.max_epochs for est in estimators]
        self.precision = precision
        self.epoch = 0

        modules = [est.net_.module_ for est in estimators]
        self.params = {
            name: torch.stack(
                [dict(m.named_parameters())[name].detach() for m in modules]
            )
            .clone()
            .requires_grad_(True)
            for name, _ in self.template.named_parameters()
        }
        self.buffers = {
            name: torch.stack([dict(m.named_buffers())[name] for m in modules]).clone()
            for name, _ in self.template.named_buffers()
            if not name.endswith("num_batches_tracked")
        }
        self.exp_avg = {n: torch.zeros_like(p) for n, p in self.params.items()}
        self.exp_avg_sq = {n: torch.zeros_like(p) for n, p in self.params.items()}
        self.steps = np.zeros(self.K, dtype=np.int64)
        self.lr = np.array([est.lr for est in estimators], dtype=np.float64)

        # Each network's own random streams, resumed where its _initialize left
        # them: permutations on the CPU, dropout masks on the training device.
        self.perm_gen, self.mask_gen = [], []
        for est in estimators:
            cpu_state, cuda_state = est._rng_state_
            gen = torch.Generator()
            gen.set_state(cpu_state)
            self.perm_gen.append(gen)
            if self.device.type == "cuda":
                mask_gen = torch.Generator(device=self.device)
                mask_gen.set_state(cuda_state)
                self.mask_gen.append(mask_gen)
            else:
                self.mask_gen.append(gen)

        self.X = torch.as_tensor(X, device=self.device)
        self.indices = [torch.as_tensor(idx) for idx in indices]
        self.labels = [torch.as_tensor(lab, dtype=torch.int64) for lab in labels]
        self.losses = []  # per epoch: (K,) summed loss on the device, (K,) counts
        self.step_loss = torch.compile(self._step_loss) if compile else self._step_loss

    # ------------------------------------------------------------- schedule
    def _epoch_plan(self):
        """Rows, labels and validity of every step of one epoch, for all networks."""
        B, K = self.batch_size, self.K
        active = [self.epoch < e for e in self.max_epochs]
        n_steps = max(
            math.ceil(len(idx) / B) if act else 0
            for idx, act in zip(self.indices, active)
        )
        rows = torch.zeros(n_steps, K, B, dtype=torch.int64)
        labels = torch.zeros(n_steps, K, B, dtype=torch.int64)
        counts = np.zeros((n_steps, K), dtype=np.int64)
        for k in range(K):
            if not active[k]:
                continue
            n = len(self.indices[k])
            order = torch.randperm(n, generator=self.perm_gen[k])
            padded = torch.zeros(n_steps * B, dtype=torch.int64)
            padded[:n] = order
            valid = np.minimum(np.maximum(n - np.arange(n_steps) * B, 0), B)
            counts[:, k] = valid
            rows[:, k] = self.indices[k][padded].view(n_steps, B)
            labels[:, k] = self.labels[k][padded].view(n_steps, B)
        return rows, labels, counts

    # -------------------------------------------------------------- forward
    def _conv(self, h, name, conv):
        w = self.params[name + ".weight"]
        if conv.extra_right:
            h = F.pad(h, (0, conv.extra_right))
        return F.conv1d(
            h,
            w.reshape(-1, *w.shape[2:]),
            self.params[name + ".bias"].reshape(-1),
            stride=conv.stride,
            padding=conv.padding,
            groups=self.K,
        )

    def _bn(self, h, name, bn, mask):
        weight = self.params[name + ".weight"]
        bias = self.params[name + ".bias"]
        mean = self.buffers[name + ".running_mean"]
        var = self.buffers[name + ".running_var"]
        if mask is None:  # every network has a full batch: the native kernel
            return F.batch_norm(
                h,
                mean.view(-1),
                var.view(-1),
                weight.reshape(-1),
                bias.reshape(-1),
                training=True,
                momentum=bn.momentum,
                eps=bn.eps,
            )
        valid, counts, active = mask
        B, KC, L = h.shape
        hv = h.float().view(B, self.K, KC // self.K, L)
        m = valid.view(B, self.K, 1, 1)
        n = (counts * L).view(self.K, 1)
        batch_mean = (hv * m).sum((0, 3)) / n.clamp(min=1)
        centred = hv - batch_mean[None, :, :, None]
        batch_var = (centred * centred * m).sum((0, 3)) / n.clamp(min=1)
        out = centred * torch.rsqrt(batch_var + bn.eps)[None, :, :, None]
        out = out * weight[None, :, :, None] + bias[None, :, :, None]
        with torch.no_grad():
            unbiased = batch_var * n / (n - 1).clamp(min=1)
            keep = active.view(self.K, 1)
            mean.copy_(torch.where(keep, mean.lerp(batch_mean, bn.momentum), mean))
            var.copy_(torch.where(keep, var.lerp(unbiased, bn.momentum), var))
        return out.view(B, KC, L).to(h.dtype)

    def _widen(self, h, extra):
        """Zero channels appended to each network's own channels."""
        B, KC, L = h.shape
        h = F.pad(h.view(B, self.K, KC // self.K, L), (0, 0, 0, extra))
        return h.reshape(B, -1, L)

    def _forward(self, x, masks, bn_mask):
        """Logits (B, K, n_outputs) for x of shape (B, K, n_times)."""
        net = self.template
        h = self._conv(x, "stem.0", net.stem[0])
        h = F.relu(self._bn(h, "stem.1", net.stem[1], bn_mask))
        for i, block in enumerate(net.blocks):
            prefix = f"blocks.{i}."
            shortcut = block.shortcut(h)
            if block.extra_channels:
                shortcut = self._widen(shortcut, block.extra_channels)
            if not isinstance(block.preact, nn.Identity):
                h = F.relu(self._bn(h, prefix + "preact.0", block.preact[0], bn_mask))
            h = self._conv(h, prefix + "conv1", block.conv1)
            h = F.relu(self._bn(h, prefix + "bn2", block.bn2, bn_mask))
            if masks[i] is not None:
                h = h * masks[i]
            h = self._conv(h, prefix + "conv2", block.conv2)
            h = h + shortcut
        h = F.relu(self._bn(h, "head.0", net.head[0], bn_mask))
        features = h.mean(dim=-1).view(len(x), self.K, -1)
        weight, bias = self.params["fc.weight"], self.params["fc.bias"]
        return torch.einsum("bkc,koc->bko", features.float(), weight) + bias

    def _step_loss(self, x, target, masks, bn_mask, scale):
        """Sum over networks of each one's mean cross-entropy; and that per network."""
        autocast = torch.autocast(
            self.device.type,
            dtype=torch.bfloat16,
            enabled=self.precision == "bf16",
        )
        with autocast:
            logits = self._forward(x, masks, bn_mask)
        per_row = F.cross_entropy(
            logits.reshape(-1, self.n_outputs).float(),
            target.reshape(-1),
            reduction="none",
        ).view(target.shape)
        per_net = (per_row * scale).sum(0)  # scale: 1/n_k on valid rows, else 0
        return per_net.sum(), per_net

    def _dropout_masks(self, counts, widths):
        """Per block, each network's mask drawn as its own ``nn.Dropout`` would."""
        masks = []
        for channels, length in widths:
            if not any(p > 0 for p in self.dropout):
                masks.append(None)
                continue
            per_net = []
            for k in range(self.K):
                p, n = self.dropout[k], int(counts[k])
                noise = torch.ones(
                    self.batch_size, channels, length, device=self.device
                )
                if p > 0 and n > 0:
                    # torch's CPU dropout: bernoulli_(1 - p), div_(1 - p), multiply.
                    drawn = torch.empty(n, channels, length, device=self.device)
                    drawn.bernoulli_(1 - p, generator=self.mask_gen[k])
                    noise[:n] = drawn.div_(1 - p)
                per_net.append(noise)
            masks.append(torch.stack(per_net, dim=1).view(self.batch_size, -1, length))
        return masks

    # ---------------------------------------------------------------- train
    def train_epoch(self):
        """One epoch of every network still training, with no host sync."""
        rows, labels, counts = self._epoch_plan()
        B, K, dev = self.batch_size, self.K, self.device
        n_steps = len(counts)
        # Everything a step needs is built on the host for the whole epoch
        # (the schedule is static) and moved to the device in a few copies.
        valid = np.arange(B)[None, :, None] < counts[:, None, :]  # (T, B, K)
        scale = valid / np.maximum(counts, 1)[:, None, :]
        adam = self._adam_schedule(counts > 0)  # (T, 5, K)
        on_dev = {
            name: torch.as_tensor(value, dtype=torch.float32).to(dev, non_blocking=True)
            for name, value in [
                ("valid", valid),
                ("scale", scale),
                ("counts", counts),
                ("adam", adam),
            ]
        }
        rows = rows.to(dev, non_blocking=True)
        labels = labels.to(dev, non_blocking=True)
        widths = [
            (block.conv1.out_channels, self._block_length(i))
            for i, block in enumerate(self.template.blocks)
        ]
        names = list(self.params)
        epoch_loss = torch.zeros(K, device=dev)
        start = time.perf_counter()
        for t in range(n_steps):
            n_t = on_dev["counts"][t]
            bn_mask = None
            if not (counts[t] == B).all():
                bn_mask = (on_dev["valid"][t], n_t, n_t > 0)
            x = self.X[rows[t]].transpose(0, 1)  # (B, K, n_times)
            masks = self._dropout_masks(counts[t], widths)
            loss, per_net = self.step_loss(
                x, labels[t].T, masks, bn_mask, on_dev["scale"][t]
            )
            grads = torch.autograd.grad(loss, [self.params[n] for n in names])
            self._adam_step(names, grads, on_dev["adam"][t])
            epoch_loss += per_net.detach() * n_t
        self.losses.append(
            (epoch_loss, counts.sum(0), n_steps, time.perf_counter() - start)
        )
        self.epoch += 1

    def _block_length(self, index):
        length = self.template.n_times
        for i in range(index + 1):
            length = math.ceil(length / self.template.blocks[i].conv1.stride[0])
        return length

    def _adam_schedule(self, active):
        """Per step and network: the coefficients of torch.optim.Adam's update.

        Rows: weight of the gradient in the first moment, decay and gradient
        weight of the second moment, sqrt of the second bias correction, and
        minus the step size; a network without a batch in a step gets
        coefficients that leave its parameters and moments as they are.
        """
        steps = self.steps + np.cumsum(active, axis=0)  # (T, K)
        self.steps = steps[-1] if len(steps) else self.steps
        safe = np.maximum(steps, 1)
        return np.stack(
            [
                np.where(active, 1 - _BETA1, 0.0),
                np.where(active, _BETA2, 1.0),
                np.where(active, 1 - _BETA2, 0.0),
                np.sqrt(1 - _BETA2**safe),
                np.where(active, -self.lr / (1 - _BETA1**safe), 0.0),
            ],
            axis=1,
        )

    @torch.no_grad()
    def _adam_step(self, names, grads, coef):
        """torch.optim.Adam's single-tensor update, one set of coefficients per net."""
        for name, grad in zip(names, grads):
            param, m, v = self.params[name], self.exp_avg[name], self.exp_avg_sq[name]
            c = coef.view(5, self.K, *([1] * (param.dim() - 1)))
            m.lerp_(grad, c[0])
            v.mul_(c[1]).addcmul_(grad * c[2], grad)
            denom = (v.sqrt() / c[3]).add_(_EPS)
            param.add_(m * c[4] / denom)

    # ----------------------------------------------------------- write back
    def write_back(self):
        """Weights, statistics, Adam state, history and random streams to each net."""
        losses = [
            (loss.cpu().numpy(), seen, n, dur) for loss, seen, n, dur in self.losses
        ]
        for k, est in enumerate(self.estimators):
            net = est.net_
            module = net.module_
            with torch.no_grad():
                for name, p in module.named_parameters():
                    p.copy_(self.params[name][k])
                for name, b in module.named_buffers():
                    if name.endswith("num_batches_tracked"):
                        b.fill_(int(self.steps[k]))
                    else:
                        b.copy_(self.buffers[name][k])
            state = net.optimizer_.state
            for name, p in module.named_parameters():
                state[p] = {
                    "step": torch.tensor(float(self.steps[k])),
                    "exp_avg": self.exp_avg[name][k].detach().clone(),
                    "exp_avg_sq": self.exp_avg_sq[name][k].detach().clone(),
                }
            for epoch in range(est.max_epochs):
                loss, seen, n_steps, dur = losses[epoch]
                mean_loss = float(loss[k] / seen[k])
                net.history.new_epoch()
                net.history.record("epoch", epoch + 1)
                net.history.new_batch()
                net.history.record_batch("train_loss", mean_loss)
                net.history.record_batch("train_batch_size", int(seen[k]))
                net.history.record(
                    "train_batch_count", math.ceil(seen[k] / est.batch_size)
                )
                net.history.record("train_loss", mean_loss)
                net.history.record("dur", dur)
            est.n_iter_ = est.max_epochs
            cpu_state = self.perm_gen[k].get_state()
            cuda_state = (
                self.mask_gen[k].get_state() if self.device.type == "cuda" else None
            )
            est._rng_state_ = (cpu_state, cuda_state)
