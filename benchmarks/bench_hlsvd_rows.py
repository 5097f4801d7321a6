"""HLSVD with fewer Hankel rows: time on an MRSI file, change on the real files.

    OMP_NUM_THREADS=1 python benchmarks/bench_hlsvd_rows.py [--rows 256 128 96 64]
        [--n-fids 1024] [--repeats 3] [--record benchmarks/results/hlsvd_rows_v0.4.json]

Residual-water removal (``skmrs/preprocessing/_hlsvd.py``) fits 25 damped
sinusoids to the first 512 points of each FID from a Hankel matrix of L rows
and 513 - L columns (``HLSVD_MAX_ROWS``); the first value of ``--rows`` is
the reference (L = 256, skmrs 0.4.0's), the others are compared with it:

- ``measure=cpu``: CPU seconds (``time.process_time``, one thread) to read,
  gate and preprocess an MRSI file of ``--n-fids`` FIDs written by
  ``bench_scale.write_mrsi`` (the osprey in-vivo scan, each voxel with its own
  amplitude, frequency offset and noise), as ``skmrs predict`` does; the
  variants alternate, ``--repeats`` times, after one warm-up. ``method``
  ``zheevr`` is skmrs's (the leading eigenvectors of each FID's ``H H^H``,
  one FID at a time); ``stacked eigh`` (L up to ``--stacked-max``) forms the
  ``H H^H`` of 16 FIDs by one stacked product and decomposes them fully by
  one call of ``numpy.linalg.eigh`` (this script's
  :func:`stacked_leading_vectors`, the same subspace to rounding);
- ``measure=change``: for every NIfTI-MRS file of ../shared/data that skmrs
  reads (the six of ``nifti_mrs/`` and the two 7 T water references of
  ``osprey/``, byte-identical files; and every FID of the MRSI file:
  ``measure=change_mrsi`` holds the largest figure over its FIDs,
  ``change_mrsi_median`` their median), the largest difference between the
  preprocessed spectrum (``SpectrumPreprocessor``'s defaults, ``norm=None``)
  with L rows and with the reference, over the analysis window (the 288-point
  grid, 0.2-4.2 ppm: ``max_diff_sd``) and over its part at 3.9-4.2 ppm
  (``edge_diff_sd``); the largest magnitude of the difference of the
  water-removed spectra (the same apodisation and zero filling, before
  referencing) over 3.9-4.4 ppm (``edge_full_diff_sd``); and the residual
  water, the largest magnitude over 4.4-5.0 ppm after removal
  (``residual_water_sd``; ``residual_water_ratio`` to the reference's). All
  in units of the spectrum's noise sd: the sd of the real part of the
  apodised, zero-filled spectrum, the smaller of two estimates (the FID's
  last quarter propagated through the apodisation, and the spectrum beyond
  -0.3 and 9.5 ppm where the band reaches; the FID's tail is the smaller on
  every file, the spectrum there holding baseline too). ``max_diff_naa``
  is the largest difference on the grid over the height of the reference's
  NAA apex (2.01 +- 0.03 ppm), which does not depend on the noise estimate.
  ``--change-only-rows`` (255 and
  192) are compared too, not timed: how far an equally valid L moves them.

Writes a JSON record (benchmarks/results/README.md).

Private modules studied: ``skmrs.preprocessing._hlsvd`` (the estimator
under study: its row count and its eigensolver are swapped in turn) and
``skmrs.preprocessing._steps`` (its FID-to-spectrum steps, to compare the
water-removed spectra before referencing). A study of internals, not a
figure of the public API: a refactor of these modules may break it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import SHARED, write_mrsi  # noqa: E402

from skmrs.datasets import default_ppm_axis  # noqa: E402
from skmrs.io import read_nifti_mrs, read_nifti_mrs_spectra  # noqa: E402
from skmrs.preprocessing import SpectrumPreprocessor, _hlsvd  # noqa: E402
from skmrs.preprocessing._steps import fid_to_spectrum, ppm_axis  # noqa: E402

PPM = default_ppm_axis()
FILES = [
    *(f"nifti_mrs/{name}.nii.gz" for name in (
        "osprey_sub01_press", "osprey_sub02_press", "osprey_mm_sub01_press",
        "suspect_svs30_rda", "suspect_ima", "suspect_xa60",
    )),
    "osprey/exampledata/nifti-mrs/sub-01/ses-01/mrs/sub-01_ses-01_SVS-ref.nii.gz",
    "osprey/exampledata/nifti-mrs/sub-02/ses-01/mrs/sub-02_ses-01_SVS-ref.nii.gz",
]  # fmt: skip
MACHINE = "AMD EPYC, 2 cores, no GPU, shared (load from another benchmark)"


ZHEEVR = _hlsvd.leading_left_singular_vectors


def stacked_leading_vectors(head, n_rows, rank):
    """:func:`skmrs.preprocessing._hlsvd.leading_left_singular_vectors` by one
    stacked product and one stacked full ``eigh`` for the whole block."""
    hankel = np.lib.stride_tricks.sliding_window_view(
        head, head.shape[-1] - n_rows + 1, axis=-1
    )  # (n_fids, n_rows, n_cols): H[k, i, j] = head[k, i + j]
    values, vectors = np.linalg.eigh(hankel @ np.swapaxes(hankel.conj(), 1, 2))
    values = values[:, -rank:]
    kept = np.sum(values > _hlsvd.HLSVD_RELATIVE_FLOOR**2 * values[:, -1:], axis=1)
    return np.ascontiguousarray(vectors[:, :, : -rank - 1 : -1]), kept


def _with_rows(n_rows: int, method: str = "zheevr"):
    """Set the module constant and the eigensolver; return the former ones."""
    former = _hlsvd.HLSVD_MAX_ROWS, _hlsvd.leading_left_singular_vectors
    _hlsvd.HLSVD_MAX_ROWS = n_rows
    _hlsvd.leading_left_singular_vectors = (
        stacked_leading_vectors if method == "stacked eigh" else ZHEEVR
    )
    return former


def _restore(former) -> None:
    _hlsvd.HLSVD_MAX_ROWS, _hlsvd.leading_left_singular_vectors = former


def time_mrsi(path: Path, rows, repeats: int, stacked_max: int) -> list[dict]:
    template = SpectrumPreprocessor()
    read_nifti_mrs_spectra(path, template)  # warm-up: imports, caches
    variants = [(n_rows, "zheevr") for n_rows in rows]
    variants += [(n_rows, "stacked eigh") for n_rows in rows if n_rows <= stacked_max]
    out = []
    for repeat in range(repeats):
        for n_rows, method in variants:
            former = _with_rows(n_rows, method)
            load = os.getloadavg()[0]
            cpu, wall = time.process_time(), time.perf_counter()
            X = read_nifti_mrs_spectra(path, template)[0]
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            _restore(former)
            row = {"measure": "cpu", "n_rows": n_rows, "method": method,
                   "repeat": repeat, "n_fids": len(X), "cpu_seconds": cpu,
                   "seconds": wall, "load_start": load}  # fmt: skip
            print(json.dumps(row), flush=True)
            out.append(row)
    return out


def noise_sd(fid: np.ndarray, spectral_width: float, centre_frequency: float,
             pre: SpectrumPreprocessor) -> float:  # fmt: skip
    """Noise sd of the real part of the apodised, zero-filled spectrum."""
    n = fid.size
    t = np.arange(n) / spectral_width
    weights = np.exp(-np.pi * pre.line_broadening * t)
    weights[0] *= 0.5
    tail = fid[-n // 4 :]
    tail = tail - tail.mean()
    sigma_t = np.sqrt(0.5 * np.mean(np.abs(tail) ** 2))  # per real component
    estimates = [sigma_t * np.sqrt(np.sum(weights**2))]
    spectrum = fid_to_spectrum(fid[np.newaxis], spectral_width,
                               pre.line_broadening, pre.zero_fill)[0]  # fmt: skip
    ppm = ppm_axis(spectrum.size, spectral_width, centre_frequency,
                   pre.ppm_reference)  # fmt: skip
    inner = np.abs(np.arange(ppm.size) - ppm.size / 2) < 0.45 * ppm.size
    free = inner & ((ppm < -0.3) | (ppm > 9.5))
    if free.sum() > 50:
        part = spectrum.real[free]
        estimates.append(np.std(part - np.polyval(np.polyfit(ppm[free], part, 1),
                                                  ppm[free])))  # fmt: skip
    return float(min(estimates))


def _removed(fids, pre, n_rows):
    former = _with_rows(n_rows)
    try:
        out = _hlsvd.remove_water_hlsvd(
            fids, pre.spectral_width, pre.centre_frequency, pre.ppm_reference,
            tuple(pre.water_range), pre.n_water_components,
        )  # fmt: skip
        X = pre.transform(fids)
    finally:
        _restore(former)
    spectra = fid_to_spectrum(out, pre.spectral_width, pre.line_broadening,
                              pre.zero_fill)  # fmt: skip
    return X, spectra


def change(fids, sw, cf, rows, name) -> list[dict]:
    """Per FID and L: the differences and residual water, in noise sd."""
    pre = SpectrumPreprocessor(spectral_width=sw, centre_frequency=cf,
                               norm=None).fit(fids)  # fmt: skip
    sds = np.array([noise_sd(f, sw, cf, pre) for f in fids])
    results = {L: _removed(fids, pre, L) for L in rows}
    X0, S0 = results[rows[0]]
    ppm = ppm_axis(S0.shape[1], sw, cf, pre.ppm_reference)
    edge_grid = PPM >= 3.9
    edge_full = (ppm >= 3.9) & (ppm <= 4.4)
    water = (ppm >= 4.4) & (ppm <= 5.0)
    water0 = np.abs(S0[:, water]).max(axis=1)
    naa = X0[:, np.abs(PPM - 2.01) <= 0.03].max(axis=1)
    out = []
    for L in rows:
        X, S = results[L]
        diff = np.abs(X - X0) / sds[:, None]
        residual = np.abs(S[:, water]).max(axis=1)
        out.append({
            "file": name, "n_rows": L, "n_fids": len(fids),
            "noise_sd": float(np.median(sds)),
            "max_diff_sd": diff.max(axis=1),
            "max_diff_naa": np.abs(X - X0).max(axis=1) / np.abs(naa),
            "edge_diff_sd": diff[:, edge_grid].max(axis=1),
            "edge_full_diff_sd": (np.abs(S - S0)[:, edge_full].max(axis=1) / sds),
            "residual_water_sd": residual / sds,
            "residual_water_ratio": residual / np.maximum(water0, 1e-300),
        })  # fmt: skip
    return out


def _scalar(row, reduce=np.max) -> dict:
    return {k: float(reduce(v)) if isinstance(v, np.ndarray) else v
            for k, v in row.items()}  # fmt: skip


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[256, 128, 96, 64])
    parser.add_argument("--n-fids", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stacked-max", type=int, default=128)
    parser.add_argument("--change-only-rows", type=int, nargs="*", default=[255, 192])
    parser.add_argument("--record", type=Path)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _records import record_header, save_record

    changed = [*args.rows, *args.change_only_rows]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"mrsi_{args.n_fids}.nii.gz"
        source = write_mrsi(path, args.n_fids)
        rows += time_mrsi(path, args.rows, args.repeats, args.stacked_max)
        mrs = read_nifti_mrs(path)
        for row in change(mrs.fids, mrs.spectral_width, mrs.centre_frequency,
                          changed, f"mrsi_{args.n_fids}"):  # fmt: skip
            for measure, reduce in (("change_mrsi", np.max),
                                    ("change_mrsi_median", np.median)):  # fmt: skip
                rows.append({"measure": measure, **_scalar(row, reduce)})
                print(json.dumps(rows[-1]), flush=True)
    for name in FILES:
        path = SHARED / name
        if not path.is_file():
            print(f"skipped (absent): {path}", flush=True)
            continue
        mrs = read_nifti_mrs(path)
        for row in change(mrs.fids[:1], mrs.spectral_width, mrs.centre_frequency,
                          changed, Path(name).name.split(".")[0]):  # fmt: skip
            rows.append({"measure": "change", **_scalar(row)})
            print(json.dumps(rows[-1]), flush=True)
    if args.record:
        header = record_header(
            "HLSVD residual-water removal with a Hankel matrix of n_rows rows "
            f"(and 513 - n_rows columns) against n_rows={args.rows[0]}: CPU "
            "seconds to read, gate and preprocess an MRSI file (measure=cpu, "
            "alternated), and the change of the preprocessed spectra of the real "
            "files in noise sd (measure=change; change_mrsi: the largest over the "
            "MRSI file's FIDs, change_mrsi_median: their median)",
            env="OMP_NUM_THREADS=1",
        )
        if Path(source).is_absolute():  # as the repository root sees it
            source = os.path.relpath(source, Path(__file__).resolve().parents[1])
        header.update(machine=MACHINE, uses_cohort=False, mrsi_source=source,
                      load="shared machine: another engineer's benchmark ran "
                      "on the two cores (load_start in each cpu row)")  # fmt: skip
        save_record(args.record, {**header, "rows": rows})


if __name__ == "__main__":
    main()
