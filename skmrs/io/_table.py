"""Reading tables of spectra (CSV, Parquet, NPZ) and labelled NIfTI-MRS folders."""

from __future__ import annotations

import bz2
import codecs
import gzip
import importlib.util
import lzma
import os
import re
import zipfile
from pathlib import Path

import numpy as np
from sklearn.base import clone

from ._ids import clean_labels, clean_patient_ids
from ._nifti import _check_file

_CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zip")
_TEXT_SUFFIXES = _CSV_SUFFIXES + (".tsv", ".txt")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
#: Every suffix of a table of spectra that :func:`load_spectra_table` and
#: :func:`~skmrs.io.iter_spectra_table` read; ``skmrs predict`` takes them.
TABLE_SUFFIXES = _TEXT_SUFFIXES + _PARQUET_SUFFIXES + _EXCEL_SUFFIXES + (".npz",)
_NPZ_SPECTRA_KEY = "X"
#: Text that means "no value" in a spectrum column (pandas' defaults). Label,
#: patient and file columns are read as text with none of them, so that a
#: control group labelled "None" or a patient "NA" stays what it says.
_NA_TEXT = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
    "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a",
    "nan", "null",
]  # fmt: skip
_SEPARATORS = (",", ";", "\t", "|")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+(?:[eE][+-]?\d+)?$")
_POINT_DECIMAL = re.compile(r"^[+-]?\d*\.\d+(?:[eE][+-]?\d+)?$")
_PPM_NAME = re.compile(r"^(?:ppm_?)?-?\d+(?:\.\d+)?$")
_HEAD_BYTES = 1 << 16
#: A DataFrame's index, stored by pandas as a Parquet column: not a column.
_PARQUET_INDEX = re.compile(r"^__index_level_\d+__$")


class MissingEngineError(ImportError, ValueError):
    """A file type whose reader is not installed (an ImportError and a ValueError)."""


def _import_pandas():
    try:
        import pandas
    except ImportError as exc:  # pragma: no cover - pandas is in the io extra
        raise ImportError(
            "Reading tables needs pandas: pip install pandas "
            "(or pip install 'skmrs[io]')."
        ) from exc
    return pandas


def _head_bytes(path: Path) -> bytes:
    """The first bytes of a (possibly compressed) text file."""
    name = path.name.lower()
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                members = archive.namelist()
                if not members:
                    return b""
                with archive.open(members[0]) as fh:
                    return fh.read(_HEAD_BYTES)
        opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(
            Path(name).suffix, open
        )
        with opener(path, "rb") as fh:
            return fh.read(_HEAD_BYTES)
    except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError) as exc:
        raise ValueError(f"{path} could not be read as CSV: {exc}") from exc


def _encodings(head: bytes) -> list[str]:
    """Encodings to try, in order: UTF-16 by its BOM, else UTF-8 then cp1252."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ["utf-16"]
    return ["utf-8-sig", "cp1252"]


def sniff_csv(head: str) -> tuple[str, str]:
    """The separator and decimal mark of CSV text, from its first lines.

    The separator is the one of ``, ; tab |`` found most often in the header
    line and as often in the next lines; the decimal mark is a comma when the
    separator is not one and the numbers are written ``0,25``.

    Examples
    --------
    >>> sniff_csv("label;ppm_4.2;ppm_4.1\\n0;0,25;1,5\\n")
    (';', ',')
    >>> sniff_csv("label,ppm_4.2\\n0,0.25\\n")
    (',', '.')
    """
    lines = [line for line in head.splitlines()[:21] if line.strip()]
    if len(lines) > 1 and not head.endswith("\n"):
        lines = lines[:-1]  # the last line may be cut
    sep, best = ",", 0
    for candidate in _SEPARATORS:
        counts = [line.count(candidate) for line in lines]
        if counts and counts[0] > best and counts.count(counts[0]) >= len(counts) / 2:
            sep, best = candidate, counts[0]
    decimal = "."
    if sep != ",":
        fields = [f.strip().strip('"') for line in lines[1:] for f in line.split(sep)]
        commas = sum(bool(_COMMA_DECIMAL.match(f)) for f in fields)
        points = sum(bool(_POINT_DECIMAL.match(f)) for f in fields)
        if commas > points:
            decimal = ","
    return sep, decimal


def _csv_arguments(path: Path, head_bytes, encoding, text_columns, sep, decimal):
    """pandas' read_csv arguments: separator, decimal mark, text and NA columns."""
    pd = _import_pandas()
    head = head_bytes.decode(encoding, errors="replace").lstrip("\ufeff")
    found_sep, found_decimal = sniff_csv(head)
    options = {"sep": sep or found_sep, "decimal": decimal or found_decimal}
    columns = pd.read_csv(path, nrows=0, encoding=encoding, **options).columns
    text = [c for c in columns if c in set(text_columns)]
    other = [c for c in columns if c not in set(text)]
    return dict(
        encoding=encoding, dtype=dict.fromkeys(text, str), keep_default_na=False,
        na_values=dict.fromkeys(other, _NA_TEXT), **options,
    )  # fmt: skip


_NOT_TEXT = (
    "its text is neither UTF-8 nor Windows-1252 (cp1252). Save it as 'CSV UTF-8' "
    "from your spreadsheet."
)


def _read_csv(path: Path, text_columns, sep, decimal, nrows=None):
    """A CSV as a DataFrame: encoding, separator and decimal mark found out."""
    pd = _import_pandas()
    head_bytes = _head_bytes(path)
    for encoding in _encodings(head_bytes):
        try:
            arguments = _csv_arguments(
                path, head_bytes, encoding, text_columns, sep, decimal
            )
            return pd.read_csv(path, nrows=nrows, **arguments)
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ValueError(f"{path} could not be read as CSV: {exc}") from exc
    raise ValueError(f"{path} could not be read as CSV: {_NOT_TEXT}")


def csv_reader(path: Path, text_columns, sep, decimal, chunk_size: int):
    """A CSV as DataFrames of ``chunk_size`` rows, found out as :func:`_read_csv`.

    A text that stops being UTF-8 after the first chunk is an error (the
    chunks before it have been read as UTF-8).
    """
    pd = _import_pandas()
    head_bytes = _head_bytes(path)
    for encoding in _encodings(head_bytes):
        n_rows = 0
        try:
            arguments = _csv_arguments(
                path, head_bytes, encoding, text_columns, sep, decimal
            )
            with pd.read_csv(path, chunksize=chunk_size, **arguments) as reader:
                for frame in reader:
                    n_rows += len(frame)
                    yield frame
            return
        except UnicodeDecodeError as exc:
            if n_rows:
                raise ValueError(
                    f"{path} could not be read as CSV past row {n_rows}: {exc}. "
                    "Save it as 'CSV UTF-8' from your spreadsheet."
                ) from exc
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ValueError(f"{path} could not be read as CSV: {exc}") from exc
    raise ValueError(f"{path} could not be read as CSV: {_NOT_TEXT}")


def _read_excel(path: Path, text_columns, nrows=None):
    pd = _import_pandas()
    engine = "xlrd" if path.name.lower().endswith(".xls") else "openpyxl"
    if importlib.util.find_spec(engine) is None:
        raise ValueError(
            f"{path}: unsupported file type {path.suffix} (an Excel workbook) "
            f"without {engine}: pip install {engine}, or save the sheet as CSV "
            "(File > Save As > CSV UTF-8)."
        )
    columns = pd.read_excel(path, nrows=0, engine=engine).columns
    text = [c for c in columns if c in set(text_columns)]
    other = [c for c in columns if c not in set(text)]
    return pd.read_excel(
        path, engine=engine, dtype=dict.fromkeys(text, str),
        keep_default_na=False, na_values=dict.fromkeys(other, _NA_TEXT),
        nrows=nrows,
    )  # fmt: skip


def _read_frame(path: Path, *, text_columns=(), sep=None, decimal=None):
    """A CSV, Excel or Parquet file as a DataFrame, trailing blanks dropped.

    ``text_columns`` (labels, patients, file names) are read as text, with no
    value taken for missing but an empty cell.
    """
    pd = _import_pandas()
    name = path.name.lower()
    if name.endswith(_TEXT_SUFFIXES):
        frame = _read_csv(path, text_columns, sep, decimal)
    elif name.endswith(_EXCEL_SUFFIXES):
        frame = _read_excel(path, text_columns)
    else:
        try:
            frame = pd.read_parquet(path)
        except ImportError as exc:
            raise MissingEngineError(
                f"Reading the Parquet file {path} needs pyarrow: pip install "
                f"pyarrow, or save the table as CSV (pandas said: {exc})"
            ) from exc
    return _drop_trailing_blanks(frame)


def table_columns(path: Path, *, sep=None, decimal=None) -> list:
    """Column names of a CSV, Excel or Parquet table (empty trailing ones dropped)."""
    name = path.name.lower()
    if name.endswith(_TEXT_SUFFIXES):
        frame = _read_csv(path, (), sep, decimal, nrows=0)
    elif name.endswith(_EXCEL_SUFFIXES):
        frame = _read_excel(path, (), nrows=0)
    elif importlib.util.find_spec("pyarrow") is not None:
        import pyarrow.parquet as pq

        names = pq.read_schema(path).names  # no data read
        return [n for n in names if not _PARQUET_INDEX.match(str(n))]
    else:
        frame = _read_frame(path)
    return [c for c in _drop_trailing_blanks(frame).columns]


def _drop_trailing_blanks(frame):
    """Unnamed empty columns and empty last rows, as spreadsheets write them."""
    blank = frame.isna()
    for c in frame.columns[[dtype.kind == "O" for dtype in frame.dtypes]]:
        blank[c] |= frame[c].astype(str).str.strip() == ""
    empty_columns = [
        c for c in frame.columns
        if str(c).startswith("Unnamed: ") and bool(blank[c].all())
    ]  # fmt: skip
    frame = frame.drop(columns=empty_columns)
    blank = blank.drop(columns=empty_columns)
    filled = np.flatnonzero(~blank.all(axis=1).to_numpy())
    n_rows = filled[-1] + 1 if len(filled) else 0
    return frame.iloc[:n_rows]


def _check_finite(values: np.ndarray, what: str, path: Path, offset: int = 0) -> None:
    """Refuse NaN or infinity; ``offset`` is the first row's place in the table."""
    if values.dtype.kind in "fc" and not np.all(np.isfinite(values)):
        row, *_ = np.argwhere(~np.isfinite(values))[0]
        raise ValueError(
            f"{path}: {what} holds NaN or infinite values (first in row "
            f"{row + offset})."
        )


def _column(frame, name: str, role: str, path: Path, offset: int = 0) -> np.ndarray:
    if name not in frame.columns:
        raise ValueError(
            f"{path} has no {role} column {name!r}; its columns start with "
            f"{list(frame.columns[:8])}. Pass {role}_column=... to name it."
        )
    values = frame[name]
    missing = values.isna().to_numpy() | (values.astype(str).str.strip() == "")
    if missing.any():
        row = int(np.flatnonzero(missing)[0]) + offset
        raise ValueError(f"{path}: {role} column {name!r} is empty in row {row}.")
    return values.to_numpy()


def spectral_columns(columns) -> tuple[list, list]:
    """Columns named by a ppm (``ppm_4.193``, ``4.193``) and the others.

    Examples
    --------
    >>> spectral_columns(["ppm_4.19", "ppm_4.18", "age"])
    (['ppm_4.19', 'ppm_4.18'], ['age'])
    """
    named = [c for c in columns if _PPM_NAME.match(str(c).strip())]
    return named, [c for c in columns if c not in set(named)]


def _repeated_header_rows(frame, columns) -> list[int]:
    """Rows whose cells mostly repeat the column names (two tables pasted)."""
    names = np.asarray([str(c) for c in columns], dtype=object)
    cells = frame[columns].astype(str).to_numpy()
    return [int(i) for i in np.flatnonzero((cells == names).mean(axis=1) > 0.5)]


def _check_numeric(frame, feature_columns, path: Path, offset: int = 0) -> None:
    features = frame[feature_columns]
    non_numeric = [c for c in feature_columns if features[c].dtype.kind not in "biufc"]
    if not non_numeric:
        return
    repeated = [row + offset for row in _repeated_header_rows(frame, feature_columns)]
    if repeated:
        raise ValueError(
            f"{path}: data row {repeated[0]} (line {repeated[0] + 2} of the file) "
            "repeats the header; delete it (were two tables pasted together?)."
        )
    hint = ""
    sample = features[non_numeric[0]].astype(str)
    if sample.str.match(_COMMA_DECIMAL.pattern).any():
        hint = " They look like numbers with a decimal comma: pass decimal=','."
    raise ValueError(
        f"{path}: columns {non_numeric[:5]} are not numeric; a spectrum "
        "table holds the label and group columns and one numeric column per "
        f"point. Pass feature_columns=... to choose the spectrum columns.{hint}"
    )


def _feature_columns(frame, path: Path, exclude, feature_columns) -> list:
    if feature_columns is not None:
        feature_columns = list(feature_columns)
        missing = [c for c in feature_columns if c not in frame.columns]
        if missing:
            raise ValueError(f"{path} lacks the feature columns {missing}.")
        return feature_columns
    candidates = [c for c in frame.columns if c not in exclude]
    named, other = spectral_columns(candidates)
    if named and other:
        raise ValueError(
            f"{path}: columns {other[:5]} are not spectral points: the spectrum "
            f"columns are named by their ppm ({named[0]!r} ...). Drop them, or "
            "pass feature_columns=... to choose the spectrum columns."
        )
    return candidates


def _from_frame(frame, path, label_column, group_column, feature_columns, offset=0):
    """Spectra, labels and patients of a DataFrame (rows from ``offset`` on)."""
    columns = [c for c in (label_column, group_column) if c is not None]
    y = None
    if label_column is not None:
        y = _column(frame, label_column, "label", path, offset)
        y = clean_labels(y, str(path))
    groups = None
    if group_column is not None:
        groups = _column(frame, group_column, "group", path, offset)
        groups = clean_patient_ids(groups, str(path))
    feature_columns = _feature_columns(frame, path, columns, feature_columns)
    _check_numeric(frame, feature_columns, path, offset)
    if not feature_columns:
        raise ValueError(f"{path} has no spectrum columns.")
    return frame[feature_columns].to_numpy(), y, groups


def _from_npz(path, label_column, group_column, spectra_shape=None):
    """X, labels and patients of an NPZ archive.

    With ``spectra_shape`` (read from ``X``'s header), ``X`` itself is not
    loaded: None is returned in its place, the other arrays are checked
    against that shape.
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {
                key: archive[key] for key in archive.files
                if spectra_shape is None or key != _NPZ_SPECTRA_KEY
            }  # fmt: skip
            names = list(archive.files)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(
            f"{path} could not be read as an NPZ archive of numeric arrays: {exc}"
        ) from exc
    if _NPZ_SPECTRA_KEY not in names:
        raise ValueError(
            f"{path} has no array {_NPZ_SPECTRA_KEY!r} of spectra; it holds "
            f"{sorted(names)}."
        )
    X = arrays.get(_NPZ_SPECTRA_KEY)
    shape = X.shape if spectra_shape is None else tuple(spectra_shape)
    if len(shape) != 2:
        raise ValueError(
            f"{path}: array 'X' must be 2D (n_spectra, n_points); got shape {shape}."
        )
    out = []
    for key, role in ((label_column, "label"), (group_column, "group")):
        if key is None:
            out.append(None)
            continue
        if key not in arrays:
            raise ValueError(
                f"{path} has no {role} array {key!r}; it holds {sorted(names)}. "
                f"Pass {role}_column=... to name it."
            )
        values = arrays[key].reshape(-1) if arrays[key].ndim == 2 else arrays[key]
        if values.ndim != 1 or len(values) != shape[0]:
            raise ValueError(
                f"{path}: {role} array {key!r} has shape {arrays[key].shape} but "
                f"'X' has {shape[0]} rows; they must match."
            )
        _check_finite(values, f"{role} array {key!r}", path)
        if values.dtype.kind in "US":
            clean = clean_labels if role == "label" else clean_patient_ids
            values = clean(values, f"{path}: {role} array {key!r}")
        out.append(values)
    return X, out[0], out[1]


def load_spectra_table(
    path,
    *,
    label_column: str | None = "label",
    group_column: str | None = "patient",
    feature_columns=None,
    sep: str | None = None,
    decimal: str | None = None,
):
    """Load a table with one spectrum per row, its label and its patient.

    Parameters
    ----------
    path : str or path-like
        A CSV (``.csv``, possibly compressed: ``.csv.gz``...; or ``.tsv``,
        ``.txt``), Excel (``.xlsx``; needs openpyxl), Parquet (``.parquet``,
        ``.pq``; needs pyarrow) or NumPy ``.npz`` file. A table has a label
        column, a group column and one numeric column per spectral point. An
        NPZ archive holds an array ``"X"`` of shape (n_spectra, n_points) and
        1D arrays named ``label_column`` and ``group_column``.
    label_column : str or None, default="label"
        Column (or NPZ key) of the class labels; None for unlabelled data.
    group_column : str or None, default="patient"
        Column (or NPZ key) of the patient identifiers, for patient-wise
        cross-validation; None if there is none.
    feature_columns : list of str or None, default=None
        Spectrum columns of a CSV or Parquet table, in order. None takes every
        column but the label and group columns; when some columns are named
        by a ppm (``ppm_4.193``) and others are not (``age``), the others are
        refused by name.
    sep : str or None, default=None
        Separator of a CSV; None finds it from the first lines (``,``,
        ``;``, tab or ``|``).
    decimal : str or None, default=None
        Decimal mark of a CSV; None finds it (a comma when the separator is
        not one and the numbers are written ``0,25``).

    Returns
    -------
    X : ndarray of shape (n_spectra, n_points)
        The spectra (float, or complex for complex NPZ data).
    y : ndarray of shape (n_spectra,) or None
        The labels, surrounding whitespace removed; integers when every label
        of a text file is a number.
    groups : ndarray of shape (n_spectra,) or None
        The patient identifiers: strings as written (``"007"`` and ``"7"``
        are two patients), surrounding whitespace removed; an NPZ archive's
        integer ids as stored.

    Warns
    -----
    UserWarning
        If patient ids differ only by case or inner whitespace (``"P01"``
        and ``"p01"``): they are kept apart, and named.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file type is not supported, a named column or key is missing,
        a spectrum column is not numeric (a repeated header row is named by
        its line), a value is missing or not finite, labels differ only by
        case or whitespace, the text is neither UTF-8 nor cp1252, an Excel
        file is read without openpyxl, or the arrays of an NPZ archive differ
        in length.
    ImportError
        If a Parquet file is read without pyarrow installed (the error is a
        ValueError too).

    See Also
    --------
    load_nifti_mrs_dataset : Build the same triple from NIfTI-MRS files.
    skmrs.preprocessing.SpectrumNormalizer : Scale spectra already on the grid.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from skmrs.io import load_spectra_table
    >>> table = pd.DataFrame({"patient": ["p1", "p1", "p2"], "label": [0, 0, 1],
    ...                       "ppm_4.19": [0.1, 0.2, 0.3], "ppm_4.18": [1.0, 2.0, 3.0]})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "spectra.csv"
    >>> table.to_csv(path, index=False)
    >>> X, y, groups = load_spectra_table(path)
    >>> X.shape, y.tolist(), groups.tolist()
    ((3, 2), [0, 0, 1], ['p1', 'p1', 'p2'])
    """
    path = _check_file(path, "Spectrum table")
    name = path.name.lower()
    if name.endswith(".npz"):
        X, y, groups = _from_npz(path, label_column, group_column)
    elif name.endswith(_TEXT_SUFFIXES + _PARQUET_SUFFIXES + _EXCEL_SUFFIXES):
        text = [c for c in (label_column, group_column) if c is not None]
        frame = _read_frame(path, text_columns=text, sep=sep, decimal=decimal)
        X, y, groups = _from_frame(
            frame, path, label_column, group_column, feature_columns
        )
    else:
        raise ValueError(
            f"{path}: unsupported file type; expected .csv, .xlsx, .parquet or .npz."
        )
    if len(X) == 0:
        raise ValueError(f"{path} holds no spectra.")
    if X.dtype.kind not in "biufc":
        raise ValueError(f"{path}: spectra must be numeric; got {X.dtype}.")
    X = X.astype(np.complex128 if X.dtype.kind == "c" else np.float64)
    _check_finite(X, "the spectra", path)
    return X, y, groups


def load_nifti_mrs_dataset(
    folder,
    manifest,
    *,
    file_column: str = "file",
    label_column: str = "label",
    group_column: str = "patient",
    preprocessor=None,
):
    """Read and preprocess a folder of labelled NIfTI-MRS files in one call.

    Parameters
    ----------
    folder : str or path-like
        Folder the manifest's file names are relative to.
    manifest : str or path-like
        A CSV table with one row per file: the file name, the patient and the
        label (column names below).
    file_column : str, default="file"
        Column of the NIfTI-MRS file names, relative to ``folder`` (absolute
        paths are used as they are).
    label_column : str, default="label"
        Column of the class labels.
    group_column : str, default="patient"
        Column of the patient identifiers.
    preprocessor : SpectrumPreprocessor or None, default=None
        Template of the preprocessing; None uses
        ``SpectrumPreprocessor()`` (all defaults). It is cloned for each file
        with that file's ``spectral_width`` and ``centre_frequency``.

    Returns
    -------
    X : ndarray of shape (n_spectra, 288)
        Preprocessed spectra on :func:`skmrs.datasets.default_ppm_axis`, one
        per file for single-voxel data, one per voxel for MRSI.
    y : ndarray of shape (n_spectra,)
        The label of each spectrum's file.
    groups : ndarray of shape (n_spectra,)
        The patient of each spectrum's file.

    Raises
    ------
    FileNotFoundError
        If the manifest or a file it names does not exist.
    ValueError
        If a column is missing or empty, or a file cannot be reduced to one
        spectrum per voxel (e.g. edited MEGA-PRESS data, ``DIM_EDIT``).

    See Also
    --------
    read_nifti_mrs : Read one file, with its coil and average handling.
    load_spectra_table : Spectra already in a table.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> import nibabel as nib
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skmrs.io import load_nifti_mrs_dataset
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> t = np.arange(1024) / 2000.0
    >>> fid = np.exp(-2j * np.pi * (2.01 - 4.7) * 123.2 * t - t / 0.1)
    >>> meta = {"SpectrometerFrequency": [123.2], "ResonantNucleus": ["1H"]}
    >>> for name in ("a.nii.gz", "b.nii.gz"):
    ...     img = nib.Nifti2Image(fid.astype(np.complex64).reshape(1, 1, 1, -1),
    ...                           np.eye(4))
    ...     img.header["pixdim"][4] = 1 / 2000.0
    ...     img.header.extensions.append(
    ...         nib.nifti1.Nifti1Extension(44, json.dumps(meta).encode()))
    ...     nib.save(img, folder / name)
    >>> pd.DataFrame({"file": ["a.nii.gz", "b.nii.gz"], "patient": ["p1", "p2"],
    ...               "label": [0, 1]}).to_csv(folder / "labels.csv", index=False)
    >>> X, y, groups = load_nifti_mrs_dataset(folder, folder / "labels.csv")
    >>> X.shape, y.tolist(), groups.tolist()
    ((2, 288), [0, 1], ['p1', 'p2'])
    """
    from ..preprocessing import SpectrumPreprocessor

    folder, manifest = Path(folder), Path(manifest)
    if not folder.is_dir():
        raise FileNotFoundError(f"Folder {folder} does not exist.")
    manifest = _check_file(manifest, "Manifest")
    if preprocessor is None:
        preprocessor = SpectrumPreprocessor()
    params = preprocessor.get_params() if hasattr(preprocessor, "get_params") else {}
    if not {"spectral_width", "centre_frequency"} <= params.keys():
        raise TypeError(
            "preprocessor must be a SpectrumPreprocessor (an estimator with "
            f"spectral_width and centre_frequency parameters); got {preprocessor!r}."
        )
    frame = _read_frame(
        manifest, text_columns=(file_column, label_column, group_column)
    )
    files = _column(frame, file_column, "file", manifest)
    labels = clean_labels(_column(frame, label_column, "label", manifest), manifest)
    patients = clean_patient_ids(
        _column(frame, group_column, "group", manifest), str(manifest)
    )
    if len(files) == 0:
        raise ValueError(f"Manifest {manifest} lists no files.")
    _check_listed_once(folder, files, manifest)

    spectra, y, groups = [], [], []
    for row, (name, label, patient) in enumerate(zip(files, labels, patients)):
        path = folder / str(name).strip()
        if not path.is_file():
            raise FileNotFoundError(
                f"{path}, named in row {row} of {manifest}, does not exist."
            )
        X, mrs = _read_preprocessed(path, preprocessor)
        spectra.append(X)
        y.extend([label] * len(mrs.fids))
        groups.extend([patient] * len(mrs.fids))
    return np.concatenate(spectra), np.asarray(y), np.asarray(groups)


def _check_listed_once(folder: Path, files, manifest: Path) -> None:
    """Refuse a manifest that names one file twice (its spectra would count twice)."""
    seen: dict = {}
    for row, name in enumerate(files):
        key = os.path.normcase(os.path.normpath(folder / str(name).strip()))
        if key in seen:
            raise ValueError(
                f"{manifest}: rows {seen[key]} and {row} name the same file "
                f"{str(name).strip()!r}; list each file once."
            )
        seen[key] = row


def _check_one_per_voxel(path, mrs) -> None:
    n_voxels = len(np.unique(mrs.voxel_indices, axis=0))
    if len(mrs.fids) != n_voxels:
        raise ValueError(
            f"{path}: dimensions {mrs.kept_dims} cannot be reduced to one "
            "spectrum per voxel; read it with read_nifti_mrs and choose the "
            "spectra to keep."
        )


def _read_preprocessed(path, preprocessor):
    """One NIfTI-MRS file as spectra: one per voxel, preprocessed.

    ``preprocessor`` is a template, cloned with the file's ``spectral_width``
    and ``centre_frequency``. Returns the spectra and the :class:`MRSData`.
    """
    from ._nifti import read_nifti_mrs

    mrs = read_nifti_mrs(path)
    _check_one_per_voxel(path, mrs)
    step = clone(preprocessor).set_params(
        spectral_width=mrs.spectral_width,
        centre_frequency=mrs.centre_frequency,
    )
    return step.fit_transform(mrs.fids), mrs


def read_nifti_mrs_spectra(path, preprocessor=None):
    """The spectra of one NIfTI-MRS file that pass the quality gate, preprocessed.

    What ``skmrs predict`` scores of a NIfTI-MRS file: every FID is checked
    by :func:`~skmrs.preprocessing.gate_spectra` (nucleus, water
    suppression, signal), and those that pass are preprocessed onto the
    288-point grid, one spectrum per voxel.

    Parameters
    ----------
    path : str or path-like
        A NIfTI-MRS file (single voxel or MRSI).
    preprocessor : SpectrumPreprocessor or None, default=None
        Template of the preprocessing, cloned with the file's
        ``spectral_width`` and ``centre_frequency``; None uses
        ``SpectrumPreprocessor()``. Its ``ppm_reference`` and ``conjugate``
        are the gate's too.

    Returns
    -------
    X : ndarray of shape (n_passed, 288)
        The preprocessed spectra of the FIDs that pass, in file order.
    mrs : MRSData
        The file as :func:`read_nifti_mrs` reads it.
    decisions : list of GateDecision
        One per FID of ``mrs.fids``: whether it passed, and why not.

    Raises
    ------
    ValueError
        If a FID passes but the file cannot be reduced to one spectrum per
        voxel (e.g. edited MEGA-PRESS data, ``DIM_EDIT``).

    See Also
    --------
    load_nifti_mrs_dataset : A folder of labelled files, for training.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> import nibabel as nib
    >>> import numpy as np
    >>> from skmrs.io import read_nifti_mrs_spectra
    >>> t = np.arange(1024) / 2000.0
    >>> fid = np.exp(-2j * np.pi * (2.01 - 4.7) * 123.2 * t - t / 0.1)
    >>> img = nib.Nifti2Image(fid.astype(np.complex64).reshape(1, 1, 1, -1),
    ...                       np.eye(4))
    >>> img.header["pixdim"][4] = 1 / 2000.0
    >>> meta = {"SpectrometerFrequency": [123.2], "ResonantNucleus": ["1H"]}
    >>> img.header.extensions.append(
    ...     nib.nifti1.Nifti1Extension(44, json.dumps(meta).encode()))
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "voxel.nii.gz"
    >>> nib.save(img, path)
    >>> X, mrs, decisions = read_nifti_mrs_spectra(path)
    >>> X.shape, [d.passed for d in decisions]
    ((1, 288), [True])
    """
    from ..datasets import default_ppm_axis
    from ..preprocessing import gate_spectra
    from ._nifti import _first, read_nifti_mrs

    if preprocessor is None:
        from ..preprocessing import SpectrumPreprocessor

        preprocessor = SpectrumPreprocessor()
    mrs = read_nifti_mrs(path)
    params = preprocessor.get_params()
    suppressed = _first(mrs.header.get("WaterSuppressed"))
    decisions = gate_spectra(
        mrs.fids,
        spectral_width=mrs.spectral_width,
        centre_frequency=mrs.centre_frequency,
        nucleus=mrs.nucleus,
        water_suppressed=suppressed if isinstance(suppressed, bool) else None,
        ppm_reference=params.get("ppm_reference", 4.7),
        conjugate=params.get("conjugate", False),
    )
    passed = np.asarray([d.passed for d in decisions])
    if not passed.any():
        return np.empty((0, len(default_ppm_axis()))), mrs, decisions
    _check_one_per_voxel(path, mrs)
    step = clone(preprocessor).set_params(
        spectral_width=mrs.spectral_width,
        centre_frequency=mrs.centre_frequency,
    )
    return step.fit_transform(mrs.fids[passed]), mrs, decisions
