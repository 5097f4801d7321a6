"""Shared fixtures: the real-data folder, small NIfTI-MRS files, small settings."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(
    os.environ.get("SKMRS_SHARED_DATA", REPO_ROOT.parent / "shared" / "data")
)


@pytest.fixture(scope="session")
def shared_data_folder() -> Path:
    """Where the public in-vivo files would be; it may be absent (no skip)."""
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of public in-vivo files (``../shared/data``), or skip."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"real-data folder {SHARED_DATA} is absent; set SKMRS_SHARED_DATA "
            "to the folder that holds MANIFEST.md to run this test"
        )
    return SHARED_DATA


# Small NIfTI-MRS files, written for the readers' tests (tests/io and
# tests/test_bad_inputs.py).
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

    nib = pytest.importorskip("nibabel")

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


def pytest_configure(config):
    """One torch thread per test process.

    With ``pytest -n 2`` on two cores, torch's default of one thread per core
    in every worker oversubscribes the CPU and small networks train up to 25x
    slower; one thread each keeps both cores busy without contention.
    """
    import torch

    torch.set_num_threads(1)
