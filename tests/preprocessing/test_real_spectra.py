"""Preprocessing of the real NIfTI-MRS files in ``../shared/data/nifti_mrs``.

Peak positions are the apex of the preprocessed spectrum within 0.06 ppm of
the nominal position, refined by a parabola through the three highest grid
points. Measured with the defaults: NAA 2.010-2.012, Cr 3.021-3.028 and Cho
3.208-3.213 ppm on the five brain scans.
"""

import numpy as np
import pytest

from skmrs.datasets import default_ppm_axis
from skmrs.io import read_nifti_mrs
from skmrs.preprocessing import SpectrumPreprocessor

PPM = default_ppm_axis()
BRAIN_SCANS = [
    "osprey_sub01_press.nii.gz",
    "osprey_sub02_press.nii.gz",
    "osprey_mm_sub01_press.nii.gz",
    "suspect_svs30_rda.nii.gz",
    "suspect_ima.nii.gz",
]
PHANTOM = "suspect_xa60.nii.gz"
#: NAA counts as present when its prominence exceeds this many RMS units.
NAA_THRESHOLD = 1.0


def preprocessed(shared_data, name):
    mrs = read_nifti_mrs(shared_data / "nifti_mrs" / name)
    pre = SpectrumPreprocessor(
        spectral_width=mrs.spectral_width, centre_frequency=mrs.centre_frequency
    )
    return pre.fit_transform(mrs.fids)[0]


def apex(spectrum, centre, half_width=0.06):
    window = np.flatnonzero(np.abs(PPM - centre) <= half_width)
    j = window[np.argmax(spectrum[window])]
    left, mid, right = spectrum[j - 1 : j + 2]
    return PPM[j] + 0.5 * (left - right) / (left - 2 * mid + right) * (PPM[1] - PPM[0])


def naa_prominence(spectrum):
    """Height of the NAA apex (2.01 +- 0.03 ppm) above the median of 1.7-2.4 ppm.

    Spectra are RMS-normalised, so the height is in units of the spectrum's
    RMS: 3.2-5.0 on the brain scans, 0.16 on the phantom.
    """
    apex_height = spectrum[np.abs(PPM - 2.01) <= 0.03].max()
    return apex_height - np.median(spectrum[(PPM > 1.7) & (PPM < 2.4)])


@pytest.mark.parametrize("name", BRAIN_SCANS)
def test_naa_cr_cho_land_on_their_positions(shared_data, name):
    spectrum = preprocessed(shared_data, name)
    assert spectrum.shape == (288,)
    assert np.sqrt(np.mean(spectrum**2)) == pytest.approx(1.0)
    for centre in (2.01, 3.03, 3.2):
        assert apex(spectrum, centre) == pytest.approx(centre, abs=0.03)
    assert naa_prominence(spectrum) > 3 * NAA_THRESHOLD


def test_rda_and_ima_give_the_same_spectrum(shared_data):
    rda = preprocessed(shared_data, "suspect_svs30_rda.nii.gz")
    ima = preprocessed(shared_data, "suspect_ima.nii.gz")
    # Measured: correlation 0.99998, largest difference 0.026 RMS units.
    assert np.corrcoef(rda, ima)[0, 1] > 0.999
    assert np.abs(rda - ima).max() < 0.1


def test_phantom_is_read_but_has_no_naa(shared_data):
    spectrum = preprocessed(shared_data, PHANTOM)
    assert spectrum.shape == (288,) and np.all(np.isfinite(spectrum))
    assert naa_prominence(spectrum) < NAA_THRESHOLD
