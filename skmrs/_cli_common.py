"""Pieces shared by the ``skmrs`` commands (``cli`` and ``_cli_model``)."""

from __future__ import annotations

import contextlib
import os
import warnings


@contextlib.contextmanager
def _quiet(enabled: bool):
    """Silence per-fit warnings, in worker processes too (they inherit the env).

    The distiller's fallback warning would otherwise repeat for every fold; the
    table's notes summarise it instead.
    """
    if not enabled:
        yield
        return
    previous = os.environ.get("PYTHONWARNINGS")
    os.environ["PYTHONWARNINGS"] = "ignore"
    try:
        from .benchmark._store import OutputFolderWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("always", OutputFolderWarning)  # not per fit
            yield
    finally:
        if previous is None:
            del os.environ["PYTHONWARNINGS"]
        else:
            os.environ["PYTHONWARNINGS"] = previous


def _positive_class(y, label=None):
    """The tumour class of the labels ``y`` and a line that names it.

    ``label`` is ``--positive-label`` (compared as text, so ``1`` finds the
    integer label 1); without it the label 1 when there is one, else the
    last label in sorted order, and the line says so.
    """
    import numpy as np

    from .metrics import positive_label

    classes = np.unique(y)
    if label is None:
        positive = positive_label(classes)
        how = (
            "the label 1"
            if str(positive) == "1"
            else "the last label in sorted order; choose with --positive-label"
        )
    else:
        matches = [c for c in classes if str(c) == str(label)]
        if not matches:
            raise ValueError(
                f"--positive-label {label!r} is not a label of the data; its "
                f"labels are {', '.join(map(str, classes))}."
            )
        positive, how = matches[0], "--positive-label"
    note = f"positive (tumour) class: '{positive}' ({how}); SEN is its sensitivity"
    return positive, note
