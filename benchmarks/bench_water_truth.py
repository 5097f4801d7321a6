"""Cheaper residual-water removal judged against a known truth (issue 25).

    OMP_NUM_THREADS=1 python benchmarks/bench_water_truth.py [--n-per-kind 80]
        [--n-fids 1024] [--repeats 2] [--variants today L128 ...]
        [--record benchmarks/results/water_truth_v0.4.json]

``bench_hlsvd_rows.py`` found that a Hankel matrix of fewer rows changes the
output of HLSVD (``skmrs/preprocessing/_hlsvd.py``) against today's, but also
that an equally valid 255 rows moves some FIDs by tens of noise sd: HLSVD is
unstable on some FIDs, so today's output is no yardstick. This script judges
each estimator by its error against a known truth instead.

The truth: FIDs at the acquisition of the osprey in-vivo scan of
../shared/data (``nifti_mrs/osprey_sub01_press``: its spectral width, centre
frequency, points, TE and TR; 2000 Hz, 127.75 MHz, 2048 points, TE 35 / TR
2000 without it), built like the simulator's (``make_mrs_cohort``): its
metabolite line lists simulated for PRESS at that field and echo time, its
macromolecule and lipid components, its relaxation, healthy grey/white-matter
concentrations (a random mixture of the two, each concentration times a
log-normal factor of sd 0.15), Voigt lines of 4-9 Hz (40 % Lorentzian, as the
simulator's), and complex white noise at an NAA SNR (NAA apex over the noise sd
of the apodised spectrum's real part) log-uniform in 10-150 (the osprey scans
have 41 and 152, the suspect scan about 8). The same FIDs with residual water
added, ``--n-per-kind`` of each kind (``water``):

- ``lorentzian``: one line of 1-2 times the metabolites' width;
- ``voigt``: Lorentzian 2-5 Hz broadened by a Gaussian of 6-15 Hz FWHM;
- ``eddy``: the Lorentzian line with an eddy-current-like time-varying
  frequency, 5-20 Hz (either sign) decaying with 20-80 ms (the water alone:
  the metabolites are the truth);
- ``two``: two Lorentzian lines 5-10 Hz apart, 30-70 % of the water in one,
  each with its own phase (B0 inhomogeneity within the voxel);

each centred at 4.7 ppm plus an offset uniform in +-0.1 ppm, with a random
phase, its apex 10 to 100 times (log-uniform) the NAA apex.

Each variant (``--variants``) removes the water from the FIDs with water and
from the truth (its own processing of a water-free FID); the rest is
``SpectrumPreprocessor``'s defaults with ``norm=None``:
``today`` (L = 256 Hankel rows, K = 25 components, LAPACK zheevr one FID at a
time: skmrs 0.4.0's); ``L128``, ``L96``, ``L64`` (fewer rows, K = 25);
``K15``, ``K10`` (L = 256, fewer components, zheevr); ``rand-K25``,
``rand-K15``, ``rand-K10`` (L = 256, the K leading vectors by a randomized
range finder, :func:`randomized_leading_vectors`: ``OVERSAMPLE`` extra
columns and ``POWER`` power iterations on the block's 16 Hankel matrices by
stacked matrix products, a fixed random start; no LAPACK eigensolver on the
256 x 256 matrices); ``rand-K10-fft``, the same estimator with every
product by a Hankel matrix or its adjoint done by FFTs of the 512 points
(``skmrs.preprocessing._hlsvd.randomized_left_singular_vectors``, the
package's ``water_removal="hlsvd-randomized"`` since this study, with the
same oversampling, power iterations and seed: equal to ``rand-K10`` to
rounding, no Hankel matrix formed). Per FID, in units of its noise sd
(the sd of the real part of the apodised, zero-filled spectrum, known from
the noise added):

- ``err``: the largest difference over the analysis window (the 288-point
  grid, 0.2-4.2 ppm) between the preprocessed spectrum of the FID with water
  and that of the truth, both by the variant; ``edge``: the same over 3.9-4.2
  ppm; ``err_raw``, ``edge_raw``: against the truth preprocessed without any
  water removal (what also counts what the removal takes from a water-free
  FID);
- ``residual``: the largest magnitude, over 4.4-5.0 ppm of the full-resolution
  spectrum (apodised, zero-filled, before referencing), of the water-removed
  FID's spectrum minus the truth's without removal; ``water``: the same before
  removal (the water added); ``floor``: the same for the truth's own removal
  (what removing the noise's and metabolites' components in 4.4-5.0 ppm from
  a water-free FID leaves: the residual of a perfect water estimate).

Rows ``measure=real``: no truth, the residual water each variant leaves in
the real metabolite scans of ../shared/data (the six of ``nifti_mrs/``, as
``bench_hlsvd_rows.py``, its noise estimate): ``water_sd`` and
``residual_sd`` before and after removal, as ``water`` and ``residual``
above but against zero, and ``change_sd``, the largest change on the grid
against the first variant's.

Rows ``measure=accuracy`` give their median, 95th percentile and maximum over
the FIDs of each kind and of all (``water=all``). Rows ``measure=cpu``: CPU
seconds (``time.process_time``, one thread) to read, gate and preprocess an
MRSI file of ``--n-fids`` FIDs written by ``bench_scale.write_mrsi`` (as
``bench_hlsvd_rows.py`` does), the variants alternated, ``--repeats`` times,
after one warm-up.

Private modules studied: ``skmrs.preprocessing._hlsvd`` (the estimator under
study: its row count and its eigensolver are swapped in turn),
``skmrs.preprocessing._steps`` (its FID-to-spectrum steps, for the residual
water of the full-resolution spectrum), ``skmrs.datasets._spins`` (the
simulator's metabolite line lists, at the osprey scan's field and echo time)
and ``skmrs.datasets._tissue`` (the simulator's concentrations, broad
components and relaxation). A study of internals, not a figure of the public
API: a refactor of these modules may break it.
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
from skmrs.datasets._spins import metabolite_lines  # noqa: E402
from skmrs.datasets._tissue import (  # noqa: E402
    BROAD_COMPONENTS,
    METABOLITE_NAMES,
    healthy_profiles,
    relaxation_weights,
)
from skmrs.io import read_nifti_mrs, read_nifti_mrs_spectra  # noqa: E402
from skmrs.preprocessing import SpectrumPreprocessor, _hlsvd  # noqa: E402
from skmrs.preprocessing._steps import fid_to_spectrum, ppm_axis  # noqa: E402

PPM = default_ppm_axis()
SOURCE = "nifti_mrs/osprey_sub01_press.nii.gz"
MACHINE = "AMD EPYC, 2 cores, no GPU, shared (load from another benchmark)"
KINDS = ("lorentzian", "voigt", "eddy", "two")
ZHEEVR = _hlsvd.leading_left_singular_vectors
#: Extra columns and power iterations of the randomized range finder.
OVERSAMPLE = _hlsvd.RANDOMIZED_OVERSAMPLES  # 10
POWER = _hlsvd.RANDOMIZED_POWER_ITERATIONS  # 2
#: name: (Hankel rows, components, eigensolver)
VARIANTS = {
    "today": (256, 25, "zheevr"),
    "L128": (128, 25, "zheevr"),
    "L96": (96, 25, "zheevr"),
    "L64": (64, 25, "zheevr"),
    "K15": (256, 15, "zheevr"),
    "K10": (256, 10, "zheevr"),
    "rand-K25": (256, 25, "randomized"),
    "rand-K15": (256, 15, "randomized"),
    "rand-K10": (256, 10, "randomized"),
    "rand-K10-fft": (256, 10, "randomized fft"),
}


def randomized_leading_vectors(head, n_rows, rank):
    """:func:`skmrs.preprocessing._hlsvd.leading_left_singular_vectors` by a
    randomized range finder (Halko, Martinsson & Tropp 2011) for the whole
    block at once: ``Y = (H H^H)^POWER H Omega`` by stacked products (each
    step re-orthonormalised by a stacked QR), then the leading eigenvectors
    of the small ``(Q^H H)(Q^H H)^H``."""
    n_fit = head.shape[-1]
    hankel = np.ascontiguousarray(
        np.lib.stride_tricks.sliding_window_view(head, n_fit - n_rows + 1, axis=-1)
    )  # (n_fids, n_rows, n_cols): H[k, i, j] = head[k, i + j]
    adjoint = np.ascontiguousarray(np.swapaxes(hankel.conj(), 1, 2))
    rng = np.random.default_rng(0)
    shape = (hankel.shape[2], rank + OVERSAMPLE)
    omega = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    y = hankel @ omega
    for _ in range(POWER):
        y = np.linalg.qr(y)[0]
        y = hankel @ (adjoint @ y)
    q = np.linalg.qr(y)[0]  # (n_fids, n_rows, rank + OVERSAMPLE)
    small = np.swapaxes(q.conj(), 1, 2) @ hankel
    values, vectors = np.linalg.eigh(small @ np.swapaxes(small.conj(), 1, 2))
    values = values[:, ::-1][:, :rank]
    u = q @ vectors[:, :, ::-1][:, :, :rank]
    kept = np.sum(values > _hlsvd.HLSVD_RELATIVE_FLOOR**2 * values[:, :1], axis=1)
    return u, kept


def _use(variant: str):
    """Set the module's row count and eigensolver; return the former ones."""
    n_rows, _, method = VARIANTS[variant]
    former = _hlsvd.HLSVD_MAX_ROWS, _hlsvd.leading_left_singular_vectors
    _hlsvd.HLSVD_MAX_ROWS = n_rows
    _hlsvd.leading_left_singular_vectors = {
        "randomized": randomized_leading_vectors,
        "randomized fft": _hlsvd.randomized_left_singular_vectors,
    }.get(method, ZHEEVR)
    return former


def _restore(former) -> None:
    _hlsvd.HLSVD_MAX_ROWS, _hlsvd.leading_left_singular_vectors = former


def acquisition() -> dict:
    """The osprey scan's spectral width, centre frequency, points, TE and TR."""
    path = SHARED / SOURCE
    if path.is_file():
        mrs = read_nifti_mrs(path)
        # NIfTI-MRS holds TE and TR in seconds; the simulator takes ms
        return {
            "sw": float(mrs.spectral_width), "cf": float(mrs.centre_frequency),
            "n": int(mrs.n_points), "te": 1000 * float(mrs.echo_time or 0.035),
            "tr": 1000 * float(mrs.repetition_time or 2.0), "source": SOURCE,
        }  # fmt: skip
    return {"sw": 2000.0, "cf": 127.75, "n": 2048, "te": 35.0, "tr": 2000.0,
            "source": "osprey's parameters (file absent)"}  # fmt: skip


def _spectrum(fids, acq, pre):
    return fid_to_spectrum(fids, acq["sw"], pre.line_broadening, pre.zero_fill)


def _ppm(size, acq, pre):
    return ppm_axis(size, acq["sw"], acq["cf"], pre.ppm_reference)


def make_fids(acq: dict, n_per_kind: int, pre, seed: int = 0) -> dict:
    """Truth (metabolites + noise), the same with water, and their noise sds."""
    rng = np.random.default_rng(seed)
    sw, cf, n, te, tr = acq["sw"], acq["cf"], acq["n"], acq["te"], acq["tr"]
    t = np.arange(n) / sw
    te1 = 11.0 * te / 30.0  # the simulator's split of TE between the echoes
    lines = metabolite_lines(cf, te1, te - te1)
    basis = []
    for name in METABOLITE_NAMES:
        ppm, amp = lines[name]
        # skmrs's orientation: a line at ppm turns at (ppm_reference - ppm) * cf
        basis.append(np.exp(2j * np.pi * np.outer(t, (4.7 - ppm) * cf)) @ amp)
    for parts in BROAD_COMPONENTS.values():
        fid = np.zeros(n, dtype=complex)
        for ppm, fwhm_ppm, amp in parts:
            envelope = np.exp(-((np.pi * fwhm_ppm * cf * t) ** 2) / (4 * np.log(2)))
            fid += amp * np.exp(2j * np.pi * (4.7 - ppm) * cf * t) * envelope
        basis.append(fid)
    basis = np.array(basis) * relaxation_weights(te, tr)[:, None]
    m = 4 * n_per_kind
    gm = rng.uniform(0, 1, size=(m, 1))
    profiles = healthy_profiles()
    conc = (gm * profiles[0] + (1 - gm) * profiles[1]) * rng.lognormal(
        0, 0.15, size=(m, profiles.shape[1])
    )
    width = rng.uniform(4, 9, size=(m, 1))
    decay = np.exp(-np.pi * 0.4 * width * t
                   - (np.pi * 0.6 * width * t) ** 2 / (4 * np.log(2)))  # fmt: skip
    metab = (conc @ basis) * decay
    ppm_full = _ppm(n * pre.zero_fill, acq, pre)
    naa_band = np.abs(ppm_full - 2.01) <= 0.06
    naa = np.abs(_spectrum(metab, acq, pre)[:, naa_band]).max(axis=1)
    weights = np.exp(-np.pi * pre.line_broadening * t)
    weights[0] *= 0.5
    snr = np.exp(rng.uniform(np.log(10), np.log(150), size=m))
    noise_sd = naa / snr  # of the spectrum's real part
    sigma = noise_sd / np.sqrt(np.sum(weights**2))  # of each FID component
    noise = sigma[:, None] * (rng.normal(size=(m, n)) + 1j * rng.normal(size=(m, n)))
    truth = metab + noise

    kind = np.repeat(np.arange(4), n_per_kind)
    # 4.7 ppm + the offset; skmrs's orientation: higher ppm, lower frequency
    hz = -rng.uniform(-0.1, 0.1, size=m) * cf
    lw = width[:, 0] * rng.uniform(1, 2, size=m)
    phase = rng.uniform(0, 2 * np.pi, size=m)
    water = np.empty((m, n), dtype=complex)
    for i in range(m):
        line = np.exp((2j * np.pi * hz[i] - np.pi * lw[i]) * t)
        if KINDS[kind[i]] == "voigt":
            gauss = rng.uniform(6, 15)
            line = np.exp((2j * np.pi * hz[i] - np.pi * rng.uniform(2, 5)) * t
                          - (np.pi * gauss * t) ** 2 / (4 * np.log(2)))  # fmt: skip
        elif KINDS[kind[i]] == "eddy":
            shift, tau = (
                rng.choice([-1, 1]) * rng.uniform(5, 20),
                rng.uniform(0.02, 0.08),
            )
            line = line * np.exp(2j * np.pi * shift * tau * (1 - np.exp(-t / tau)))
        elif KINDS[kind[i]] == "two":
            apart, share = rng.uniform(5, 10), rng.uniform(0.3, 0.7)
            second = np.exp(1j * rng.uniform(0, 2 * np.pi))
            line = share * line * np.exp(-1j * np.pi * apart * t) + (
                1 - share) * second * line * np.exp(1j * np.pi * apart * t)  # fmt: skip
        water[i] = line * np.exp(1j * phase[i])
    apex = np.abs(_spectrum(water, acq, pre)).max(axis=1)
    ratio = np.exp(rng.uniform(np.log(10), np.log(100), size=m))
    water *= (ratio * naa / apex)[:, None]
    return {"truth": truth, "with_water": truth + water, "noise_sd": noise_sd,
            "kind": kind, "snr": snr, "ratio": ratio}  # fmt: skip


def _quantiles(values) -> dict:
    return {
        "median": float(np.median(values)),
        "p95": float(np.percentile(values, 95)),
        "max": float(np.max(values)),
    }


def accuracy(data: dict, acq: dict, variants) -> list[dict]:
    """Per variant and kind of water: the errors against the truth (noise sd)."""
    pre = SpectrumPreprocessor(spectral_width=acq["sw"], centre_frequency=acq["cf"],
                               norm=None)  # fmt: skip
    plain = SpectrumPreprocessor(spectral_width=acq["sw"], centre_frequency=acq["cf"],
                                 norm=None, water_removal=None)  # fmt: skip
    pre.fit(data["truth"])
    plain.fit(data["truth"])
    sd = data["noise_sd"][:, None]
    raw = plain.transform(data["truth"])
    truth_full = _spectrum(data["truth"], acq, pre)
    ppm_full = _ppm(truth_full.shape[1], acq, pre)
    band = (ppm_full >= 4.4) & (ppm_full <= 5.0)
    water = np.abs(_spectrum(data["with_water"], acq, pre) - truth_full)[:, band]
    water = water.max(axis=1) / sd[:, 0]
    edge = PPM >= 3.9
    out = []
    for variant in variants:
        n_rows, rank, method = VARIANTS[variant]
        former = _use(variant)
        try:
            removed = {key: _hlsvd.remove_water_hlsvd(
                data[key], acq["sw"], acq["cf"], pre.ppm_reference,
                tuple(pre.water_range), rank,
            ) for key in ("truth", "with_water")}  # fmt: skip
            if variant == variants[0]:  # the removed FIDs preprocess as skmrs does
                params = {**pre.get_params(), "n_water_components": rank}
                check = SpectrumPreprocessor(**params)
                assert np.allclose(check.fit(data["truth"][:8]).transform(
                    data["with_water"][:8]), plain.transform(
                    removed["with_water"][:8]))  # fmt: skip
        finally:
            _restore(former)
        X_truth = plain.transform(removed["truth"])
        X = plain.transform(removed["with_water"])
        err = np.abs(X - X_truth) / sd
        err_raw = np.abs(X - raw) / sd
        residual = np.abs(_spectrum(removed["with_water"], acq, pre) - truth_full)
        per_fid = {
            "err": err.max(axis=1), "edge": err[:, edge].max(axis=1),
            "err_raw": err_raw.max(axis=1), "edge_raw": err_raw[:, edge].max(axis=1),
            "residual": residual[:, band].max(axis=1) / sd[:, 0], "water": water,
            "floor": np.abs(_spectrum(removed["truth"], acq, pre) - truth_full)[
                :, band].max(axis=1) / sd[:, 0],
        }  # fmt: skip
        for kind in ("all", *KINDS):
            rows = (np.ones(len(X), bool) if kind == "all"
                    else data["kind"] == KINDS.index(kind))  # fmt: skip
            row = {"measure": "accuracy", "variant": variant, "n_rows": n_rows,
                   "rank": rank, "method": method, "water": kind,
                   "n_fids": int(rows.sum())}  # fmt: skip
            for name, values in per_fid.items():
                for q, value in _quantiles(values[rows]).items():
                    row[f"{name}_{q}_sd"] = value
            print(json.dumps(row), flush=True)
            out.append(row)
    return out


def real_files(variants) -> list[dict]:
    """The residual water each variant leaves in the real scans (no truth)."""
    from bench_hlsvd_rows import FILES, noise_sd

    out = []
    for name in FILES[:6]:  # the metabolite scans of nifti_mrs/
        path = SHARED / name
        if not path.is_file():
            print(f"skipped (absent): {path}", flush=True)
            continue
        mrs = read_nifti_mrs(path)
        fids, acq = mrs.fids[:1], {"sw": mrs.spectral_width, "cf": mrs.centre_frequency}
        pre = SpectrumPreprocessor(spectral_width=acq["sw"], centre_frequency=acq["cf"],
                                   norm=None)  # fmt: skip
        plain = SpectrumPreprocessor(**{**pre.get_params(), "water_removal": None})
        pre.fit(fids)
        plain.fit(fids)
        sd = noise_sd(fids[0], acq["sw"], acq["cf"], pre)
        before = _spectrum(fids, acq, pre)
        ppm = _ppm(before.shape[1], acq, pre)
        band = (ppm >= 4.4) & (ppm <= 5.0)
        reference = None
        for variant in variants:
            n_rows, rank, method = VARIANTS[variant]
            former = _use(variant)
            try:
                removed = _hlsvd.remove_water_hlsvd(
                    fids, acq["sw"], acq["cf"], pre.ppm_reference,
                    tuple(pre.water_range), rank,
                )  # fmt: skip
            finally:
                _restore(former)
            X = plain.transform(removed)[0]
            reference = X if reference is None else reference
            row = {"measure": "real", "variant": variant, "n_rows": n_rows,
                   "rank": rank, "method": method,
                   "file": Path(name).name.split(".")[0], "noise_sd": sd,
                   "water_sd": float(np.abs(before[0, band]).max() / sd),
                   "residual_sd": float(
                       np.abs(_spectrum(removed, acq, pre)[0, band]).max() / sd),
                   "change_sd": float(np.abs(X - reference).max() / sd)}  # fmt: skip
            print(json.dumps(row), flush=True)
            out.append(row)
    return out


def time_mrsi(path: Path, variants, repeats: int) -> list[dict]:
    read_nifti_mrs_spectra(path, SpectrumPreprocessor())  # warm-up: imports, caches
    out = []
    for repeat in range(repeats):
        for variant in variants:
            n_rows, rank, method = VARIANTS[variant]
            template = SpectrumPreprocessor(n_water_components=rank)
            former = _use(variant)
            load = os.getloadavg()[0]
            cpu, wall = time.process_time(), time.perf_counter()
            try:
                X = read_nifti_mrs_spectra(path, template)[0]
            finally:
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                _restore(former)
            row = {"measure": "cpu", "variant": variant, "n_rows": n_rows,
                   "rank": rank, "method": method, "repeat": repeat,
                   "n_fids": len(X), "cpu_seconds": cpu, "seconds": wall,
                   "load_start": load}  # fmt: skip
            print(json.dumps(row), flush=True)
            out.append(row)
    return out


def print_table(rows) -> None:
    cpu = {}
    for row in rows:
        if row["measure"] == "cpu":
            cpu.setdefault(row["variant"], []).append(row["cpu_seconds"])
    print(f"{'variant':13} {'CPU s':>11} | {'window med/p95/max':>20} | "
          f"{'edge med/p95/max':>20} | {'residual med/p95/max':>20} | "
          f"{'floor med/p95/max':>20}")  # fmt: skip
    for row in rows:
        if row["measure"] != "accuracy" or row["water"] != "all":
            continue
        seconds = cpu.get(row["variant"], [])
        timing = (
            "-".join(f"{s:.1f}" for s in (min(seconds), max(seconds)))
            if seconds
            else "-"
        )
        cells = [
            "/".join(f"{row[f'{name}_{q}_sd']:.2f}" for q in ("median", "p95", "max"))
            for name in ("err", "edge", "residual", "floor")
        ]
        print(
            f"{row['variant']:13} {timing:>11} | "
            + " | ".join(f"{c:>20}" for c in cells)
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS),
                        choices=list(VARIANTS))  # fmt: skip
    parser.add_argument("--n-per-kind", type=int, default=80)
    parser.add_argument("--n-fids", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--record", type=Path)
    args = parser.parse_args(argv)
    from _records import record_header, save_record

    acq = acquisition()
    data = make_fids(acq, args.n_per_kind, SpectrumPreprocessor(), args.seed)
    rows = accuracy(data, acq, args.variants)
    rows += real_files(args.variants)
    if args.n_fids > 0 and args.repeats > 0:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"mrsi_{args.n_fids}.nii.gz"
            mrsi_source = write_mrsi(path, args.n_fids)
            rows += time_mrsi(path, args.variants, args.repeats)
    else:
        mrsi_source = None
    print_table(rows)
    if args.record:
        header = record_header(
            "Residual-water removal variants (Hankel rows n_rows, components rank, "
            "eigensolver method) judged against a known truth: simulated "
            "metabolite FIDs at the osprey scan's acquisition with added water of "
            "four kinds (measure=accuracy: errors of the preprocessed spectra "
            "against the truth's, in noise sd, median/p95/max over the FIDs), the "
            "residual water each leaves in the real scans (measure=real, no "
            "truth), and CPU seconds to read, gate and preprocess a 1,024-FID "
            "MRSI file (measure=cpu, alternated)",
            env="OMP_NUM_THREADS=1",
        )
        root = Path(__file__).resolve().parents[1]
        if mrsi_source and Path(mrsi_source).is_absolute():
            mrsi_source = os.path.relpath(mrsi_source, root)
        header.update(
            machine=MACHINE, uses_cohort=False, acquisition=acq,
            mrsi_source=mrsi_source, oversample=OVERSAMPLE, power=POWER,
            load="shared machine: another engineer's benchmark ran on the two "
            "cores (load_start in each cpu row)",
        )  # fmt: skip
        save_record(args.record, {**header, "rows": rows})


if __name__ == "__main__":
    main()
