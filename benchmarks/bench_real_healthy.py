"""Does a network trained on simulated spectra alone call real healthy scans healthy?

Trains a ``ResNetClassifier`` on ``make_mrs_cohort(random_state=0, **variant)``
(the quick preset's network, or the Table-1 network with ``"net": "table1"``;
150 patients unless ``"n_patients"`` says otherwise; one torch thread) and
prints its tumour probability for the five healthy in-vivo brain scans of
``../shared/data/nifti_mrs`` (osprey sub-01 TE 30 and 35, sub-02 TE 35, the
suspect SVS_30 scan as RDA and as DICOM), preprocessed with
``SpectrumPreprocessor``'s defaults, as ``skmrs predict`` does. One JSON line
per variant.

Run::

    OMP_NUM_THREADS=1 python benchmarks/bench_real_healthy.py '{}' \\
        '{"n_patients": 435, "net": "table1"}'
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

from skmrs.benchmark import PRESETS
from skmrs.classification import ResNetClassifier
from skmrs.datasets import make_mrs_cohort
from skmrs.io import read_nifti_mrs
from skmrs.preprocessing import SpectrumPreprocessor

FOLDER = Path(__file__).resolve().parents[2] / "shared" / "data" / "nifti_mrs"
HEALTHY = [
    "osprey_mm_sub01_press",
    "osprey_sub01_press",
    "osprey_sub02_press",
    "suspect_svs30_rda",
    "suspect_ima",
]


def real_spectra() -> np.ndarray:
    rows = []
    for name in HEALTHY:
        mrs = read_nifti_mrs(FOLDER / f"{name}.nii.gz")
        pre = SpectrumPreprocessor(
            spectral_width=mrs.spectral_width, centre_frequency=mrs.centre_frequency
        )
        rows.append(pre.fit_transform(mrs.fids)[0])
    return np.array(rows)


def main(variants: list[str]) -> None:
    torch.set_num_threads(1)
    X_real = real_spectra()
    for variant in variants:
        kwargs = json.loads(variant)
        net = kwargs.pop("net", "quick")
        n_patients = kwargs.pop("n_patients", 150)
        cohort = make_mrs_cohort(n_patients=n_patients, random_state=0, **kwargs)
        params = dict(PRESETS["quick"].network) if net == "quick" else {}
        clf = ResNetClassifier(random_state=0, **params)
        proba = clf.fit(cohort.data, cohort.target).predict_proba(X_real)[:, 1]
        row = {
            "variant": variant,
            "net": net,
            **{name: float(p) for name, p in zip(HEALTHY, proba)},
            "called_non_tumour": int((proba < 0.5).sum()),
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
