"""``water_removal="hlsvd-randomized"``: HLSVD with a randomized range finder
(issue 25), against a known truth, against the exact solver, and in model files."""

import numpy as np
import pytest
import scipy.linalg

from skmrs.preprocessing import SpectrumPreprocessor
from skmrs.preprocessing._hlsvd import (
    RANDOMIZED_MAX_COMPONENTS,
    leading_left_singular_vectors,
    randomized_left_singular_vectors,
    remove_water_hlsvd,
)
from skmrs.preprocessing._steps import fid_to_spectrum, ppm_axis

SW, CF, N = 2000.0, 123.2, 2048
FAST = {"water_removal": "hlsvd-randomized", "n_water_components": 10}
#: NAA, creatine, choline (amplitude, ppm): the truth's metabolite peaks.
METABOLITES = ((3.0, 2.01), (2.0, 3.03), (1.5, 3.2))
NOISE = 0.02  # sd of each FID component


def _lines(peaks, t2=0.08, n_points=N):
    """Damped sinusoids in NIfTI-MRS orientation (ppm p turns at -(p - 4.7) CF)."""
    t = np.arange(n_points) / SW
    return sum(a * np.exp(-2j * np.pi * (p - 4.7) * CF * t - t / t2) for a, p in peaks)


def _truth_and_water(seed):
    """Metabolites plus noise (the truth), and a large Lorentzian water line
    near 4.7 ppm (amplitude 400-800, NAA's 3) with a random phase."""
    rng = np.random.default_rng(seed)
    truth = _lines(METABOLITES) + NOISE * (rng.normal(size=N) + 1j * rng.normal(size=N))
    line = [(rng.uniform(400, 800), 4.7 + rng.uniform(-0.05, 0.05))]
    water = _lines(line, t2=rng.uniform(0.03, 0.06))
    water *= np.exp(2j * np.pi * rng.uniform())
    return truth, water


def _spectrum_noise_sd(pre):
    """Noise sd of the real part of the apodised spectrum (Parseval)."""
    weights = np.exp(-np.pi * pre.line_broadening * np.arange(N) / SW)
    weights[0] *= 0.5
    return NOISE * np.sqrt(np.sum(weights**2))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_randomized_hlsvd_removes_known_water_and_keeps_the_metabolites(seed):
    """Against the truth: the water in 4.4-5.0 ppm goes from over 100,000
    noise sds to fewer than 3 (the exact solver at 25 components leaves
    0.7-3.7 on these FIDs), and the spectrum on the grid is that of the truth
    without water removal to within 1 noise sd (0.1 % of NAA's apex), the
    three metabolite apexes to 0.1 %."""
    truth, water = _truth_and_water(seed)
    pre = SpectrumPreprocessor(spectral_width=SW, centre_frequency=CF, norm=None,
                               **FAST)  # fmt: skip
    sd = _spectrum_noise_sd(pre)

    # the residual water: full-resolution spectra, before referencing
    removed = remove_water_hlsvd(
        (truth + water)[np.newaxis], SW, CF, 4.7, (4.4, 5.0), 10, solver="randomized"
    )[0]
    spectra = fid_to_spectrum(np.stack([truth + water, removed, truth]), SW, 2.0, 4)
    ppm = ppm_axis(spectra.shape[1], SW, CF, 4.7)
    band = (ppm >= 4.4) & (ppm <= 5.0)
    before = np.abs(spectra[0, band] - spectra[2, band]).max() / sd
    residual = np.abs(spectra[1, band] - spectra[2, band]).max() / sd
    assert before > 100_000
    assert residual < 3

    # the metabolites, preprocessed, against the truth's
    plain = SpectrumPreprocessor(spectral_width=SW, centre_frequency=CF, norm=None,
                                 water_removal=None)  # fmt: skip
    expected = plain.fit_transform(truth[np.newaxis])[0]
    X = pre.fit_transform((truth + water)[np.newaxis])[0]
    assert np.abs(X - expected).max() / sd < 1
    assert np.abs(X - expected).max() < 1e-3 * expected.max()
    grid = pre.ppm_
    for _, centre in METABOLITES:
        near = np.abs(grid - centre) <= 0.03
        assert X[near].max() == pytest.approx(expected[near].max(), rel=1e-3)
    # the same check fails without water removal: the bounds have teeth
    wet = plain.fit_transform((truth + water)[np.newaxis])[0]
    assert np.abs(wet - expected).max() / sd > 1000


def _high_snr_fids(n=6, noise=0.01, n_points=512):
    """Ten damped sinusoids each (water, a shoulder, metabolites) with little
    noise: the Hankel matrices' 10th singular value lies far above the 11th."""
    rng = np.random.default_rng(0)
    t = np.arange(n_points) / SW
    peaks = ((300, 4.7), (30, 4.6), (3, 3.9), (2.5, 3.2), (2, 3.03), (1, 2.5),
             (3, 2.01), (1.5, 1.3), (1, 0.9), (2, 3.75))  # fmt: skip
    return np.stack([
        sum(a * rng.uniform(0.8, 1.2)
            * np.exp(-2j * np.pi * (p - 4.7) * CF * t - t / rng.uniform(0.05, 0.1))
            for a, p in peaks)
        + noise * (rng.normal(size=n_points) + 1j * rng.normal(size=n_points))
        for _ in range(n)
    ])  # fmt: skip


def test_randomized_directions_are_the_exact_leading_subspace():
    """On high-SNR FIDs the randomized range finder's 10 directions span the
    subspace of LAPACK zheevr's 10 leading ones: largest principal angle
    below 1e-7 rad. At 25 components the trailing 15 directions are noise,
    which it does not find (why ``hlsvd-randomized`` takes at most 10)."""
    heads = _high_snr_fids()
    exact, kept_exact = leading_left_singular_vectors(heads, 256, 10)
    fast, kept_fast = randomized_left_singular_vectors(heads, 256, 10)
    assert fast.shape == exact.shape == (len(heads), 256, 10)
    np.testing.assert_array_equal(kept_fast, kept_exact)
    for u, v in zip(exact, fast):
        np.testing.assert_allclose(v.conj().T @ v, np.eye(10), atol=1e-10)
        assert scipy.linalg.subspace_angles(u, v).max() < 1e-7
    exact, _ = leading_left_singular_vectors(heads, 256, 25)
    fast, _ = randomized_left_singular_vectors(heads, 256, 25)
    assert max(scipy.linalg.subspace_angles(u, v).max()
               for u, v in zip(exact, fast)) > 0.1  # fmt: skip


def test_randomized_hlsvd_is_deterministic():
    fids = np.stack([sum(_truth_and_water(seed)) for seed in range(20)])
    pre = SpectrumPreprocessor(spectral_width=SW, centre_frequency=CF, **FAST)
    first = pre.fit_transform(fids)
    np.testing.assert_array_equal(pre.fit_transform(fids), first)
    again = SpectrumPreprocessor(spectral_width=SW, centre_frequency=CF, **FAST)
    np.testing.assert_array_equal(again.fit_transform(fids), first)
    args = (SW, CF, 4.7, (4.4, 5.0), 10)
    removed = remove_water_hlsvd(fids, *args, solver="randomized")
    np.testing.assert_array_equal(
        remove_water_hlsvd(fids, *args, solver="randomized"), removed
    )
    # and it is not the exact solver's result
    assert not np.allclose(remove_water_hlsvd(fids, *args), removed)
    with pytest.raises(ValueError, match="solver"):
        remove_water_hlsvd(fids, *args, solver="lanczos")


def test_randomized_hlsvd_takes_at_most_ten_components():
    fids = sum(_truth_and_water(0))[np.newaxis]
    assert RANDOMIZED_MAX_COMPONENTS == 10
    message = r'water_removal="hlsvd-randomized".*n_water_components.*noise'
    too_many = SpectrumPreprocessor(water_removal="hlsvd-randomized")  # 25
    with pytest.raises(ValueError, match=message):
        too_many.fit(fids)
    pre = SpectrumPreprocessor(**FAST).fit(fids)
    pre.set_params(n_water_components=11)
    with pytest.raises(ValueError, match=message):
        pre.transform(fids)
    assert "hlsvd" in str(pytest.raises(ValueError, too_many.fit, fids).value)
    pre.set_params(n_water_components=10)
    assert pre.transform(fids).shape == (1, 288)
    # the exact solver keeps taking any number
    SpectrumPreprocessor(n_water_components=40).fit_transform(fids)


def test_model_file_round_trip_and_predict_use_the_randomized_setting(
    tmp_path, write_nifti_mrs, monkeypatch
):
    """A model file records ``hlsvd-randomized``; ``skmrs predict`` reads a
    NIfTI-MRS file of FIDs with it."""
    from sklearn.linear_model import LogisticRegression

    from skmrs.cli import main
    from skmrs.io import load_model, read_model_info, read_nifti_mrs_spectra, save_model
    from skmrs.preprocessing import _spectrum

    fids = np.stack([sum(_truth_and_water(seed)) for seed in range(8)])
    pre = SpectrumPreprocessor(spectral_width=SW, centre_frequency=CF, **FAST)
    X = pre.fit_transform(fids)
    clf = LogisticRegression().fit(X, np.arange(8) % 2)
    path = save_model(clf, tmp_path / "m.skmrs", ppm=pre.ppm_, preprocessing=pre)
    info = read_model_info(path)
    assert info["preprocessing"]["water_removal"] == "hlsvd-randomized"
    assert info["preprocessing"]["n_water_components"] == 10
    template = SpectrumPreprocessor(**info["preprocessing"])
    assert (template.water_removal, template.n_water_components) == (
        "hlsvd-randomized", 10,
    )  # fmt: skip
    template.set_params(spectral_width=SW, centre_frequency=CF)
    np.testing.assert_array_equal(template.fit_transform(fids), X)
    np.testing.assert_array_equal(
        load_model(path).predict_proba(X), clf.predict_proba(X)
    )

    scan = write_nifti_mrs("scan.nii.gz", fids[:1].reshape(1, 1, 1, N))
    expected = read_nifti_mrs_spectra(scan, template)[0]
    exact = read_nifti_mrs_spectra(scan, SpectrumPreprocessor())[0]
    assert expected.shape == (1, 288) and not np.allclose(expected, exact)
    solvers = []

    def spy(*args, **kwargs):
        solvers.append((args[5], kwargs.get("solver")))
        return remove_water_hlsvd(*args, **kwargs)

    monkeypatch.setattr(_spectrum, "remove_water_hlsvd", spy)
    output = tmp_path / "pred.csv"
    assert main(["predict", str(path), str(scan), "--output", str(output)]) == 0
    assert solvers == [(10, "randomized")]
    import pandas as pd

    proba = pd.read_csv(output)[["proba_0", "proba_1"]].to_numpy()
    np.testing.assert_allclose(proba, clf.predict_proba(expected), atol=1e-6)
