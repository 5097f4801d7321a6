"""Reading tables of spectra in chunks of rows, in float32 (issue 25).

:func:`iter_spectra_table` reads the same files as
:func:`~skmrs.io.load_spectra_table` with the same checks, but a chunk of
rows at a time: a CSV through pandas' chunked parser, a Parquet file by
record batches (pyarrow), an NPZ archive's ``X`` straight from its zip member.
Memory then depends on the chunk, not on the table.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ._nifti import _check_file
from ._table import (
    _EXCEL_SUFFIXES,
    _NPZ_SPECTRA_KEY,
    _PARQUET_INDEX,
    _PARQUET_SUFFIXES,
    _TEXT_SUFFIXES,
    _check_finite,
    _from_frame,
    _from_npz,
    _import_pandas,
    _read_excel,
    _read_frame,
    csv_reader,
)

#: Rows per chunk: about 19 MB of float32 spectra of 288 points.
DEFAULT_CHUNK_SIZE = 16384


def iter_spectra_table(
    path,
    *,
    label_column: str | None = "label",
    group_column: str | None = "patient",
    feature_columns=None,
    sep: str | None = None,
    decimal: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[tuple[np.ndarray, np.ndarray | None, np.ndarray | None]]:
    """Read a table of spectra a chunk of rows at a time, as float32.

    Takes the files and arguments of :func:`load_spectra_table` and checks
    each chunk as it does (missing or non-numeric values, empty label or
    patient cells, a repeated header), naming rows by their place in the
    whole table. A CSV is parsed ``chunk_size`` rows at a time, a Parquet
    file (with pyarrow) read by record batches, an NPZ archive's ``X``
    read from its zip member row block by row block; an Excel sheet is read
    whole, then cut.

    Parameters
    ----------
    path : str or path-like
        A CSV (possibly compressed), Excel, Parquet or NPZ file.
    label_column, group_column, feature_columns, sep, decimal
        As in :func:`load_spectra_table`.
    chunk_size : int, default=16384
        Rows per chunk (the last one may be shorter).

    Yields
    ------
    X : ndarray of shape (n_rows, n_points), float32 (complex64 for complex
        NPZ data)
        The chunk's spectra.
    y : ndarray of shape (n_rows,) or None
        Their labels.
    groups : ndarray of shape (n_rows,) or None
        Their patient ids.

    Raises
    ------
    ValueError
        As :func:`load_spectra_table`, for the chunk in which the problem
        lies (chunks before it have been yielded); also for a ``chunk_size``
        below 1.

    Notes
    -----
    Labels and patient ids are checked chunk by chunk: two spellings of one
    id (``"P01"``, ``"p01"``) in two different chunks are not reported. A
    CSV that is not UTF-8 is read as cp1252 when its first chunk says so; a
    byte that is not UTF-8 further down is an error.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from skmrs.io import iter_spectra_table
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "spectra.npz"
    >>> np.savez(path, X=np.ones((5, 3)), patient=np.array(["a"] * 5))
    >>> [(X.shape, X.dtype.name) for X, _, _ in iter_spectra_table(
    ...     path, label_column=None, chunk_size=2)]
    [((2, 3), 'float32'), ((2, 3), 'float32'), ((1, 3), 'float32')]
    """
    if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer; got {chunk_size!r}.")
    path = _check_file(path, "Spectrum table")
    name = path.name.lower()
    if name.endswith(".npz"):
        chunks = _npz_chunks(path, label_column, group_column, chunk_size)
    elif name.endswith(_TEXT_SUFFIXES + _PARQUET_SUFFIXES + _EXCEL_SUFFIXES):
        text = [c for c in (label_column, group_column) if c is not None]
        frames = _frame_chunks(path, text, sep, decimal, chunk_size)
        chunks = _checked_frames(
            frames, path, label_column, group_column, feature_columns
        )
    else:
        raise ValueError(
            f"{path}: unsupported file type; expected .csv, .xlsx, .parquet or .npz."
        )
    n_rows = 0
    for X, y, groups in chunks:
        if X.dtype.kind not in "biufc":
            raise ValueError(f"{path}: spectra must be numeric; got {X.dtype}.")
        X = X.astype(np.complex64 if X.dtype.kind == "c" else np.float32)
        _check_finite(X, "the spectra", path, offset=n_rows)
        n_rows += len(X)
        yield X, y, groups
    if n_rows == 0:
        raise ValueError(f"{path} holds no spectra.")


def _checked_frames(frames, path, label_column, group_column, feature_columns):
    offset = 0
    for frame in frames:
        yield _from_frame(
            frame, path, label_column, group_column, feature_columns, offset=offset
        )
        offset += len(frame)


def _frame_chunks(path: Path, text_columns, sep, decimal, chunk_size):
    """DataFrames of at most ``chunk_size`` rows; blank rows at the end dropped."""
    name = path.name.lower()
    if name.endswith(_TEXT_SUFFIXES):
        raw = csv_reader(path, text_columns, sep, decimal, chunk_size)
    elif name.endswith(_PARQUET_SUFFIXES):
        raw = _parquet_chunks(path, chunk_size)
    else:
        frame = _read_excel(path, text_columns)
        raw = (frame.iloc[i : i + chunk_size] for i in range(0, len(frame), chunk_size))
    return _without_trailing_blanks(raw)


def _blank_rows(frame) -> np.ndarray:
    blank = frame.isna()
    for c in frame.columns[[dtype.kind == "O" for dtype in frame.dtypes]]:
        blank[c] |= frame[c].astype(str).str.strip() == ""
    return blank.all(axis=1).to_numpy()


def _without_trailing_blanks(frames):
    """Chunks as :func:`_read_frame` would cut them: trailing blank rows dropped.

    Blank rows at the end of a chunk are held back and put before the next
    chunk when more rows follow (they are then in the middle of the table,
    and refused there as missing values, as in a whole read). Unnamed
    columns that are blank in the first chunk are dropped from every chunk.
    """
    pd = _import_pandas()
    pending, dropped = None, None
    for frame in frames:
        if dropped is None:
            first = frame.isna().all(axis=0)
            dropped = [
                c for c in frame.columns
                if str(c).startswith("Unnamed: ") and bool(first[c])
            ]  # fmt: skip
        frame = frame.drop(columns=dropped)
        if pending is not None:
            frame = pd.concat([pending, frame])
        filled = np.flatnonzero(~_blank_rows(frame))
        n_rows = filled[-1] + 1 if len(filled) else 0
        pending = frame.iloc[n_rows:] if n_rows < len(frame) else None
        if n_rows:
            yield frame.iloc[:n_rows]


def _parquet_chunks(path: Path, chunk_size: int):
    """Record batches of a Parquet file as DataFrames (read whole without pyarrow)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        frame = _read_frame(path)  # fastparquet, or pandas' MissingEngineError
        yield from (
            frame.iloc[i : i + chunk_size] for i in range(0, len(frame), chunk_size)
        )
        return
    for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_size):
        frame = batch.to_pandas()
        yield frame.drop(columns=[c for c in frame.columns
                                  if _PARQUET_INDEX.match(str(c))])  # fmt: skip


def _npz_chunks(path: Path, label_column, group_column, chunk_size: int):
    """Row blocks of an NPZ archive's ``X``, read from its zip member."""
    header = _npy_header(path)
    if header is None:  # Fortran order, object arrays, an unreadable member
        X, y, groups = _from_npz(path, label_column, group_column)
        for i in range(0, len(X), chunk_size):
            yield (X[i : i + chunk_size],
                   None if y is None else y[i : i + chunk_size],
                   None if groups is None else groups[i : i + chunk_size])  # fmt: skip
        return
    shape, dtype, offset = header
    _, y, groups = _from_npz(path, label_column, group_column, spectra_shape=shape)
    row_bytes = int(np.prod(shape[1:])) * dtype.itemsize
    with zipfile.ZipFile(path) as archive:
        with archive.open(_NPZ_SPECTRA_KEY + ".npy") as fh:
            fh.read(offset)
            for start in range(0, shape[0], chunk_size):
                n = min(chunk_size, shape[0] - start)
                block = np.frombuffer(fh.read(n * row_bytes), dtype=dtype)
                if block.size != n * row_bytes // dtype.itemsize:
                    raise ValueError(f"{path}: array 'X' is cut short.")
                rows = slice(start, start + n)
                yield (block.reshape((n,) + tuple(shape[1:])),
                       None if y is None else y[rows],
                       None if groups is None else groups[rows])  # fmt: skip


def _npy_header(path: Path):
    """(shape, dtype, header length) of an NPZ's ``X.npy``; None: read it whole."""
    from numpy.lib import format as npy

    try:
        with zipfile.ZipFile(path) as archive:
            with archive.open(_NPZ_SPECTRA_KEY + ".npy") as fh:
                version = npy.read_magic(fh)
                read = {(1, 0): npy.read_array_header_1_0}.get(
                    version, npy.read_array_header_2_0
                )
                shape, fortran, dtype = read(fh)
                offset = fh.tell()
    except (KeyError, ValueError, OSError, zipfile.BadZipFile):
        return None  # the whole read names the problem
    if fortran or dtype.hasobject or len(shape) != 2:
        return None
    return shape, dtype, offset
