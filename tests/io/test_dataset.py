"""Tests of load_nifti_mrs_dataset: a folder of NIfTI-MRS files plus a manifest."""

import numpy as np
import pytest

from skmrs.datasets import default_ppm_axis
from skmrs.io import load_nifti_mrs_dataset
from skmrs.preprocessing import SpectrumPreprocessor

pd = pytest.importorskip("pandas")


@pytest.fixture
def folder(tmp_path, write_nifti_mrs, synthetic_fid):
    write_nifti_mrs("a.nii.gz", synthetic_fid(1024, shift=0.05).reshape(1, 1, 1, -1))
    write_nifti_mrs("b.nii.gz", synthetic_fid(1024, shift=-0.05).reshape(1, 1, 1, -1))
    mrsi = np.stack([synthetic_fid(1024), 2 * synthetic_fid(1024)])
    write_nifti_mrs("mrsi.nii.gz", mrsi.reshape(2, 1, 1, -1))
    return tmp_path


def write_manifest(folder, **columns):
    frame = pd.DataFrame(
        {
            "file": ["a.nii.gz", "b.nii.gz", "mrsi.nii.gz"],
            "patient": ["p1", "p2", "p3"],
            "label": ["normal", "glioma", "glioma"],
        }
        | columns
    )
    path = folder / "manifest.csv"
    frame.to_csv(path, index=False)
    return path


def test_folder_to_training_set(folder):
    X, y, groups = load_nifti_mrs_dataset(folder, write_manifest(folder))
    assert X.shape == (4, 288)
    assert y.tolist() == ["normal", "glioma", "glioma", "glioma"]
    assert groups.tolist() == ["p1", "p2", "p3", "p3"]
    np.testing.assert_allclose(np.sqrt(np.mean(X**2, axis=1)), 1.0)
    naa = default_ppm_axis()[np.argmax(X, axis=1)]
    np.testing.assert_allclose(naa, 2.01, atol=0.015)
    # Both MRSI voxels hold the same spectrum up to amplitude.
    np.testing.assert_allclose(X[2], X[3], atol=1e-8)


def test_custom_columns_and_preprocessor(folder):
    frame = pd.DataFrame(
        {"path": ["a.nii.gz"], "subject": ["s"], "tumour": [1]},
    )
    frame.to_csv(folder / "m.csv", index=False)
    X, y, groups = load_nifti_mrs_dataset(
        folder,
        folder / "m.csv",
        file_column="path",
        label_column="tumour",
        group_column="subject",
        preprocessor=SpectrumPreprocessor(norm="max", water_removal=None),
    )
    assert X.shape == (1, 288) and np.abs(X).max() == pytest.approx(1.0)
    assert y.tolist() == [1] and groups.tolist() == ["s"]


def test_missing_file_names_manifest_row(folder):
    manifest = write_manifest(folder, file=["a.nii.gz", "gone.nii.gz", "b.nii.gz"])
    with pytest.raises(FileNotFoundError, match=r"gone\.nii\.gz, named in row 1"):
        load_nifti_mrs_dataset(folder, manifest)


def test_manifest_without_label_column(folder):
    manifest = write_manifest(folder)
    pd.read_csv(manifest).drop(columns="label").to_csv(manifest, index=False)
    with pytest.raises(ValueError, match=r"manifest\.csv has no label column"):
        load_nifti_mrs_dataset(folder, manifest)


def test_missing_manifest(folder):
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        load_nifti_mrs_dataset(folder, folder / "nope.csv")


def test_edited_file_is_refused(folder, write_nifti_mrs, synthetic_fid):
    edit = np.stack([synthetic_fid(256)] * 2, axis=-1).reshape(1, 1, 1, 256, 2)
    write_nifti_mrs("a.nii.gz", edit, meta={"dim_5": "DIM_EDIT"})
    with pytest.raises(ValueError, match=r"a\.nii\.gz.*DIM_EDIT"):
        load_nifti_mrs_dataset(folder, write_manifest(folder))


def test_preprocessor_must_be_a_spectrum_preprocessor(folder):
    from sklearn.preprocessing import StandardScaler

    with pytest.raises(TypeError, match="SpectrumPreprocessor"):
        load_nifti_mrs_dataset(
            folder, write_manifest(folder), preprocessor=StandardScaler()
        )


def test_shared_files_as_a_dataset(shared_data, tmp_path):
    names = ["osprey_sub01_press.nii.gz", "suspect_ima.nii.gz"]
    pd.DataFrame({"file": names, "patient": ["o1", "s1"], "label": [0, 0]}).to_csv(
        tmp_path / "manifest.csv", index=False
    )
    X, y, groups = load_nifti_mrs_dataset(
        shared_data / "nifti_mrs", tmp_path / "manifest.csv"
    )
    assert X.shape == (2, 288) and groups.tolist() == ["o1", "s1"]
    naa = default_ppm_axis()[np.argmax(X, axis=1)]
    np.testing.assert_allclose(naa, 2.01, atol=0.03)
