"""Tissue models: metabolite concentrations and relaxation of brain, tumour, lesions.

Concentrations are in mM (millimoles per litre of tissue water, the
"institutional units" of most MRS papers). Healthy grey and white matter values
follow the medians of the healthy-control entries of the MRS concentration
database of Gudmundson et al., Anal Biochem 676:115227 (2023) (NAA 9-10,
tCr 7-8, tCho 1.5-2, mI 5-6, Glu 8-9, Gln 3, GABA 1.3 mM) with the usual grey/
white differences (more Glu and Cr in grey matter, more Cho and NAAG in white).
Tumour profiles follow the glioma entries of the same database and the reviews
of Horska & Barker, Neuroimaging Clin N Am 20:293-310 (2010) and Choi et al.,
Nat Med 18:624-629 (2012): low grade: NAA down, Cho and mI up; high grade: Cho
up, NAA and Cr down, lactate and mobile lipids up; IDH mutant: 2-HG 2-5 mM.

Macromolecules and lipids are Gaussian resonances (LCModel's MM09 ... Lip20
positions and widths), given as apparent amplitudes in mM-proton units at
TE 30 ms (their short T2 is already folded in).
"""

from __future__ import annotations

import numpy as np

# fmt: off
METABOLITE_NAMES = ("NAA", "NAAG", "Cr", "PCr", "GPC", "PCho", "mI", "sI", "Glu",
                    "Gln", "GABA", "Lac", "Ala", "2HG", "Gly", "Tau")

# Broad components: name -> list of (ppm, FWHM in ppm, relative amplitude).
BROAD_COMPONENTS = {
    "MM": [(0.91, 0.14, 3.0), (1.21, 0.15, 2.0), (1.43, 0.17, 2.0),
           (1.67, 0.15, 1.5), (2.08, 0.15, 3.0), (2.25, 0.15, 1.5),
           (3.00, 0.20, 1.5), (3.75, 0.20, 1.5)],
    "Lip09": [(0.89, 0.14, 3.0)],
    "Lip13": [(1.28, 0.15, 6.0), (1.30, 0.09, 4.0)],
    "Lip20": [(2.04, 0.15, 1.3), (2.25, 0.15, 0.7), (2.80, 0.20, 0.9)],
}
COMPONENT_NAMES = METABOLITE_NAMES + tuple(BROAD_COMPONENTS)

# T1 and T2 at 3 T in ms (Values_T2 of the MRS database; Mlynarik et al. 2001;
# Traber et al. 2004). Broad components: None (amplitudes are apparent).
T1_MS = {"NAA": 1400, "NAAG": 1400, "Cr": 1350, "PCr": 1350, "GPC": 1150,
         "PCho": 1150, "mI": 1100, "sI": 1100, "Glu": 1250, "Gln": 1250,
         "GABA": 1300, "Lac": 1500, "Ala": 1500, "2HG": 1300, "Gly": 1100,
         "Tau": 1300}
T2_MS = {"NAA": 250, "NAAG": 250, "Cr": 150, "PCr": 150, "GPC": 210, "PCho": 210,
         "mI": 180, "sI": 180, "Glu": 180, "Gln": 180, "GABA": 100, "Lac": 240,
         "Ala": 150, "2HG": 110, "Gly": 150, "Tau": 150}

_HEALTHY_GM = {"NAA": 10.0, "NAAG": 0.8, "Cr": 4.4, "PCr": 3.1, "GPC": 0.6,
               "PCho": 0.35, "mI": 6.0, "sI": 0.3, "Glu": 10.0, "Gln": 3.5,
               "GABA": 1.4, "Lac": 0.6, "Ala": 0.4, "2HG": 0.0, "Gly": 0.6,
               "Tau": 1.4, "MM": 3.0, "Lip09": 0.0, "Lip13": 0.0, "Lip20": 0.0}
_HEALTHY_WM = dict(_HEALTHY_GM, NAA=8.5, NAAG=1.8, Cr=3.3, PCr=2.4, GPC=0.9,
                   PCho=0.45, mI=5.0, Glu=6.5, Gln=2.5, GABA=0.9, Tau=1.0)

# Tumour tissue (the neoplastic share of a voxel), by type.
TUMOUR_TYPES = {
    "low_grade_idh_mutant": dict(_HEALTHY_WM, NAA=3.5, NAAG=0.6, Cr=3.2, PCr=1.6,
                                 GPC=1.7, PCho=1.3, mI=8.5, Glu=4.5, Gln=5.0,
                                 GABA=0.6, Lac=1.5, **{"2HG": 3.0}, Gly=1.2,
                                 Lip13=0.5),
    "low_grade_idh_wildtype": dict(_HEALTHY_WM, NAA=4.0, NAAG=0.6, Cr=3.4,
                                   PCr=1.7, GPC=1.6, PCho=1.2, mI=8.0, Glu=5.0,
                                   Gln=4.5, GABA=0.6, Lac=1.5, Gly=1.0,
                                   Lip13=0.5),
    "high_grade_idh_mutant": dict(_HEALTHY_WM, NAA=2.5, NAAG=0.4, Cr=2.6, PCr=1.2,
                                  GPC=2.2, PCho=2.0, mI=5.5, Glu=4.0, Gln=6.0,
                                  GABA=0.5, Lac=4.0, **{"2HG": 4.5}, Gly=2.5,
                                  Lip09=1.0, Lip13=3.0, Lip20=1.0),
    "glioblastoma": dict(_HEALTHY_WM, NAA=1.5, NAAG=0.3, Cr=2.2, PCr=1.0,
                         GPC=2.2, PCho=2.6, mI=3.5, Glu=4.0, Gln=7.0, GABA=0.4,
                         Lac=6.0, Ala=1.0, Gly=3.0, Tau=1.5, Lip09=2.5,
                         Lip13=7.0, Lip20=2.0),
    "glioneuronal": dict(_HEALTHY_GM, NAA=6.0, NAAG=0.6, Cr=4.5, PCr=3.0,
                         GPC=1.3, PCho=0.9, mI=8.0, Glu=8.0, Gln=4.0, Lac=1.0),
}
TUMOUR_TYPE_WEIGHTS = {"low_grade_idh_mutant": 0.30, "low_grade_idh_wildtype": 0.05,
                       "high_grade_idh_mutant": 0.10, "glioblastoma": 0.45,
                       "glioneuronal": 0.10}
# Types that can hold a necrotic core (no metabolites, only lipids and lactate).
NECROTIC_TYPES = ("glioblastoma", "high_grade_idh_mutant")
NECROSIS = {name: 0.0 for name in COMPONENT_NAMES}
NECROSIS.update(Lac=4.0, Lip09=8.0, Lip13=25.0, Lip20=6.0)

# Extracranial (scalp) fat bleeding into voxels near the skull, per unit amplitude.
SCALP_LIPIDS = {name: 0.0 for name in COMPONENT_NAMES}
SCALP_LIPIDS.update(Lip09=0.35, Lip13=1.0, Lip20=0.3)

# Non-neoplastic lesions of the non-tumour patients (the lesion share of a voxel).
LESION_TYPES = {
    "demyelination": dict(_HEALTHY_WM, NAA=5.5, GPC=2.0, PCho=1.0, mI=7.5,
                          Glu=7.0, Lac=1.5, Lip09=0.6, Lip13=1.5, Lip20=0.5),
    "gliosis": dict(_HEALTHY_WM, NAA=6.0, Cr=4.0, GPC=1.7, PCho=0.8, mI=9.0,
                    Glu=5.5, Gln=3.0),
    "cortical_dysplasia": dict(_HEALTHY_GM, NAA=8.0, GPC=1.1, PCho=0.6, mI=7.0),
    "perivascular_spaces": {name: 0.0 for name in COMPONENT_NAMES},
}
LESION_TYPE_WEIGHTS = {"demyelination": 0.30, "gliosis": 0.35,
                       "cortical_dysplasia": 0.20, "perivascular_spaces": 0.15}

# Age at diagnosis (years, mean by patient type; sd AGE_SD, clipped to 18-85).
# Gliomas: glioblastoma median about 64, IDH-mutant astrocytoma and
# oligodendroglioma 35-45, glioneuronal tumours (mostly epilepsy surgery)
# about 28 (Ostrom et al., CBTRUS report, Neuro-Oncology 2022). The paper's
# non-tumour group (demyelination, gliosis, focal cortical dysplasia, wide
# perivascular spaces) is younger than its glioblastomas.
PATIENT_AGE = {"low_grade_idh_mutant": 38.0, "low_grade_idh_wildtype": 52.0,
               "high_grade_idh_mutant": 42.0, "glioblastoma": 64.0,
               "glioneuronal": 28.0, "demyelination": 35.0, "gliosis": 45.0,
               "cortical_dysplasia": 28.0, "perivascular_spaces": 55.0}
AGE_SD = 12.0
REFERENCE_AGE = 45.0
# Relative change of healthy-tissue concentrations per decade of age: NAA falls,
# Cho and Cr rise (meta-analysis of 18 studies, Haga et al., Neurobiol Aging
# 30:353-363, 2009).
AGE_SLOPE_PER_DECADE = {"NAA": -0.03, "NAAG": -0.03, "Cr": 0.02, "PCr": 0.02,
                        "GPC": 0.03, "PCho": 0.03, "mI": 0.02, "sI": 0.02}

# Glioma field effect: relative change of the normal-appearing tissue of a
# tumour patient's hemisphere per unit of ``field_effect`` (the NAA loss at the
# tumour border). Whole-brain NAA is 9.7 +- 1.7 mM in newly diagnosed glioma vs
# 13.1 +- 1.1 mM in controls (Inglese et al., AJNR 27:2137, 2006); NAA/Cr falls
# from contralateral (1.63) to adjacent normal-appearing white matter (1.42)
# while Cho rises with infiltrating tumour cells (DTI + MRSI of 69 gliomas,
# PMC7977530).
FIELD_EFFECT_PROFILE = {"NAA": -1.0, "NAAG": -1.0, "GPC": 0.5, "PCho": 0.5,
                        "mI": 0.2}
# fmt: on


def profile_matrix(profiles: dict[str, dict[str, float]]) -> np.ndarray:
    """Stack tissue profiles into an array of shape (n_profiles, n_components)."""
    return np.array(
        [[p[c] for c in COMPONENT_NAMES] for p in profiles.values()], dtype=float
    )


def relative_change(profile: dict[str, float]) -> np.ndarray:
    """Per-component relative changes (missing components: 0), (n_components,)."""
    return np.array([profile.get(c, 0.0) for c in COMPONENT_NAMES], dtype=float)


def healthy_profiles() -> np.ndarray:
    """Grey- and white-matter concentrations, shape (2, n_components)."""
    return profile_matrix({"gm": _HEALTHY_GM, "wm": _HEALTHY_WM})


def relaxation_weights(te_ms: float, tr_ms: float) -> np.ndarray:
    """Signal left after T2 decay at TE and T1 saturation at TR, per component."""
    w = np.ones(len(COMPONENT_NAMES))
    for i, name in enumerate(COMPONENT_NAMES):
        if name in T2_MS:
            w[i] = np.exp(-te_ms / T2_MS[name]) * (1 - np.exp(-tr_ms / T1_MS[name]))
    return w
