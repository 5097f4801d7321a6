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


def _check_not_missing(values, name: str, what: str) -> None:
    """A ValueError naming the first NaN or None of a 1-D array of any dtype."""
    if values.dtype.kind == "f":
        missing = np.isnan(values)
    elif values.dtype.kind == "O":
        missing = np.array([v is None or v != v for v in values], dtype=bool)
    else:
        return
    if missing.any():
        raise ValueError(
            f"{name} holds a missing {what} (NaN or None) at index "
            f"{int(np.flatnonzero(missing)[0])}."
        )


def check_groups(groups, n_samples: int):
    """``groups`` as an array of one patient id per spectrum; None stays None.

    A scalar, an array of another length and a missing id (NaN or None) are
    refused with a ValueError: a NaN id would pool every unidentified
    spectrum into one patient.
    """
    if groups is None:
        return None
    if np.ndim(groups) == 0:
        raise ValueError(
            f"groups must hold one patient id per spectrum; got {groups!r}."
        )
    groups = np.asarray(groups)
    if groups.shape != (n_samples,):
        raise ValueError(
            f"groups must hold one patient id per spectrum: {n_samples} spectra, "
            f"groups of shape {groups.shape}."
        )
    _check_not_missing(groups, "groups", "patient id")
    return groups
