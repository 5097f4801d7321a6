"""Input checks shared by the estimators."""

from __future__ import annotations

import numpy as np


def _is_complex(X) -> bool:
    """Whether array-like ``X`` holds complex numbers, without converting it."""
    dtypes = getattr(X, "dtypes", None)  # a DataFrame
    if dtypes is not None and not hasattr(X, "dtype"):
        return any(getattr(dtype, "kind", "") == "c" for dtype in dtypes)
    dtype = getattr(X, "dtype", None)
    if dtype is None:
        dtype = np.asarray(X).dtype
    return getattr(dtype, "kind", "") == "c"


def _check_real(X, estimator) -> None:
    """Refuse complex ``X`` (FIDs, most likely) before scikit-learn's generic check.

    The message keeps scikit-learn's "Complex data not supported", which its
    common checks look for, and says what to do instead.
    """
    if _is_complex(X):
        raise ValueError(
            f"Complex data not supported: {type(estimator).__name__} takes real "
            "spectra, but X is complex (FIDs?). Turn FIDs into spectra with "
            "skmrs.preprocessing.SpectrumPreprocessor first."
        )
