"""``skmrs train`` and ``skmrs predict``: from labelled spectra to a model file,
and from a model file and new scans to per-spectrum and per-patient CSVs."""

from __future__ import annotations

import csv
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np

MODEL_NAMES = (
    "SVM",
    "RF",
    "ResNet",
    "Noise",
    "DistillMix-same",
    "DistillMix-other",
    "DistillMix-both",
)
#: Network flags of ``skmrs train``: parameter name -> type.
_NET_FLAGS = {
    "n_filters": int,
    "n_blocks": int,
    "kernel_size": int,
    "max_epochs": int,
    "batch_size": int,
}
_NIFTI_SUFFIXES = (".nii", ".nii.gz")
_TABLE_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zip")
_TABLE_SUFFIXES += (".parquet", ".pq", ".npz")
_PPM_COLUMN = re.compile(r"^ppm_(-?\d+(?:\.\d+)?)$")
_SCORES = (
    ("sensitivity", "SEN"),
    ("specificity", "SPE"),
    ("roc_auc", "AUC"),
    ("patient_accuracy", "patient acc"),
    ("patient_roc_auc", "patient AUC"),
)


# ------------------------------------------------------------------ tables
def _table_columns(path: Path, args=None) -> list[str]:
    """Column names of a CSV/Excel/Parquet table, or array names of an NPZ archive."""
    from .io._table import table_columns

    if path.name.lower().endswith(".npz"):
        with np.load(path, allow_pickle=False) as archive:
            return list(archive.files)
    return table_columns(path, **_csv_options(args))


def _csv_options(args) -> dict:
    """``--sep`` and ``--decimal``, where the command has them."""
    return {k: getattr(args, k, None) for k in ("sep", "decimal")}


def _table_ppm(path: Path, columns: list[str], n_points: int):
    """The ppm of a table's points: an NPZ ``ppm`` array or ``ppm_4.193`` columns."""
    if path.name.lower().endswith(".npz"):
        if "ppm" not in columns:
            return None
        with np.load(path, allow_pickle=False) as archive:
            ppm = archive["ppm"]
        if ppm.shape != (n_points,) or not np.all(np.isfinite(ppm)):
            raise ValueError(
                f"{path}: its 'ppm' array has shape {ppm.shape} (finite: "
                f"{bool(np.all(np.isfinite(ppm)))}) but its spectra have "
                f"{n_points} points; store one finite ppm per point, or leave "
                "'ppm' out."
            )
        return ppm
    matches = [_PPM_COLUMN.match(str(c)) for c in columns]
    values = [float(m.group(1)) for m in matches if m]
    return np.asarray(values) if len(values) == n_points else None


def _read_table(path: Path, args, *, ignore_other: bool = False):
    """Spectra, labels (or None), patients (or None) and ppm (or None) of a table.

    ``ignore_other``: columns that are not named by a ppm (``age``) beside
    columns that are, are left out with a note instead of refused.
    """
    from .io import load_spectra_table
    from .io._table import spectral_columns

    columns = _table_columns(path, args)
    label = args.label_column if args.label_column in columns else None
    group = args.group_column if args.group_column in columns else None
    features = None
    named, other = spectral_columns([c for c in columns if c not in (label, group)])
    if ignore_other and named and other:
        features = named
        _note(f"{path}: columns {other[:5]} are not spectral points; ignored.")
    X, y, groups = load_spectra_table(
        path, label_column=label, group_column=group, feature_columns=features,
        **_csv_options(args),
    )  # fmt: skip
    if np.iscomplexobj(X):
        raise ValueError(
            f"{path} holds complex values (FIDs?); a table must hold real spectra "
            "on the model's grid. Save FIDs as NIfTI-MRS to have them preprocessed."
        )
    return X, y, groups, _table_ppm(path, features or columns, X.shape[1])


def _note(text: str) -> None:
    print(f"skmrs: note: {text}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------- train
def _apply_flags(model, name: str, args):
    """Set the network flags given on the command line on every network."""
    params = model.get_params(deep=True)
    for flag in _NET_FLAGS:
        value = getattr(args, flag)
        if value is None:
            continue
        keys = [k for k in params if k == flag or k.endswith("__" + flag)]
        if not keys:
            raise ValueError(
                f"--{flag.replace('_', '-')} sets the network, but {name} has none; "
                "the network models are ResNet, Noise and DistillMix-*."
            )
        model.set_params(**dict.fromkeys(keys, value))
    if args.verbose and any(k.endswith("max_epochs") for k in params):
        # epoch-level progress: one log line per epoch of every network
        keys = [k for k in params if k.endswith("verbose")]
        model.set_params(**dict.fromkeys(keys, 1))
    return model


def _training_data(args):
    """X, y, groups, ppm, preprocessor and a description of the training data."""
    from .datasets import default_ppm_axis
    from .preprocessing import SpectrumPreprocessor

    preprocessor = SpectrumPreprocessor()
    if args.simulated:
        from .benchmark import PRESETS
        from .datasets import make_mrs_cohort

        n_patients = args.n_patients or PRESETS[args.preset].n_patients
        cohort = make_mrs_cohort(n_patients=n_patients, random_state=args.random_state)
        y = np.where(cohort.target == 1, "tumour", "non-tumour")
        source = (
            f"simulated cohort, {n_patients} patients "
            f"(make_mrs_cohort random_state={args.random_state})"
        )
        return cohort.data, y, cohort.groups, cohort.ppm, preprocessor, source
    path = Path(args.data)
    if path.is_dir():
        from .io import load_nifti_mrs_dataset

        if not args.labels:
            raise ValueError(
                f"--data {path} is a folder of NIfTI-MRS files: pass --labels, a "
                "CSV with columns file, patient and label."
            )
        X, y, groups = load_nifti_mrs_dataset(
            path, args.labels, label_column=args.label_column,
            group_column=args.group_column, preprocessor=preprocessor,
        )  # fmt: skip
        return X, y, groups, default_ppm_axis(), preprocessor, f"NIfTI-MRS in {path}"
    if not path.is_file():
        raise FileNotFoundError(f"--data {path} does not exist.")
    for role, column in (("label", args.label_column), ("group", args.group_column)):
        if column not in _table_columns(path, args):
            raise ValueError(
                f"{path} has no {role} column {column!r}; name it with --{role}-column."
            )
    X, y, groups, ppm = _read_table(path, args)
    if ppm is None and X.shape[1] == len(default_ppm_axis()):
        ppm = default_ppm_axis()
    return X, y, groups, ppm, preprocessor, f"table {path}"


def _cv_estimate(
    model, X, y, groups, n_splits: int, bar, pos_label=None
) -> tuple[str, dict]:
    """Leave-patients-out scores, one fold at a time so that the bar moves."""
    from .model_selection import cross_validate_patients, patient_splits

    splits, groups = patient_splits(n_splits, X, y, groups)
    folds = []
    for k, split in enumerate(splits):
        bar.set_description(f"fold {k + 1}/{n_splits}")
        folds.append(
            cross_validate_patients(
                model, X, y, groups=groups, cv=[split], pos_label=pos_label
            )
        )
        bar.update()
    scores = {
        name: np.concatenate([fold[name] for fold in folds]) for name, _ in _SCORES
    }
    text = "  ".join(
        f"{label} {np.nanmean(scores[name]):.3f} +- {np.nanstd(scores[name]):.3f}"
        for name, label in _SCORES
    )
    summary = {name: float(np.nanmean(v)) for name, v in scores.items()}
    return text, summary


def _distiller_note(model) -> str | None:
    distiller = getattr(model, "distiller_", None)
    if distiller is None:
        return None
    n_kept = len(distiller.sample_indices_)
    fallback = [str(c) for c in distiller.fallback_classes_]
    note = f"the distiller kept {n_kept} spectra"
    if fallback:
        note += f"; its fallback rule filled class(es) {', '.join(fallback)}"
    return note


def _train_inputs(args) -> dict:
    """The files ``skmrs train`` reads, by option (a folder's files listed)."""
    data = None
    if args.data is not None:
        path = Path(args.data)
        data = sorted(path.iterdir()) if path.is_dir() else path
    return {"--data": data, "--labels": args.labels}


def train(args) -> int:
    """``skmrs train``: fit one model on all the data and write its model file."""
    from tqdm.auto import tqdm

    from ._cli_common import _positive_class, _quiet
    from .benchmark import default_models
    from .io import save_model
    from .io._files import check_distinct_paths
    from .utils import set_random_states

    if args.model not in MODEL_NAMES:
        raise ValueError(
            f"unknown --model {args.model!r}; choose from {', '.join(MODEL_NAMES)}."
        )
    if args.cv is not None and args.cv < 2:
        raise ValueError(f"--cv needs at least 2 folds; got {args.cv}.")
    check_distinct_paths(_train_inputs(args), {"--output": args.output})
    model = default_models(args.preset, distill_epochs=args.distill_epochs)[args.model]
    model = set_random_states(_apply_flags(model, args.model, args), args.random_state)
    X, y, groups, ppm, preprocessor, source = _training_data(args)
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError(
            f"the training data ({source}) hold one class only "
            f"({', '.join(map(str, classes)) or 'none'}); a model needs spectra of "
            "two classes. No model file was written."
        )
    params = model.get_params(deep=True)
    network = {
        flag: next(v for k, v in params.items() if k.split("__")[-1] == flag)
        for flag in _NET_FLAGS
        if any(k.split("__")[-1] == flag for k in params)
    }
    print(
        f"skmrs train: {args.model}"
        + (
            f" (preset {args.preset!r}: "
            + ", ".join(f"{k}={v}" for k, v in network.items())
            + ")"
            if network
            else ""
        )
        + f"\ndata: {source}; {len(y)} spectra ("
        + ", ".join(f"{c} {n}" for c, n in zip(classes, counts))
        + f"), {len(np.unique(groups))} patients",
        flush=True,
    )
    metadata = {"source": source, "model_name": args.model, "preset": args.preset}
    bar = tqdm(
        total=(args.cv or 0) + 1, unit="fit", disable=args.no_progress, leave=False
    )
    start = time.perf_counter()
    with _quiet(not args.verbose), bar:
        if args.cv:
            positive, note = _positive_class(y, args.positive_label)
            text, summary = _cv_estimate(model, X, y, groups, args.cv, bar, positive)
            bar.clear()
            print(f"leave-patients-out estimate, GroupKFold({args.cv}): {text}")
            print(f"  {note}")
            metadata["cv"] = {"n_splits": args.cv, "positive_label": str(positive)}
            metadata["cv"].update(summary)
        bar.set_description("final model")
        model.fit(X, y)
        bar.update()
    seconds = time.perf_counter() - start
    note = _distiller_note(model)
    if note:
        print(f"  {note}")
    path = save_model(
        model, args.output, ppm=ppm, preprocessing=preprocessor, y=y, groups=groups,
        **metadata,
    )  # fmt: skip
    size = path.stat().st_size / 1024
    print(f"trained in {seconds:.0f} s; model file {path} ({size:.0f} kB)")
    return 0


# ----------------------------------------------------------------- predict
def _expand(inputs: list[str]) -> list[Path]:
    """Input files: folders searched at every depth, each file once."""
    from .io._inputs import expand_inputs

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths, _ = expand_inputs(inputs, _TABLE_SUFFIXES)
    for warning in caught:
        _note(str(warning.message))
    return paths


def _stem(path: Path) -> str:
    from .io._inputs import stem

    return stem(path.name)


def _check_grid(what: str, n_points: int, ppm, info: dict) -> None:
    """Refuse spectra on another grid than the model's."""
    n_features, model_ppm = info["n_features"], info["ppm"]
    grid = ""
    if model_ppm is not None:
        grid = f" ({model_ppm[0]:.3f} to {model_ppm[-1]:.3f} ppm)"
    if n_features is not None and n_points != n_features:
        raise ValueError(
            f"{what}: spectra of {n_points} points, but the model takes "
            f"{n_features}{grid}; resample them onto the model's grid first."
        )
    if ppm is not None and model_ppm is not None:
        if len(ppm) != len(model_ppm) or not np.allclose(ppm, model_ppm, atol=1e-3):
            raise ValueError(
                f"{what}: spectra on the grid {ppm[0]:.3f} to {ppm[-1]:.3f} ppm, but "
                f"the model was trained on{grid}."
            )


def _patient_map(path) -> dict:
    if path is None:
        return {}
    from .io._ids import clean_patient_ids
    from .io._table import _column, _read_frame

    path = Path(path)
    frame = _read_frame(path, text_columns=("file", "patient"))
    files = _column(frame, "file", "file", path)
    patients = clean_patient_ids(_column(frame, "patient", "group", path), str(path))
    return {str(f).strip(): str(p) for f, p in zip(files, patients)}


def _named_inputs(paths, args):
    """Each input's name and patient (from its path, or the --patients map)."""
    from .io._inputs import apply_patient_map, describe_inputs, found_in

    folders = {Path(i): found_in(Path(i)) for i in args.inputs if Path(i).is_dir()}
    items = describe_inputs(paths, folders)
    mapping = _patient_map(args.patients)
    if not mapping:
        return items
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        items = apply_patient_map(items, mapping, f"--patients {args.patients}")
    for warning in caught:
        _note(str(warning.message))
    return items


def _nifti_spectra(item, info):
    """Spectra of the FIDs of one NIfTI-MRS file that pass the gate, and rows."""
    from .datasets import default_ppm_axis
    from .io._table import _read_gated
    from .preprocessing import SpectrumPreprocessor

    if info["preprocessing"] is None:
        raise ValueError(
            f"{item.path}: the model file does not record how its training "
            "spectra were preprocessed, so FIDs cannot be preprocessed "
            "the same way; give spectra on its grid in a table instead."
        )
    template = SpectrumPreprocessor(**info["preprocessing"])
    X, mrs, decisions = _read_gated(item.path, template)
    _check_grid(str(item.path), X.shape[1], default_ppm_axis(), info)
    voxels = [",".join(map(str, v)) for v in mrs.voxel_indices]
    rows = [
        (item.name, i, voxels[i], item.patient, "", d.status, d.note)
        for i, d in enumerate(decisions)
    ]
    return X, rows


def _table_spectra(item, info, args):
    """A table's spectra (an all-zero row flagged empty) and rows."""
    X, y, groups, ppm = _read_table(item.path, args, ignore_other=True)
    _check_grid(str(item.path), X.shape[1], ppm, info)
    patient = groups if groups is not None else [item.patient] * len(X)
    labels = [""] * len(X) if y is None else y
    flat = np.ptp(X, axis=1) == 0
    rows = [
        (item.name, i, "", str(patient[i]), labels[i])
        + (("empty", "the spectrum is flat (no signal)") if flat[i] else ("ok", ""))
        for i in range(len(X))
    ]
    return X[~flat], rows


def _spectra_of(paths, info, args):
    """Spectra that pass the gate, and one row per spectrum of every input.

    A row is (file, index, voxel, patient, label, status, note); only rows
    of status ``"ok"`` have a spectrum in the array, in order.
    """
    spectra, rows = [], []
    for item in _named_inputs(paths, args):
        if item.path.name.lower().endswith(_NIFTI_SUFFIXES):
            X, file_rows = _nifti_spectra(item, info)
        else:
            X, file_rows = _table_spectra(item, info, args)
        spectra.append(X)
        rows.extend(file_rows)
    return np.concatenate(spectra), rows


def _write_csv(path: Path, header, rows) -> None:
    from .io._files import atomic_path

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        with open(temporary, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)


def _cam_model(model):
    from .inspection._cam import _cam_estimator

    try:
        return _cam_estimator(model)[0]
    except TypeError as exc:
        raise ValueError(f"--cam-dir: {exc}") from None


def _write_cams(model, X, rows, ppm, folder: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    from .plotting import CAMDisplay

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for x, (file, index, voxel, patient, *_) in zip(X, rows):
        fig, ax = plt.subplots(figsize=(8, 3.6))
        CAMDisplay.from_estimator(model, x[None, :], ppm=ppm, ax=ax)
        where = f", voxel {voxel}" if voxel else f", row {index}"
        ax.set_title(f"{file}{where}, patient {patient}", fontsize=9)
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", _stem(Path(file.replace("/", "__"))))
        path = folder / f"{stem}_{index:04d}.png"
        fig.savefig(path, dpi=90, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


def _write_spectrum_csv(output, rows, proba, classes, proba_columns) -> None:
    """One row per spectrum: probabilities where it passed the gate, else blank."""
    has_labels = any(str(r[4]) != "" for r in rows)
    header = ["file", "spectrum", "voxel", "patient", *proba_columns, "predicted"]
    lines, k = [], 0
    for row in rows:
        if row[5] == "ok":
            values = [*np.round(proba[k], 6), classes[proba[k].argmax()]]
            k += 1
        else:
            values = [""] * (len(proba_columns) + 1)
        label = [row[4]] if has_labels else []
        lines.append([*row[:4], *values, *label, row[5], row[6]])
    _write_csv(
        output, header + (["label"] if has_labels else []) + ["status", "note"], lines
    )


def _write_patients(scored, proba, classes, patient_output) -> None:
    """The per-patient CSV (mean probability of the scored spectra) and table."""
    from .metrics import patient_probabilities

    proba_columns = [f"proba_{c}" for c in classes]
    groups = np.asarray([row[3] for row in scored], dtype=object)
    patients, mean = patient_probabilities(proba, groups)
    n_spectra = [int(np.sum(groups == p)) for p in patients]
    patient_rows = [
        [p, n, *np.round(m, 6), classes[m.argmax()]]
        for p, n, m in zip(patients, n_spectra, mean)
    ]
    _write_csv(
        patient_output,
        ["patient", "n_spectra", *proba_columns, "predicted"],
        patient_rows,
    )
    width = max(len("patient"), *(len(str(p)) for p in patients))
    print(f"{'patient':<{width}}  spectra  " + "  ".join(proba_columns) + "  predicted")
    for p, n, *values in patient_rows:
        probs = "  ".join(
            f"{v:>{len(c)}.3f}" for v, c in zip(values[:-1], proba_columns)
        )
        print(f"{p:<{width}}  {n:>7}  {probs}  {values[-1]}")


def _predict_paths(args) -> tuple[list[Path], Path, Path]:
    """Inputs, per-spectrum and per-patient CSVs; refused if any two coincide."""
    from .io._files import check_distinct_paths

    inputs = _expand(args.inputs)
    output = Path(args.output)
    patient_output = Path(
        args.patient_output or output.with_name(output.stem + "_patients.csv")
    )
    check_distinct_paths(
        {"model": args.model, "input": inputs, "--patients": args.patients},
        {
            "--output": output,
            "--patient-output": patient_output,
            "--cam-dir": args.cam_dir,
        },
        folders=("--cam-dir",),
    )
    return inputs, output, patient_output


def predict(args) -> int:
    """``skmrs predict``: per-spectrum and per-patient probabilities (and CAMs)."""
    from .io import load_model, read_model_info
    from .preprocessing._gate import gate_summary

    inputs, output, patient_output = _predict_paths(args)
    info = read_model_info(args.model)
    model = load_model(args.model)
    if args.cam_dir:
        _cam_model(model)
    data = info["training_data"] or {}
    print(
        f"model {args.model}: {info['estimator']} "
        f"({info['metadata'].get('model_name', '')}), classes {info['classes']}, "
        f"trained {info['created']} on {data.get('n_spectra', '?')} spectra of "
        f"{data.get('n_patients', '?')} patients with skmrs "
        f"{info['versions'].get('skmrs')}"
    )
    X, rows = _spectra_of(inputs, info, args)
    scored = [row for row in rows if row[5] == "ok"]
    print(gate_summary([row[5] for row in rows]))
    if not scored:
        _write_spectrum_csv(output, rows, None, None, [])
        print(f"wrote {output} ({len(rows)} spectra, none scored)")
        raise ValueError(
            "no spectrum passed the gate, so none was scored; see the status "
            f"and note columns of {output}."
        )
    proba = model.predict_proba(X)
    classes = np.asarray(model.classes_)
    _write_spectrum_csv(output, rows, proba, classes, [f"proba_{c}" for c in classes])
    _write_patients(scored, proba, classes, patient_output)
    print(f"wrote {output} ({len(rows)} spectra) and {patient_output}")
    if args.cam_dir:
        ppm = None if info["ppm"] is None else np.asarray(info["ppm"])
        written = _write_cams(model, X, scored, ppm, Path(args.cam_dir))
        print(f"wrote {len(written)} class activation maps to {args.cam_dir}/")
    return 0


# ------------------------------------------------------------------ parsers
def _add_csv_flags(parser) -> None:
    parser.add_argument(
        "--sep", help="separator of CSV tables (default: found from the file)"
    )
    parser.add_argument(
        "--decimal", help="decimal mark of CSV tables (default: found from the file)"
    )


def add_parsers(sub) -> None:
    """Register ``train`` and ``predict`` on the ``skmrs`` sub-parsers."""
    tr = sub.add_parser(
        "train",
        help="train one model on all your labelled spectra and write a model file",
    )
    source = tr.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--data",
        help="a table of spectra (CSV/Parquet/NPZ) or a folder of NIfTI-MRS files "
        "(with --labels)",
    )
    source.add_argument(
        "--simulated", action="store_true", help="the embedded simulated cohort"
    )
    tr.add_argument("--labels", help="CSV with columns file, patient, label")
    tr.add_argument("--label-column", default="label")
    tr.add_argument("--group-column", default="patient")
    tr.add_argument(
        "--positive-label",
        help="the tumour class, for the --cv estimate (default: 1, else the last "
        "label sorted)",
    )
    _add_csv_flags(tr)
    tr.add_argument("--n-patients", type=int, help="simulated cohort size")
    tr.add_argument(
        "--model", default="ResNet", help="one of " + ", ".join(MODEL_NAMES)
    )
    tr.add_argument(
        "--preset",
        choices=["quick", "paper"],
        default="quick",
        help="network size of the benchmark preset (paper: the Table-1 ResNet)",
    )
    for flag, kind in _NET_FLAGS.items():
        tr.add_argument(f"--{flag.replace('_', '-')}", type=kind)
    tr.add_argument("--distill-epochs", type=int, default=5)
    tr.add_argument(
        "--cv", type=int, help="first print a K-fold leave-patients-out estimate"
    )
    tr.add_argument("--random-state", type=int, default=0)
    tr.add_argument("--output", default="model.skmrs", help="model file to write")
    tr.add_argument("--no-progress", action="store_true")
    tr.add_argument(
        "--verbose", action="store_true", help="print every network's epochs"
    )
    tr.set_defaults(func=train)

    pr = sub.add_parser(
        "predict",
        help="apply a model file to NIfTI-MRS files, folders or tables",
    )
    pr.add_argument("model", help="a model file written by skmrs train")
    pr.add_argument("inputs", nargs="+", help="NIfTI-MRS files, folders or tables")
    pr.add_argument("--output", default="predictions.csv", help="per-spectrum CSV")
    pr.add_argument(
        "--patient-output", help="per-patient CSV (default: <output>_patients.csv)"
    )
    pr.add_argument(
        "--patients",
        help="CSV with columns file, patient for NIfTI-MRS inputs (default: "
        "one patient per file, named after it)",
    )
    pr.add_argument("--label-column", default="label", help="of tables, if present")
    pr.add_argument("--group-column", default="patient", help="of tables, if present")
    _add_csv_flags(pr)
    pr.add_argument(
        "--cam-dir", help="write one class-activation-map PNG per spectrum here"
    )
    pr.set_defaults(func=predict)
