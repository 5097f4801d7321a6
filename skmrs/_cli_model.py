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

from ._cli_common import (
    _add_random_state,
    _check_random_state,
    _cohort_seed,
    _preset_names,
)

# ResNetClassifier's settings that are not network flags: the command's own.
_NOT_NETWORK_FLAGS = ("random_state", "verbose")


def _network_flags() -> dict:
    """Network flags of ``skmrs train``, name -> type: ResNetClassifier's settings.

    Read from where they are declared, the keyword arguments of
    ``ResNetClassifier.__init__`` in its source (parsed, not imported, so that
    building the command line loads no torch); the type of each default is
    the flag's type.
    """
    from ._cli_common import _declared_defaults

    defaults = _declared_defaults(
        "classification/_resnet.py", "__init__", cls="ResNetClassifier"
    )
    return {
        name: type(default)
        for name, default in defaults.items()
        if name not in _NOT_NETWORK_FLAGS
    }


_PPM_COLUMN = re.compile(r"^ppm_(-?\d+(?:\.\d+)?)$")


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


def _table_roles(path: Path, args, *, ignore_other: bool = False) -> dict:
    """A table's label, group and feature columns (None where absent or all).

    ``ignore_other``: columns that are not named by a ppm (``age``) beside
    columns that are, are left out with a note instead of refused.
    """
    from .io._table import spectral_columns

    columns = _table_columns(path, args)
    label = args.label_column if args.label_column in columns else None
    group = args.group_column if args.group_column in columns else None
    features = None
    named, other = spectral_columns([c for c in columns if c not in (label, group)])
    if ignore_other and named and other:
        features = named
        _note(f"{path}: columns {other[:5]} are not spectral points; ignored.")
    return {"label_column": label, "group_column": group, "feature_columns": features}


def _read_table(path: Path, args, *, ignore_other: bool = False):
    """Spectra, labels (or None), patients (or None) and ppm (or None) of a table."""
    from .io import load_spectra_table

    roles = _table_roles(path, args, ignore_other=ignore_other)
    X, y, groups = load_spectra_table(path, **roles, **_csv_options(args))
    if np.iscomplexobj(X):
        raise ValueError(
            f"{path} holds complex values (FIDs?); a table must hold real spectra "
            "on the model's grid. Save FIDs as NIfTI-MRS to have them preprocessed."
        )
    columns = roles["feature_columns"] or _table_columns(path, args)
    return X, y, groups, _table_ppm(path, columns, X.shape[1])


def _note(text: str) -> None:
    print(f"skmrs: note: {text}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------- train
def _apply_flags(model, name: str, args):
    """Set the network flags given on the command line on every network."""
    from ._cli_common import _set_everywhere, _verbose_networks

    for flag in _network_flags():
        if getattr(args, flag) is not None:
            _set_everywhere(model, flag, getattr(args, flag), name)
    return _verbose_networks(model) if args.verbose else model


def _training_data(args):
    """X, y, groups, ppm, preprocessor and a description of the training data."""
    from .datasets import default_ppm_axis
    from .preprocessing import SpectrumPreprocessor

    preprocessor = SpectrumPreprocessor()
    if args.simulated:
        from .benchmark import PRESETS
        from .datasets import make_mrs_cohort

        n_patients = args.n_patients or PRESETS[args.preset].n_patients
        seed = _cohort_seed(args)
        cohort = make_mrs_cohort(n_patients=n_patients, random_state=seed)
        y = np.where(cohort.target == 1, "tumour", "non-tumour")
        source = (
            f"simulated cohort, {n_patients} patients "
            f"(make_mrs_cohort random_state={seed})"
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


def _voxel_fold(model, X, y, groups, split, pos_label) -> dict:
    """The paper's scores of one fold: voxel SEN, SPE, AUC; patients by mean rule."""
    from .metrics import SCORE_NAMES
    from .model_selection import cross_validate_patients

    scores = cross_validate_patients(
        model, X, y, groups=groups, cv=[split], pos_label=pos_label
    )
    return {name: float(scores[name][0]) for name in SCORE_NAMES}


def _patient_fold(model, X, y, groups, split, pos_label) -> dict:
    """A patient model's own answers on one fold: accuracy, AUC, Brier score."""
    from sklearn.base import clone

    from .metrics import make_patient_level_scorers

    train, test = split
    fitted = clone(model).fit(X[train], y[train], groups=groups[train])
    scorers = make_patient_level_scorers(pos_label=pos_label)
    scores = {}
    for name in ("patient_accuracy", "patient_roc_auc", "neg_patient_brier"):
        try:
            scores[name] = scorers[name](fitted, X[test], y[test], groups[test])
        except ValueError:  # one class of patients in the fold: no AUC
            scores[name] = np.nan
    scores["patient_brier"] = -scores.pop("neg_patient_brier")
    return scores


def _cv_estimate(
    model, X, y, groups, n_splits: int, bar, pos_label=None
) -> tuple[str, dict]:
    """Leave-patients-out scores, one fold at a time so that the bar moves.

    A patient model (``predict_patients``) is fitted with each fold's patients
    and scored by its own answers; any other by the paper's scores.
    """
    from .metrics import SCORE_HEADERS
    from .model_selection import patient_splits

    headers = {**SCORE_HEADERS, "patient_brier": "Brier"}
    splits, groups = patient_splits(n_splits, X, y, groups)
    score = _patient_fold if hasattr(model, "predict_patients") else _voxel_fold
    folds = []
    for k, split in enumerate(splits):
        bar.set_description(f"fold {k + 1}/{n_splits}")
        folds.append(score(model, X, y, groups, split, pos_label))
        bar.update()
    scores = {name: np.array([fold[name] for fold in folds]) for name in folds[0]}
    text = "  ".join(
        f"{headers[name]} {np.nanmean(v):.3f} +- {np.nanstd(v):.3f}"
        for name, v in scores.items()
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


def _patient_model(model, args):
    """``--patient``: a PatientClassifier around the voxel model, else the model."""
    if not args.patient:
        if args.patient_cv is not None:
            raise ValueError("--patient-cv sets the folds of --patient; add --patient.")
        return model
    from .classification import PatientClassifier

    cv = {} if args.patient_cv is None else {"cv": args.patient_cv}
    return PatientClassifier(model, **cv)


def _check_patient_label(y, args) -> None:
    """A patient model takes the tumour class by the default rule; refuse another."""
    from ._cli_common import _positive_class
    from .metrics import positive_label

    if not args.patient or args.positive_label is None:
        return
    positive, _ = _positive_class(y, args.positive_label)
    default = positive_label(np.unique(y))
    if positive != default:
        raise ValueError(
            f"--patient takes the tumour class as the label 1, else the last label "
            f"in sorted order ('{default}' here); --positive-label "
            f"{args.positive_label!r} names another. Relabel the data so that the "
            "tumour class is 1."
        )


def _announce(model, args, y, groups, source) -> None:
    """The model, its network settings and the data, before training starts."""
    params = model.get_params(deep=True)
    network = {
        flag: next(v for k, v in params.items() if k.split("__")[-1] == flag)
        for flag in _network_flags()
        if any(k.split("__")[-1] == flag for k in params)
    }
    classes, counts = np.unique(y, return_counts=True)
    name = f"PatientClassifier around {args.model}" if args.patient else args.model
    settings = ", ".join(f"{k}={v}" for k, v in network.items())
    print(
        f"skmrs train: {name}"
        + (f" (preset {args.preset!r}: {settings})" if network else "")
        + f"\ndata: {source}; {len(y)} spectra ("
        + ", ".join(f"{c} {n}" for c, n in zip(classes, counts))
        + f"), {len(np.unique(groups))} patients",
        flush=True,
    )


def _patient_note(model) -> str | None:
    """The decision rule a patient model chose in ``fit``."""
    threshold = getattr(model, "threshold_", None)
    if threshold is None:
        return None
    how = (
        "chosen in fit on the training patients' out-of-fold probabilities"
        if hasattr(model, "oof_proba_")
        else "the model's threshold"
    )
    return f"patient decision: tumour when P(tumour) >= {threshold:.3f} ({how})"


def train(args) -> int:
    """``skmrs train``: fit one model on all the data and write its model file."""
    from tqdm.auto import tqdm

    from ._cli_common import _positive_class, _quiet
    from .benchmark import default_models
    from .io import save_model
    from .io._files import check_distinct_paths
    from .utils import set_random_states

    models = default_models(args.preset, distill_epochs=args.distill_epochs)
    if args.model not in models:
        raise ValueError(
            f"unknown --model {args.model!r}; choose from {', '.join(models)}."
        )
    if args.cv is not None and args.cv < 2:
        raise ValueError(f"--cv needs at least 2 folds; got {args.cv}.")
    _check_random_state(args, args.simulated)
    check_distinct_paths(_train_inputs(args), {"--output": args.output})
    model = _patient_model(_apply_flags(models[args.model], args.model, args), args)
    model = set_random_states(model, args.seed)
    X, y, groups, ppm, preprocessor, source = _training_data(args)
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(
            f"the training data ({source}) hold one class only "
            f"({', '.join(map(str, classes)) or 'none'}); a model needs spectra of "
            "two classes. No model file was written."
        )
    _check_patient_label(y, args)
    _announce(model, args, y, groups, source)
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
        model.fit(X, y, **({"groups": groups} if args.patient else {}))
        bar.update()
    seconds = time.perf_counter() - start
    for note in (_distiller_note(model), _patient_note(model)):
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
    from .io._table import TABLE_SUFFIXES

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths, _ = expand_inputs(inputs, TABLE_SUFFIXES)
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
    from .io import read_nifti_mrs_spectra
    from .preprocessing import SpectrumPreprocessor

    if info["preprocessing"] is None:
        raise ValueError(
            f"{item.path}: the model file does not record how its training "
            "spectra were preprocessed, so FIDs cannot be preprocessed "
            "the same way; give spectra on its grid in a table instead."
        )
    from ._cli_predict import SpectrumRows

    template = SpectrumPreprocessor(**info["preprocessing"])
    X, mrs, decisions = read_nifti_mrs_spectra(item.path, template)
    _check_grid(str(item.path), X.shape[1], default_ppm_axis(), info)
    n = len(decisions)
    rows = SpectrumRows(
        file=np.full(n, item.name, dtype=object),
        index=np.arange(n),
        voxel=np.asarray([",".join(map(str, v)) for v in mrs.voxel_indices]),
        patient=np.full(n, item.patient, dtype=object),
        label=None,
        status=np.asarray([d.status for d in decisions]),
        note=np.asarray([d.note for d in decisions], dtype=object),
    )
    return X.astype(np.float32), rows


def _table_plan(item, info, args) -> dict:
    """A table's columns, checked before any spectrum is scored.

    One row is read: complex values and a grid other than the model's are
    refused here, for every input, before the first chunk is scored.
    """
    from .io import iter_spectra_table

    roles = _table_roles(item.path, args, ignore_other=True)
    reader = iter_spectra_table(item.path, **roles, **_csv_options(args), chunk_size=1)
    X, _, _ = next(reader)
    reader.close()
    if np.iscomplexobj(X):
        raise ValueError(
            f"{item.path} holds complex values (FIDs?); a table must hold real "
            "spectra on the model's grid. Save FIDs as NIfTI-MRS to have them "
            "preprocessed."
        )
    columns = roles["feature_columns"] or _table_columns(item.path, args)
    ppm = _table_ppm(item.path, columns, X.shape[1])
    _check_grid(str(item.path), X.shape[1], ppm, info)
    return roles


def _table_chunks(item, roles, args, chunk_size: int):
    """A table's spectra chunk by chunk (an all-zero row flagged empty), and rows."""
    from ._cli_predict import SpectrumRows
    from .io import iter_spectra_table

    start = 0
    chunks = iter_spectra_table(
        item.path, **roles, **_csv_options(args), chunk_size=chunk_size
    )
    for X, y, groups in chunks:
        n = len(X)
        flat = np.ptp(X, axis=1) == 0
        patient = np.full(n, item.patient, dtype=object)
        rows = SpectrumRows(
            file=np.full(n, item.name, dtype=object),
            index=np.arange(start, start + n),
            voxel=np.full(n, "", dtype=object),
            patient=patient if groups is None else np.asarray(groups).astype(str),
            label=None if y is None else np.asarray(y).astype(str),
            status=np.where(flat, "empty", "ok"),
            note=np.where(flat, "the spectrum is flat (no signal)", ""),
        )
        start += n
        yield X[~flat], rows


def _chunk_tasks(items, plans, info, args, chunk_size: int):
    """(produce, arguments) of each chunk; ``produce(*arguments)`` gives its
    spectra that pass the gate and their :class:`SpectrumRows`.

    A NIfTI-MRS file is one chunk, read and preprocessed where it is scored
    (a Dask worker); a table is read here ``chunk_size`` rows at a time. Only
    rows of status ``"ok"`` have a spectrum, in order.
    """
    from ._cli_predict import given

    for item, roles in zip(items, plans):
        if roles is None:
            yield _nifti_spectra, (item, info)
        else:
            for chunk in _table_chunks(item, roles, args, chunk_size):
                yield given, chunk


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
    """One PNG per spectrum; ``rows`` are (file, index, voxel, patient) tuples."""
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


def _patient_rows(writer, table) -> list:
    """One row per patient: id, spectra scored, class probabilities, decision.

    Without a patient model's ``table`` the probabilities are the mean of the
    patient's spectra and the decision the most probable class (the paper's
    rule); with it, the model's calibrated probability and its decision.
    """
    classes = writer.classes
    if table is None:
        patients, n_spectra, mean = writer.patients()
        return [
            [p, n, *np.round(m, 6), classes[m.argmax()]]
            for p, n, m in zip(patients, n_spectra, mean)
        ]
    from .metrics import positive_label

    tumour = classes == positive_label(classes)
    return [
        [p, int(n), *np.round(np.where(tumour, q, 1 - q), 6), decision]
        for p, n, q, decision in zip(
            table.patient, table.n_spectra, table.proba, table.prediction
        )
    ]


def _write_patients(writer, patient_output, table=None) -> None:
    """The per-patient CSV (:func:`_patient_rows`) and its table on the screen."""
    proba_columns = writer.proba_columns
    patient_rows = _patient_rows(writer, table)
    patients = [row[0] for row in patient_rows]
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
    writer, n_cams, table = _score_inputs(model, inputs, info, args, output)
    n_rows = sum(writer.statuses.values())
    print(gate_summary([s for s, n in writer.statuses.items() for _ in range(n)]))
    if not writer.n_scored:
        print(f"wrote {output} ({n_rows} spectra, none scored)")
        raise ValueError(
            "no spectrum passed the gate, so none was scored; see the status "
            f"and note columns of {output}."
        )
    _write_patients(writer, patient_output, table)
    note = _patient_note(model)
    if note:
        print(note + "; every spectrum carries its patient's answer")
    print(f"wrote {output} ({n_rows} spectra) and {patient_output}")
    if args.cam_dir:
        print(f"wrote {n_cams} class activation maps to {args.cam_dir}/")
    return 0


def _score_inputs(model, inputs, info, args, output):
    """Score every input chunk by chunk, writing ``output`` as it goes.

    Every table is checked (columns, grid) before the first chunk is scored;
    with ``--dask-scheduler`` the chunks are scored on that cluster. Returns
    the closed :class:`PredictionWriter`, the number of CAMs and, for a
    patient model (``predict_patients``), its per-patient table: every chunk
    is then read first and each patient scored from all its spectra.
    """
    from ._cli_predict import DaskScorer, LocalScorer, PredictionWriter, score_patients
    from .io._inputs import NIFTI_SUFFIXES

    per_patient = hasattr(model, "predict_patients")
    if per_patient and args.dask_scheduler:
        raise ValueError(
            f"{type(model).__name__} scores each patient from all its spectra at "
            "once, in this process; --dask-scheduler is for models that score "
            "spectra one by one. Leave it out."
        )

    items = _named_inputs(inputs, args)
    nifti = [item.path.name.lower().endswith(NIFTI_SUFFIXES) for item in items]
    plans = [None if is_nifti else _table_plan(item, info, args)
             for item, is_nifti in zip(items, nifti)]  # fmt: skip
    has_labels = any(p is not None and p["label_column"] for p in plans)
    ppm = None if info["ppm"] is None else np.asarray(info["ppm"])
    n_cams = 0
    tasks = _chunk_tasks(items, plans, info, args, args.chunk_size)
    scorer = LocalScorer(None if per_patient else model)
    if args.dask_scheduler:
        scorer = DaskScorer(model, args.dask_scheduler)
    table = None
    with scorer, PredictionWriter(output, model.classes_, has_labels) as writer:
        chunks = scorer.map(tasks, keep_spectra=bool(args.cam_dir) or per_patient)
        if per_patient:
            chunks, table = score_patients(model, chunks)
        else:
            chunks = ((*chunk, None) for chunk in chunks)
        for X, proba, rows, predicted in chunks:
            writer.add(rows, proba, predicted)
            if args.cam_dir and proba is not None:
                scored = rows.scored
                keys = zip(rows.file[scored], rows.index[scored],
                           rows.voxel[scored], rows.patient[scored])  # fmt: skip
                n_cams += len(_write_cams(model, X, list(keys), ppm,
                                          Path(args.cam_dir)))  # fmt: skip
    return writer, n_cams, table


# ------------------------------------------------------------------ parsers
def _positive_int(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}")
    return value


def _add_csv_flags(parser) -> None:
    parser.add_argument(
        "--sep", help="separator of CSV tables (default: found from the file)"
    )
    parser.add_argument(
        "--decimal", help="decimal mark of CSV tables (default: found from the file)"
    )


def add_parsers(sub) -> None:
    """Register ``train`` and ``predict`` on the ``skmrs`` sub-parsers."""
    _add_train_parser(sub)
    _add_predict_parser(sub)


def _add_train_parser(sub) -> None:
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
        "--model",
        default="ResNet",
        help="a row of the benchmark's table: ResNet (default), SVM, RF, Noise, "
        "DistillMix-both...",
    )
    tr.add_argument(
        "--preset",
        choices=_preset_names(),
        default="quick",
        help="network size of the benchmark preset (paper: the Table-1 ResNet)",
    )
    for flag, kind in _network_flags().items():  # ResNetClassifier's settings
        tr.add_argument(f"--{flag.replace('_', '-')}", type=kind)
    tr.add_argument("--distill-epochs", type=int, default=5)
    tr.add_argument(
        "--cv", type=int, help="first print a K-fold leave-patients-out estimate"
    )
    tr.add_argument(
        "--patient",
        action="store_true",
        help="answer per patient: a PatientClassifier around --model (out-of-fold "
        "voxel scores by patient, a calibrated patient stage, its decision "
        "threshold chosen in fit)",
    )
    tr.add_argument(
        "--patient-cv",
        type=int,
        help="with --patient: folds of patients for the out-of-fold voxel scores "
        "(default: PatientClassifier's cv)",
    )
    _add_random_state(tr)
    tr.add_argument(
        "--seed", type=int, default=0, help="every random_state of the model"
    )
    tr.add_argument("--output", default="model.skmrs", help="model file to write")
    tr.add_argument("--no-progress", action="store_true")
    tr.add_argument(
        "--verbose", action="store_true", help="print every network's epochs"
    )
    tr.set_defaults(func=train)


def _add_predict_parser(sub) -> None:
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
    pr.add_argument(
        "--chunk-size",
        type=_positive_int,
        default=16384,
        help="table rows read and scored at a time (default: 16384)",
    )
    pr.add_argument(
        "--dask-scheduler",
        help="score the files and table chunks on this Dask cluster "
        "(tcp://host:8786); NIfTI-MRS files are read by the workers",
    )
    pr.set_defaults(func=predict)
