"""read_nifti_mrs_spectra: one file as ``skmrs predict`` reads it (issue 22)."""

import numpy as np

from skmrs.io import read_nifti_mrs, read_nifti_mrs_spectra
from skmrs.preprocessing import SpectrumPreprocessor

SW, CF = 2000.0, 123.2


def test_the_spectra_that_pass_the_gate_preprocessed(write_nifti_mrs, synthetic_fid):
    data = np.zeros((3, 1, 1, 1024), dtype=np.complex64)
    data[0, 0, 0], data[2, 0, 0] = synthetic_fid(), 2 * synthetic_fid()
    path = write_nifti_mrs("mrsi.nii.gz", data)  # the middle voxel holds no signal
    X, mrs, decisions = read_nifti_mrs_spectra(path)
    assert [d.passed for d in decisions] == [True, False, True]
    step = SpectrumPreprocessor(spectral_width=SW, centre_frequency=CF)
    expected = step.fit_transform(read_nifti_mrs(path).fids[[0, 2]])
    np.testing.assert_allclose(X, expected)
    assert mrs.fids.shape == (3, 1024)


def test_no_spectrum_passes_gives_an_empty_array(write_nifti_mrs, synthetic_fid):
    path = write_nifti_mrs(
        "p31.nii.gz", synthetic_fid().reshape(1, 1, 1, -1), {"ResonantNucleus": ["31P"]}
    )
    X, _, decisions = read_nifti_mrs_spectra(path, SpectrumPreprocessor())
    assert X.shape == (0, 288) and not decisions[0].passed
