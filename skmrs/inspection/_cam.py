"""Class activation maps of a fitted network, through pipelines too."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted


def _cam_estimator(estimator):
    """The fitted step that has ``class_activation_maps``, and the steps before it.

    A scikit-learn or imbalanced-learn pipeline is searched for a final step
    with the method; samplers before it act at fit time only and are skipped.
    """
    steps = getattr(estimator, "steps", None)
    if not hasattr(estimator, "class_activation_maps") and steps:
        final = steps[-1][1]
        if hasattr(final, "class_activation_maps"):
            before = [
                step
                for _, step in steps[:-1]
                if step not in (None, "passthrough")
                and not hasattr(step, "fit_resample")
            ]
            return final, before
    if not hasattr(estimator, "class_activation_maps"):
        raise TypeError(
            f"{type(estimator).__name__} has no class_activation_maps method. "
            "Class activation maps need a network that ends in global average "
            "pooling, such as skmrs.ResNetClassifier or skmrs.DistillMixClassifier "
            "(or a pipeline that ends in one)."
        )
    return estimator, []


def class_activation_maps(estimator, X, *, class_label=None):
    """Class activation maps of spectra, from any fitted CAM-capable estimator.

    Calls ``estimator.class_activation_maps``; for a pipeline whose last step
    has that method, ``X`` first goes through the transformers before it (the
    samplers are fit-time only), and those transformed spectra are returned
    beside the maps, since the maps are aligned with them.

    Parameters
    ----------
    estimator : estimator object
        Fitted :class:`~skmrs.ResNetClassifier`,
        :class:`~skmrs.DistillMixClassifier`, another estimator with a
        ``class_activation_maps(X, class_label=None)`` method, or a pipeline
        ending in one.
    X : array-like of shape (n_samples, n_points)
        Spectra.
    class_label : label or None, default=None
        Class whose map to compute; None takes each spectrum's predicted
        class.

    Returns
    -------
    cams : ndarray of shape (n_samples, n_points)
        One map per spectrum, large where the points push towards the class.
    X_used : ndarray of shape (n_samples, n_points)
        The spectra the maps belong to (``X`` after the pipeline's
        transformers, or ``X`` itself).

    Raises
    ------
    TypeError
        If ``estimator`` (or its last step) has no ``class_activation_maps``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmrs import ResNetClassifier
    >>> from skmrs.inspection import class_activation_maps
    >>> X = np.random.default_rng(0).normal(size=(20, 32)).astype(np.float32)
    >>> y = np.repeat([0, 1], 10)
    >>> clf = ResNetClassifier(n_filters=2, n_blocks=1, kernel_size=3,
    ...                        max_epochs=1, random_state=0).fit(X, y)
    >>> cams, X_used = class_activation_maps(clf, X, class_label=1)
    >>> cams.shape
    (20, 32)
    """
    final, before = _cam_estimator(estimator)
    check_is_fitted(final)
    Xt = X
    for step in before:
        Xt = step.transform(Xt)
    cams = np.asarray(final.class_activation_maps(Xt, class_label=class_label))
    return cams, np.asarray(Xt, dtype=float)
