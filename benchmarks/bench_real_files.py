"""Real files through the reader, the gate and the preprocessing.

The figures of ``docs/real_data.rst`` and ``docs/bringing_data.rst`` measured
on the public scans of ``../shared/data`` (see its MANIFEST.md):

- preprocessing (``--record``): on the five in-vivo brain scans (osprey
  sub-01 TE 30 and 35, sub-02 TE 35, suspect SVS_30 as RDA and as DICOM) and
  the suspect phantom, preprocessed with ``SpectrumPreprocessor``'s defaults,
  the apex of NAA, creatine and choline (the apex within 0.06 ppm of 2.01,
  3.03 and 3.2 ppm, refined by a parabola, as ``tests/preprocessing/
  test_real_spectra.py`` finds it), the height of the NAA apex above the
  median of 1.7-2.4 ppm in RMS units, and each spectrum's correlation with
  the RDA version of the suspect scan;
- the gate (``--gate-record``): for those scans, their conjugates, the two
  7 T water references and 20 FIDs of pure noise (the osprey sub-01 scan's
  noise level), the decision of ``gate_spectra`` and the three statistics it
  compares with its thresholds: the metabolite peak over the noise, the
  mirrored reference peaks over the direct ones, the water peak over the
  metabolites. The gate does not return them; this script computes them as
  the gate does (``skmrs/preprocessing/_gate.py``) and checks them against
  the figures the gate prints in its notes where it gives one.

Run::

    python benchmarks/bench_real_files.py \\
        --record benchmarks/results/real_files_v0.4.json \\
        --gate-record benchmarks/results/gate_real_files_v0.4.json
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
from scipy import ndimage

from skmrs.datasets import default_ppm_axis
from skmrs.io import read_nifti_mrs
from skmrs.preprocessing import SpectrumPreprocessor, gate_spectra

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SCANS = {
    "osprey_sub01_press": "in vivo",
    "osprey_sub02_press": "in vivo",
    "osprey_mm_sub01_press": "in vivo",
    "suspect_svs30_rda": "in vivo",
    "suspect_ima": "in vivo",
    "suspect_xa60": "phantom",
}
PPM = default_ppm_axis()


def _apex(spectrum, centre, half_width=0.06):
    window = np.flatnonzero(np.abs(PPM - centre) <= half_width)
    j = window[np.argmax(spectrum[window])]
    left, mid, right = spectrum[j - 1 : j + 2]
    return PPM[j] + 0.5 * (left - right) / (left - 2 * mid + right) * (PPM[1] - PPM[0])


def _naa_prominence(spectrum):
    apex_height = spectrum[np.abs(PPM - 2.01) <= 0.03].max()
    return apex_height - np.median(spectrum[(PPM > 1.7) & (PPM < 2.4)])


def preprocessing_rows():
    spectra = {}
    for name in SCANS:
        mrs = read_nifti_mrs(SHARED / "nifti_mrs" / f"{name}.nii.gz")
        pre = SpectrumPreprocessor(
            spectral_width=mrs.spectral_width, centre_frequency=mrs.centre_frequency
        )
        spectra[name] = pre.fit_transform(mrs.fids)[0]
    rows = []
    for name, kind in SCANS.items():
        x = spectra[name]
        row = {
            "file": name,
            "kind": kind,
            "naa_ppm": float(_apex(x, 2.01)),
            "cr_ppm": float(_apex(x, 3.03)),
            "cho_ppm": float(_apex(x, 3.2)),
            "naa_prominence": float(_naa_prominence(x)),
            "corr_with_rda": float(np.corrcoef(x, spectra["suspect_svs30_rda"])[0, 1]),
            "max_abs_diff_rda": float(np.abs(x - spectra["suspect_svs30_rda"]).max()),
        }
        rows.append(row)
        print(
            f"  {name:24s} {kind:8s} NAA {row['naa_ppm']:.3f}  Cr {row['cr_ppm']:.3f}"
            f"  Cho {row['cho_ppm']:.3f}  NAA above median {row['naa_prominence']:.2f}"
            f"  corr with RDA {row['corr_with_rda']:.5f}"
        )
    return rows


def _smoothed(spectrum, step):
    """The gate's difference-of-Gaussians filter of the magnitude."""
    half = int(np.ceil(4 * 0.06 / step))
    offsets = np.arange(-half, half + 1) * step
    kernel = np.zeros_like(offsets)
    for sigma, sign in ((0.012, 1.0), (0.06, -1.0)):
        gauss = np.exp(-0.5 * (offsets / sigma) ** 2)
        kernel += sign * gauss / gauss.sum()
    return ndimage.convolve1d(np.abs(spectrum), kernel, mode="nearest")


def _peak(spectrum, ppm, low, high):
    inside = (ppm >= low) & (ppm <= high)
    return float(spectrum[inside].max())


def gate_statistics(fid, spectral_width, centre_frequency, ppm_reference=4.7):
    """Peak over noise, mirrored over direct peaks, water over metabolites."""
    n = fid.shape[-1]
    noise = float(np.std(fid[-max(n // 4, 2) :])) * np.sqrt(n)
    freq = np.fft.fftshift(np.fft.fftfreq(n, d=1.0 / spectral_width))
    ppm = ppm_reference - freq / centre_frequency
    both = np.stack([fid, np.conj(fid)]).astype(complex)
    both[:, 0] *= 0.5
    spectra = np.fft.fftshift(np.fft.fft(both, axis=-1), axes=-1)
    magnitude = np.abs(spectra)
    peak = max(_peak(m, ppm, 1.8, 3.4) for m in magnitude)
    smooth, mirror = (_smoothed(s, abs(ppm[1] - ppm[0])) for s in spectra)
    direct, mirrored = (
        sum(_peak(s, ppm, p - 0.1, p + 0.1) for p in (2.01, 3.03))
        for s in (smooth, mirror)
    )
    metabolites = max(_peak(s, ppm, 1.8, 3.4) for s in (smooth, mirror))
    return {
        "peak_to_noise": peak / noise,
        "conjugate_ratio": mirrored / direct,
        "water_ratio": _peak(magnitude[0], ppm, 4.4, 5.0) / metabolites,
    }


def _gate_row(label, kind, fids, mrs):
    decision = gate_spectra(
        fids, spectral_width=mrs.spectral_width, centre_frequency=mrs.centre_frequency
    )[0]
    stats = gate_statistics(fids[0], mrs.spectral_width, mrs.centre_frequency)
    # where the gate's note prints a figure, it must be ours, as the note rounds it
    printed = {
        "empty": ("peak_to_noise", r"peak/noise ([\d.]+)", 1),
        "conjugated": ("conjugate_ratio", r"\(at [\d., ]+ ppm, (\d+) times", 0),
        "water reference": ("water_ratio", r"water peak is (\d+) times", 0),
    }.get(decision.status)
    if printed:
        key, pattern, digits = printed
        shown = float(re.search(pattern, decision.note).group(1))
        assert round(stats[key], digits) == shown, (label, key, stats[key], shown)
    row = {"file": label, "kind": kind, "status": decision.status, **stats}
    print(
        f"  {label:36s} {decision.status:16s} peak/noise {stats['peak_to_noise']:7.1f}"
        f"  mirrored/direct {stats['conjugate_ratio']:7.3f}"
        f"  water/metabolites {stats['water_ratio']:7.1f}"
    )
    return row


def gate_rows():
    rows = []
    for name, kind in SCANS.items():
        mrs = read_nifti_mrs(SHARED / "nifti_mrs" / f"{name}.nii.gz")
        rows.append(_gate_row(name, kind, mrs.fids, mrs))
        rows.append(
            _gate_row(f"{name} conjugated", "conjugated", np.conj(mrs.fids), mrs)
        )
    refs = sorted((SHARED / "osprey/exampledata/nifti-mrs").rglob("*ref.nii.gz"))
    for path in refs:
        mrs = read_nifti_mrs(path)
        label = f"7 T water reference {path.parts[-4]}"
        rows.append(_gate_row(label, "water reference", mrs.fids, mrs))
    mrs = read_nifti_mrs(SHARED / "nifti_mrs" / "osprey_sub01_press.nii.gz")
    n = mrs.fids.shape[1]
    tail_std = np.std(mrs.fids[0, -n // 4 :])
    rng = np.random.default_rng(0)
    noise = tail_std * (rng.normal(size=(20, n)) + 1j * rng.normal(size=(20, n)))
    for i in range(len(noise)):
        rows.append(_gate_row(f"pure noise {i}", "noise", noise[i : i + 1], mrs))
    return rows


def _write(path, rows, description):
    from _records import record_header, save_record

    record = {**record_header(description), "uses_cohort": False, "rows": rows}
    save_record(path, record)
    print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", help="write the preprocessing figures")
    parser.add_argument("--gate-record", help="write the gate's figures")
    args = parser.parse_args()
    print("preprocessing (SpectrumPreprocessor defaults)")
    rows = preprocessing_rows()
    if args.record:
        _write(
            args.record,
            rows,
            "the public scans of ../shared/data/nifti_mrs preprocessed with "
            "SpectrumPreprocessor(spectral_width, centre_frequency) defaults: "
            "apex (ppm) of NAA, Cr and Cho (within 0.06 ppm of 2.01, 3.03, 3.2, "
            "parabola through the three highest points), height of the NAA apex "
            "(2.01 +- 0.03 ppm) above the median of 1.7-2.4 ppm in RMS units, "
            "correlation with (and largest absolute difference from) the "
            "preprocessed RDA version of the suspect scan",
        )
    print("gate")
    rows = gate_rows()
    if args.gate_record:
        _write(
            args.gate_record,
            rows,
            "gate_spectra's decision (status) on the public scans of "
            "../shared/data, their complex conjugates, the two osprey 7 T water "
            "references and 20 FIDs of complex Gaussian noise at the noise level "
            "of osprey sub-01's scan (seed 0), and the statistics it compares "
            "with its thresholds, computed as skmrs/preprocessing/_gate.py does "
            "and checked against its notes: peak_to_noise (largest magnitude in "
            "1.8-3.4 ppm of the FID or its conjugate, over the noise of the last "
            "quarter of the FID; threshold 4), conjugate_ratio (smoothed "
            "magnitude at 2.01 and 3.03 ppm, mirrored over direct; threshold 3), "
            "water_ratio (magnitude peak in 4.4-5.0 ppm over the smoothed "
            "metabolite peak; threshold 500)",
        )


if __name__ == "__main__":
    main()
