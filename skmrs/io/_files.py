"""Writing files without ever destroying one: atomic replacement, distinct paths."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path) -> Iterator[Path]:
    """A temporary name next to ``path``; renamed onto ``path`` once written.

    The block writes the temporary file; when it ends without an error the
    file replaces ``path`` in one step (``os.replace``), so a reader never
    sees a half-written file and an interrupted write leaves ``path`` as it
    was. On an error the temporary file is removed.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a file name to write.")
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _same(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # hard links, case-insensitive file systems
    except OSError:  # one of them does not exist yet
        return False


def check_distinct_paths(inputs: dict, outputs: dict, folders=()) -> None:
    """Refuse an output that is one of the inputs or another output.

    Parameters
    ----------
    inputs, outputs : dict
        Role (``"--data"``, ``"--output"``...) -> path or list of paths;
        None entries are skipped.
    folders : collection of str, default=()
        Output roles that are folders; any other output that is an existing
        folder is refused.

    Raises
    ------
    ValueError
        Naming both roles, before anything is computed or written.
    IsADirectoryError
        If an output file is an existing folder.
    """

    def flat(named: dict) -> list[tuple[str, Path]]:
        out = []
        for role, value in named.items():
            values = value if isinstance(value, (list, tuple)) else [value]
            out += [(role, Path(v)) for v in values if v is not None]
        return out

    sources, targets = flat(inputs), flat(outputs)
    for k, (role, target) in enumerate(targets):
        if role not in folders and target.is_dir():
            raise IsADirectoryError(
                f"{role} {target} is a folder; give the name of a file to write."
            )
        for other_role, source in sources:
            if _same(target, source):
                raise ValueError(
                    f"{role} {target} is the input {other_role} {source}; writing "
                    "it would destroy that input. Choose another output name."
                )
        for other_role, other in targets[k + 1 :]:
            if _same(target, other):
                raise ValueError(
                    f"{role} {target} and {other_role} {other} are the same file; "
                    "one would overwrite the other. Choose two names."
                )
