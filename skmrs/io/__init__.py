"""Reading real MRS data: NIfTI-MRS files and tables of spectra.

:func:`read_nifti_mrs` reads one NIfTI-MRS file into FIDs and acquisition
parameters (:class:`MRSData`); :func:`load_spectra_table` reads spectra from a
CSV, Parquet or NPZ table; :func:`load_nifti_mrs_dataset` turns a folder of
NIfTI-MRS files and a CSV of (file, patient, label) into a training set on the
288-point grid. nibabel and pandas (the ``io`` extra) are imported when used.
"""

from ._nifti import MRSData, read_nifti_mrs
from ._table import load_nifti_mrs_dataset, load_spectra_table

__all__ = [
    "MRSData",
    "load_nifti_mrs_dataset",
    "load_spectra_table",
    "read_nifti_mrs",
]
