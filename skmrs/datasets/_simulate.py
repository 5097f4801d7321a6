"""make_mrs_cohort: simulated 1H MRS patient cohorts with the paper's label noise."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ._grid import N_POINTS, default_ppm_axis
from ._spins import metabolite_lines
from ._tissue import (
    AGE_SD,
    AGE_SLOPE_PER_DECADE,
    BROAD_COMPONENTS,
    COMPONENT_NAMES,
    FIELD_EFFECT_PROFILE,
    LESION_TYPE_WEIGHTS,
    LESION_TYPES,
    METABOLITE_NAMES,
    NECROSIS,
    NECROTIC_TYPES,
    PATIENT_AGE,
    REFERENCE_AGE,
    SCALP_LIPIDS,
    TUMOUR_TYPE_WEIGHTS,
    TUMOUR_TYPES,
    healthy_profiles,
    profile_matrix,
    relative_change,
    relaxation_weights,
)

# Acquisition of the paper: 3 T Siemens Skyra (123.2 MHz), PRESS TE 30 / TR 1500.
LARMOR_MHZ = 123.2
TE1_MS, TE2_MS = 11.0, 19.0
TR_MS = 1500.0
SPECTRAL_WIDTH_HZ = 1200.0
N_TIME = 1024
N_FFT = 2048
WATER_PPM = 4.7
# The SNR reference: NAA singlet of healthy tissue at this FWHM (Hz).
REFERENCE_LINEWIDTH_HZ = 6.0
_CHUNK = 256
_EXAM_BASELINE_DEGREE = 7
# Extra FWHM (Hz) per Hz of a voxel's B0 offset (intra-voxel dephasing).
_B0_BROADENING = 0.5


@lru_cache(maxsize=4)
def _basis(te_ms: float, tr_ms: float) -> tuple[np.ndarray, np.ndarray]:
    """FIDs of every component (rows) on the acquisition time grid, and t (s)."""
    t = np.arange(N_TIME) / SPECTRAL_WIDTH_HZ
    te1 = TE1_MS * te_ms / (TE1_MS + TE2_MS)
    lines = metabolite_lines(LARMOR_MHZ, te1, te_ms - te1)
    fids = np.zeros((len(COMPONENT_NAMES), N_TIME), dtype=complex)
    for i, name in enumerate(METABOLITE_NAMES):
        ppm, amp = lines[name]
        hz = (ppm - WATER_PPM) * LARMOR_MHZ
        fids[i] = np.exp(2j * np.pi * np.outer(t, hz)) @ amp
    for i, name in enumerate(BROAD_COMPONENTS, start=len(METABOLITE_NAMES)):
        for ppm, fwhm_ppm, amp in BROAD_COMPONENTS[name]:
            hz = (ppm - WATER_PPM) * LARMOR_MHZ
            fwhm_hz = fwhm_ppm * LARMOR_MHZ
            envelope = np.exp(-((np.pi * fwhm_hz * t) ** 2) / (4 * np.log(2)))
            fids[i] += amp * np.exp(2j * np.pi * hz * t) * envelope
    fids *= relaxation_weights(te_ms, tr_ms)[:, None]
    return fids.astype(np.complex64), t


@lru_cache(maxsize=4)
def _grid_interpolation(n_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and weights that take the zero-filled FFT onto the ppm grid."""
    freq = np.fft.fftshift(np.fft.fftfreq(N_FFT, 1 / SPECTRAL_WIDTH_HZ))
    ppm_fft = WATER_PPM + freq / LARMOR_MHZ
    pos = np.interp(default_ppm_axis(n_points), ppm_fft, np.arange(N_FFT))
    index = np.floor(pos).astype(int)
    return index, (pos - index).astype(np.float32)


def _spectra(fid: np.ndarray, n_points: int) -> np.ndarray:
    """Complex spectra on the ppm grid from FIDs (rows)."""
    fid = fid.copy()
    fid[:, 0] *= 0.5
    spec = np.fft.fftshift(np.fft.fft(fid, N_FFT, axis=1), axes=1)
    index, weight = _grid_interpolation(n_points)
    return spec[:, index] * (1 - weight) + spec[:, index + 1] * weight


@lru_cache(maxsize=4)
def _reference_height(te_ms: float, tr_ms: float) -> float:
    """NAA peak height of average healthy tissue at the reference linewidth."""
    fids, t = _basis(te_ms, tr_ms)
    healthy = healthy_profiles().mean(axis=0)
    naa = COMPONENT_NAMES.index("NAA")
    fid = fids[naa] * healthy[naa] * np.exp(-np.pi * REFERENCE_LINEWIDTH_HZ * t)
    return float(np.abs(_spectra(fid[None, :], N_POINTS)).max())


def _check_weights(weights, known, name):
    if weights is None:
        return dict(known)
    if not isinstance(weights, dict) or not weights:
        raise ValueError(
            f"{name} must be a non-empty dict of weights; got {weights!r}."
        )
    unknown = set(weights) - set(known)
    if unknown:
        raise ValueError(
            f"{name} has unknown type(s) {sorted(unknown)}; known: {sorted(known)}."
        )
    values = np.array(list(weights.values()), dtype=float)
    if np.any(~np.isfinite(values)) or np.any(values < 0) or values.sum() <= 0:
        raise ValueError(f"{name} weights must be >= 0 with a positive sum.")
    return dict(weights)


def _check_scalar(value, name, low=None, high=None, integer=False, closed=True):
    kind = Integral if integer else Real
    if isinstance(value, bool) or not isinstance(value, kind) or not np.isfinite(value):
        expected = "an integer" if integer else "a finite number"
        raise ValueError(f"{name} must be {expected}; got {value!r}.")
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}; got {value!r}.")
    if high is not None and (value > high if closed else value >= high):
        bound = "<=" if closed else "<"
        raise ValueError(f"{name} must be {bound} {high}; got {value!r}.")


def make_mrs_cohort(
    n_patients: int = 435,
    *,
    tumour_ratio: float = 0.7,
    mean_voxels: float = 13.5,
    label_noise: float = 0.6,
    infiltration: float = 0.2,
    lesion_share: float = 0.5,
    lipid_contamination: float = 0.4,
    healthy_variability: float = 0.12,
    voxel_variability: float = 0.15,
    field_effect: float = 0.1,
    age_effect: float = 1.0,
    exam_artefacts: float = 0.0,
    b0_inhomogeneity: float = 16.0,
    baseline_distortion: float = 3.0,
    extent_variability: float = 0.375,
    tumour_types: dict[str, float] | None = None,
    lesion_types: dict[str, float] | None = None,
    snr: float = 8.0,
    linewidth: float = 7.0,
    te: float = 30.0,
    tr: float = 1500.0,
    n_points: int = N_POINTS,
    return_X_y: bool = False,
    random_state=None,
):
    """Simulate a cohort of patients' 1H MR spectra with the paper's noisy labels.

    Every voxel is a mixture of grey and white matter, CSF, tumour (with a
    necrotic core in high-grade tumours) or a non-neoplastic lesion. Its
    metabolite concentrations are turned into a PRESS TE 30 / TR 1500 spectrum at
    3 T from a density-matrix simulation of 16 metabolites plus macromolecules
    and lipids, and then degraded by per-patient and per-voxel linewidth, noise,
    frequency shift, zero- and first-order phase errors, a smooth baseline and a
    residual water tail. As in the clinical data of the paper, **every voxel of a
    tumour patient (the tumour-affected hemisphere) is labelled tumour**, even
    those that hold little or no tumour, and every voxel of a non-tumour patient
    (both hemispheres) is labelled non-tumour.

    Read more in the :ref:`simulator user guide <simulator>`.

    Parameters
    ----------
    n_patients : int, default=435
        Number of patients (the paper's cohort has 435).
    tumour_ratio : float, default=0.7
        Share of patients with a tumour, in [0, 1]. Tumour patients contribute
        one hemisphere and non-tumour patients two, so 0.7 gives the paper's
        voxel balance (about 54 % tumour-labelled spectra).
    mean_voxels : float, default=13.5
        Mean number of voxels per hemisphere; counts are log-normal (heavy
        tailed, at least one voxel per patient). The defaults give about 7400
        spectra, like the paper's 7442.
    label_noise : float, default=0.6
        Share of a tumour patient's voxels that lie outside the tumour, in
        [0, 1]. They keep the tumour label; their tumour fraction decays with
        the distance to the tumour border (see ``infiltration``).
    infiltration : float, default=0.2
        Width of the infiltrative margin relative to the tumour radius, > 0.
        Larger values give more partly infiltrated voxels.
    lesion_share : float, default=0.5
        Share of a non-tumour patient's voxels that hold part of a
        non-neoplastic lesion, in [0, 1].
    lipid_contamination : float, default=0.4
        Share of voxels (of either class) that pick up extracranial lipid
        signal from the scalp, as MRSI voxels near the skull do, in [0, 1].
        Its amplitude is exponentially distributed, so a few voxels show
        lipid peaks as tall as a necrotic tumour's.
    healthy_variability : float, default=0.12
        Between-patient spread of healthy grey- and white-matter
        concentrations (log-normal sigma per metabolite), >= 0.
    voxel_variability : float, default=0.15
        Voxel-to-voxel spread of every concentration (log-normal sigma), >= 0.
    field_effect : float, default=0.1
        Glioma field effect, in [0, 0.9]: the relative NAA loss of the
        normal-appearing tissue of a tumour patient's hemisphere at the tumour
        border, where Cho and mI also rise (by half and a fifth of it, the
        infiltrating tumour cells). It decays with the distance to the border
        to half its value hemisphere-wide (satellite tumour cells). Near the
        border, peritumoral oedema also dilutes every metabolite (by up to
        half of it) and broadens the lines (by up to ``field_effect`` times
        the linewidth). Whole-brain NAA is 9.7 +- 1.7 mM in newly diagnosed
        glioma against 13.1 +- 1.1 mM in controls (Inglese et al., AJNR 2006)
        and NAA/Cr falls from 1.63 contralaterally to 1.42 in adjacent
        normal-appearing white matter (PMC7977530). The default 0.1 is a
        5 % NAA loss far from the tumour and 10 % at its border (skmrs 0.2
        had 0.3). 0 gives the
        pure label-noise regime: the healthy tissue of tumour and non-tumour
        patients is drawn from one distribution.
    age_effect : float, default=1.0
        Strength of the age model, >= 0 (1 = the literature slopes). Every
        patient has an age drawn around the mean of their diagnosis
        (glioblastoma 64, IDH-mutant gliomas about 40, the non-tumour lesions
        28-55 years; sd 12), and healthy concentrations change per decade
        from 45 years by ``age_effect`` times -3 % (NAA), +2 % (Cr, mI) and
        +3 % (Cho) (meta-analysis of 18 studies, Haga et al., Neurobiol Aging
        2009). 0 makes age irrelevant to the spectra.
    exam_artefacts : float, default=0.0
        Strength of the artefacts that all voxels of one examination share,
        >= 0: a smooth baseline (Legendre polynomials to degree 7, from
        imperfect water and lipid suppression and eddy currents) and a
        spurious echo (an out-of-volume signal refocused at its own delay,
        which shows as a ripple over a band of the spectrum), each drawn per
        patient and scaled per voxel (log-normal, 0.3). At 1 the baseline
        coefficients have a standard deviation of 0.04 and the echo a median
        height of 0.3 times the reference NAA peak. Both are artefacts of
        clinical MRSI described by Kreis (NMR Biomed 17:361, 2004). They carry
        no information about the diagnosis, but they make one patient's
        spectra alike, so a network can recognise the patient, and with it
        the label, on the spectra it was trained on, and that shortcut
        reverses on new patients (why skmrs 0.2's default, 2, put the
        networks below chance: see the :ref:`simulator user guide
        <simulator>`). 0 (the default since skmrs 0.3) gives no shared
        artefacts (every voxel's baseline is its own).

    b0_inhomogeneity : float, default=16.0
        Standard deviation, in Hz, of the voxel-to-voxel offsets of the static
        field across an MRSI slab, >= 0. Tissue susceptibility differences
        (air-tissue interfaces near the sinuses and the skull base) leave
        each voxel's resonances shifted after the examination's global
        frequency adjustment, and the field gradient across a voxel broadens
        its lines (by half the offset, in Hz). Clinical 2-D CSI at 3 T has
        offsets of several Hz across the brain after shimming (the paper's
        own list of noise sources starts with "heterogeneous magnetic
        susceptibilities of human tissues"; Li et al., MRM 2006; Maudsley et
        al., MRM 2006). They shift peaks by a few points of the 288-point grid,
        which a convolution with global pooling tolerates and a model that
        reads single points does not. The default 16 Hz (skmrs 0.3 and 0.4
        had 8) is at the high end of that range: it brings the SVC and the
        forest into the paper's bands while the network keeps its own (see
        Notes). 0 leaves every spectrum unchanged.
    baseline_distortion : float, default=3.0
        Strength of each voxel's own smooth baseline distortion, >= 0:
        Legendre polynomials to degree 7 with coefficients of standard
        deviation 0.04 times this value (times the reference NAA peak), from
        imperfect water and lipid suppression and eddy currents, which vary
        from voxel to voxel across the slab (Kreis, NMR Biomed 17:361, 2004).
        Unlike ``exam_artefacts`` it is drawn per voxel, so it does not make a
        patient's spectra alike. 0 leaves every spectrum unchanged.
    extent_variability : float, default=0.375
        Between-patient spread of how much of the scanned slab the tumour (or
        the non-neoplastic lesion) fills, in [0, 1). Each tumour patient's
        share of voxels outside the tumour is drawn from a Beta distribution
        with mean ``label_noise``, and each non-tumour patient's share of
        lesion voxels from one with mean ``lesion_share``; their variance is
        ``extent_variability`` times the largest a share with that mean can
        have (``m * (1 - m)``). Glioma volumes span two orders of magnitude
        (a few to a few hundred cm3) and a slab covers a tumour to a varying
        degree, so some tumour patients' hemispheres hold almost no tumour
        while other patients' lesions fill the slab: the patient-level
        decision is hard for every model, while the voxel-level task keeps
        its mean. 0 gives every patient the mean share (skmrs 0.3's cohort,
        with ``b0_inhomogeneity=8``);
        the default 0.375 brings the patient accuracies toward the paper's
        (see the :ref:`simulator user guide <simulator>`).

        The defaults of these six were calibrated to the paper's published
        statistics, Table 2's baselines first (see Notes). Each draws from a
        stream of its own, so older cohorts come back spectrum for spectrum:
        ``b0_inhomogeneity=8`` is skmrs 0.4's default cohort,
        ``b0_inhomogeneity=8, extent_variability=0`` skmrs 0.3's,
        ``field_effect=0.3, exam_artefacts=2, b0_inhomogeneity=0,
        baseline_distortion=0, extent_variability=0`` skmrs 0.2's, and with
        ``field_effect=0, age_effect=0`` too, skmrs 0.1's (pure label noise).
    tumour_types : dict of str to float, default=None
        Relative weights of the tumour types ``"low_grade_idh_mutant"``,
        ``"low_grade_idh_wildtype"``, ``"high_grade_idh_mutant"``,
        ``"glioblastoma"`` and ``"glioneuronal"``. None uses 0.30, 0.05, 0.10,
        0.45, 0.10.
    lesion_types : dict of str to float, default=None
        Relative weights of the lesions of non-tumour patients:
        ``"demyelination"``, ``"gliosis"``, ``"cortical_dysplasia"``,
        ``"perivascular_spaces"``. None uses 0.30, 0.35, 0.20, 0.15.
    snr : float, default=8.0
        Median signal-to-noise ratio: the NAA peak height of healthy tissue at a
        6 Hz linewidth over the noise standard deviation. Patients and voxels
        vary around it (log-normal, 0.35 and 0.3).
    linewidth : float, default=7.0
        Median full width at half maximum of a singlet, in Hz (shim quality);
        varies by patient and voxel.
    te, tr : float, default=30.0, 1500.0
        Echo and repetition time in ms (PRESS, TE1 : TE2 = 11 : 19).
    n_points : int, default=288
        Number of points of the 4.2-0.2 ppm window.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of the Bunch.
    random_state : int, RandomState instance or None, default=None
        Seed for exact reproducibility.

    Returns
    -------
    cohort : :class:`~sklearn.utils.Bunch`
        data : ndarray of shape (n_spectra, n_points), float32
            Real spectra, each scaled to unit root-mean-square.
        target : ndarray of shape (n_spectra,), int
            The noisy label of the paper: 1 for every voxel of a tumour patient.
        target_true : ndarray of shape (n_spectra,), int
            What the voxel really holds: 1 where ``tumour_fraction >= 0.5``.
        tumour_fraction : ndarray of shape (n_spectra,)
            Share of the voxel's tissue that is tumour (necrosis included).
        groups : ndarray of shape (n_spectra,), int
            Patient id of each spectrum (``0 .. n_patients - 1``).
        patient_target : ndarray of shape (n_patients,), int
            Diagnosis of each patient (1 = tumour), indexed by patient id.
        patient_type : ndarray of shape (n_patients,), str
            Tumour type or lesion type of each patient.
        patient_age : ndarray of shape (n_patients,)
            Age of each patient in years (see ``age_effect``).
        snr, linewidth : ndarray of shape (n_spectra,)
            The SNR and singlet FWHM (Hz) drawn for each voxel.
        ppm : ndarray of shape (n_points,)
            Chemical shift of each point (descending).
        feature_names : ndarray of str
            ``"ppm_4.193"`` ... ``"ppm_0.207"``.
        target_names : ndarray of str
            ``["non-tumour", "tumour"]``.
        DESCR : str
            Description of the simulator.
    (data, target) : tuple if ``return_X_y`` is True

    See Also
    --------
    skmrs.datasets.default_ppm_axis : The ppm axis of the spectra.

    Notes
    -----
    With the defaults and ``random_state=0`` (7460 spectra) the cohort is
    calibrated to the paper's published statistics in their order of
    priority, Table 2's baselines first: under GroupKFold(10) by patient the
    Table-1 network scores a voxel AUC of 0.684 on the noisy labels (paper
    0.69, band 0.66-0.72; 10 folds x 2 seeds), the random forest 0.660 (0.64,
    band 0.61-0.67) and the SVC 0.654 (0.63, band 0.60-0.66), the network
    above the better baseline on 18 of 20 fits. The patient accuracies of the
    SVC and the forest are in the paper's bands (0.74 and 0.73; paper 0.67 and
    0.70), the network's is 0.74 (paper 0.67, band 0.60-0.74). k-means mixing
    and the class counts hold; the distiller's yield (paper about 30 %)
    gives way.
    The measurements, the sweep that led there, and why skmrs 0.2's default
    put the networks below chance are in the :ref:`simulator user guide
    <simulator>`.

    References
    ----------
    .. [1] Lu, Polomac, Gacheva, Hattingen, Triesch. Human-expert-level brain
       tumor detection using deep learning with data distillation and
       augmentation. arXiv:2006.12285.

    Examples
    --------
    >>> from skmrs.datasets import make_mrs_cohort
    >>> cohort = make_mrs_cohort(n_patients=20, random_state=0)
    >>> cohort.data.shape[1], cohort.data.dtype
    (288, dtype('float32'))
    >>> bool((cohort.target_true <= cohort.target).all())
    True
    """
    _check_scalar(n_patients, "n_patients", low=1, integer=True)
    _check_scalar(tumour_ratio, "tumour_ratio", 0.0, 1.0)
    _check_scalar(mean_voxels, "mean_voxels", 1.0)
    _check_scalar(label_noise, "label_noise", 0.0, 1.0)
    _check_scalar(infiltration, "infiltration", 0.0)
    if infiltration <= 0:
        raise ValueError(f"infiltration must be > 0; got {infiltration!r}.")
    _check_scalar(lesion_share, "lesion_share", 0.0, 1.0)
    _check_scalar(lipid_contamination, "lipid_contamination", 0.0, 1.0)
    _check_scalar(healthy_variability, "healthy_variability", 0.0, 2.0)
    _check_scalar(voxel_variability, "voxel_variability", 0.0, 2.0)
    _check_scalar(field_effect, "field_effect", 0.0, 0.9)
    _check_scalar(age_effect, "age_effect", 0.0, 5.0)
    _check_scalar(exam_artefacts, "exam_artefacts", 0.0, 10.0)
    _check_scalar(b0_inhomogeneity, "b0_inhomogeneity", 0.0, 50.0)
    _check_scalar(baseline_distortion, "baseline_distortion", 0.0, 20.0)
    _check_scalar(extent_variability, "extent_variability", 0.0, 1.0)
    if extent_variability >= 1:
        raise ValueError(
            f"extent_variability must be in [0, 1); got {extent_variability!r}."
        )
    _check_scalar(snr, "snr", 0.0)
    if snr <= 0:
        raise ValueError(f"snr must be > 0; got {snr!r}.")
    _check_scalar(linewidth, "linewidth", 0.5, 100.0)
    _check_scalar(te, "te", 1.0, 500.0)
    _check_scalar(tr, "tr", 100.0, 20000.0)
    _check_scalar(n_points, "n_points", low=16, integer=True)
    tumour_types = _check_weights(tumour_types, TUMOUR_TYPE_WEIGHTS, "tumour_types")
    lesion_types = _check_weights(lesion_types, LESION_TYPE_WEIGHTS, "lesion_types")
    rng = check_random_state(random_state)
    age_rng, exam_rng, b0_rng, baseline_rng, extent_rng = _side_streams(rng, 5)

    n_p = int(n_patients)
    patients = _draw_patients(
        rng,
        age_rng,
        n_p,
        tumour_ratio,
        mean_voxels,
        tumour_types,
        lesion_types,
    )
    voxels = _draw_voxels(
        rng,
        patients,
        label_noise=_patient_shares(extent_rng, label_noise, extent_variability, n_p),
        infiltration=infiltration,
        lesion_share=_patient_shares(extent_rng, lesion_share, extent_variability, n_p),
        lipid_contamination=lipid_contamination,
        healthy_variability=healthy_variability,
        voxel_variability=voxel_variability,
        field_effect=field_effect,
        age_effect=age_effect,
    )
    nuisances = _draw_nuisances(rng, patients, voxels, snr, linewidth)
    _add_b0_inhomogeneity(b0_rng, nuisances, b0_inhomogeneity)
    nuisances.voxel_baseline = _draw_voxel_baselines(
        baseline_rng, nuisances.shift.size, baseline_distortion
    )
    artefacts = _draw_exam_artefacts(exam_rng, patients.groups, exam_artefacts)
    data = _synthesise(
        rng, voxels.conc, nuisances, artefacts, float(te), float(tr), int(n_points)
    )

    target = patients.is_tumour[patients.groups].astype(int)
    if return_X_y:
        return data, target
    ppm = default_ppm_axis(int(n_points))
    descr = resources.files("skmrs.datasets").joinpath("data/mrs_cohort.rst")
    return Bunch(
        data=data,
        target=target,
        target_true=(voxels.fraction >= 0.5).astype(int),
        tumour_fraction=voxels.fraction,
        groups=patients.groups,
        patient_target=patients.is_tumour.astype(int),
        patient_type=patients.type.astype(str),
        patient_age=patients.age,
        snr=nuisances.snr,
        linewidth=nuisances.linewidth,
        ppm=ppm,
        feature_names=np.array([f"ppm_{p:.3f}" for p in ppm]),
        target_names=np.array(["non-tumour", "tumour"]),
        DESCR=descr.read_text(encoding="utf-8"),
    )


def _side_streams(rng, n):
    """``n`` generators seeded by ``rng``'s state without drawing from it.

    Each mechanism added after skmrs 0.1 (age, exam artefacts, B0 offsets,
    voxel baselines, extent spread) draws from a stream of its own, so that
    with it at 0 every spectrum is the one the simulator gave before it existed.
    """
    entropy = rng.get_state()[1]
    return [
        np.random.default_rng(
            np.random.SeedSequence(entropy, spawn_key=(k,) if k else ())
        )
        for k in range(n)
    ]


def _draw_patients(
    rng, age_rng, n_patients, tumour_ratio, mean_voxels, tumour_types, lesion_types
):
    """Diagnosis, type, age, voxel count, acquisition and tissue of every patient.

    The ages come from ``age_rng``, a side stream (see ``make_mrs_cohort``).
    """
    is_tumour = rng.random_sample(n_patients) < tumour_ratio
    t_names = list(tumour_types)
    t_prob = np.array([tumour_types[k] for k in t_names], dtype=float)
    l_names = list(lesion_types)
    l_prob = np.array([lesion_types[k] for k in l_names], dtype=float)
    t_draw = rng.choice(len(t_names), size=n_patients, p=t_prob / t_prob.sum())
    l_draw = rng.choice(len(l_names), size=n_patients, p=l_prob / l_prob.sum())
    patient_type = np.where(
        is_tumour, np.array(t_names)[t_draw], np.array(l_names)[l_draw]
    ).astype(object)
    # heavy-tailed voxel counts: log-normal per hemisphere, two for non-tumour
    sigma = 0.8
    per_hemisphere = rng.lognormal(
        np.log(mean_voxels) - sigma**2 / 2, sigma, n_patients
    )
    n_vox = np.maximum(1, np.rint(per_hemisphere * np.where(is_tumour, 1, 2)))
    groups = np.repeat(np.arange(n_patients), n_vox.astype(int))
    # per-patient acquisition quality
    snr = rng.lognormal(0.0, 0.35, n_patients)  # times the median snr
    linewidth = rng.lognormal(0.0, 0.2, n_patients)  # times the median linewidth
    shift = rng.normal(0.0, 2.0, n_patients)  # Hz, after frequency referencing
    phase = rng.normal(0.0, np.deg2rad(4.0), n_patients)

    all_profiles = {**TUMOUR_TYPES, **LESION_TYPES}
    type_index = {k: i for i, k in enumerate(all_profiles)}
    profiles = profile_matrix(all_profiles)
    profile = profiles[[type_index[k] for k in patient_type]]
    profile = profile * rng.lognormal(0.0, 0.3, (n_patients, len(COMPONENT_NAMES)))
    necrotic = np.isin(patient_type, NECROTIC_TYPES) & (
        rng.random_sample(n_patients) < 0.6
    )
    necrosis_max = rng.uniform(0.3, 0.9, n_patients) * necrotic
    mean_age = np.array([PATIENT_AGE[k] for k in patient_type])
    age = np.clip(mean_age + AGE_SD * age_rng.standard_normal(n_patients), 18.0, 85.0)
    return Bunch(
        is_tumour=is_tumour,
        type=patient_type,
        groups=groups,
        snr=snr,
        linewidth=linewidth,
        shift=shift,
        phase=phase,
        profile=profile,
        necrosis_max=necrosis_max,
        age=age,
    )


def _draw_voxels(
    rng,
    patients,
    *,
    label_noise,
    infiltration,
    lesion_share,
    lipid_contamination,
    healthy_variability,
    voxel_variability,
    field_effect,
    age_effect,
):
    """Tissue of every voxel: tumour fraction, oedema and concentrations (mM)."""
    groups = patients.groups
    n, n_patients = groups.size, patients.is_tumour.size
    tum = patients.is_tumour[groups]
    # distance to the tumour centre in units of its radius
    inside = rng.random_sample(n) >= label_noise[groups]
    r = np.where(inside, np.sqrt(rng.random_sample(n)), 1.0 + rng.exponential(0.8, n))
    peak = rng.uniform(0.6, 1.0, n)  # tumour cell density / partial volume
    fraction = np.where(tum, peak / (1.0 + np.exp((r - 1.0) / infiltration)), 0.0)
    necrosis = np.where(
        tum, patients.necrosis_max[groups] * np.clip(1 - r / 0.5, 0, 1), 0.0
    )
    lesion = np.where(
        ~tum & (rng.random_sample(n) < lesion_share[groups]),
        rng.uniform(0.3, 1.0, n),
        0.0,
    )
    csf = rng.beta(1.5, 12.0, n)
    gm = rng.uniform(0.05, 0.95, n)
    normal = 1.0 - fraction - lesion
    # healthy brain differs between patients (age, region of the slab)
    n_comp = len(COMPONENT_NAMES)
    p_healthy = rng.lognormal(0.0, healthy_variability, (n_patients, 2, n_comp))
    p_healthy *= _age_factor(patients.age, age_effect)[:, None, :]
    healthy = healthy_profiles()[None] * p_healthy[groups]
    # glioma field effect: strongest at the border, half of it hemisphere-wide;
    # peritumoral oedema dilutes the normal-appearing tissue near the tumour
    distance = np.maximum(r - 1.0, 0.0)
    field = np.where(tum, field_effect * (0.5 + 0.5 * np.exp(-distance / 0.5)), 0.0)
    oedema = np.where(tum, field_effect * np.exp(-distance / 0.3), 0.0)
    change = 1.0 + field[:, None] * relative_change(FIELD_EFFECT_PROFILE)[None]
    healthy *= (np.clip(change, 0.05, None) * (1.0 - 0.5 * oedema[:, None]))[:, None]
    conc = (normal * gm)[:, None] * healthy[:, 0] + (normal * (1 - gm))[
        :, None
    ] * healthy[:, 1]
    profile = patients.profile[groups]
    conc += (fraction * (1 - necrosis))[:, None] * profile
    conc += (fraction * necrosis)[:, None] * profile_matrix({"n": NECROSIS})[0]
    conc += lesion[:, None] * profile  # non-tumour: profile is the lesion's
    conc *= (1.0 - csf)[:, None] * rng.lognormal(0.0, voxel_variability, (n, n_comp))
    scalp = (rng.random_sample(n) < lipid_contamination) * rng.exponential(4.0, n)
    conc += scalp[:, None] * profile_matrix({"scalp": SCALP_LIPIDS})[0]
    return Bunch(conc=conc, fraction=fraction, oedema=oedema)


def _patient_shares(extent_rng, mean, variability, n_patients):
    """Each patient's share (of voxels outside the tumour, or of lesion voxels).

    Beta with mean ``mean`` and variance ``variability * mean * (1 - mean)``,
    drawn from ``extent_rng`` (a side stream); every patient gets ``mean``
    when ``variability`` is 0 or ``mean`` is 0 or 1.
    """
    shares = np.full(n_patients, float(mean))
    if variability > 0 and 0 < mean < 1:
        concentration = 1.0 / variability - 1.0
        shares = extent_rng.beta(
            mean * concentration, (1 - mean) * concentration, n_patients
        )
    return shares


def _age_factor(age, age_effect):
    """Multiplicative change of healthy concentrations with age, (n, n_comp)."""
    decades = (age - REFERENCE_AGE) / 10.0
    slope = relative_change(AGE_SLOPE_PER_DECADE)
    return np.exp(age_effect * decades[:, None] * slope[None])


def _draw_nuisances(rng, patients, voxels, snr, linewidth):
    """Acquisition imperfections, per patient and per voxel."""
    groups = patients.groups
    n = groups.size
    p_snr = snr * patients.snr
    p_lw = linewidth * patients.linewidth
    return Bunch(
        snr=p_snr[groups] * rng.lognormal(0.0, 0.3, n),
        # oedema broadens the lines near the tumour
        linewidth=p_lw[groups] * rng.lognormal(0.0, 0.15, n) * (1 + voxels.oedema),
        shift=patients.shift[groups] + rng.normal(0.0, 1.0, n),
        phase0=patients.phase[groups] + rng.normal(0.0, np.deg2rad(3.0), n),
        phase1=rng.normal(0.0, np.deg2rad(2.0), n),  # radians per ppm about 3 ppm
        water_amp=rng.uniform(0.0, 40.0, n) * rng.random_sample(n) ** 2,
        water_phase=rng.uniform(0, 2 * np.pi, n),
        water_hz=rng.normal(0.0, 3.0, n),
        water_lw=rng.uniform(10.0, 30.0, n),
        baseline=rng.normal(0.0, 0.04, (n, 4)),
    )


def _add_b0_inhomogeneity(b0_rng, nuisances, sd_hz):
    """Voxel-to-voxel B0 offsets and the line broadening they bring, in place.

    Drawn from ``b0_rng``, a side stream (see ``make_mrs_cohort``): with
    ``sd_hz=0`` nothing changes.
    """
    if sd_hz == 0:
        return
    n = nuisances.shift.size
    offset = sd_hz * b0_rng.standard_normal(n)
    nuisances.shift = nuisances.shift + offset
    # the field gradient across a voxel grows with its offset from the shim
    # centre (air-tissue interfaces): intra-voxel dephasing broadens the line
    nuisances.linewidth = nuisances.linewidth + _B0_BROADENING * np.abs(offset)


def _draw_voxel_baselines(baseline_rng, n, strength):
    """Legendre coefficients of every voxel's own baseline distortion, or None.

    Drawn from ``baseline_rng``, a side stream (see ``make_mrs_cohort``).
    """
    if strength == 0:
        return None
    return strength * baseline_rng.normal(0.0, 0.04, (n, _EXAM_BASELINE_DEGREE + 1))


def _draw_exam_artefacts(exam_rng, groups, strength):
    """Baseline and spurious echo shared by one examination's voxels, or None.

    Drawn from ``exam_rng``, a side stream (see ``make_mrs_cohort``): the
    rest of the cohort is the same whatever ``strength`` is.
    """
    if strength == 0:
        return None
    n_patients, n = int(groups.max()) + 1, groups.size
    voxel = exam_rng.lognormal(0.0, 0.3, (n, 2))
    baseline = exam_rng.normal(0.0, 0.04, (n_patients, _EXAM_BASELINE_DEGREE + 1))
    echo_height = 0.3 * exam_rng.lognormal(0.0, 0.5, n_patients)
    return Bunch(
        baseline=strength * baseline[groups] * voxel[:, :1],
        echo_height=strength * echo_height[groups] * voxel[:, 1],
        # the echo's delay (s), width (s), centre (ppm) and phase
        echo_delay=exam_rng.uniform(0.03, 0.15, n_patients)[groups],
        echo_width=exam_rng.uniform(0.004, 0.012, n_patients)[groups],
        echo_ppm=exam_rng.uniform(0.5, 4.0, n_patients)[groups],
        echo_phase=exam_rng.uniform(0.0, 2 * np.pi, n_patients)[groups],
    )


def _exam_artefact_spectra(art, sl, ppm, legendre, h_ref):
    """The artefacts of the voxels ``sl`` on the ppm grid, real part.

    ``legendre`` holds the Legendre polynomials to ``_EXAM_BASELINE_DEGREE``
    on the grid, one per row.
    """
    out = h_ref * (art.baseline[sl] @ legendre)
    # A Gaussian echo centred at delay t0 in the FID is, in the spectrum, a
    # Gaussian band around its frequency times a ripple of period 1 / t0.
    hz = (ppm[None, :] - art.echo_ppm[sl, None]) * LARMOR_MHZ
    band = np.exp(-((np.pi * art.echo_width[sl, None] * hz) ** 2))
    ripple = np.cos(
        2 * np.pi * hz * art.echo_delay[sl, None] + art.echo_phase[sl, None]
    )
    out += (h_ref * art.echo_height[sl])[:, None] * band * ripple
    return out


def _synthesise(rng, conc, nuis, artefacts, te, tr, n_points):
    """Real, unit-RMS spectra from concentrations and nuisances, in chunks."""
    fids, t = _basis(te, tr)
    h_ref = _reference_height(te, tr)
    ppm = default_ppm_axis(n_points)
    x = (ppm - ppm.mean()) / (np.ptp(ppm) / 2)
    legendre = np.stack([np.ones_like(x), x, 1.5 * x**2 - 0.5, 2.5 * x**3 - 1.5 * x])
    voxel_baseline = nuis.get("voxel_baseline")
    if artefacts is not None or voxel_baseline is not None:
        exam_legendre = np.polynomial.legendre.legvander(x, _EXAM_BASELINE_DEGREE).T
    n = conc.shape[0]
    data = np.empty((n, n_points), dtype=np.float32)
    t32 = t.astype(np.float32)
    for start in range(0, n, _CHUNK):
        sl = slice(start, min(start + _CHUNK, n))
        fid = conc[sl].astype(np.complex64) @ fids
        # Voigt lines: 40 % of the width Lorentzian (T2*), the rest Gaussian.
        lor = 0.4 * nuis.linewidth[sl, None]
        gau = 0.6 * nuis.linewidth[sl, None]
        decay = np.exp(-np.pi * lor * t32 - (np.pi * gau * t32) ** 2 / (4 * np.log(2)))
        water = (nuis.water_amp[sl] * np.exp(1j * nuis.water_phase[sl]))[
            :, None
        ] * np.exp(
            (2j * np.pi * nuis.water_hz[sl, None] - np.pi * nuis.water_lw[sl, None])
            * t32
        )
        fid = (fid * decay + water) * np.exp(2j * np.pi * nuis.shift[sl, None] * t32)
        spec = _spectra(fid.astype(np.complex64), n_points)
        phase = nuis.phase0[sl, None] + nuis.phase1[sl, None] * (ppm - 3.0)
        real = (spec * np.exp(1j * phase)).real
        real += h_ref * (nuis.baseline[sl] @ legendre)
        if artefacts is not None:
            real += _exam_artefact_spectra(artefacts, sl, ppm, exam_legendre, h_ref)
        if voxel_baseline is not None:
            real += h_ref * (voxel_baseline[sl] @ exam_legendre)
        noise = rng.standard_normal((sl.stop - sl.start, n_points))
        real += (h_ref / nuis.snr[sl])[:, None] * noise
        rms = np.sqrt(np.mean(real**2, axis=1, keepdims=True))
        data[sl] = real / rms
    return data
