"""``skmrs train --patient`` and ``skmrs predict`` with a patient model (issue 24)."""

import contextlib
import csv
import io

import numpy as np
import pandas as pd
import pytest

from skmrs import PatientClassifier
from skmrs.cli import main
from skmrs.datasets import make_mrs_cohort
from skmrs.io import load_model, read_model_info

TINY = ["--n-filters", "4", "--n-blocks", "2", "--kernel-size", "5",
        "--max-epochs", "1", "--batch-size", "64"]  # fmt: skip


def _read(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _table(cohort, path, labels=True):
    """A cohort as a CSV: patient, label and one ``ppm_4.193`` column per point."""
    frame = pd.DataFrame(cohort.data, columns=[f"ppm_{p:.3f}" for p in cohort.ppm])
    if labels:
        frame.insert(0, "label", np.where(cohort.target == 1, "tumour", "healthy"))
    frame.insert(0, "patient", [f"p{g:02d}" for g in cohort.groups])
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    # 24 patients (13 tumour, 11 healthy): two outer folds leave enough of each
    # class for three inner folds
    cohort = make_mrs_cohort(n_patients=24, random_state=0)
    return _table(cohort, tmp_path_factory.mktemp("train") / "spectra.csv")


@pytest.fixture(scope="module")
def new_patients(tmp_path_factory):
    cohort = make_mrs_cohort(n_patients=4, random_state=1)
    path = _table(cohort, tmp_path_factory.mktemp("new") / "new.csv", labels=False)
    return path, cohort


@pytest.fixture(scope="module")
def trained(table, tmp_path_factory):
    """The SVM's patient model file, and what ``train`` printed."""
    path = tmp_path_factory.mktemp("model") / "patient.skmrs"
    argv = ["train", "--data", str(table), "--model", "SVM", "--patient",
            "--patient-cv", "3", "--cv", "2", "--output", str(path),
            "--no-progress"]  # fmt: skip
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(argv) == 0
    return path, printed.getvalue()


@pytest.fixture(scope="module")
def svm_patient_file(trained):
    return trained[0]


def test_train_patient_fits_and_saves_a_patient_classifier(svm_patient_file):
    info = read_model_info(svm_patient_file)
    assert info["estimator"] == "PatientClassifier"
    assert info["metadata"]["model_name"] == "SVM"
    cv = info["metadata"]["cv"]
    assert cv["n_splits"] == 2 and cv["positive_label"] == "tumour"
    assert set(cv) >= {"patient_accuracy", "patient_roc_auc", "patient_brier"}
    assert 0 <= cv["patient_brier"] <= 1
    model = load_model(svm_patient_file)
    assert isinstance(model, PatientClassifier)
    assert model.cv == 3 and model.random_state == 0  # --patient-cv, --seed
    assert list(model.classes_) == ["healthy", "tumour"]
    assert model.patients_.size == 24


def test_train_patient_prints_its_estimate_and_threshold(table, tmp_path, capsys):
    argv = ["train", "--data", str(table), "--model", "ResNet", *TINY, "--patient",
            "--patient-cv", "2", "--output", str(tmp_path / "m.skmrs"),
            "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "skmrs train: PatientClassifier around ResNet (preset 'quick': " in out
    assert "n_filters=4" in out
    model = load_model(tmp_path / "m.skmrs")
    assert f"tumour when P(tumour) >= {model.threshold_:.3f} (chosen in fit" in out
    # the network flags reach the voxel network inside the patient stage
    assert model.estimator_.net_.module_.stem[0].out_channels == 4


def test_train_patient_estimate_is_per_patient(trained):
    out = trained[1]
    line = next(x for x in out.splitlines() if x.startswith("leave-patients-out"))
    assert "patient acc" in line and "patient AUC" in line and "Brier" in line
    assert "SEN" not in line  # voxel scores say nothing of a patient's answer


def test_predict_writes_each_patients_calibrated_answer(
    svm_patient_file, new_patients, tmp_path, capsys
):
    path, cohort = new_patients
    out_csv = tmp_path / "predictions.csv"
    argv = ["predict", str(svm_patient_file), str(path), "--output", str(out_csv)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    model = load_model(svm_patient_file)
    groups = np.array([f"p{g:02d}" for g in cohort.groups])
    expected = model.predict_patients(cohort.data, groups=groups)
    patients = _read(tmp_path / "predictions_patients.csv")
    assert [row["patient"] for row in patients] == list(expected.patient)
    np.testing.assert_allclose(
        [float(row["proba_tumour"]) for row in patients], expected.proba, atol=1e-6
    )
    assert [row["predicted"] for row in patients] == list(expected.prediction)
    assert [int(row["n_spectra"]) for row in patients] == list(expected.n_spectra)
    # the decision is the threshold chosen in fit, not the most probable class
    decided = np.where(expected.proba >= model.threshold_, "tumour", "healthy")
    assert list(expected.prediction) == list(decided)
    # every spectrum carries its patient's answer
    rows = _read(out_csv)
    assert len(rows) == len(cohort.data)
    answer = {row["patient"]: row for row in patients}
    for row in rows:
        mine = answer[row["patient"]]
        assert row["proba_tumour"] == mine["proba_tumour"]
        assert row["proba_healthy"] == mine["proba_healthy"]
        assert row["predicted"] == mine["predicted"]
    assert f"P(tumour) >= {model.threshold_:.3f}" in printed


def test_predict_gathers_a_patient_across_chunks(
    svm_patient_file, new_patients, tmp_path
):
    path, _ = new_patients
    whole, chunked = tmp_path / "whole.csv", tmp_path / "chunked.csv"
    for output, size in ((whole, "100000"), (chunked, "7")):
        argv = ["predict", str(svm_patient_file), str(path), "--output",
                str(output), "--chunk-size", size]  # fmt: skip
        assert main(argv) == 0
    assert whole.read_text() == chunked.read_text()
    assert (tmp_path / "whole_patients.csv").read_text() == (
        tmp_path / "chunked_patients.csv"
    ).read_text()


def test_patient_flags_refuse_what_they_cannot_do(
    table, svm_patient_file, new_patients, tmp_path, capsys
):
    out = str(tmp_path / "m.skmrs")
    cases = [
        (["train", "--data", str(table), "--model", "SVM", "--patient-cv", "3",
          "--output", out], "--patient-cv sets the folds of --patient"),
        (["train", "--data", str(table), "--model", "SVM", "--patient",
          "--positive-label", "healthy", "--output", out],
         "--patient takes the tumour class as the label 1"),
        (["predict", str(svm_patient_file), str(new_patients[0]), "--output",
          str(tmp_path / "p.csv"), "--dask-scheduler", "tcp://localhost:1"],
         "scores each patient from all its spectra"),
    ]  # fmt: skip
    for argv, message in cases:
        assert main(argv) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "m.skmrs").exists()
