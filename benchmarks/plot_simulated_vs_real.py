"""Figure for the docs: simulated healthy and tumour spectra beside a real scan.

Writes ``docs/_static/simulated_vs_real.png``. Needs ``../shared/data``.

Run::

    python benchmarks/plot_simulated_vs_real.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from skmrs.datasets import default_ppm_axis, make_mrs_cohort  # noqa: E402
from skmrs.io import read_nifti_mrs  # noqa: E402
from skmrs.preprocessing import SpectrumPreprocessor  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "nifti_mrs"


def main():
    ppm = default_ppm_axis()
    cohort = make_mrs_cohort(n_patients=120, random_state=2)
    types = cohort.patient_type[cohort.groups]
    healthy = np.flatnonzero((cohort.target == 0) & (cohort.tumour_fraction == 0))
    healthy = healthy[np.argsort(np.abs(cohort.snr[healthy] - np.median(cohort.snr)))]
    gbm = np.flatnonzero((types == "glioblastoma") & (cohort.tumour_fraction > 0.8))
    lgg = np.flatnonzero(
        (types == "low_grade_idh_mutant") & (cohort.tumour_fraction > 0.8)
    )
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharex=True)
    for name, file in (
        ("real: osprey sub-01, PRESS TE 30, SNR 159", "osprey_mm_sub01_press.nii.gz"),
        ("real: suspect SVS_30, PRESS TE 30, SNR 7", "suspect_svs30_rda.nii.gz"),
    ):
        mrs = read_nifti_mrs(SHARED / file)
        pre = SpectrumPreprocessor(
            spectral_width=mrs.spectral_width, centre_frequency=mrs.centre_frequency
        )
        axes[0].plot(ppm, pre.fit_transform(mrs.fids)[0], lw=1, label=name)
    clean = make_mrs_cohort(
        n_patients=10,
        tumour_ratio=0.0,
        lesion_share=0.0,
        lipid_contamination=0.0,
        snr=150.0,
        b0_inhomogeneity=0.0,  # a single voxel shimmed on itself, as the real scans
        random_state=0,
    )
    label = "simulated healthy voxel, shimmed on itself, snr=150"
    axes[0].plot(ppm, clean.data[0], lw=1, label=label)
    axes[0].set_title("real in-vivo scans and a simulated healthy voxel")
    offset = 0
    for name, idx in (
        ("simulated healthy", healthy[1]),
        ("simulated low-grade IDH-mutant glioma", lgg[0]),
        ("simulated glioblastoma", gbm[0]),
    ):
        axes[1].plot(ppm, cohort.data[idx] + offset, lw=1, label=name)
        offset += 6
    axes[1].set_title("simulated voxels at the default SNR (median voxel), offset")
    axes[0].invert_xaxis()  # shared x: once inverts both
    for ax in axes:
        ax.set_xlabel("chemical shift (ppm)")
        ax.legend(fontsize=8)
        for label, pos in (("NAA", 2.01), ("Cr", 3.03), ("Cho", 3.2), ("Lip", 1.3)):
            ax.axvline(pos, color="0.85", lw=0.8, zorder=0)
            ax.text(pos, ax.get_ylim()[1], label, ha="center", va="bottom", fontsize=8)
    axes[0].set_ylabel("intensity (unit RMS)")
    fig.tight_layout()
    out = ROOT / "docs" / "_static" / "simulated_vs_real.png"
    fig.savefig(out, dpi=90)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
