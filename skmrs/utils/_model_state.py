"""What a model file saves of an estimator, and how the estimator is rebuilt.

Each skmrs estimator owns its state, as a torch module owns its
``state_dict``: :class:`ModelStateMixin` gives it a name in model files and
the two methods :func:`skmrs.io.save_model` and :func:`skmrs.io.load_model`
call, so the model files know no private attribute of any estimator and need
no edit for a new one.
"""

from __future__ import annotations

import importlib
import pkgutil

__all__ = ["ModelStateMixin", "registered_model_type", "registered_model_types"]

# name in a model file -> class; filled as the classes are defined
_REGISTRY: dict[str, type] = {}


class ModelStateMixin:
    """Mixin of the estimators a skmrs model file may hold.

    A class joins by setting ``_skmrs_model_name``, its name in model files
    (by convention the public path it is imported from), in its own body;
    a subclass that does not set its own name is not registered, so a
    model file never rebuilds a class that did not ask for it.

    The default state is the estimator's ``__getstate__()`` (its parameters
    and fitted attributes: JSON values, NumPy arrays and scalars, torch
    tensors and other registered estimators), rebuilt with ``__setstate__``.
    An estimator that holds anything else (a torch network, an optimiser)
    overrides both methods, and its :meth:`_skmrs_from_state_` checks what it
    reads before it allocates or indexes with it: a ``ValueError`` there
    names the problem, and :func:`skmrs.io.load_model` adds the file.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> from skmrs.utils import ModelStateMixin
    >>> from skmrs.utils._model_state import registered_model_type
    >>> class MyEstimator(ModelStateMixin, BaseEstimator):
    ...     _skmrs_model_name = "mypackage.MyEstimator"
    ...     def __init__(self, alpha=1.0):
    ...         self.alpha = alpha
    >>> registered_model_type("mypackage.MyEstimator") is MyEstimator
    True
    >>> MyEstimator._skmrs_from_state_(MyEstimator(2.0)._skmrs_state_()).alpha
    2.0
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("_skmrs_model_name")
        if name is None:
            return
        known = _REGISTRY.get(name)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise TypeError(
                f"{cls.__qualname__} takes the model-file name {name!r} of "
                f"{known.__module__}.{known.__qualname__}."
            )
        _REGISTRY[name] = cls

    def _skmrs_state_(self) -> dict:
        """What a model file saves: a dict of attribute names to values."""
        return dict(self.__getstate__())

    @classmethod
    def _skmrs_from_state_(cls, state: dict):
        """The estimator rebuilt from what :meth:`_skmrs_state_` returned."""
        obj = cls.__new__(cls)
        obj.__setstate__(state)
        return obj


def _skmrs_modules() -> list[str]:
    """``skmrs`` and its public subpackages, by name."""
    import skmrs

    return ["skmrs"] + [
        f"skmrs.{module.name}"
        for module in pkgutil.iter_modules(skmrs.__path__)
        if module.ispkg and not module.name.startswith("_")
    ]


def registered_model_types() -> dict[str, type]:
    """Every class that asked to be held by model files: name -> class.

    The public subpackages of skmrs are imported first, with every name they
    export (some import theirs on first use), so that every skmrs estimator
    is defined and registered.
    """
    for name in _skmrs_modules():
        module = importlib.import_module(name)
        for attribute in getattr(module, "__all__", ()):
            getattr(module, attribute)
    return dict(_REGISTRY)


def registered_model_type(name: str) -> type | None:
    """The class registered under ``name``, or None.

    A skmrs name (``skmrs.ResNetClassifier``, ``skmrs.sampling.X``) imports
    only the module it names, so that reading a model file imports what the
    file holds and not every subpackage; any other name is looked up after
    all of them are imported.
    """
    cls = _REGISTRY.get(name)
    if cls is not None or not isinstance(name, str):
        return cls
    module, _, attribute = name.rpartition(".")
    if module in _skmrs_modules():
        try:
            getattr(importlib.import_module(module), attribute, None)
        except ImportError:  # pragma: no cover - a broken installation
            pass
        cls = _REGISTRY.get(name)
    return cls if cls is not None else registered_model_types().get(name)
