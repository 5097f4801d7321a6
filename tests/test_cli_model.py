"""``skmrs train`` and ``skmrs predict``, end to end, and the no-pickle rule."""

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skmrs.cli import main
from skmrs.datasets import make_mrs_cohort
from skmrs.io import load_model, load_nifti_mrs_dataset, read_model_info
from skmrs.metrics import patient_probabilities

TINY = ["--n-filters", "4", "--n-blocks", "2", "--kernel-size", "5",
        "--max-epochs", "1", "--batch-size", "64"]  # fmt: skip
# the in-vivo healthy scans of ../shared/data (not the phantom)
REAL_SCANS = (
    "osprey_sub01_press.nii.gz",
    "osprey_sub02_press.nii.gz",
    "suspect_svs30_rda.nii.gz",
)


def _read(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def cohort():
    return make_mrs_cohort(n_patients=12, random_state=0)


@pytest.fixture(scope="module")
def table(cohort, tmp_path_factory):
    """The cohort as a CSV: patient, label and one ``ppm_4.193`` column per point."""
    frame = pd.DataFrame(cohort.data, columns=[f"ppm_{p:.3f}" for p in cohort.ppm])
    frame.insert(0, "label", np.where(cohort.target == 1, "tumour", "healthy"))
    frame.insert(0, "patient", [f"p{g:02d}" for g in cohort.groups])
    path = tmp_path_factory.mktemp("table") / "spectra.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def resnet_file(table, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "resnet.skmrs"
    argv = ["train", "--data", str(table), "--model", "ResNet", *TINY,
            "--cv", "2", "--output", str(path), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    return path


def test_train_records_what_predict_needs(resnet_file, cohort, capsys):
    info = read_model_info(resnet_file)
    assert info["estimator"] == "ResNetClassifier"
    assert info["classes"] == ["healthy", "tumour"]
    np.testing.assert_allclose(info["ppm"], cohort.ppm, atol=5e-4)  # from the names
    assert info["preprocessing"]["norm"] == "rms"
    n_tumour = int(cohort.target.sum())
    assert info["training_data"] == {
        "n_spectra": len(cohort.target),
        "n_per_class": {"healthy": len(cohort.target) - n_tumour, "tumour": n_tumour},
        "n_patients": 12,
    }
    assert info["metadata"]["cv"]["n_splits"] == 2
    assert 0 <= info["metadata"]["cv"]["roc_auc"] <= 1
    assert load_model(resnet_file).net_.module_.stem[0].out_channels == 4


def test_train_prints_the_estimate_first(table, tmp_path, capsys):
    argv = ["train", "--data", str(table), "--model", "SVM", "--cv", "3",
            "--output", str(tmp_path / "svm.skmrs"), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    estimate = out.index("leave-patients-out estimate, GroupKFold(3): SEN ")
    assert estimate < out.index("model file")
    assert "patient AUC" in out and "12 patients" in out
    # labels healthy / tumour: the class scored as positive is named
    assert "positive (tumour) class: 'tumour' (the last label in sorted" in out
    assert (
        read_model_info(tmp_path / "svm.skmrs")["metadata"]["cv"]["positive_label"]
        == "tumour"
    )


def test_train_takes_the_positive_label(table, tmp_path, capsys):
    argv = ["train", "--data", str(table), "--model", "SVM", "--cv", "2",
            "--output", str(tmp_path / "svm.skmrs"), "--no-progress"]  # fmt: skip
    assert main([*argv, "--positive-label", "healthy"]) == 0
    assert "positive (tumour) class: 'healthy' (--positive-label)" in (
        capsys.readouterr().out
    )
    err = _error([*argv, "--positive-label", "glioma"], capsys)
    assert "--positive-label 'glioma' is not a label of the data" in err


def test_predict_real_scans_end_to_end(resnet_file, shared_data, tmp_path, capsys):
    folder = shared_data / "nifti_mrs"
    scans = [folder / name for name in REAL_SCANS]
    output, cams = tmp_path / "out" / "pred.csv", tmp_path / "cams"
    argv = ["predict", str(resnet_file), *map(str, scans), "--output", str(output),
            "--cam-dir", str(cams)]  # fmt: skip
    assert main(argv) == 0
    rows = _read(output)
    assert [r["file"] for r in rows] == list(REAL_SCANS)
    assert list(rows[0]) == [
        "file", "spectrum", "voxel", "patient", "proba_healthy", "proba_tumour",
        "predicted", "status", "note",
    ]  # fmt: skip
    assert {(r["status"], r["note"]) for r in rows} == {("ok", "")}  # the gate
    assert {r["voxel"] for r in rows} == {"0,0,0"}
    proba = np.array(
        [[float(r["proba_healthy"]), float(r["proba_tumour"])] for r in rows]
    )
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=2e-6)
    # preprocessed exactly as load_nifti_mrs_dataset does with the defaults
    manifest = tmp_path / "labels.csv"
    pd.DataFrame(
        {"file": list(REAL_SCANS), "patient": list(REAL_SCANS), "label": 0}
    ).to_csv(manifest, index=False)
    X, _, _ = load_nifti_mrs_dataset(folder, manifest)
    expected = load_model(resnet_file).predict_proba(X)
    np.testing.assert_allclose(proba, expected, atol=1e-6)
    assert [r["predicted"] for r in rows] == [
        ["healthy", "tumour"][k] for k in expected.argmax(1)
    ]
    patients = _read(tmp_path / "out" / "pred_patients.csv")
    assert [p["patient"] for p in patients] == sorted(
        name.removesuffix(".nii.gz") for name in REAL_SCANS
    )
    assert all(p["n_spectra"] == "1" for p in patients)
    pngs = sorted(cams.glob("*.png"))
    assert [p.name for p in pngs] == sorted(
        name.removesuffix(".nii.gz") + "_0000.png" for name in REAL_SCANS
    )
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    out = capsys.readouterr().out
    assert "proba_tumour" in out and "wrote 3 class activation maps" in out


def test_predict_a_table_scores_patients_by_mean_probability(
    resnet_file, cohort, tmp_path
):
    path = tmp_path / "new.npz"
    patients = np.array([f"q{g % 3}" for g in cohort.groups])
    np.savez(path, X=cohort.data, patient=patients, label=cohort.target,
             ppm=cohort.ppm)  # fmt: skip
    output = tmp_path / "pred.csv"
    assert main(["predict", str(resnet_file), str(path), "--output", str(output)]) == 0
    rows = _read(output)
    assert len(rows) == len(cohort.data) and rows[5]["spectrum"] == "5"
    assert [r["label"] for r in rows[:3]] == [str(t) for t in cohort.target[:3]]
    expected = load_model(resnet_file).predict_proba(cohort.data)
    ids, mean = patient_probabilities(expected, patients)
    by_patient = _read(tmp_path / "pred_patients.csv")
    assert [p["patient"] for p in by_patient] == ids.tolist()
    np.testing.assert_allclose(
        [float(p["proba_tumour"]) for p in by_patient], mean[:, 1], atol=1e-6
    )


def _error(argv, capsys):
    assert main(argv) == 2
    return capsys.readouterr().err


def test_predict_refuses_another_grid(resnet_file, cohort, tmp_path, capsys):
    short = tmp_path / "short.npz"
    np.savez(short, X=cohort.data[:, :200])
    err = _error(["predict", str(resnet_file), str(short)], capsys)
    assert "spectra of 200 points, but the model takes 288 (4.193 to 0.207 ppm)" in err
    shifted = tmp_path / "shifted.npz"
    np.savez(shifted, X=cohort.data, ppm=cohort.ppm + 0.5)
    err = _error(["predict", str(resnet_file), str(shifted)], capsys)
    assert "grid 4.693 to 0.707 ppm, but the model was trained on" in err
    # a ppm array that does not describe the spectra is refused, not ignored
    odd = tmp_path / "odd_ppm.npz"
    np.savez(odd, X=cohort.data, ppm=cohort.ppm[:100])
    err = _error(["predict", str(resnet_file), str(odd)], capsys)
    assert "'ppm' array has shape (100,)" in err and "288 points" in err
    complex_table = tmp_path / "fids.npz"
    np.savez(complex_table, X=cohort.data[:, :288] * 1j)
    err = _error(["predict", str(resnet_file), str(complex_table)], capsys)
    assert "complex values" in err


def test_cam_dir_needs_a_network(table, cohort, tmp_path, capsys):
    model = tmp_path / "rf.skmrs"
    argv = ["train", "--simulated", "--n-patients", "8", "--model", "RF",
            "--output", str(model), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    assert read_model_info(model)["classes"] == ["non-tumour", "tumour"]
    path = tmp_path / "new.npz"
    np.savez(path, X=cohort.data[:4])
    cams = tmp_path / "cams"
    err = _error(["predict", str(model), str(path), "--cam-dir", str(cams)], capsys)
    assert "--cam-dir: RandomForestClassifier has no class_activation_maps" in err
    assert not cams.exists()


def test_bad_train_and_predict_arguments(table, resnet_file, tmp_path, capsys):
    out = ["--output", str(tmp_path / "m.skmrs"), "--no-progress"]
    assert "unknown --model 'CNN'" in _error(
        ["train", "--data", str(table), "--model", "CNN", *out], capsys
    )
    assert "--n-filters sets the network, but SVM has none" in _error(
        ["train", "--data", str(table), "--model", "SVM", "--n-filters", "4", *out],
        capsys,
    )
    assert "pass --labels" in _error(["train", "--data", str(tmp_path), *out], capsys)
    assert "no group column 'subject'" in _error(
        ["train", "--data", str(table), "--group-column", "subject", *out], capsys
    )
    assert "holds no .nii" in _error(
        ["predict", str(resnet_file), str(tmp_path)], capsys
    )
    assert "does not exist" in _error(
        ["predict", str(resnet_file), str(tmp_path / "absent.nii.gz")], capsys
    )
    assert "not a skmrs model file" in _error(
        ["predict", str(table), str(table)], capsys
    )


def test_no_model_file_is_ever_unpickled():
    """The package opens no file with pickle (nor torch.load / joblib.load)."""
    package = Path(__file__).resolve().parents[1] / "skmrs"
    forbidden = re.compile(
        r"pickle\.loads?\(|torch\.load\(|joblib\.load\(|allow_pickle=True|"
        r"Unpickler|dill|cloudpickle\.load"
    )
    hits = [
        f"{path.relative_to(package)}:{n}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if forbidden.search(line)
    ]
    assert hits == []


def _snapshot(*paths):
    return {Path(p): Path(p).read_bytes() for p in paths}


def test_predict_never_writes_over_its_inputs(resnet_file, table, tmp_path, capsys):
    before = _snapshot(resnet_file, table)
    alias = resnet_file.parent / ".." / resnet_file.parent.name / resnet_file.name
    for argv, match in (
        (["--output", str(resnet_file)], "--output .* is the input model"),
        (["--output", str(alias)], "--output .* is the input model"),
        (["--output", str(table)], "--output .* is the input input"),
        (["--patient-output", str(table)], "--patient-output .* is the input input"),
        (
            [
                "--output",
                str(tmp_path / "a.csv"),
                "--patient-output",
                str(tmp_path / "a.csv"),
            ],
            "--output .* and --patient-output .* are the same file",
        ),  # fmt: skip
        (["--output", str(tmp_path)], "is a folder"),
    ):
        err = _error(["predict", str(resnet_file), str(table), *argv], capsys)
        assert re.search(match, err), err
    link = tmp_path / "link.csv"
    link.symlink_to(table)
    err = _error(
        ["predict", str(resnet_file), str(table), "--output", str(link)], capsys
    )
    assert "is the input input" in err
    assert _snapshot(resnet_file, table) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv"]


def test_train_never_writes_over_its_data(table, tmp_path, capsys):
    before = _snapshot(table)
    argv = ["train", "--data", str(table), "--model", "RF", "--no-progress"]
    err = _error([*argv, "--output", str(table)], capsys)
    assert "--output" in err and "is the input --data" in err
    labels = tmp_path / "labels.csv"
    labels.write_text("file,patient,label\n")
    err = _error(
        ["train", "--data", str(tmp_path), "--labels", str(labels),
         "--output", str(labels), "--no-progress"],
        capsys,
    )  # fmt: skip
    assert "is the input --data" in err or "is the input --labels" in err
    assert _snapshot(table) == before
    assert labels.read_text() == "file,patient,label\n"


def test_train_refuses_one_class(cohort, tmp_path, capsys):
    path = tmp_path / "one.npz"
    keep = cohort.target == 0
    np.savez(path, X=cohort.data[keep], label=cohort.target[keep],
             patient=cohort.groups[keep])  # fmt: skip
    out = tmp_path / "m.skmrs"
    err = _error(
        ["train", "--data", str(path), "--model", "RF", "--output", str(out),
         "--no-progress"],
        capsys,
    )  # fmt: skip
    assert "hold one class only (0)" in err
    assert not out.exists()


def test_predict_names_a_damaged_model_file(resnet_file, table, tmp_path, capsys):
    data = bytearray(resnet_file.read_bytes())
    data[len(data) // 3] ^= 0xFF  # inside a compressed member
    bad = tmp_path / "bad.skmrs"
    bad.write_bytes(bytes(data))
    out = ["--output", str(tmp_path / "p.csv")]
    err = _error(["predict", str(bad), str(table), *out], capsys)
    assert err.startswith(f"skmrs: error: {bad}")
    assert err.rstrip().endswith("the file is damaged or was not written by skmrs.")
    assert "is a folder" in _error(["predict", str(tmp_path), str(table), *out], capsys)
    assert not (tmp_path / "p.csv").exists()


def test_outputs_are_replaced_whole(resnet_file, table, tmp_path, capsys):
    out = tmp_path / "p.csv"
    out.write_text("an older run\n")
    argv = ["predict", str(resnet_file), str(table), "--output", str(out)]
    assert main(argv) == 0
    assert _read(out)[0]["file"] == table.name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv", "p_patients.csv"]


def test_random_state_seeds_the_cohort_and_seed_the_model(table, tmp_path, capsys):
    """--random-state means the simulated cohort's seed in every command (issue 22)."""
    out = ["--no-progress", "--output"]
    path = tmp_path / "sim.skmrs"
    argv = ["train", "--simulated", "--n-patients", "4", *TINY,
            "--random-state", "3", "--seed", "5", *out, str(path)]  # fmt: skip
    assert main(argv) == 0
    assert "make_mrs_cohort random_state=3" in capsys.readouterr().out
    assert load_model(path).random_state == 5
    for command in (["train", "--data", str(table), *out, str(tmp_path / "t.skmrs")],
                    ["benchmark", "--data", str(table), "--output",
                     str(tmp_path / "bench")]):  # fmt: skip
        err = _error([*command, "--random-state", "1"], capsys)
        assert "--random-state seeds the simulated cohort" in err
        assert "--seed (train) or --seeds (benchmark)" in err
    assert not (tmp_path / "t.skmrs").exists() and not (tmp_path / "bench").exists()


def test_train_flags_reach_the_network(table, tmp_path):
    path = tmp_path / "m.skmrs"
    argv = ["train", "--data", str(table), "--model", "DistillMix-both", *TINY,
            "--distill-epochs", "1", "--dropout", "0.3", "--lr", "0.002",
            "--no-progress", "--output", str(path)]  # fmt: skip
    assert main(argv) == 0
    model = load_model(path)
    for network in (model.pipeline_[-1], model.distiller_.estimator_):
        assert (network.dropout, network.lr, network.n_filters) == (0.3, 0.002, 4)
