import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skmrs.datasets import default_ppm_axis, make_mrs_cohort
from skmrs.datasets._simulate import _patient_shares
from skmrs.datasets._spins import METABOLITES, simulate_press_lines
from skmrs.inspection import peak_statistics


@pytest.fixture(scope="module")
def cohort():
    return make_mrs_cohort(n_patients=120, random_state=0)


def test_bunch_fields_shapes_and_types(cohort):
    n = cohort.data.shape[0]
    assert cohort.data.shape == (n, 288)
    assert cohort.data.dtype == np.float32
    for key in ("target", "target_true", "tumour_fraction", "groups", "snr"):
        assert cohort[key].shape == (n,), key
    assert cohort.patient_target.shape == (120,)
    assert cohort.ppm.shape == (288,)
    np.testing.assert_array_equal(cohort.ppm, default_ppm_axis())
    assert cohort.feature_names[0] == "ppm_4.193"
    assert "435" in cohort.DESCR
    np.testing.assert_allclose(np.sqrt((cohort.data**2).mean(axis=1)), 1.0, rtol=1e-4)
    assert np.isfinite(cohort.data).all()


def test_labels_follow_the_papers_noise_mechanism(cohort):
    # every voxel carries its patient's diagnosis
    np.testing.assert_array_equal(cohort.target, cohort.patient_target[cohort.groups])
    # non-tumour patients hold no tumour; tumour patients hold some voxels without
    assert (cohort.tumour_fraction[cohort.target == 0] == 0).all()
    tumour = cohort.target == 1
    assert (cohort.target_true <= cohort.target).all()
    share_clean = cohort.target_true[tumour].mean()
    assert 0.2 < share_clean < 0.5
    np.testing.assert_array_equal(
        cohort.target_true, (cohort.tumour_fraction >= 0.5).astype(int)
    )


def test_label_noise_parameter_controls_the_clean_share():
    share = [
        (c.target_true[c.target == 1].mean())
        for c in (
            make_mrs_cohort(n_patients=80, label_noise=noise, random_state=1)
            for noise in (0.0, 0.5, 0.9)
        )
    ]
    # without label noise only partial-volume voxels at the border are < 50 %
    assert share[0] > 0.65
    assert share[0] > share[1] + 0.2 > share[2] + 0.4
    assert share[2] < 0.2


def test_voxel_counts_are_heavy_tailed_and_defaults_match_the_paper():
    cohort = make_mrs_cohort(random_state=3)
    counts = np.bincount(cohort.groups)
    assert counts.min() >= 1
    assert counts.max() > 4 * np.median(counts)
    assert len(counts) == 435
    assert 6500 < counts.sum() < 8500
    assert 0.48 < cohort.target.mean() < 0.62


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_patients=st.integers(1, 6))
def test_same_seed_gives_identical_cohort(seed, n_patients):
    a = make_mrs_cohort(n_patients=n_patients, random_state=seed)
    b = make_mrs_cohort(n_patients=n_patients, random_state=seed)
    for key in ("data", "target", "target_true", "groups", "tumour_fraction"):
        np.testing.assert_array_equal(a[key], b[key])


def test_different_seeds_differ():
    a = make_mrs_cohort(n_patients=5, random_state=0)
    b = make_mrs_cohort(n_patients=5, random_state=1)
    assert a.data.shape != b.data.shape or not np.allclose(a.data, b.data)


def test_return_X_y():
    X, y = make_mrs_cohort(n_patients=4, return_X_y=True, random_state=0)
    assert X.shape == (y.size, 288)


def _clean(**kwargs):
    """Noise-free cohort without scalp lipids or acquisition artefacts: the tissue."""
    kwargs.setdefault("exam_artefacts", 0.0)
    kwargs.setdefault("b0_inhomogeneity", 0.0)
    kwargs.setdefault("baseline_distortion", 0.0)
    kwargs.setdefault("extent_variability", 0.0)
    return make_mrs_cohort(snr=1e4, lipid_contamination=0.0, random_state=0, **kwargs)


def test_healthy_peaks_sit_at_literature_shifts_with_healthy_ratios():
    cohort = _clean(n_patients=20, tumour_ratio=0.0, lesion_share=0.0)
    mean = cohort.data.mean(axis=0)
    ppm = cohort.ppm
    for centre in (2.01, 3.03, 3.21):
        window = np.abs(ppm - centre) < 0.06
        assert abs(ppm[window][np.argmax(mean[window])] - centre) < 0.02
    stats = peak_statistics(cohort.data, ppm)
    assert 1.1 < np.median(stats.naa_cr) < 2.3
    # healthy in-vivo range (../shared/data/MANIFEST.md and our own measurement)
    assert 0.55 < np.median(stats.cho_cr) < 1.05


def _mean_core(tumour_type):
    cohort = _clean(n_patients=30, tumour_ratio=1.0, tumour_types={tumour_type: 1})
    return cohort.data[cohort.tumour_fraction > 0.7].mean(axis=0), cohort.ppm


def _height(spectrum, ppm, centre, half=0.04):
    return spectrum[np.abs(ppm - centre) < half].max()


def test_tumour_types_change_metabolites_as_in_the_literature():
    healthy = _clean(n_patients=20, tumour_ratio=0.0, lesion_share=0.0)
    h = healthy.data.mean(axis=0)
    ppm = healthy.ppm
    gbm, _ = _mean_core("glioblastoma")
    lgg, _ = _mean_core("low_grade_idh_mutant")
    ratio = {
        name: _height(s, ppm, 3.21) / _height(s, ppm, 2.01)
        for name, s in (("healthy", h), ("gbm", gbm), ("lgg", lgg))
    }
    # Cho/NAA up in both tumour grades
    assert ratio["gbm"] > 2 * ratio["healthy"]
    assert ratio["lgg"] > 1.5 * ratio["healthy"]
    # high grade: mobile lipids/lactate at 1.3 ppm dominate NAA
    assert _height(gbm, ppm, 1.3) > _height(gbm, ppm, 2.01)
    assert _height(h, ppm, 1.3) < 0.2 * _height(h, ppm, 2.01)
    # low grade: mI (3.56) up relative to Cr
    assert _height(lgg, ppm, 3.56) / _height(lgg, ppm, 3.03) > 1.3 * (
        _height(h, ppm, 3.56) / _height(h, ppm, 3.03)
    )


def test_idh_mutation_adds_2hg_at_2_25_ppm():
    mutant, ppm = _mean_core("low_grade_idh_mutant")
    wildtype, _ = _mean_core("low_grade_idh_wildtype")
    diff = mutant - wildtype
    near = np.abs(ppm - 2.25) < 0.04
    # 2HG's H4 multiplet is the largest difference in the 2.1-2.4 ppm region
    region = (ppm > 2.1) & (ppm < 2.4)
    assert diff[near].max() > 0
    assert diff[near].max() == pytest.approx(diff[region].max())


def test_snr_parameter_controls_measured_snr():
    stats = {
        snr: peak_statistics(
            make_mrs_cohort(
                n_patients=20,
                tumour_ratio=0.0,
                lesion_share=0.0,
                snr=snr,
                lipid_contamination=0.0,
                b0_inhomogeneity=0.0,  # its line broadening varies the peak heights
                random_state=0,
            ).data,
            default_ppm_axis(),
        ).snr
        for snr in (5.0, 40.0)
    }
    assert np.median(stats[40.0]) > 4 * np.median(stats[5.0])


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(n_patients=-3), "n_patients"),
        (dict(n_patients=0), "n_patients"),
        (dict(n_patients=2.5), "n_patients"),
        (dict(tumour_ratio=1.5), "tumour_ratio"),
        (dict(label_noise=-0.1), "label_noise"),
        (dict(lesion_share=2.0), "lesion_share"),
        (dict(lipid_contamination=-1.0), "lipid_contamination"),
        (dict(snr=0.0), "snr"),
        (dict(snr=float("nan")), "snr"),
        (dict(mean_voxels=0.0), "mean_voxels"),
        (dict(infiltration=0.0), "infiltration"),
        (dict(tumour_types={"meningioma": 1.0}), "tumour_types"),
        (dict(lesion_types={"stroke": 1.0}), "lesion_types"),
        (dict(tumour_types={"glioblastoma": -1.0}), "tumour_types"),
    ],
)
def test_bad_parameters_raise_naming_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        make_mrs_cohort(**kwargs)


# The independent basis: mrsandbox 0.1.3, PRESS TE1 11 / TE2 19 ms at 123.2 MHz.
MRSANDBOX_NAMES = {
    "NAA": "NAA", "NAAG": "NAAG", "Cr": "Cr", "PCr": "PCr", "GPC": "GPC",
    "PCho": "PCho", "Ins": "mI", "sIns": "sI", "Glu": "Glu", "Gln": "Gln",
    "GABA": "GABA", "Lac": "Lac", "Ala": "Ala", "2HG": "2HG", "Gly": "Gly",
    "Tau": "Tau",
}  # fmt: skip


def test_basis_matches_independent_mrsandbox_simulation(shared_data):
    ref = np.load(shared_data / "sim_mrsandbox" / "press30_basis_mrsandbox.npz")
    larmor, sw = float(ref["cf"]), float(ref["sw"])
    assert ref["te"] == pytest.approx(0.030)
    results = {}
    for theirs, ours in MRSANDBOX_NAMES.items():
        t = ref[theirs][0].real.astype(float)
        fid_ref = ref[theirs][1].astype(complex)
        fid = np.zeros_like(fid_ref)
        for system in METABOLITES[ours]:
            ppm, amp = simulate_press_lines(system, larmor, 11.0, 19.0)
            fid += np.exp(2j * np.pi * np.outer(t, ppm * larmor)) @ amp
        fid *= np.exp(-np.pi * 2.0 * t)  # their 2 Hz broadening
        spectra = []
        for f in (fid, fid_ref):
            f = f * np.exp(-np.pi * 4.0 * t)
            f[0] *= 0.5
            spectra.append(np.fft.fftshift(np.fft.fft(f, 4096)))
        freq_ppm = np.fft.fftshift(np.fft.fftfreq(4096, 1 / sw)) / larmor
        window = (freq_ppm > 0.2) & (freq_ppm < 4.2)
        ours_s, ref_s = (s[window] for s in spectra)
        corr = np.corrcoef(ours_s.real, ref_s.real)[0, 1]
        # mrsandbox gives one proton an amplitude of 1/2; we give it 1
        scale = np.abs(ours_s).max() / np.abs(ref_s).max() / 2
        results[ours] = (round(corr, 3), round(scale, 3))
    bad = {k: v for k, v in results.items() if v[0] < 0.97 or abs(v[1] - 1) > 0.08}
    assert not bad, f"metabolites off the independent basis: {bad}"


def _normal_appearing_naa_cr(**kwargs):
    """NAA/Cr of tissue without tumour or lesion, by diagnosis (noise-free)."""
    cohort = _clean(n_patients=200, lesion_share=0.0, **kwargs)
    naa_cr = peak_statistics(cohort.data, cohort.ppm).naa_cr
    normal = cohort.tumour_fraction < 0.02
    tumour_patient = cohort.target == 1
    return (
        np.median(naa_cr[normal & tumour_patient]),
        np.median(naa_cr[normal & ~tumour_patient]),
    )


def test_zero_field_and_age_effects_give_one_healthy_distribution():
    in_tumour_patients, in_others = _normal_appearing_naa_cr(
        field_effect=0.0, age_effect=0.0
    )
    assert in_tumour_patients == pytest.approx(in_others, rel=0.04)


def test_field_effect_lowers_naa_in_tumour_patients_normal_appearing_tissue():
    # the direction of Inglese et al. (2006) and PMC7977530: lower NAA (and
    # NAA/Cr) in the normal-appearing brain of glioma patients
    in_tumour_patients, in_others = _normal_appearing_naa_cr(
        field_effect=0.3, age_effect=0.0
    )
    assert in_tumour_patients < 0.9 * in_others


def test_the_default_cohort_has_the_field_effect_and_the_age_model():
    # the calibrated defaults (docs/simulator.rst) keep both directions; the
    # default field effect (0.1) is a 5-10 % NAA loss (0.93 measured)
    in_tumour_patients, in_others = _normal_appearing_naa_cr()
    assert in_tumour_patients < 0.96 * in_others
    c = make_mrs_cohort(n_patients=20, random_state=0)
    off = make_mrs_cohort(
        n_patients=20, random_state=0, field_effect=0, age_effect=0, exam_artefacts=0
    )
    np.testing.assert_array_equal(c.target, off.target)
    np.testing.assert_array_equal(c.tumour_fraction, off.tumour_fraction)
    assert not np.allclose(c.data, off.data)


def test_exam_artefacts_are_shared_by_one_patients_voxels():
    kwargs = dict(n_patients=40, snr=1e4, lipid_contamination=0.0, random_state=0)
    base = make_mrs_cohort(exam_artefacts=0.0, **kwargs)
    art = make_mrs_cohort(exam_artefacts=2.0, **kwargs)
    # a side stream: labels, tissue and every other draw are unchanged
    np.testing.assert_array_equal(base.groups, art.groups)
    np.testing.assert_array_equal(base.tumour_fraction, art.tumour_fraction)
    np.testing.assert_array_equal(base.snr, art.snr)
    rms_ratio = np.sqrt(np.mean(art.data**2, axis=1) / np.mean(base.data**2, axis=1))
    diff = art.data - base.data * rms_ratio[:, None]
    corr = np.corrcoef(diff)
    same = base.groups[:, None] == base.groups[None, :]
    off_diagonal = ~np.eye(len(diff), dtype=bool)
    within = np.median(corr[same & off_diagonal])
    between = np.median(np.abs(corr[~same]))
    assert within > 0.6
    assert between < 0.4
    assert within > between + 0.3


def test_age_model_follows_diagnosis_and_lowers_naa_with_age():
    cohort = make_mrs_cohort(n_patients=300, random_state=0)
    age = {
        kind: cohort.patient_age[cohort.patient_type == kind].mean()
        for kind in ("glioblastoma", "cortical_dysplasia")
    }
    assert age["glioblastoma"] > age["cortical_dysplasia"] + 20
    assert ((cohort.patient_age >= 18) & (cohort.patient_age <= 85)).all()

    def naa_cr_age_correlation(age_effect):
        c = _clean(
            n_patients=60,
            tumour_ratio=0.0,
            lesion_share=0.0,
            field_effect=0.0,
            age_effect=age_effect,
        )
        naa_cr = peak_statistics(c.data, c.ppm).naa_cr
        return np.corrcoef(c.patient_age[c.groups], naa_cr)[0, 1]

    assert naa_cr_age_correlation(3.0) < -0.3
    assert abs(naa_cr_age_correlation(0.0)) < 0.15


def test_peritumoral_oedema_broadens_lines_near_the_tumour():
    def border_broadening(field_effect):
        # without the B0 offsets, whose broadening is the same near and far
        c = make_mrs_cohort(
            n_patients=80,
            tumour_ratio=1.0,
            field_effect=field_effect,
            b0_inhomogeneity=0.0,
            random_state=0,
        )
        near = c.tumour_fraction > 0.3
        return np.median(c.linewidth[near]) / np.median(c.linewidth[~near])

    assert border_broadening(0.5) > 1.2 * border_broadening(0.0)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(field_effect=-0.1), "field_effect"),
        (dict(field_effect=1.0), "field_effect"),
        (dict(age_effect=-1.0), "age_effect"),
        (dict(age_effect="strong"), "age_effect"),
        (dict(exam_artefacts=-0.5), "exam_artefacts"),
        (dict(exam_artefacts=float("nan")), "exam_artefacts"),
        (dict(exam_artefacts=11.0), "exam_artefacts"),
        (dict(b0_inhomogeneity=-1.0), "b0_inhomogeneity"),
        (dict(b0_inhomogeneity=float("inf")), "b0_inhomogeneity"),
        (dict(baseline_distortion=-0.1), "baseline_distortion"),
        (dict(baseline_distortion="3"), "baseline_distortion"),
    ],
)
def test_bad_field_and_age_effects_raise(kwargs, name):
    with pytest.raises(ValueError, match=name):
        make_mrs_cohort(n_patients=3, **kwargs)


def test_zero_effects_reproduce_the_cohort_of_the_previous_release():
    # Values of make_mrs_cohort(n_patients=4, random_state=0) before the
    # field effect, the age model and the exam artefacts existed (skmrs at
    # 8e1b188): with all of them at 0 every draw is the same.
    c = make_mrs_cohort(
        n_patients=4,
        random_state=0,
        field_effect=0,
        age_effect=0,
        exam_artefacts=0,
        b0_inhomogeneity=0,
        baseline_distortion=0,
        extent_variability=0,
    )
    np.testing.assert_array_equal(np.bincount(c.groups), [18, 22, 14, 13])
    np.testing.assert_array_equal(c.patient_target, [1, 0, 1, 1])
    np.testing.assert_allclose(
        c.tumour_fraction[:6],
        [0.144462, 0.819687, 0.645407, 0.770398, 0.094372, 0.588559],
        atol=1e-6,
    )
    np.testing.assert_allclose(c.snr[:4], [9.5033, 15.6781, 9.363, 14.5303], atol=1e-4)
    # float32 spectra: FFT rounding may differ between CPUs in the 6th digit
    np.testing.assert_allclose(
        c.data[:5, 157], [1.69493, 0.76099, 0.18175, 0.36451, 0.76036], atol=1e-4
    )


def test_skmrs_0_2_default_cohort_comes_back_with_its_parameters():
    # make_mrs_cohort(n_patients=4, random_state=0) of skmrs 0.2 (12631f4)
    c = make_mrs_cohort(
        n_patients=4,
        random_state=0,
        field_effect=0.3,
        age_effect=1.0,
        exam_artefacts=2.0,
        b0_inhomogeneity=0.0,
        baseline_distortion=0.0,
        extent_variability=0.0,
    )
    np.testing.assert_array_equal(np.bincount(c.groups), [18, 22, 14, 13])
    np.testing.assert_allclose(
        c.data[:5, 157], [1.564325, 1.102525, 0.533302, 0.636288, 1.24574], atol=1e-4
    )
    np.testing.assert_allclose(
        c.data[[10, 30, 50], 40], [0.544143, 0.44892, 1.030015], atol=1e-4
    )


def test_skmrs_0_3_default_cohort_comes_back_with_its_parameters():
    # make_mrs_cohort(n_patients=4, random_state=0) of skmrs 0.3 (6304f04)
    c = make_mrs_cohort(
        n_patients=4, random_state=0, b0_inhomogeneity=8.0, extent_variability=0.0
    )
    np.testing.assert_array_equal(np.bincount(c.groups), [18, 22, 14, 13])
    np.testing.assert_allclose(
        c.tumour_fraction[:6],
        [0.144462, 0.819687, 0.645407, 0.770398, 0.094372, 0.588559],
        atol=1e-6,
    )
    np.testing.assert_allclose(
        c.data[:5, 157], [1.098271, 1.757682, -0.605566, 0.055722, 0.775116], atol=1e-4
    )
    np.testing.assert_allclose(
        c.data[[10, 30, 50], 40], [0.486983, 0.353894, 1.034857], atol=1e-4
    )


def test_skmrs_0_4_default_cohort_comes_back_with_its_parameters():
    # make_mrs_cohort(n_patients=4, random_state=0) of skmrs 0.4 (f51da7e):
    # voxels 11, 12 and 15 are those its extent_variability moved from 0.3's
    c = make_mrs_cohort(n_patients=4, random_state=0, b0_inhomogeneity=8.0)
    np.testing.assert_allclose(
        c.tumour_fraction[[11, 12, 15]], [0.715505, 0.520587, 0.435975], atol=1e-6
    )
    np.testing.assert_allclose(
        c.data[[11, 12, 15], 157], [1.942944, 1.874078, -0.06998], atol=1e-4
    )
    np.testing.assert_allclose(
        c.data[:5, 157], [1.098271, 1.757682, -0.605566, 0.055722, 0.775116], atol=1e-4
    )


def test_default_b0_inhomogeneity_moves_the_spectra_of_skmrs_0_4():
    new = make_mrs_cohort(n_patients=4, random_state=0)
    old = make_mrs_cohort(n_patients=4, random_state=0, b0_inhomogeneity=8.0)
    np.testing.assert_array_equal(new.groups, old.groups)
    np.testing.assert_array_equal(new.tumour_fraction, old.tumour_fraction)
    np.testing.assert_allclose(
        new.data[:5, 157], [0.609717, 1.411365, -0.659589, 0.01902, 1.405487], atol=1e-4
    )


def _naa_position_and_width(**kwargs):
    """ppm of the NAA maximum and the linewidth of every voxel (noise-free)."""
    c = _clean(n_patients=40, tumour_ratio=0.0, lesion_share=0.0, **kwargs)
    window = np.abs(c.ppm - 2.01) < 0.15
    peak = c.ppm[window][np.argmax(c.data[:, window], axis=1)]
    return c, peak


def test_b0_inhomogeneity_shifts_and_broadens_each_voxel_from_a_side_stream():
    base, base_peak = _naa_position_and_width()
    b0, b0_peak = _naa_position_and_width(b0_inhomogeneity=8.0)
    np.testing.assert_array_equal(base.groups, b0.groups)
    np.testing.assert_array_equal(base.tumour_fraction, b0.tumour_fraction)
    np.testing.assert_array_equal(base.snr, b0.snr)
    # 8 Hz at 123.2 MHz is 0.065 ppm: the NAA peak wanders voxel by voxel
    assert np.std(b0_peak) > 2 * np.std(base_peak)
    assert 0.03 < np.std(b0_peak) < 0.1
    # lines broaden by half the offset: never narrower, wider on average
    assert (b0.linewidth >= base.linewidth).all()
    assert np.mean(b0.linewidth - base.linewidth) == pytest.approx(
        0.5 * 8.0 * np.sqrt(2 / np.pi), rel=0.25
    )


def test_baseline_distortion_is_each_voxels_own():
    kwargs = dict(n_patients=40, snr=1e4, lipid_contamination=0.0, random_state=0)
    off = dict(exam_artefacts=0.0, b0_inhomogeneity=0.0)
    base = make_mrs_cohort(baseline_distortion=0.0, **off, **kwargs)
    dist = make_mrs_cohort(baseline_distortion=3.0, **off, **kwargs)
    np.testing.assert_array_equal(base.tumour_fraction, dist.tumour_fraction)
    rms_ratio = np.sqrt(np.mean(dist.data**2, axis=1) / np.mean(base.data**2, axis=1))
    diff = dist.data - base.data * rms_ratio[:, None]
    assert np.mean(np.abs(diff)) > 0.1
    # smooth: neighbouring points move together
    assert np.median(np.corrcoef(diff[:, :-1].ravel(), diff[:, 1:].ravel())) > 0.9
    # not shared by a patient's voxels, unlike exam_artefacts
    corr = np.corrcoef(diff)
    same = base.groups[:, None] == base.groups[None, :]
    off_diagonal = ~np.eye(len(diff), dtype=bool)
    within = np.median(np.abs(corr[same & off_diagonal]))
    between = np.median(np.abs(corr[~same]))
    assert within < between + 0.1


def test_extent_variability_spreads_each_patients_share_around_the_same_mean():
    kwargs = dict(n_patients=400, mean_voxels=30, random_state=0)
    fixed = make_mrs_cohort(extent_variability=0.0, **kwargs)
    spread = make_mrs_cohort(extent_variability=0.5, **kwargs)
    # a side stream: the patients, their voxels and acquisitions are the same
    np.testing.assert_array_equal(fixed.groups, spread.groups)
    np.testing.assert_array_equal(fixed.snr, spread.snr)

    def shares(c):
        """Per tumour patient with >= 20 voxels: share of voxels that are not tumour."""
        outside = np.bincount(c.groups, c.target_true == 0)
        n = np.bincount(c.groups)
        keep = (c.patient_target == 1) & (n >= 20)
        return outside[keep] / n[keep]

    share_fixed, share_spread = shares(fixed), shares(spread)
    # same mean share of voxels outside the tumour (label_noise 0.6 and the margin)
    assert abs(share_spread.mean() - share_fixed.mean()) < 0.05
    # but patients differ: some hemispheres hold almost no tumour, others mostly
    assert share_spread.std() > 2 * share_fixed.std()
    assert (share_spread > 0.95).mean() > 0.1
    assert (share_fixed > 0.95).mean() < 0.02
    assert (share_spread < 0.3).mean() > 0.05
    assert (share_fixed < 0.3).mean() < 0.02


def test_patient_shares_have_the_mean_and_the_variance_asked_for():
    rng = np.random.default_rng(0)
    shares = _patient_shares(rng, 0.5, 0.4, 20000)
    assert shares.mean() == pytest.approx(0.5, abs=0.01)
    assert shares.var() == pytest.approx(0.4 * 0.25, rel=0.05)
    np.testing.assert_array_equal(_patient_shares(rng, 0.5, 0.0, 3), [0.5] * 3)
    np.testing.assert_array_equal(_patient_shares(rng, 1.0, 0.4, 3), [1.0] * 3)


@pytest.mark.parametrize("value", [-0.1, 1.0, 1.5, float("nan"), "0.3"])
def test_bad_extent_variability_raises(value):
    with pytest.raises(ValueError, match="extent_variability"):
        make_mrs_cohort(n_patients=3, extent_variability=value)
