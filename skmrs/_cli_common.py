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
