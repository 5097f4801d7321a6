"""Shared base of the skmrs samplers: dense float input, no per-class targets."""

import numpy as np
from imblearn.base import BaseSampler
from imblearn.utils import check_target_type
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from ..utils._model_state import ModelStateMixin
from ..utils._validation import _check_real


class _BaseDenseSampler(ModelStateMixin, BaseSampler):
    """Base of the skmrs samplers.

    They are ``"bypass"`` samplers: they decide themselves how many samples
    of each class come out, so they have no ``sampling_strategy`` parameter.
    They take dense floating-point spectra only and keep their dtype
    (float32 stays float32, anything else becomes float64).
    """

    _sampling_type = "bypass"
    # Read by imblearn's ``fit_resample``; not a parameter of these samplers.
    sampling_strategy = "auto"

    def __init__(self):
        # Parameters are stored by the subclasses; nothing to store here.
        pass

    def _check_X_y(self, X, y, accept_sparse=False):
        _check_real(X, self)
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        X, y = validate_data(
            self,
            X=X,
            y=y,
            reset=True,
            accept_sparse=accept_sparse,
            dtype=[np.float64, np.float32],
        )
        return X, y, binarize_y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


_random_state_doc = """random_state : int, RandomState instance or None, default=None
        Seeds the random draws of :meth:`fit_resample`. Pass an int for
        output that is identical across calls.""".strip()

_keep_original_doc = """keep_original : bool, default=True
        Whether the input samples are returned, first and in their order,
        before the new ones. The paper trains on the augmented set and does
        not say whether the source samples stay in it; skmrs keeps them by
        default, since they are real spectra and, after distillation, the
        cleanest ones. With ``keep_original=True`` and ``factor=0`` the
        sampler returns its input unchanged.""".strip()


def _n_new_samples(factor, n_samples):
    """Number of new samples: ``factor`` times the number of inputs, rounded."""
    return int(round(factor * n_samples))


def _draw_targets(n_samples, n_new, random_state):
    """Indices of the samples to augment, each used as evenly as possible.

    Every sample is augmented ``n_new // n_samples`` times; the remainder is a
    draw without replacement.
    """
    full, remainder = divmod(n_new, n_samples)
    return np.concatenate(
        [
            np.tile(np.arange(n_samples), full),
            random_state.choice(n_samples, remainder, replace=False),
        ]
    ).astype(np.intp)


def _stack(X, y, X_new, y_new, keep_original, name):
    if keep_original:
        return np.vstack([X, X_new]), np.concatenate([y, y_new])
    if X_new.shape[0] == 0:
        raise ValueError(
            f"{name} would return no sample: factor rounds to 0 new samples and "
            "keep_original=False. Increase factor or set keep_original=True."
        )
    return X_new, y_new


class _BaseAugmenter(_BaseDenseSampler):
    """Base of the augmenters: draw targets, make one new sample each, stack.

    ``round(factor * n_samples)`` targets are drawn (every sample
    ``floor(factor)`` times, the rest without replacement); a subclass makes
    the new samples in ``_new_samples`` and records what it drew. The new
    samples carry their target's label and follow the input when
    ``keep_original``.
    """

    def _fit_resample(self, X, y):
        random_state = check_random_state(self.random_state)
        n_new = _n_new_samples(self.factor, X.shape[0])
        targets = _draw_targets(X.shape[0], n_new, random_state)
        X_new = self._new_samples(X, y, targets, random_state)
        return _stack(
            X,
            y,
            X_new.astype(X.dtype, copy=False),
            y[targets],
            self.keep_original,
            type(self).__name__,
        )

    def _new_samples(self, X, y, targets, random_state):
        """One new sample per entry of ``targets``."""
        raise NotImplementedError
