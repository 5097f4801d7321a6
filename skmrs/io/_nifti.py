"""Reading NIfTI-MRS files (what spec2nii writes) with nibabel."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: NIfTI header-extension code of the NIfTI-MRS JSON header.
NIFTI_ECODE_MRS = 44
#: Tags of dimensions 5-7 when the header does not name them (NIfTI-MRS 0.2+).
_DEFAULT_TAGS = {5: "DIM_COIL", 6: "DIM_DYN", 7: "DIM_INDIRECT_0"}
#: Dimensions that hold repeated acquisitions of one spectrum.
_AVERAGE_TAGS = frozenset({"DIM_DYN", "DIM_MEAS", "DIM_PHASE_CYCLE"})
_TIME_UNITS = {"sec": 1.0, "msec": 1e-3, "usec": 1e-6, "unknown": 1.0}


@dataclass(frozen=True)
class MRSData:
    """FIDs and acquisition parameters read from one NIfTI-MRS file.

    Attributes
    ----------
    fids : ndarray of shape (n_spectra, n_points), complex
        One FID per row: one per voxel for single-voxel data and MRSI alike,
        times the combinations of ``kept_dims``.
    spectral_width : float
        Spectral width in Hz (the inverse of the dwell time).
    centre_frequency : float
        Spectrometer (carrier) frequency in MHz.
    nucleus : str
        Resonant nucleus, e.g. ``"1H"``.
    echo_time : float or None
        Echo time in seconds, when the header gives it.
    repetition_time : float or None
        Repetition time in seconds, when the header gives it.
    voxel_indices : ndarray of shape (n_spectra, 3), int
        Voxel index (i, j, k) of each spectrum.
    voxel_positions : ndarray of shape (n_spectra, 3)
        Scanner coordinates (mm) of each voxel centre, from the NIfTI affine.
    dim_tags : tuple of str
        Tags of the dimensions 5 to 7 present in the file (``"DIM_COIL"``...).
    reductions : dict of str to str
        How each dimension 5-7 was handled: ``"coils combined"``,
        ``"averaged"`` or ``"kept"``.
    kept_dims : tuple of str
        Tags of the dimensions returned as separate spectra.
    dim_indices : ndarray of shape (n_spectra, len(kept_dims)), int
        Index of each spectrum along the kept dimensions.
    header : dict
        The NIfTI-MRS JSON header extension.
    path : pathlib.Path
        The file read.
    """

    fids: np.ndarray
    spectral_width: float
    centre_frequency: float
    nucleus: str
    echo_time: float | None
    repetition_time: float | None
    voxel_indices: np.ndarray
    voxel_positions: np.ndarray
    dim_tags: tuple[str, ...]
    reductions: dict[str, str]
    kept_dims: tuple[str, ...]
    dim_indices: np.ndarray
    header: dict = field(repr=False)
    path: Path

    @property
    def n_points(self) -> int:
        """Number of points of each FID."""
        return self.fids.shape[1]


def _check_file(path, what: str) -> Path:
    """``path`` as a Path; FileNotFoundError, or IsADirectoryError for a folder."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{what} {path} is a folder; a file is expected.")
    if not path.is_file():
        raise FileNotFoundError(f"{what} {path} does not exist.")
    return path


def _import_nibabel():
    try:
        import nibabel
    except ImportError as exc:  # pragma: no cover - nibabel is in the io extra
        raise ImportError(
            "Reading NIfTI-MRS needs nibabel: pip install nibabel "
            "(or pip install 'skmrs[io]')."
        ) from exc
    return nibabel


def _mrs_header(img, path: Path) -> dict:
    for extension in img.header.extensions:
        if extension.get_code() == NIFTI_ECODE_MRS:
            content = extension.get_content()
            if isinstance(content, bytes):
                content = content.rstrip(b"\x00").decode("utf-8")
            try:
                return json.loads(content)
            except json.JSONDecodeError as exc:
                raise ValueError(
                    f"{path}: the NIfTI-MRS header extension is not valid JSON ({exc})."
                ) from exc
    raise ValueError(
        f"{path} is a NIfTI image but not NIfTI-MRS: it has no header extension "
        f"with code {NIFTI_ECODE_MRS} (the NIfTI-MRS JSON header). Convert "
        "vendor data with spec2nii."
    )


def _first(value):
    """The first element of a list, or the value itself."""
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def _dim_tags(header: dict, n_dims: int, path: Path) -> list[str]:
    tags = []
    for dim in range(5, n_dims + 1):
        tag = header.get(f"dim_{dim}", _DEFAULT_TAGS[dim])
        if not isinstance(tag, str) or not tag.startswith("DIM_"):
            raise ValueError(
                f"{path}: header key dim_{dim} should be a NIfTI-MRS tag such as "
                f"'DIM_COIL' or 'DIM_DYN'; got {tag!r}."
            )
        tags.append(tag)
    return tags


def _combine_coils(data: np.ndarray, coil_axis: int, average_axes: list[int]):
    """Phase-aligned, signal-weighted sum over the coil axis.

    Weights are the complex conjugate of the first point of each coil's FID
    averaged over repeated acquisitions, so every coil is rotated to zero
    phase and weighted by its signal (noise assumed equal across coils).
    """
    reference = data[:, :, :, :1]
    if average_axes:
        reference = reference.mean(axis=tuple(average_axes), keepdims=True)
    other_axes = tuple(
        ax for ax in range(4, data.ndim) if ax != coil_axis and ax not in average_axes
    )
    if other_axes:
        reference = reference.mean(axis=other_axes, keepdims=True)
    weights = np.conj(reference)
    total = np.abs(weights).sum(axis=coil_axis, keepdims=True)
    n_coils = data.shape[coil_axis]
    weights = np.where(total > 0, weights, 1.0)
    total = np.where(total > 0, total, n_coils)
    return (data * weights).sum(axis=coil_axis, keepdims=True) / total


def read_nifti_mrs(
    path, *, combine_coils: bool = True, average: bool = True
) -> MRSData:
    """Read a NIfTI-MRS file into FIDs with their acquisition parameters.

    NIfTI-MRS is the community format that spec2nii writes from Siemens,
    Philips, GE and Bruker data: dimensions 1-3 are space (one voxel for
    single-voxel spectroscopy), dimension 4 is time (the FID), dimensions 5-7
    are tagged in a JSON header extension (``dim_5`` ...). The file is read
    with nibabel; the ``nifti-mrs`` package is not needed.

    Parameters
    ----------
    path : str or path-like
        A ``.nii`` or ``.nii.gz`` NIfTI-MRS file.
    combine_coils : bool, default=True
        Combine a ``DIM_COIL`` dimension: each coil's FID is rotated by the
        phase of its first point and weighted by that point's magnitude
        (averaged over repeated acquisitions first), and the weighted FIDs are
        summed and divided by the sum of the weights. False returns each coil
        as a separate spectrum.
    average : bool, default=True
        Average ``DIM_DYN``, ``DIM_MEAS`` and ``DIM_PHASE_CYCLE`` dimensions
        (repeated acquisitions). False returns each acquisition separately.

    Returns
    -------
    data : MRSData
        FIDs of shape (n_spectra, n_points), spectral width (Hz), centre
        frequency (MHz), echo time, voxel indices and positions, and how each
        higher dimension was handled. Other tagged dimensions (``DIM_EDIT``,
        ``DIM_INDIRECT_0``, ``DIM_USER_0``...) are always kept as separate
        spectra, listed in ``kept_dims``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist (IsADirectoryError if it is a folder).
    ValueError
        If the file is not NIfTI or is truncated, is NIfTI but not NIfTI-MRS, holds real
        data, lacks a required header field, or has its FID along another
        dimension than the fourth.

    See Also
    --------
    load_nifti_mrs_dataset : Read and preprocess a folder of such files.
    skmrs.preprocessing.SpectrumPreprocessor : From FIDs to the 288-point grid.

    Notes
    -----
    The dwell time is ``pixdim[4]`` (in seconds, or in the header's time
    unit); the centre frequency is the first ``SpectrometerFrequency``.
    Spectra are ordered voxel by voxel (C order over i, j, k), then over the
    kept dimensions.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> import nibabel as nib
    >>> import numpy as np
    >>> from skmrs.io import read_nifti_mrs
    >>> fid = np.exp(-np.arange(512) / 100.0).astype(np.complex64)
    >>> img = nib.Nifti2Image(fid.reshape(1, 1, 1, 512), np.eye(4))
    >>> img.header["pixdim"][4] = 1 / 2000.0
    >>> meta = {"SpectrometerFrequency": [123.2], "ResonantNucleus": ["1H"]}
    >>> img.header.extensions.append(
    ...     nib.nifti1.Nifti1Extension(44, json.dumps(meta).encode())
    ... )
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "svs.nii.gz"
    >>> nib.save(img, path)
    >>> mrs = read_nifti_mrs(path)
    >>> mrs.fids.shape, mrs.spectral_width, mrs.centre_frequency
    ((1, 512), 2000.0, 123.2)
    """
    path = _check_file(path, "NIfTI-MRS file")
    nibabel = _import_nibabel()
    try:
        img = nibabel.load(path)
    except Exception as exc:
        raise ValueError(f"{path} could not be read as NIfTI: {exc}") from exc
    if not hasattr(img.header, "extensions"):
        raise ValueError(f"{path} is a {type(img).__name__}, not a NIfTI(-MRS) image.")
    header = _mrs_header(img, path)

    shape = img.shape
    if len(shape) < 4:
        raise ValueError(
            f"{path}: NIfTI-MRS data have at least 4 dimensions (x, y, z, time); "
            f"got shape {shape}."
        )
    if len(shape) > 7:
        raise ValueError(f"{path}: more than 7 dimensions ({shape}).")
    if shape[3] < 2:
        raise ValueError(
            f"{path}: dimension 4 (time) has {shape[3]} point, but NIfTI-MRS keeps "
            f"the FID along dimension 4, ordered (x, y, z, time, dim_5, dim_6, "
            f"dim_7); shape {shape} suggests another dimension order."
        )
    for key in ("SpectrometerFrequency", "ResonantNucleus"):
        if key not in header:
            raise ValueError(
                f"{path}: the NIfTI-MRS header lacks the required key {key!r}."
            )
    centre_frequency = float(_first(header["SpectrometerFrequency"]))
    time_unit = img.header.get_xyzt_units()[1]
    dwell_time = float(img.header["pixdim"][4]) * _TIME_UNITS.get(time_unit, 1.0)
    if not dwell_time > 0 or not centre_frequency > 0:
        raise ValueError(
            f"{path}: dwell time (pixdim[4] = {dwell_time}) and "
            f"SpectrometerFrequency ({centre_frequency}) must be positive."
        )
    try:
        data = np.asarray(img.dataobj)
    except (EOFError, OSError, ValueError, zlib.error) as exc:
        raise ValueError(
            f"{path}: the header reads but the data do not; is the file truncated? "
            f"({type(exc).__name__}: {exc})"
        ) from exc
    if not np.iscomplexobj(data):
        raise ValueError(
            f"{path}: NIfTI-MRS stores complex FIDs, but this file holds "
            f"{data.dtype} data."
        )
    data = data.astype(np.complex128)
    tags = _dim_tags(header, data.ndim, path)

    reductions = dict.fromkeys(tags, "kept")
    average_axes = [4 + i for i, tag in enumerate(tags) if tag in _AVERAGE_TAGS]
    if combine_coils and "DIM_COIL" in tags:
        coil_axis = 4 + tags.index("DIM_COIL")
        data = _combine_coils(data, coil_axis, average_axes)
        reductions["DIM_COIL"] = "coils combined"
    if average and average_axes:
        data = data.mean(axis=tuple(average_axes), keepdims=True)
        for ax in average_axes:
            reductions[tags[ax - 4]] = "averaged"
    kept = [i for i, tag in enumerate(tags) if reductions[tag] == "kept"]
    reduced = [4 + i for i in range(len(tags)) if i not in kept]
    if reduced:
        data = data.squeeze(axis=tuple(reduced))
    # (x, y, z, time, kept...) -> (x, y, z, kept..., time) -> (n_spectra, time)
    data = np.moveaxis(data, 3, -1)
    grid_shape = data.shape[:-1]
    fids = data.reshape(-1, data.shape[-1])
    index = np.indices(grid_shape).reshape(len(grid_shape), -1).T
    voxel_indices = index[:, :3]
    homogeneous = np.c_[voxel_indices, np.ones(len(voxel_indices))]
    voxel_positions = (homogeneous @ img.affine.T)[:, :3]

    return MRSData(
        fids=fids,
        spectral_width=1.0 / dwell_time,
        centre_frequency=centre_frequency,
        nucleus=str(_first(header["ResonantNucleus"])),
        echo_time=_optional_float(header.get("EchoTime")),
        repetition_time=_optional_float(header.get("RepetitionTime")),
        voxel_indices=voxel_indices,
        voxel_positions=voxel_positions,
        dim_tags=tuple(tags),
        reductions=reductions,
        kept_dims=tuple(tags[i] for i in kept),
        dim_indices=index[:, 3:],
        header=header,
        path=path,
    )


def _optional_float(value) -> float | None:
    value = _first(value)
    return None if value is None else float(value)
