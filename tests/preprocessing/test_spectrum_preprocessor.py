"""Tests of SpectrumPreprocessor and SpectrumNormalizer on synthetic FIDs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skmrs.datasets import default_ppm_axis
from skmrs.preprocessing import SpectrumNormalizer, SpectrumPreprocessor
from skmrs.preprocessing._steps import (
    _smoothed_magnitude,
    estimate_shift,
    estimate_zero_order_phase,
    fid_to_spectrum,
    ppm_axis,
    ppm_window,
)

SW, CF = 2000.0, 123.2
PPM = default_ppm_axis()
METABOLITES = ((3.0, 2.01), (2.0, 3.03), (1.5, 3.2))


def make_fid(peaks=METABOLITES, shift=0.0, phase=0.0, n_points=1024, t2=0.08):
    """Noiseless FID in NIfTI-MRS orientation: a peak at ppm p has FFT frequency
    -(p - 4.7) * CF."""
    t = np.arange(n_points) / SW
    fid = sum(
        a * np.exp(-2j * np.pi * (p + shift - 4.7) * CF * t - t / t2) for a, p in peaks
    )
    return fid * np.exp(1j * phase)


def apex(spectrum, centre, half_width=0.06):
    """Peak position (ppm) near ``centre``, refined by a parabola."""
    window = np.flatnonzero(np.abs(PPM - centre) <= half_width)
    j = window[np.argmax(spectrum[window])]
    left, mid, right = spectrum[j - 1 : j + 2]
    return PPM[j] + 0.5 * (left - right) / (left - 2 * mid + right) * (PPM[1] - PPM[0])


def preprocess(fids, **params):
    pre = SpectrumPreprocessor(spectral_width=SW, centre_frequency=CF, **params)
    return pre.fit_transform(np.atleast_2d(fids))


@pytest.mark.parametrize("shift", [-0.15, -0.04, 0.0, 0.07, 0.18])
def test_peaks_land_on_reference_after_shift(shift):
    X = preprocess(make_fid(shift=shift))
    assert X.shape == (1, 288)
    for _, centre in METABOLITES:
        assert apex(X[0], centre) == pytest.approx(centre, abs=0.01)


def test_without_referencing_peaks_stay_shifted():
    X = preprocess(make_fid(shift=0.04), max_shift=0.0)
    assert apex(X[0], 2.05) == pytest.approx(2.05, abs=0.01)
    X = preprocess(make_fid(shift=0.1), max_shift=0.0, phase_correction=False)
    assert apex(X[0], 2.11) == pytest.approx(2.11, abs=0.01)


@pytest.mark.parametrize("phase", [-2.5, -1.0, 0.7, 3.0])
def test_zero_order_phase_is_corrected(phase):
    reference = preprocess(make_fid())
    X = preprocess(make_fid(phase=phase))
    np.testing.assert_allclose(X, reference, atol=1e-6)
    assert X[0, np.argmin(np.abs(PPM - 2.01))] > 0


def test_conjugate_handles_mirrored_data():
    reference = preprocess(make_fid())
    X = preprocess(np.conj(make_fid()), conjugate=True)
    np.testing.assert_allclose(X, reference, atol=1e-8)
    mirrored = preprocess(np.conj(make_fid()))
    assert np.corrcoef(mirrored[0], reference[0])[0, 1] < 0.5


def test_hlsvd_removes_residual_water():
    clean = preprocess(make_fid(), water_removal=None)
    water = make_fid(peaks=((300.0, 4.72),), t2=0.05)
    wet = make_fid() + water
    dried = preprocess(wet)
    assert np.corrcoef(dried[0], clean[0])[0, 1] > 0.99
    kept = preprocess(wet, water_removal=None)
    assert np.corrcoef(kept[0], clean[0])[0, 1] < 0.9


def test_norms():
    fid = make_fid()
    rms = preprocess(fid)[0]
    assert np.sqrt(np.mean(rms**2)) == pytest.approx(1.0)
    assert np.linalg.norm(preprocess(fid, norm="l2")[0]) == pytest.approx(1.0)
    assert np.abs(preprocess(fid, norm="max")[0]).max() == pytest.approx(1.0)
    raw = preprocess(fid, norm=None)[0]
    np.testing.assert_allclose(raw / np.sqrt(np.mean(raw**2)), rms)


@settings(max_examples=15, deadline=None)
@given(
    scale=st.floats(1e-3, 1e3),
    phase=st.floats(-np.pi, np.pi),
    shift=st.floats(-0.15, 0.15),
)
def test_output_ignores_amplitude_phase_and_small_shifts(scale, phase, shift):
    reference = preprocess(make_fid())
    X = preprocess(scale * make_fid(phase=phase, shift=shift))
    assert np.corrcoef(X[0], reference[0])[0, 1] > 0.995
    assert np.sqrt(np.mean(X**2)) == pytest.approx(1.0)


@pytest.mark.parametrize("shift", [0.057, -0.05])
def test_phase_does_not_depend_on_where_the_apex_falls_between_points(shift):
    # Regression: phasing at the nearest point to each apex, up to half a
    # point away, turned these shifts by 0.1 rad against the reference
    # (correlation 0.9948).
    ppm = ppm_axis(1024 * 4, SW, CF, 4.7)
    phases = []
    for s in (0.0, shift):
        spectrum = fid_to_spectrum(make_fid(shift=s)[np.newaxis], SW, 2.0, 4)[0]
        referenced = ppm - estimate_shift(spectrum, ppm, (2.01, 3.03), 0.2)
        phases.append(estimate_zero_order_phase(spectrum, referenced, (2.01, 3.03)))
    assert phases[1] == pytest.approx(phases[0], abs=0.005)
    reference = preprocess(make_fid())
    X = preprocess(make_fid(shift=shift))
    assert np.corrcoef(X[0], reference[0])[0, 1] > 0.9999
    np.testing.assert_allclose(X, reference, atol=0.01 * np.abs(reference).max())


def test_rows_are_independent():
    fids = np.stack([make_fid(shift=s) for s in (-0.1, 0.0, 0.1)])
    together = preprocess(fids)
    apart = np.vstack([preprocess(fid) for fid in fids])
    np.testing.assert_allclose(together, apart)


def test_in_a_pipeline_with_complex_fids():
    rng = np.random.default_rng(0)
    fids = np.stack(
        [
            make_fid(peaks=((a, 2.01), (2.0, 3.03)), phase=rng.uniform(-3, 3))
            for a in np.r_[np.full(6, 1.0), np.full(6, 4.0)]
        ]
    )
    y = np.r_[np.zeros(6), np.ones(6)]
    model = make_pipeline(
        SpectrumPreprocessor(spectral_width=SW, centre_frequency=CF),
        LogisticRegression(),
    )
    assert model.fit(fids, y).score(fids, y) == 1.0


def test_feature_names_out():
    pre = SpectrumPreprocessor().fit(np.ones((2, 64), dtype=complex))
    names = pre.get_feature_names_out()
    assert (
        names.shape == (288,) and names[0] == "ppm_4.193" and names[-1] == "ppm_0.207"
    )
    np.testing.assert_allclose(pre.ppm_, PPM)


def test_transform_checks_number_of_points():
    pre = SpectrumPreprocessor().fit(np.ones((2, 64), dtype=complex))
    with pytest.raises(ValueError, match="64 features"):
        pre.transform(np.ones((2, 32), dtype=complex))


def test_nan_in_complex_fids():
    fids = np.ones((2, 64), dtype=complex)
    fids[1, 3] = complex(np.nan, 0)
    with pytest.raises(ValueError, match="NaN"):
        SpectrumPreprocessor().fit(fids)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"water_range": (5.0, 4.4)}, "water_range"),
        ({"water_range": (4.4,)}, "water_range"),
        ({"reference_peaks": ()}, "reference_peaks"),
    ],
)
def test_invalid_peak_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        SpectrumPreprocessor(**params).fit(np.ones((2, 64), dtype=complex))


def test_invalid_norm():
    with pytest.raises(ValueError, match="norm"):
        SpectrumPreprocessor(norm="area").fit(np.ones((2, 64), dtype=complex))


def test_normalizer():
    X = np.array([[3.0, -3.0, 3.0, -3.0], [0.0, 0.0, 0.0, 0.0]], dtype=np.float32)
    out = SpectrumNormalizer().fit_transform(X)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[1, -1, 1, -1], [0, 0, 0, 0]])
    np.testing.assert_allclose(
        np.abs(SpectrumNormalizer(norm="l2").fit_transform(X)[0]), 0.5
    )
    np.testing.assert_array_equal(SpectrumNormalizer(norm=None).fit_transform(X), X)


def _hlsvd_by_full_svd(fid, spectral_width, centre_frequency, ppm_reference,
                       water_range, n_components, n_rows=256):  # fmt: skip
    """HLSVD as skmrs 0.3.0 computed it: the full SVD, complex powers
    (of a Hankel matrix of ``n_rows`` rows at most)."""
    import scipy.linalg

    n_fit = min(fid.shape[-1], 512)
    n_rows = min(n_rows, n_fit // 2)
    rank = min(n_components, n_rows - 1, n_fit - n_rows)
    head = fid[:n_fit]
    hankel = scipy.linalg.hankel(head[:n_rows], head[n_rows - 1 :])
    u = scipy.linalg.svd(hankel, full_matrices=False)[0][:, :rank]
    poles = scipy.linalg.eigvals(scipy.linalg.lstsq(u[:-1], u[1:])[0])
    basis = poles[np.newaxis, :] ** np.arange(n_fit)[:, np.newaxis]
    amplitudes = scipy.linalg.lstsq(basis, head)[0]
    ppm = ppm_reference - np.angle(poles) * spectral_width / (
        2 * np.pi * centre_frequency
    )
    water = (ppm >= water_range[0]) & (ppm <= water_range[1]) & (np.abs(poles) < 1)
    steps = np.arange(fid.shape[-1])[:, np.newaxis]
    return fid - (poles[water][np.newaxis, :] ** steps) @ amplitudes[water]


def _fid_with_water(seed, n_points=2048):
    rng = np.random.default_rng(seed)
    t = np.arange(n_points) / SW
    fid = sum(
        a * np.exp(-2j * np.pi * (p - 4.7) * CF * t - t / 0.08)
        for a, p in ((3.0, 2.01), (2.0, 3.03), (1.5, 3.2), (rng.uniform(50, 500), 4.7))
    )
    return fid + rng.uniform(0.01, 0.5) * (
        rng.normal(size=t.size) + 1j * rng.normal(size=t.size)
    )


def test_hlsvd_on_a_stack_equals_the_full_svd_per_fid_to_rounding():
    """The stacked HLSVD gives each FID the water model of skmrs 0.3.0's
    per-FID full SVD: noisy FIDs, a noiseless one (a Hankel matrix of rank 4,
    fewer directions than components), an empty one, in one stack."""
    from skmrs.preprocessing._hlsvd import remove_water_hlsvd

    fids = np.stack(
        [_fid_with_water(seed) for seed in range(20)]
        + [make_fid(peaks=(*METABOLITES, (300.0, 4.72)), n_points=2048),
           np.zeros(2048, dtype=complex)]
    )  # fmt: skip
    args = (SW, CF, 4.7, (4.4, 5.0), 25)
    got = remove_water_hlsvd(fids, *args)
    for fid, row in zip(fids, got):
        expected = _hlsvd_by_full_svd(fid, *args)
        atol = 1e-9 * np.abs(fid).max()
        np.testing.assert_allclose(row, expected, rtol=0, atol=atol)
    assert np.all(
        np.abs(got[:20] - fids[:20]).max(axis=1) > 0.5 * np.abs(fids[:20]).max(axis=1)
    )
    np.testing.assert_array_equal(got[-1], 0)


def test_hlsvd_of_a_degenerate_fid_is_its_full_svd_result():
    """A FID whose Hankel basis lies in its last row alone (one point, as in
    scikit-learn's common checks on integer data) has no closed-form shift
    invariance: it is solved by least squares, finite, as the full SVD does."""
    from skmrs.preprocessing._hlsvd import remove_water_hlsvd

    spike = np.zeros(1024, dtype=complex)
    spike[511] = 1.0
    fids = np.stack([spike, _fid_with_water(0, n_points=1024)])
    args = (SW, CF, 4.7, (4.4, 5.0), 25)
    got = remove_water_hlsvd(fids, *args)
    assert np.isfinite(got).all()
    for fid, row in zip(fids, got):
        atol = 1e-9 * np.abs(fid).max()
        np.testing.assert_allclose(row, _hlsvd_by_full_svd(fid, *args), atol=atol)


def test_hlsvd_max_rows_sets_the_hankel_rows(monkeypatch):
    """``HLSVD_MAX_ROWS`` (256) is the number of rows of the Hankel matrix
    over the same 512 points: 64 gives the full SVD's result of a 64 x 449
    matrix, not that of 256 x 257."""
    from skmrs.preprocessing import _hlsvd

    fids = np.stack([_fid_with_water(seed) for seed in range(3)])
    args = (SW, CF, 4.7, (4.4, 5.0), 25)
    assert _hlsvd.HLSVD_MAX_ROWS == 256
    monkeypatch.setattr(_hlsvd, "HLSVD_MAX_ROWS", 64)
    got = _hlsvd.remove_water_hlsvd(fids, *args)
    for fid, row in zip(fids, got):
        atol = 1e-9 * np.abs(fid).max()
        expected = _hlsvd_by_full_svd(fid, *args, n_rows=64)
        np.testing.assert_allclose(row, expected, rtol=0, atol=atol)
        assert np.abs(row - _hlsvd_by_full_svd(fid, *args)).max() > 100 * atol


def test_hlsvd_of_a_row_does_not_depend_on_its_neighbours():
    from skmrs.preprocessing._hlsvd import remove_water_hlsvd

    fids = np.stack([_fid_with_water(seed, n_points=1024) for seed in range(40)])
    args = (SW, CF, 4.7, (4.4, 5.0), 25)
    together = remove_water_hlsvd(fids, *args)
    for i in (0, 15, 16, 39):
        np.testing.assert_array_equal(
            together[i], remove_water_hlsvd(fids[i : i + 1], *args)[0]
        )


def test_blocks_of_fids_give_what_each_fid_alone_gives():
    """transform works on blocks of 64 FIDs; every row is computed as alone."""
    rng = np.random.default_rng(3)
    shifts, phases = rng.uniform(-0.1, 0.1, 150), rng.uniform(-3, 3, 150)
    fids = np.stack([make_fid(shift=s, phase=p) for s, p in zip(shifts, phases)])
    fids = fids + 0.05 * (
        rng.normal(size=fids.shape) + 1j * rng.normal(size=fids.shape)
    )
    pre = SpectrumPreprocessor(spectral_width=SW, centre_frequency=CF).fit(fids)
    together = pre.transform(fids)
    alone = np.concatenate([pre.transform(fids[i : i + 1]) for i in (0, 63, 64, 149)])
    np.testing.assert_array_equal(together[[0, 63, 64, 149]], alone)


def test_memory_of_transform_does_not_hold_every_zero_filled_spectrum():
    import tracemalloc

    fids = np.tile(make_fid(), (640, 1))
    pre = SpectrumPreprocessor(
        spectral_width=SW, centre_frequency=CF, water_removal=None
    ).fit(fids)
    tracemalloc.start()
    try:
        pre.transform(fids)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    all_spectra = fids.shape[0] * fids.shape[1] * 4 * 16  # zero-filled complex128
    checked_input = 2 * fids.astype(np.complex128).nbytes  # validation's copies
    assert peak < checked_input + all_spectra / 2, (peak, checked_input, all_spectra)


@pytest.mark.parametrize(
    "span", [(1.8, 3.4), (-3.0, -2.9), (12.0, 20.0), (-20.0, -10.0), (-30.0, 30.0)]
)
def test_smoothing_a_window_gives_the_whole_spectrum_there_bit_for_bit(span):
    # referencing and the gate smooth only the ppm they read (issue 25): the
    # values must be those of smoothing the whole spectrum, at the edges too
    rng = np.random.default_rng(0)
    fid = make_fid(shift=0.05) + rng.normal(scale=0.3, size=(1024, 2)) @ [1, 1j]
    spectrum = fid_to_spectrum(fid, SW, 2.0, 4)
    ppm = ppm_axis(spectrum.size, SW, CF, 4.7)
    step = float(ppm[0] - ppm[1])
    keep = ppm_window(ppm, *span, pad=1)
    whole = _smoothed_magnitude(spectrum, step)
    part = _smoothed_magnitude(spectrum, step, keep)
    assert part.shape == whole[keep].shape
    np.testing.assert_array_equal(part, whole[keep])


def test_ppm_window_on_a_descending_axis():
    ppm = np.array([5.0, 4.0, 3.0, 2.0, 1.0, 0.0])
    assert ppm_window(ppm, 1.5, 3.0) == slice(2, 4)
    assert ppm_window(ppm, 1.5, 3.0, pad=1) == slice(1, 5)
    assert ppm_window(ppm, -9.0, 9.0, pad=3) == slice(0, 6)


@pytest.mark.parametrize("shift", [-0.15, 0.0, 0.12])
def test_shift_estimate_equals_its_whole_spectrum_definition(shift):
    rng = np.random.default_rng(1)
    fid = make_fid(shift=shift) + rng.normal(scale=0.2, size=(1024, 2)) @ [1, 1j]
    spectrum = fid_to_spectrum(fid, SW, 2.0, 4)
    ppm = ppm_axis(spectrum.size, SW, CF, 4.7)
    step = float(ppm[0] - ppm[1])
    # the definition: the whole smoothed spectrum, read at peaks + shifts
    smooth = _smoothed_magnitude(spectrum, step)
    shifts = np.arange(-int(0.2 / step), int(0.2 / step) + 1) * step
    points = np.array([2.01, 3.03])[np.newaxis, :] + shifts[:, np.newaxis]
    score = np.interp(-points, -ppm, smooth, left=0.0, right=0.0).sum(axis=1)
    best = int(np.argmax(score))
    left, mid, right = score[best - 1 : best + 2]
    expected = shifts[best] + 0.5 * step * (left - right) / (left - 2 * mid + right)
    assert estimate_shift(spectrum, ppm, (2.01, 3.03), 0.2) == expected
    assert abs(expected - shift) < 0.01
