"""A ResNetClassifier's state in a model file, and its checks before rebuilding.

The classifier saves its parameters and fitted attributes as any estimator
does, and its skorch net as ``net_``: the device it trained on, the
network's ``state_dict``, the optimiser's, the per-epoch history and its
random streams. Rebuilding checks the hyperparameters, the network's size
and every weight's name, shape and dtype before the network is allocated.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from ..models import ResNet1D

#: Most parameters of one network (1 GiB of float32 weights).
MAX_NETWORK_PARAMETERS = 2**28
#: Declared range of each network hyperparameter: name -> (low, high).
NETWORK_RANGES = {
    "n_filters": (1, 4096),
    "n_blocks": (1, 64),
    "kernel_size": (1, 4096),
    "n_features_in_": (1, 2**20),
    "n_classes": (2, 1024),
}
_NET_KEYS = {"device", "module", "optimizer", "history", "rng_state"}


def resnet_state(clf) -> dict:
    """What a model file saves of ``clf``: its state, the skorch net as ``net_``."""
    state = dict(clf.__getstate__())  # a copy: it may be the __dict__ itself
    net = state.pop("net_", None)
    state.pop("device_", None)
    rng_state = state.pop("_rng_state_", None)
    if net is not None:
        state["net_"] = {
            "device": str(clf.device_),
            "module": net.module_.state_dict(),
            "optimizer": net.optimizer_state(),
            "history": net.history.to_list(),
            "rng_state": rng_state,
        }
    return state


def resnet_from_state(cls, state: dict, resolve_device):
    """A ``cls`` rebuilt from :func:`resnet_state`; ``ValueError`` if it is not one.

    A network trained on a device this machine lacks is loaded on the CPU,
    with a warning.
    """
    state = dict(state)
    net = state.pop("net_", None)
    clf = cls.__new__(cls)
    clf.__setstate__(state)
    if net is None:
        return clf
    if not isinstance(net, dict) or set(net) != _NET_KEYS:
        raise ValueError(f"{cls.__name__}: net_ is not a network's training state")
    device = loading_device(clf, net["device"], resolve_device)
    n_iter = clf.n_iter_
    check_network_params(clf)
    check_network_weights(clf, net["module"], _template(clf))
    # the optimiser is built when training resumes: scoring never needs it
    clf._initialize(clf.n_features_in_, device=device, optimizer_state=net["optimizer"])
    clf.net_.module_.load_state_dict(net["module"])
    clf.net_.history.extend(net["history"])
    clf.n_iter_ = n_iter
    if net["rng_state"] is not None:
        cpu_state, cuda_state = net["rng_state"]
        clf._rng_state_ = (cpu_state, cuda_state if device.type == "cuda" else None)
    return clf


def _int_in(value, low: int, high: int) -> bool:
    return (
        isinstance(value, (int, np.integer))
        and not isinstance(value, (bool, np.bool_))
        and low <= value <= high
    )


def check_network_params(clf) -> None:
    """Hyperparameters of a fitted network in their declared ranges, and its size."""
    where = type(clf).__name__
    values = {
        name: getattr(clf, name, None)
        for name in ("n_filters", "n_blocks", "kernel_size", "n_features_in_")
    }
    classes = getattr(clf, "classes_", None)
    values["n_classes"] = len(classes) if isinstance(classes, np.ndarray) else None
    check_ranges(where, values, getattr(clf, "dropout", None))


def check_ranges(where: str, values: dict, dropout, ranges=None) -> None:
    """Integer settings in their declared ranges, and ``dropout`` in [0, 1).

    ``ranges`` (name -> (low, high)) adds to :data:`NETWORK_RANGES`.
    """
    ranges = {**NETWORK_RANGES, **(ranges or {})}
    for name, value in values.items():
        low, high = ranges[name]
        if not _int_in(value, low, high):
            raise ValueError(f"{where}: {name}={value!r} is not in [{low}, {high}]")
    if not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"{where}: dropout={dropout!r} is not in [0, 1)")


def loading_device(clf, trained_on: str, resolve_device) -> torch.device:
    """The device ``clf``'s network is loaded on: its ``device``, else the CPU.

    A network trained on a device this machine lacks is loaded on the CPU,
    with a warning.
    """
    try:
        return resolve_device(clf.device)
    except ValueError as exc:
        warnings.warn(
            f"The network was trained on {trained_on} and is loaded on the CPU: {exc}",
            UserWarning,
            stacklevel=6,
        )
        return torch.device("cpu")


def _template(clf) -> dict:
    """The described network's ``state_dict`` on torch's ``meta`` device."""
    return meta_template(
        type(clf).__name__, lambda: ResNet1D(**clf._module_params(clf.n_features_in_))
    )


def meta_template(where: str, build) -> dict:
    """``build()``'s ``state_dict`` on torch's ``meta`` device.

    Shapes without memory; the size is checked against
    :data:`MAX_NETWORK_PARAMETERS`.
    """
    too_many = (
        f"{where}: the network described has more than "
        f"{MAX_NETWORK_PARAMETERS} parameters"
    )
    try:
        with torch.device("meta"):
            module = build()
    except RuntimeError:  # sizes past what torch can count
        raise ValueError(f"{too_many} (too many to count)") from None
    template = module.state_dict()
    n = sum(tensor.numel() for tensor in template.values())
    if n > MAX_NETWORK_PARAMETERS:
        raise ValueError(f"{too_many} ({n})")
    return template


def check_network_weights(clf, weights, template) -> None:
    """Weights with exactly the names, shapes and dtypes of ``template``."""
    where = f"{type(clf).__name__} weights"
    if not isinstance(weights, dict) or set(weights) != set(template):
        raise ValueError(f"{where}: the weights do not name the network's layers")
    for name, expected in template.items():
        got = weights[name]
        # save_model has written 0-d tensors as 1-d, which torch accepts
        shapes = [expected.shape] + ([(1,)] if expected.dim() == 0 else [])
        if (
            not isinstance(got, torch.Tensor)
            or got.shape not in shapes
            or got.dtype != expected.dtype
        ):
            shape = getattr(got, "shape", None)
            raise ValueError(
                f"{where}: weight {name} has shape "
                f"{tuple(shape) if shape is not None else None}, the network "
                f"described needs {tuple(expected.shape)} ({expected.dtype})"
            )
