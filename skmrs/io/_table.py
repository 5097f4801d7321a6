"""Reading tables of spectra (CSV, Parquet, NPZ) and labelled NIfTI-MRS folders."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
from sklearn.base import clone

from ._nifti import _check_file

_CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zip")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_NPZ_SPECTRA_KEY = "X"


def _import_pandas():
    try:
        import pandas
    except ImportError as exc:  # pragma: no cover - pandas is in the io extra
        raise ImportError(
            "Reading tables needs pandas: pip install pandas "
            "(or pip install 'skmrs[io]')."
        ) from exc
    return pandas


def _read_frame(path: Path):
    """A CSV or Parquet file as a DataFrame."""
    pd = _import_pandas()
    name = path.name.lower()
    if name.endswith(_CSV_SUFFIXES):
        try:
            return pd.read_csv(path)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ValueError(f"{path} could not be read as CSV: {exc}") from exc
    try:
        return pd.read_parquet(path)
    except ImportError as exc:
        raise ImportError(
            f"Reading the Parquet file {path} needs pyarrow: pip install pyarrow "
            f"(pandas said: {exc})"
        ) from exc


def _check_finite(values: np.ndarray, what: str, path: Path) -> None:
    if values.dtype.kind in "fc" and not np.all(np.isfinite(values)):
        row, *_ = np.argwhere(~np.isfinite(values))[0]
        raise ValueError(
            f"{path}: {what} holds NaN or infinite values (first in row {row})."
        )


def _column(frame, name: str, role: str, path: Path) -> np.ndarray:
    if name not in frame.columns:
        raise ValueError(
            f"{path} has no {role} column {name!r}; its columns start with "
            f"{list(frame.columns[:8])}. Pass {role}_column=... to name it."
        )
    values = frame[name]
    if values.isna().any():
        row = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise ValueError(f"{path}: {role} column {name!r} is empty in row {row}.")
    return values.to_numpy()


def _from_frame(frame, path, label_column, group_column, feature_columns):
    columns = [c for c in (label_column, group_column) if c is not None]
    y = None if label_column is None else _column(frame, label_column, "label", path)
    groups = (
        None if group_column is None else _column(frame, group_column, "group", path)
    )
    if feature_columns is None:
        feature_columns = [c for c in frame.columns if c not in columns]
    else:
        feature_columns = list(feature_columns)
        missing = [c for c in feature_columns if c not in frame.columns]
        if missing:
            raise ValueError(f"{path} lacks the feature columns {missing}.")
    features = frame[feature_columns]
    non_numeric = [c for c in feature_columns if features[c].dtype.kind not in "biufc"]
    if non_numeric:
        raise ValueError(
            f"{path}: columns {non_numeric[:5]} are not numeric; a spectrum "
            "table holds the label and group columns and one numeric column per "
            "point. Pass feature_columns=... to choose the spectrum columns."
        )
    if not feature_columns:
        raise ValueError(f"{path} has no spectrum columns.")
    return features.to_numpy(), y, groups


def _from_npz(path, label_column, group_column):
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(
            f"{path} could not be read as an NPZ archive of numeric arrays: {exc}"
        ) from exc
    if _NPZ_SPECTRA_KEY not in arrays:
        raise ValueError(
            f"{path} has no array {_NPZ_SPECTRA_KEY!r} of spectra; it holds "
            f"{sorted(arrays)}."
        )
    X = arrays[_NPZ_SPECTRA_KEY]
    if X.ndim != 2:
        raise ValueError(
            f"{path}: array 'X' must be 2D (n_spectra, n_points); got shape {X.shape}."
        )
    out = []
    for key, role in ((label_column, "label"), (group_column, "group")):
        if key is None:
            out.append(None)
            continue
        if key not in arrays:
            raise ValueError(
                f"{path} has no {role} array {key!r}; it holds {sorted(arrays)}. "
                f"Pass {role}_column=... to name it."
            )
        values = arrays[key].reshape(-1) if arrays[key].ndim == 2 else arrays[key]
        if values.ndim != 1 or len(values) != len(X):
            raise ValueError(
                f"{path}: {role} array {key!r} has shape {arrays[key].shape} but "
                f"'X' has {len(X)} rows; they must match."
            )
        _check_finite(values, f"{role} array {key!r}", path)
        out.append(values)
    return X, out[0], out[1]


def load_spectra_table(
    path,
    *,
    label_column: str | None = "label",
    group_column: str | None = "patient",
    feature_columns=None,
):
    """Load a table with one spectrum per row, its label and its patient.

    Parameters
    ----------
    path : str or path-like
        A CSV (``.csv``, possibly compressed: ``.csv.gz``...), Parquet
        (``.parquet``, ``.pq``; needs pyarrow) or NumPy ``.npz`` file. A CSV or
        Parquet table has a label column, a group column and one numeric
        column per spectral point. An NPZ archive holds an array ``"X"`` of
        shape (n_spectra, n_points) and 1D arrays named ``label_column`` and
        ``group_column``.
    label_column : str or None, default="label"
        Column (or NPZ key) of the class labels; None for unlabelled data.
    group_column : str or None, default="patient"
        Column (or NPZ key) of the patient identifiers, for patient-wise
        cross-validation; None if there is none.
    feature_columns : list of str or None, default=None
        Spectrum columns of a CSV or Parquet table, in order. None takes every
        column but the label and group columns.

    Returns
    -------
    X : ndarray of shape (n_spectra, n_points)
        The spectra (float, or complex for complex NPZ data).
    y : ndarray of shape (n_spectra,) or None
        The labels, as stored.
    groups : ndarray of shape (n_spectra,) or None
        The patient identifiers, as stored.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file type is not supported, a named column or key is missing,
        a spectrum column is not numeric, a value is missing or not finite,
        or the arrays of an NPZ archive differ in length.
    ImportError
        If a Parquet file is read without pyarrow installed.

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
    elif name.endswith(_CSV_SUFFIXES + _PARQUET_SUFFIXES):
        X, y, groups = _from_frame(
            _read_frame(path), path, label_column, group_column, feature_columns
        )
    else:
        raise ValueError(
            f"{path}: unsupported file type; expected .csv, .parquet or .npz."
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
    frame = _read_frame(manifest)
    files = _column(frame, file_column, "file", manifest)
    labels = _column(frame, label_column, "label", manifest)
    patients = _column(frame, group_column, "group", manifest)
    if len(files) == 0:
        raise ValueError(f"Manifest {manifest} lists no files.")

    spectra, y, groups = [], [], []
    for row, (name, label, patient) in enumerate(zip(files, labels, patients)):
        path = folder / str(name)
        if not path.is_file():
            raise FileNotFoundError(
                f"{path}, named in row {row} of {manifest}, does not exist."
            )
        X, mrs = _read_preprocessed(path, preprocessor)
        spectra.append(X)
        y.extend([label] * len(mrs.fids))
        groups.extend([patient] * len(mrs.fids))
    return np.concatenate(spectra), np.asarray(y), np.asarray(groups)


def _read_preprocessed(path, preprocessor):
    """One NIfTI-MRS file as spectra: one per voxel, preprocessed.

    ``preprocessor`` is a template, cloned with the file's ``spectral_width``
    and ``centre_frequency``. Returns the spectra and the :class:`MRSData`.
    """
    from ._nifti import read_nifti_mrs

    mrs = read_nifti_mrs(path)
    n_voxels = len(np.unique(mrs.voxel_indices, axis=0))
    if len(mrs.fids) != n_voxels:
        raise ValueError(
            f"{path}: dimensions {mrs.kept_dims} cannot be reduced to one "
            "spectrum per voxel; read it with read_nifti_mrs and choose the "
            "spectra to keep."
        )
    step = clone(preprocessor).set_params(
        spectral_width=mrs.spectral_width,
        centre_frequency=mrs.centre_frequency,
    )
    return step.fit_transform(mrs.fids), mrs
