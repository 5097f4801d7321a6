"""``skmrs predict`` on inputs as converters lay them out (issue 26).

spec2nii's per-patient folders, a water reference beside the metabolite scan,
a conjugated copy, a file named twice, a ``--patients`` map keyed by relative
path; built from the real files in ../shared/data.
"""

import csv
import shutil

import numpy as np
import pytest

from skmrs.cli import main

nib = pytest.importorskip("nibabel")
pd = pytest.importorskip("pandas")


def _read(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "rf.skmrs"
    argv = ["train", "--simulated", "--n-patients", "8", "--model", "RF",
            "--output", str(path), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    return path


@pytest.fixture
def study(shared_data, tmp_path):
    """``data/pat0X/svs.nii.gz`` (spec2nii's layout), a reference, a conjugated scan."""
    data = tmp_path / "data"
    src = shared_data / "nifti_mrs"
    for patient, name in (
        ("pat01", "osprey_sub01_press"),
        ("pat02", "osprey_sub02_press"),
    ):
        (data / patient).mkdir(parents=True)
        shutil.copy(src / f"{name}.nii.gz", data / patient / "svs.nii.gz")
    ref = next((shared_data / "osprey/exampledata/nifti-mrs").rglob("*ref.nii.gz"))
    shutil.copy(ref, data / "pat01" / "svs_ref.nii.gz")
    img = nib.load(src / "suspect_svs30_rda.nii.gz")
    conjugated = nib.Nifti2Image(
        np.conj(np.asarray(img.dataobj)), img.affine, img.header
    )
    (data / "pat03").mkdir()
    nib.save(conjugated, data / "pat03" / "svs.nii.gz")
    return data


def test_spec2nii_folders_are_patients_and_the_gate_decides(
    model, study, tmp_path, capsys
):
    out = tmp_path / "pred.csv"
    argv = ["predict", str(model), str(study), str(study / "pat02" / "svs.nii.gz"),
            "--output", str(out), "--cam-dir", str(tmp_path / "cams")]  # fmt: skip
    with pytest.raises(AssertionError):  # RF has no CAM: run without it
        assert main(argv) == 0
    assert main(argv[:-2]) == 0
    captured = capsys.readouterr()
    rows = {r["file"]: r for r in _read(out)}
    assert sorted(rows) == [
        "pat01/svs.nii.gz", "pat01/svs_ref.nii.gz", "pat02/svs.nii.gz",
        "pat03/svs.nii.gz",
    ]  # fmt: skip  # pat02/svs.nii.gz, named twice, is read once
    assert "named more than once" in captured.err
    assert {f: r["patient"] for f, r in rows.items()} == {
        "pat01/svs.nii.gz": "pat01", "pat01/svs_ref.nii.gz": "pat01",
        "pat02/svs.nii.gz": "pat02", "pat03/svs.nii.gz": "pat03",
    }  # fmt: skip
    assert rows["pat01/svs_ref.nii.gz"]["status"] == "water reference"
    assert rows["pat03/svs.nii.gz"]["status"] == "conjugated"
    assert "conjugate=True" in rows["pat03/svs.nii.gz"]["note"]
    for name in ("pat01/svs_ref.nii.gz", "pat03/svs.nii.gz"):  # no probability
        assert rows[name]["proba_tumour"] == rows[name]["predicted"] == ""
    for name in ("pat01/svs.nii.gz", "pat02/svs.nii.gz"):
        assert (
            rows[name]["status"] == "ok" and 0 <= float(rows[name]["proba_tumour"]) <= 1
        )
    patients = _read(tmp_path / "pred_patients.csv")
    assert [(p["patient"], p["n_spectra"]) for p in patients] == [
        ("pat01", "1"), ("pat02", "1"),
    ]  # fmt: skip
    assert (
        "gate: 2 of 4 spectra scored; 1 water reference (skipped), "
        "1 conjugated (refused)" in captured.out
    )


def test_patients_map_by_relative_path_and_unmatched_entries(
    model, study, tmp_path, capsys
):
    shutil.rmtree(study / "pat03")
    (study / "pat01" / "svs_ref.nii.gz").unlink()
    patients = tmp_path / "patients.csv"
    files = ["pat01/svs.nii.gz", "pat02/svs.nii.gz", "pat09/svs.nii.gz"]
    frame = pd.DataFrame({"file": files, "patient": ["007", "7", "x"]})
    frame.to_csv(patients, index=False)
    out = tmp_path / "pred.csv"
    argv = ["predict", str(model), str(study), "--patients", str(patients),
            "--output", str(out)]  # fmt: skip
    assert main(argv) == 0
    assert [r["patient"] for r in _read(out)] == ["007", "7"]  # not one patient 7
    assert (
        "not among the inputs, not used: ['pat09/svs.nii.gz']"
        in capsys.readouterr().err
    )
    # a bare name shared by two inputs is ambiguous
    pd.DataFrame({"file": ["svs.nii.gz"], "patient": ["p"]}).to_csv(
        patients, index=False
    )
    assert main(argv) == 2
    assert "matches 2 inputs" in capsys.readouterr().err


def test_files_named_directly_with_one_stem_stay_two_patients(model, study, tmp_path):
    out = tmp_path / "pred.csv"
    files = [str(study / p / "svs.nii.gz") for p in ("pat01", "pat02")]
    assert main(["predict", str(model), *files, "--output", str(out)]) == 0
    assert [(r["file"], r["patient"]) for r in _read(out)] == [
        ("pat01/svs.nii.gz", "pat01"), ("pat02/svs.nii.gz", "pat02"),
    ]  # fmt: skip


def test_nothing_passes_the_gate(model, study, tmp_path, capsys):
    out = tmp_path / "pred.csv"
    argv = ["predict", str(model), str(study / "pat03"), "--output", str(out)]
    assert main(argv) == 2
    assert "no spectrum passed the gate" in capsys.readouterr().err
    assert [r["status"] for r in _read(out)] == ["conjugated"]


def test_predict_ignores_non_spectral_columns_with_a_note(model, tmp_path, capsys):
    from skmrs.datasets import make_mrs_cohort

    cohort = make_mrs_cohort(n_patients=3, random_state=1)
    frame = pd.DataFrame(cohort.data, columns=[f"ppm_{p:.3f}" for p in cohort.ppm])
    frame.insert(0, "age", 50)
    frame.insert(0, "patient", [f"{g:03d}" for g in cohort.groups])
    frame.iloc[0, 2:] = 0.0  # an empty row
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False, sep=";", decimal=",")
    out = tmp_path / "pred.csv"
    assert main(["predict", str(model), str(path), "--output", str(out)]) == 0
    assert "columns ['age'] are not spectral points; ignored" in capsys.readouterr().err
    rows = _read(out)
    assert rows[0]["patient"] == "000" and rows[0]["status"] == "empty"
    assert {r["status"] for r in rows[1:]} == {"ok"}
