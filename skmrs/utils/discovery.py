"""Find every public estimator and sampler that skmrs defines."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from sklearn.base import BaseEstimator

_SKIP_PARTS = {"tests", "cli"}


def all_estimators(type_filter: str | None = None) -> list[tuple[str, type]]:
    """List the public estimators of skmrs, found by walking the package.

    Only the public modules (names without a leading underscore) are
    walked, so an estimator is found as soon as a public module exports it.

    Parameters
    ----------
    type_filter : {"classifier", "transformer", "sampler"} or None, default=None
        Keep only classifiers, transformers or imbalanced-learn samplers.

    Returns
    -------
    estimators : list of (name, class)
        Sorted by name; each class appears once.

    Examples
    --------
    >>> from skmrs.utils import all_estimators
    >>> isinstance(all_estimators(), list)
    True
    """
    import skmrs

    found: dict[str, type] = {}
    for _, module_name, _ in pkgutil.walk_packages(skmrs.__path__, prefix="skmrs."):
        parts = module_name.split(".")
        if any(p.startswith("_") or p in _SKIP_PARTS for p in parts[1:]):
            continue
        module = importlib.import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, BaseEstimator)
                and cls.__module__.startswith("skmrs.")
                and not name.startswith("_")
                and not inspect.isabstract(cls)
            ):
                found[name] = cls
    estimators = sorted(found.items())
    if type_filter is None:
        return estimators
    if type_filter == "classifier":
        from sklearn.base import is_classifier

        return [(n, c) for n, c in estimators if is_classifier(c)]
    if type_filter == "transformer":
        return [(n, c) for n, c in estimators if hasattr(c, "transform")]
    if type_filter == "sampler":
        return [(n, c) for n, c in estimators if hasattr(c, "fit_resample")]
    raise ValueError(
        "type_filter must be one of 'classifier', 'transformer', 'sampler' or "
        f"None; got {type_filter!r}."
    )
