"""How skmrs scales: time and peak memory against size, with fitted exponents.

    OMP_NUM_THREADS=1 python benchmarks/bench_scale.py [--sweeps NAME ...]
        [--quick | --sizes N ...] [--jobs J] [--workdir DIR]
        [--preprocess JSON ...] [--repeats R]
        [--out benchmarks/results/scale_v0.4.json]

Each measurement runs in a fresh process on one torch thread (this script
with ``--child``), which reports the seconds of the measured step and its
peak memory: the growth of the resident set (Linux ``VmHWM``, reset just
before the step) over what the process held before it. Sweeps (``SWEEPS``):

- ``predict_proba``: :meth:`skmrs.ResNetClassifier.predict_proba` of the
  quick preset's network (8 filters, 4 blocks, kernel 15) on float32 arrays
  of n spectra; memory net of the output (n x 2 float32);
- ``predict_cli``: ``skmrs predict`` on an NPZ table of n spectra with a
  model file of that network (model file, reading, scoring, writing both
  CSVs), run in a process where ``skmrs predict`` has already run once on a
  one-row table: that first run is the start-up (``startup_seconds``:
  imports, the model file), the second the time after start-up;
  ``rss_mb`` is the process's peak resident memory, all included;
- ``predict_cli_csv``: the same on a CSV table (``%.6g`` numbers);
- ``preprocess_mrsi``: reading, gating and preprocessing one NIfTI-MRS MRSI
  file of n FIDs (the in-vivo osprey scan of ../shared/data, each voxel with
  its own amplitude, frequency offset and noise; a synthetic FID without it),
  as ``skmrs predict`` does, with ``SpectrumPreprocessor``'s defaults or the
  settings of each ``--preprocess`` JSON object (``'{}'`` the defaults; rows'
  ``preprocess``, the settings as JSON, keys sorted);
- ``predict_mrsi``: ``skmrs predict`` of such a file with the quick network
  saved with those preprocessing settings: reading, gating, preprocessing,
  scoring and both CSVs, after the command ran once on a one-FID file (its
  start-up, less the imports: the process trains and saves the network first);
- ``make_mrs_cohort``: the simulator, n = spectra of the cohort;
- ``svm_fit``: fitting the benchmark's SVM row
  (``CalibratedClassifierCV(SVC(), ensemble=False)``) on n spectra.

For each sweep the exponent b of CPU time ~ n^b is fitted by least squares on
log-log axes over the sizes above the first (the first holds most of the
fixed costs); rows ``kind=fit`` hold it (sweeps of three sizes or more).
The machine is shared: measurements of one sweep run back to back, so their
ratios are comparable even when absolute times are not; each row also
holds the measured process's CPU seconds (``cpu_seconds``,
``startup_cpu_seconds``), which a busy machine inflates far less than
wall-clock seconds, and the load average when it started and ended.

``--sizes`` measures the named sweeps at those sizes only (the
1-million-spectrum tables of issue 25: ``--sweeps predict_cli
predict_cli_csv --sizes 1000000``, or one size per sweep:
``--sizes predict_cli=1000000 preprocess_mrsi=1024``); ``--jobs``
measures that many points at once, each in its own process (its CPU
seconds are its own); ``--workdir`` keeps the tables and MRSI files there
and reuses the tables already written; ``--repeats`` measures every point
that many times (rows' ``repeat``), the ``--preprocess`` settings alternated
within each repeat: the 1,024-FID figure of the faster water removal is
``--sizes preprocess_mrsi=1024 --preprocess '{}' '{"water_removal":
"hlsvd-randomized", "n_water_components": 10}' --repeats 2``. A CSV
table repeats one block of 10,000 formatted spectra (its patient ids run
on), so that writing a million rows takes minutes, not an hour.
Writes a JSON record (benchmarks/results/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

#: Sizes of each sweep (full run, --quick run).
SWEEPS = {
    "predict_proba": ([10_000, 40_000, 120_000], [2_000, 8_000, 32_000]),
    "predict_cli": ([20_000, 60_000, 120_000], [2_000, 8_000]),
    "predict_cli_csv": ([10_000, 30_000, 60_000], [2_000, 8_000]),
    "preprocess_mrsi": ([16, 64, 256], [8, 16, 32]),
    "predict_mrsi": ([64, 256, 1024], [8, 32]),
    "make_mrs_cohort": ([25, 100, 400], [20, 40, 80]),
    "svm_fit": ([80, 160, 320], [20, 40, 80]),
}
QUICK_NET = dict(n_filters=8, n_blocks=4, kernel_size=15)
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


# ------------------------------------------------------------------ child
def _rss_mb() -> tuple[float, float]:
    """Current and peak resident set size (MB) of this process."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    return (
        int(fields["VmRSS"].split()[0]) / 1024,
        int(fields["VmHWM"].split()[0]) / 1024,
    )


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS (Linux)


def _measure(step) -> dict:
    """Seconds (wall and CPU) and peak memory growth (MB) of ``step()``."""
    _reset_peak()
    before, _ = _rss_mb()
    load = os.getloadavg()[0]
    cpu, start = time.process_time(), time.perf_counter()
    extra = step() or {}
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    _, peak = _rss_mb()
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak - before,
            "rss_mb": peak, "load_start": load, "load_end": os.getloadavg()[0],
            **extra}  # fmt: skip


def _quick_resnet():
    from skmrs import ResNetClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 288)).astype(np.float32)
    y = np.arange(256) % 2
    return ResNetClassifier(**QUICK_NET, max_epochs=1, random_state=0).fit(X, y)


def _child_predict_proba(n: int, workdir: Path) -> dict:
    model = _quick_resnet()
    X = np.random.default_rng(1).standard_normal((n, 288), dtype=np.float32)
    model.predict_proba(X[:10])  # first-call costs
    result = _measure(lambda: {"output_mb": model.predict_proba(X).nbytes / 2**20})
    result["peak_mb"] -= result["output_mb"]
    return result


def _after_startup(first: list[str], argv: list[str]) -> dict:
    """``skmrs`` run once with ``first`` (its start-up), then measured with
    ``argv``; the command's printing goes to /dev/null."""
    from skmrs.cli import main

    with open(os.devnull, "w") as null:
        stdout, sys.stdout = sys.stdout, null
        try:
            cpu, start = time.process_time(), time.perf_counter()
            main(first)
            startup = time.perf_counter() - start
            cpu = time.process_time() - cpu
            result = _measure(lambda: {"exit_code": main(argv)})
        finally:
            sys.stdout = stdout
    return {**result, "startup_seconds": startup, "startup_cpu_seconds": cpu}


def _child_predict_cli(n: int, workdir: Path, suffix: str = "npz") -> dict:
    def argv(rows):
        return ["predict", str(workdir / "model.skmrs"),
                str(workdir / f"table_{rows}.{suffix}"),
                "--output", str(workdir / f"pred_{rows}_{suffix}.csv")]  # fmt: skip

    return _after_startup(argv(1), argv(n))


def _child_predict_cli_csv(n: int, workdir: Path) -> dict:
    return _child_predict_cli(n, workdir, suffix="csv")


def _child_preprocess_mrsi(n: int, workdir: Path, settings: str = "{}") -> dict:
    from skmrs.io import read_nifti_mrs_spectra
    from skmrs.preprocessing import SpectrumPreprocessor

    path = workdir / f"mrsi_{n}.nii.gz"
    template = SpectrumPreprocessor(**json.loads(settings))
    return _measure(
        lambda: {"n_scored": len(read_nifti_mrs_spectra(path, template)[0])}
    )


def _child_predict_mrsi(n: int, workdir: Path, settings: str = "{}") -> dict:
    """``skmrs predict`` of an MRSI file of n FIDs with a model file whose
    preprocessing is ``settings``, after the command ran once on one FID."""
    from skmrs.datasets import default_ppm_axis
    from skmrs.io import save_model
    from skmrs.preprocessing import SpectrumPreprocessor

    model = workdir / f"model_mrsi_{os.getpid()}.skmrs"
    preprocessing = SpectrumPreprocessor(**json.loads(settings))
    save_model(
        _quick_resnet(), model, ppm=default_ppm_axis(), preprocessing=preprocessing
    )

    def argv(fids):
        return ["predict", str(model), str(workdir / f"mrsi_{fids}.nii.gz"),
                "--output", str(workdir / f"pred_mrsi_{fids}.csv")]  # fmt: skip

    return _after_startup(argv(1), argv(n))


def _child_make_mrs_cohort(n: int, workdir: Path) -> dict:
    from skmrs.datasets import make_mrs_cohort

    make_mrs_cohort(n_patients=4, random_state=0)  # first-call costs
    out = {}
    result = _measure(
        lambda: out.update(c=make_mrs_cohort(n_patients=n, random_state=0))
    )
    return {**result, "n_spectra": len(out["c"].data)}


def _child_svm_fit(n: int, workdir: Path) -> dict:
    from skmrs.benchmark import default_models
    from skmrs.datasets import make_mrs_cohort

    cohort = make_mrs_cohort(n_patients=n, random_state=0)
    model = default_models("quick")["SVM"]
    result = _measure(lambda: model.fit(cohort.data, cohort.target) and None)
    return {**result, "n_spectra": len(cohort.data)}


def run_child(sweep: str, n: int, workdir: Path, *settings: str) -> None:
    if not sweep.startswith("predict_cli"):  # the command's start-up: imports
        import torch

        torch.set_num_threads(1)
    result = globals()[f"_child_{sweep}"](n, workdir, *settings)
    print(json.dumps(result))


# ----------------------------------------------------------------- parent
def _mrsi_fid():
    """One in-vivo FID (osprey sub-01, 3 T, 2000 Hz) or, without it, a synthetic one."""
    path = SHARED / "nifti_mrs" / "osprey_sub01_press.nii.gz"
    if path.is_file():
        from skmrs.io import read_nifti_mrs

        mrs = read_nifti_mrs(path)
        return mrs.fids[0], mrs.spectral_width, mrs.centre_frequency, str(path)
    t = np.arange(2048) / 2000.0
    peaks = ((3.0, 2.01), (2.0, 3.03), (1.5, 3.2), (40.0, 4.7))
    fid = sum(
        a * np.exp(-2j * np.pi * (p - 4.7) * 127.75 * t - t / 0.08) for a, p in peaks
    )
    return fid, 2000.0, 127.75, "synthetic NAA, Cr, Cho and water"


def write_mrsi(path: Path, n: int, seed: int = 0) -> str:
    """An MRSI NIfTI-MRS file of n voxels (a row of n x 1 x 1) from one FID."""
    import nibabel as nib

    fid, sw, cf, source = _mrsi_fid()
    rng = np.random.default_rng(seed)
    t = np.arange(fid.size) / sw
    noise = 3 * np.std(fid[-256:])
    offsets = rng.normal(0, 4, size=(n, 1))  # Hz
    data = rng.uniform(0.3, 1.2, size=(n, 1)) * fid * np.exp(2j * np.pi * offsets * t)
    data += noise * (rng.normal(size=data.shape) + 1j * rng.normal(size=data.shape))
    img = nib.Nifti2Image(data.astype(np.complex64).reshape(n, 1, 1, -1), np.eye(4))
    img.header["pixdim"][4] = 1 / sw
    meta = {"SpectrometerFrequency": [cf], "ResonantNucleus": ["1H"]}
    img.header.extensions.append(
        nib.nifti1.Nifti1Extension(44, json.dumps(meta).encode())
    )
    nib.save(img, path)
    return source


def _write_tables(sweep: str, sizes, workdir: Path) -> dict:
    """A model file and one table of n random spectra per size."""
    from skmrs.datasets import default_ppm_axis
    from skmrs.io import save_model

    ppm = default_ppm_axis()
    save_model(_quick_resnet(), workdir / "model.skmrs", ppm=ppm)
    for n in [1, *sizes]:
        if sweep == "predict_cli":
            _write_table(workdir / f"table_{n}.npz", n, _write_npz)
        else:
            _write_table(workdir / f"table_{n}.csv", n, _write_csv)
    kind = "NPZ, float32" if sweep == "predict_cli" else "CSV, %.6g"
    return {"table": f"{kind}, 1000 spectra a patient"}


def _write_table(path: Path, n: int, write) -> None:
    """Write the table of n spectra at ``path`` unless a --workdir holds it."""
    if not path.is_file():
        partial = path.with_name(path.name + ".part")
        write(partial, n)
        partial.replace(path)


def _write_npz(path: Path, n: int) -> None:
    X = np.random.default_rng(2).standard_normal((n, 288), dtype=np.float32)
    with open(path, "wb") as fh:
        np.savez(fh, X=X, patient=(np.arange(n) // 1000).astype(str))


def _write_csv(path: Path, n: int, block: int = 10_000) -> None:
    """One block of formatted random spectra, repeated; patient ids run on."""
    from skmrs.datasets import default_ppm_axis

    X = np.random.default_rng(2).standard_normal((min(n, block), 288), np.float32)
    body = [",".join(f"{v:.6g}" for v in row) for row in X]
    with open(path, "w") as fh:
        columns = [f"ppm_{p:.3f}" for p in default_ppm_axis()]
        fh.write(",".join(["patient", *columns]) + "\n")
        for start in range(0, n, block):
            rows = range(start, min(n, start + block))
            fh.write("".join(f"{i // 1000},{body[i - start]}\n" for i in rows))


def prepare(sweep: str, sizes, workdir: Path) -> dict:
    """Files a sweep reads, written before its timings; what they hold."""
    if sweep.startswith("predict_cli"):
        return _write_tables(sweep, sizes, workdir)
    if sweep in ("preprocess_mrsi", "predict_mrsi"):
        extra = [1] if sweep == "predict_mrsi" else []  # the start-up's file
        sources = {
            write_mrsi(workdir / f"mrsi_{n}.nii.gz", n) for n in [*extra, *sizes]
        }
        return {"fid": sources.pop()}  # rewritten: a few MB each
    return {}


def measure(sweep: str, n: int, workdir: Path, settings: str = "") -> dict:
    """One point in a fresh process; ``settings``: ``--preprocess`` JSON."""
    cmd = [sys.executable, __file__, "--child", sweep, str(n), str(workdir)]
    cmd += [settings] if settings else []
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        raise RuntimeError(f"{sweep} n={n} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _measure_task(
    sweep: str, n: int, workdir: str, settings: str = "", repeat: int = 0
) -> dict:
    """One point as a job of :func:`skmrs.benchmark.run_tasks`."""
    return {"measured": measure(sweep, n, Path(workdir), settings)}


def fit_exponent(sizes, seconds) -> tuple[float, float]:
    """b and a of seconds ~ a n^b, from the sizes above the first."""
    x, y = np.log(np.asarray(sizes[1:], float)), np.log(np.asarray(seconds[1:]))
    b, log_a = np.polyfit(x, y, 1)
    return float(b), float(np.exp(log_a))


def _settings(text: str) -> str:
    """``--preprocess`` item: a JSON object of SpectrumPreprocessor settings,
    checked, as compact JSON with its keys sorted."""
    from skmrs.preprocessing import SpectrumPreprocessor

    try:
        settings = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {text!r} ({exc})") from exc
    if not isinstance(settings, dict):
        raise argparse.ArgumentTypeError(f"not a JSON object: {text!r}")
    try:  # a misspelt setting or value fails here, not in a child
        SpectrumPreprocessor(**settings)._validate_params()
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"{text}: {exc}") from exc
    return json.dumps(settings, sort_keys=True, separators=(",", ":"))


def run_sweeps(
    sizes: dict, workdir: Path, jobs: int = 1, preprocess=("{}",), repeats: int = 1
) -> list[dict]:
    """Measure each sweep at its sizes (``jobs`` points at once), ``repeats``
    times, ``preprocess_mrsi`` with each of the ``preprocess`` settings in
    turn; then fit the exponents (per sweep, settings and repeat)."""
    from skmrs.benchmark import run_tasks

    notes = {sweep: prepare(sweep, n, workdir) for sweep, n in sizes.items()}
    variants = {s: preprocess if s.endswith("_mrsi") else ("",) for s in sizes}
    points = [(sweep, n, settings, repeat)
              for repeat in range(repeats) for sweep, n_all in sizes.items()
              for settings in variants[sweep] for n in n_all]  # fmt: skip
    records = run_tasks(
        _measure_task, [(s, n, str(workdir), v, r) for s, n, v, r in points],
        n_jobs=jobs,
    )  # fmt: skip
    for record in records:
        if "error" in record:
            raise RuntimeError(f"{record['task']}: {record['error']}")
    results = {p: record["measured"] for p, record in zip(points, records)}
    rows = []
    for repeat in range(repeats):
        for sweep, n_all in sizes.items():
            for settings in variants[sweep]:
                measured = [(n, results[sweep, n, settings, repeat]) for n in n_all]
                extra = {"preprocess": settings, "repeat": repeat}
                rows += _sweep_rows(sweep, measured, notes[sweep], extra)
    return rows


def _sweep_rows(sweep: str, measured, notes: dict, extra: dict) -> list[dict]:
    rows = []
    label = f"{sweep} {extra['preprocess']}".strip()
    for n, result in measured:
        size = result.get("n_spectra", n)
        rows.append(_row(sweep, "measured", size, result, notes, extra))
        startup = result.get("startup_seconds")
        startup = "" if startup is None else f"  start-up {startup:6.2f} s"
        print(f"{label:16s} n={size:>8}  {result['seconds']:8.2f} s  "
              f"(CPU {result['cpu_seconds']:7.2f} s)  "
              f"{rows[-1]['ms_per_item']:8.3f} ms each  peak +"
              f"{result['peak_mb']:7.1f} MB  RSS {result['rss_mb']:7.1f} MB"
              f"{startup}", flush=True)  # fmt: skip
    if len(rows) < 3:
        return rows
    # the process's own CPU time: other processes sharing the cores slow the
    # wall clock of one point and not of another, not its CPU time
    b, a = fit_exponent([r["size"] for r in rows], [r["cpu_seconds"] for r in rows])
    print(f"{label:16s} CPU time ~ n^{b:.2f}", flush=True)
    fit = {"exponent": b, "coefficient": a}
    return rows + [_row(sweep, "fit", None, fit, notes, extra)]


def _row(sweep, kind, size, result, notes, extra) -> dict:
    seconds, cpu = result.get("seconds"), result.get("cpu_seconds")
    each = None if seconds is None or size is None else seconds / size
    return {
        "sweep": sweep,
        "kind": kind,
        "size": size,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "startup_seconds": result.get("startup_seconds"),
        "startup_cpu_seconds": result.get("startup_cpu_seconds"),
        "ms_per_item": None if each is None else each * 1e3,
        "per_second": None if each is None else 1 / each,
        "per_cpu_second": None if cpu is None or size is None else size / cpu,
        "load_start": result.get("load_start"),
        "load_end": result.get("load_end"),
        "rss_mb": result.get("rss_mb"),
        "peak_mb": result.get("peak_mb"),
        "exponent": result.get("exponent"),
        "coefficient": result.get("coefficient"),
        "notes": json.dumps(notes) if notes else "",
        **extra,
    }


def _sizes(text: str) -> dict:
    """``--sizes`` item: ``N`` -> {None: [N]}; ``SWEEP=N,M`` -> {SWEEP: [N, M]}."""
    sweep, _, numbers = text.rpartition("=")
    if sweep and sweep not in SWEEPS:
        raise argparse.ArgumentTypeError(f"unknown sweep {sweep!r}")
    return {sweep or None: [int(n) for n in numbers.split(",")]}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        run_child(sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]), *sys.argv[5:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweeps", nargs="+", choices=list(SWEEPS), default=None)
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke)")
    parser.add_argument(
        "--sizes",
        nargs="+",
        type=_sizes,
        default=[],
        help="N (every sweep) or SWEEP=N[,N...]: these sizes only",
    )
    parser.add_argument("--jobs", type=int, default=1, help="points measured at once")
    parser.add_argument("--workdir", type=Path, help="keep and reuse tables here")
    parser.add_argument(
        "--preprocess",
        nargs="+",
        type=_settings,
        default=["{}"],
        help="preprocess_mrsi, predict_mrsi: SpectrumPreprocessor settings as a "
        "JSON object (for predict_mrsi, the model file's preprocessing) "
        "('{}': the defaults); several are measured in turn",
    )
    parser.add_argument("--repeats", type=int, default=1, help="every point R times")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        chosen = dict(pair for item in args.sizes for pair in item.items())
        sweeps = args.sweeps or [s for s in chosen if s is not None] or list(SWEEPS)
        preset = {s: SWEEPS[s][1 if args.quick else 0] for s in sweeps}
        sizes = {s: chosen.get(s) or chosen.get(None) or preset[s] for s in sweeps}
        rows = run_sweeps(sizes, workdir, args.jobs, args.preprocess, args.repeats)
    if args.out:
        sys.path.insert(0, str(Path(__file__).parent))
        from _records import record_header, save_record

        record = record_header(
            "time and peak memory growth of each step against its size, one "
            "torch thread, each measurement in a fresh process; rows kind=fit "
            "hold the exponent b of CPU time ~ n^b",
            env="OMP_NUM_THREADS=1",
        )
        # random spectra and one in-vivo FID, unless the simulator is timed
        record["uses_cohort"] = bool({"make_mrs_cohort", "svm_fit"} & set(sizes))
        record["wall_s"] = round(time.perf_counter() - start)
        record["rows"] = rows
        save_record(args.out, record)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
