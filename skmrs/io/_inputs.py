"""The inputs of ``skmrs predict``: files and folders as users name them.

A folder is searched at every depth, so that spec2nii's per-patient layout
(``pat01/svs.nii.gz``, ``pat02/svs.nii.gz``) is found; a file named twice (a
folder and a file in it) is read once. Each file gets a name, its path
relative to the folder it was found in (or its own name when given alone),
and a patient: the first folder of that relative path, else the file's stem.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

NIFTI_SUFFIXES = (".nii", ".nii.gz")


@dataclass(frozen=True)
class Input:
    """One input file of ``skmrs predict``."""

    path: Path
    name: str  # relative to the folder it was found in, POSIX separators
    patient: str  # from the path, before any --patients map
    given: str  # the path as the user wrote it (or the folder plus name)


def stem(name: str) -> str:
    """A file name less its NIfTI or table suffix (``svs.nii.gz`` -> ``svs``)."""
    lower = name.lower()
    for suffix in (".nii.gz", ".nii", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zip"):
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return Path(name).stem


def _key(path: Path) -> str:
    return os.path.normcase(os.path.realpath(path))


def found_in(folder: Path) -> list[Path]:
    found = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.name.lower().endswith(NIFTI_SUFFIXES)
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    if not found:
        raise ValueError(
            f"folder {folder} holds no .nii or .nii.gz files (searched at every depth)."
        )
    return found


def describe_inputs(paths, folders: dict) -> list[Input]:
    """Name every input file and give it a patient from its path.

    ``folders`` maps each folder the user named to the files found in it;
    the other ``paths`` were named directly. A patient taken from a file's
    stem that several folders share (``pat01/svs.nii.gz`` and
    ``pat02/svs.nii.gz`` named directly, or the folders ``pat01`` and
    ``pat02`` named) becomes the name of the file's folder, which prefixes
    its name too; names that still collide become the paths as given.
    """
    origin = {_key(p): folder for folder, found in folders.items() for p in found}
    items, from_stem = [], []
    for path in paths:
        folder = origin.get(_key(path))
        if folder is not None:
            rel = path.relative_to(folder)
            nested = len(rel.parts) > 1
            patient = rel.parts[0] if nested else stem(rel.name)
            items.append(Input(path, rel.as_posix(), patient, str(folder / rel)))
            from_stem.append(not nested)
        else:
            items.append(Input(path, path.name, stem(path.name), str(path)))
            from_stem.append(True)
    spans: dict = {}
    for item, by_stem in zip(items, from_stem):
        if by_stem:
            spans.setdefault(item.patient, set()).add(_key(item.path.parent))
    items = [
        replace(
            item,
            patient=item.path.parent.name or item.patient,
            name=f"{item.path.parent.name}/{item.name}",
        )
        if by_stem and len(spans[item.patient]) > 1
        else item
        for item, by_stem in zip(items, from_stem)
    ]
    counts = Counter(item.name for item in items)
    return [
        replace(item, name=Path(item.given).as_posix())
        if counts[item.name] > 1
        else item
        for item in items
    ]


def expand_inputs(inputs, table_suffixes) -> tuple[list[Path], dict]:
    """Files of ``inputs`` (folders searched), each once, and the folders' files."""
    paths, folders, seen, repeated = [], {}, set(), []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = found_in(path)
            folders[path] = found
        elif not path.is_file():
            raise FileNotFoundError(f"input {path} does not exist.")
        elif not path.name.lower().endswith(NIFTI_SUFFIXES + tuple(table_suffixes)):
            raise ValueError(
                f"input {path}: expected NIfTI-MRS (.nii, .nii.gz), a table "
                "(.csv, .parquet, .npz) or a folder of NIfTI-MRS files."
            )
        else:
            found = [path]
        for file in found:
            if _key(file) in seen:
                repeated.append(str(file))
                continue
            seen.add(_key(file))
            paths.append(file)
    if repeated:
        warnings.warn(
            f"{len(repeated)} input file(s) named more than once (a folder and a "
            f"file in it?) are read once: {repeated[:5]}",
            UserWarning,
            stacklevel=2,
        )
    return paths, folders


def apply_patient_map(items, mapping: dict, where) -> list[Input]:
    """Patients from a ``--patients`` map keyed by relative path, path or name.

    A key may be the file's path relative to its input folder
    (``pat01/svs.nii.gz``), the path as given, or its bare name when that
    name is unique among the inputs. A key that matches no input, or a bare
    name that matches several, is an error that names it; keys that match no
    input are named in a warning (an error when none matches).
    """
    by_key: dict = {}
    names: dict = {}
    for i, item in enumerate(items):
        for key in {item.name, Path(item.given).as_posix(), str(item.path)}:
            by_key.setdefault(key, i)
        names.setdefault(item.path.name, []).append(i)
    assigned: dict = {}
    unmatched = []
    for key, patient in mapping.items():
        clean = Path(str(key).strip()).as_posix()
        if clean in by_key:
            assigned[by_key[clean]] = patient
        elif len(names.get(clean, ())) > 1:
            raise ValueError(
                f"{where}: file {clean!r} matches {len(names[clean])} inputs "
                f"({', '.join(items[i].name for i in names[clean][:4])}); key "
                "the map by the path relative to the input folder."
            )
        else:
            unmatched.append(clean)
    if unmatched and not assigned:
        raise ValueError(
            f"{where} matches none of the inputs (it names {unmatched[:3]} ...). "
            "Key it by the path relative to the input folder (e.g. "
            "'pat01/svs.nii.gz'), the path as given, or the file name."
        )
    if unmatched:
        warnings.warn(
            f"{where} names {len(unmatched)} file(s) that are not among the "
            f"inputs, not used: {unmatched[:5]}",
            UserWarning,
            stacklevel=2,
        )
    return [
        Input(item.path, item.name, assigned.get(i, item.patient), item.given)
        for i, item in enumerate(items)
    ]
