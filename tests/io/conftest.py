"""Writing small NIfTI-MRS files for the reader's tests."""

import json

import numpy as np
import pytest

nib = pytest.importorskip("nibabel")

SW, CF = 2000.0, 123.2


def _fid(n_points=1024, shift=0.0):
    """A noiseless NAA, Cr and Cho FID, ``shift`` ppm off, NIfTI-MRS orientation."""
    t = np.arange(n_points) / SW
    peaks = ((3.0, 2.01), (2.0, 3.03), (1.5, 3.2))
    return sum(
        a * np.exp(-2j * np.pi * (p + shift - 4.7) * CF * t - t / 0.08)
        for a, p in peaks
    ).astype(np.complex64)


@pytest.fixture
def synthetic_fid():
    """Make a noiseless NAA, Cr and Cho FID: ``synthetic_fid(n_points, shift)``."""
    return _fid


@pytest.fixture
def write_nifti_mrs(tmp_path):
    """Save complex ``data`` as NIfTI-MRS under ``tmp_path``; return the path."""

    def write(name, data, meta=None, affine=None, dwell=1 / SW, extension=True):
        meta = {"SpectrometerFrequency": [CF], "ResonantNucleus": ["1H"]} | (meta or {})
        img = nib.Nifti2Image(np.asarray(data), np.eye(4) if affine is None else affine)
        img.header["pixdim"][4] = dwell
        if extension:
            img.header.extensions.append(
                nib.nifti1.Nifti1Extension(44, json.dumps(meta).encode())
            )
        path = tmp_path / name
        nib.save(img, path)
        return path

    return write
