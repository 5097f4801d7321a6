"""Patient ids and labels as people type them: kept as written, checked for slips.

A patient id is a string: ``"007"`` and ``"7"`` are two patients. Surrounding
whitespace is removed (``"p01 "`` is ``"p01"``); ids that still differ only
by case or inner whitespace (``"P01"``, ``"p 01"``) are reported, since they
are most often one patient typed twice. Labels are stripped the same way, and
labels that differ only by case or whitespace are refused.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

_SPACE = re.compile(r"\s+")


def _key(text: str) -> str:
    """What two spellings of one id share: no case, no whitespace."""
    return _SPACE.sub("", text).casefold()


def near_duplicates(values) -> list[list[str]]:
    """Groups of distinct strings that differ only by case or whitespace.

    Examples
    --------
    >>> near_duplicates(["p01", "P01", "p02", "p 02", "p03"])
    [['P01', 'p01'], ['p 02', 'p02']]
    """
    groups: dict[str, set] = {}
    for value in set(values):
        groups.setdefault(_key(value), set()).add(value)
    return sorted(sorted(g) for g in groups.values() if len(g) > 1)


def _as_text(values, where: str, role: str) -> np.ndarray:
    """Values as stripped strings (object array); an empty one is refused."""
    text = np.asarray(
        [v.strip() if isinstance(v, str) else str(v) for v in values], dtype=object
    )
    empty = np.flatnonzero(text == "")
    if len(empty):
        raise ValueError(f"{where}: {role} column is empty in row {int(empty[0])}.")
    return text


def clean_patient_ids(values, where: str) -> np.ndarray:
    """Patient ids as stripped strings; near-duplicates reported by a warning.

    Numeric arrays (an NPZ archive's integer ids) are kept as they are: their
    values have one spelling only.
    """
    values = np.asarray(values)
    if values.dtype.kind in "biu":
        return values
    ids = _as_text(values, where, "group")
    slips = near_duplicates(ids)
    if slips:
        shown = "; ".join(" / ".join(repr(v) for v in g) for g in slips[:5])
        more = f" (and {len(slips) - 5} more)" if len(slips) > 5 else ""
        warnings.warn(
            f"{where}: patient ids that differ only by case or whitespace are "
            f"kept as different patients: {shown}{more}. If they are one "
            "patient, write the id the same way everywhere.",
            UserWarning,
            stacklevel=3,
        )
    return ids


def clean_labels(values, where: str) -> np.ndarray:
    """Labels with surrounding whitespace removed; case/space variants refused.

    Numeric labels are returned unchanged.
    """
    values = np.asarray(values)
    if values.dtype.kind in "biufc":
        return values
    labels = _as_text(values, where, "label")
    slips = near_duplicates(labels)
    if slips:
        shown = "; ".join(" / ".join(repr(v) for v in g) for g in slips)
        raise ValueError(
            f"{where}: labels that differ only by case or whitespace would "
            f"train separate classes: {shown}. Write each class one way."
        )
    return _numeric_if_all(labels)


def _numeric_if_all(labels: np.ndarray) -> np.ndarray:
    """Numeric labels read as text (``"0"``, ``"1.0"``) back as numbers.

    Integral values become integers; text such as ``"None"`` or ``"NA"``
    keeps every label text.
    """
    try:
        numbers = np.asarray([float(v) for v in labels])
    except ValueError:
        return labels
    if not np.all(np.isfinite(numbers)):
        return labels
    if np.all(numbers == np.round(numbers)):
        return numbers.astype(np.int64)
    return numbers
