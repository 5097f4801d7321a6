"""Reading real MRS data: NIfTI-MRS files and tables of spectra.

:func:`read_nifti_mrs` reads one NIfTI-MRS file into FIDs and acquisition
parameters (:class:`MRSData`); :func:`load_spectra_table` reads spectra from a
CSV, Parquet or NPZ table, :func:`iter_spectra_table` the same in chunks of
rows; :func:`load_nifti_mrs_dataset` turns a folder of
NIfTI-MRS files and a CSV of (file, patient, label) into a training set on the
288-point grid. nibabel and pandas (the ``io`` extra) are imported when used.
:func:`read_nifti_mrs_spectra` reads one file as ``skmrs predict`` does: the
spectra that pass the quality gate, preprocessed.
:func:`save_model` and :func:`load_model` write and read model files that run
no code when they are opened (no pickle).
"""

from ._model import load_model, read_model_info, save_model
from ._nifti import MRSData, read_nifti_mrs
from ._table import load_nifti_mrs_dataset, load_spectra_table, read_nifti_mrs_spectra
from ._table_chunks import iter_spectra_table

__all__ = [
    "MRSData",
    "iter_spectra_table",
    "load_nifti_mrs_dataset",
    "load_model",
    "load_spectra_table",
    "read_model_info",
    "read_nifti_mrs",
    "read_nifti_mrs_spectra",
    "save_model",
]
