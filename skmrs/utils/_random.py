"""Seeding nested estimators."""

from __future__ import annotations


def set_random_states(estimator, seed: int):
    """Set every ``random_state`` parameter of ``estimator``, nested ones too.

    Parameters
    ----------
    estimator : estimator object
        Changed in place (``set_params``).
    seed : int
        The value given to each ``random_state`` and ``*__random_state``.

    Returns
    -------
    estimator : estimator object
        The same object.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skmrs.utils import set_random_states
    >>> pipe = set_random_states(make_pipeline(PCA(), RandomForestClassifier()), 7)
    >>> pipe.get_params()["randomforestclassifier__random_state"]
    7
    """
    keys = nested_keys(estimator, "random_state")
    return estimator.set_params(**dict.fromkeys(keys, seed))


def nested_keys(estimator, name: str) -> list[str]:
    """The ``get_params`` keys of ``estimator`` that are ``name`` or ``*__name``."""
    return [
        key
        for key in estimator.get_params(deep=True)
        if key == name or key.endswith("__" + name)
    ]
