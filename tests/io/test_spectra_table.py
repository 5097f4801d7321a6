"""Tests of load_spectra_table on small CSV, Parquet and NPZ files."""

import importlib.util
import sys

import numpy as np
import pytest

from skmrs.io import load_spectra_table

pd = pytest.importorskip("pandas")

HAS_PARQUET_ENGINE = any(
    importlib.util.find_spec(name) for name in ("pyarrow", "fastparquet")
)


@pytest.fixture
def table():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(5, 4)), columns=[f"p{i}" for i in range(4)])
    frame.insert(0, "label", ["glioma", "normal", "glioma", "normal", "normal"])
    frame.insert(1, "patient", ["a", "a", "b", "c", "c"])
    return frame


def test_csv_round_trip(tmp_path, table):
    path = tmp_path / "spectra.csv"
    table.to_csv(path, index=False)
    X, y, groups = load_spectra_table(path)
    np.testing.assert_allclose(X, table[["p0", "p1", "p2", "p3"]].to_numpy())
    assert X.dtype == np.float64
    assert y.tolist() == table["label"].tolist()
    assert groups.tolist() == table["patient"].tolist()


def test_csv_column_names_and_selection(tmp_path, table):
    path = tmp_path / "spectra.csv.gz"
    table.rename(columns={"label": "tumour", "patient": "subject"}).to_csv(
        path, index=False
    )
    X, y, groups = load_spectra_table(
        path,
        label_column="tumour",
        group_column="subject",
        feature_columns=["p2", "p0"],
    )
    np.testing.assert_allclose(X, table[["p2", "p0"]].to_numpy())
    assert y[0] == "glioma" and groups[-1] == "c"


def test_unlabelled_table(tmp_path, table):
    path = tmp_path / "spectra.csv"
    table.drop(columns=["label", "patient"]).to_csv(path, index=False)
    X, y, groups = load_spectra_table(path, label_column=None, group_column=None)
    assert X.shape == (5, 4) and y is None and groups is None


def test_npz_round_trip(tmp_path):
    X = np.arange(12.0).reshape(3, 4)
    path = tmp_path / "spectra.npz"
    np.savez(path, X=X, label=np.array([0, 1, 0]), patient=np.array(["a", "b", "b"]))
    X_read, y, groups = load_spectra_table(path)
    np.testing.assert_array_equal(X_read, X)
    assert y.tolist() == [0, 1, 0] and groups.tolist() == ["a", "b", "b"]


def test_npz_complex_fids_are_kept_complex(tmp_path):
    path = tmp_path / "fids.npz"
    fids = np.ones((2, 8), dtype=np.complex64) * 1j
    np.savez(path, X=fids, label=np.array([0, 1]), patient=np.array([1, 2]))
    X, _, _ = load_spectra_table(path)
    assert X.dtype == np.complex128


@pytest.mark.skipif(not HAS_PARQUET_ENGINE, reason="pyarrow is not installed")
def test_parquet_round_trip(tmp_path, table):
    path = tmp_path / "spectra.parquet"
    table.to_parquet(path)
    X, y, _ = load_spectra_table(path)
    assert X.shape == (5, 4) and y.tolist() == table["label"].tolist()


def test_parquet_without_pyarrow_says_what_to_install(tmp_path, monkeypatch):
    for engine in ("pyarrow", "fastparquet"):  # as if not installed
        monkeypatch.setitem(sys.modules, engine, None)
    path = tmp_path / "spectra.parquet"
    path.write_bytes(b"PAR1")
    with pytest.raises(ImportError, match=r"spectra\.parquet.*pip install pyarrow"):
        load_spectra_table(path)


def test_missing_label_column(tmp_path, table):
    path = tmp_path / "nolabel.csv"
    table.drop(columns="label").to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"nolabel\.csv has no label column 'label'"):
        load_spectra_table(path)


def test_missing_group_column(tmp_path, table):
    path = tmp_path / "nogroup.csv"
    table.to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"nogroup\.csv has no group column 'site'"):
        load_spectra_table(path, group_column="site")


def test_nan_in_spectra(tmp_path, table):
    table.loc[3, "p2"] = np.nan
    path = tmp_path / "nan.csv"
    table.to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"nan\.csv: the spectra .*NaN.*row 3"):
        load_spectra_table(path)


def test_missing_label_value(tmp_path, table):
    table.loc[2, "label"] = None
    path = tmp_path / "gap.csv"
    table.to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"gap\.csv: label column 'label'.*row 2"):
        load_spectra_table(path)


def test_non_numeric_spectrum_column(tmp_path, table):
    table["scanner"] = "prisma"
    path = tmp_path / "text.csv"
    table.to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"text\.csv: columns \['scanner'\]"):
        load_spectra_table(path)


def test_npz_mismatched_lengths(tmp_path):
    path = tmp_path / "short.npz"
    np.savez(path, X=np.zeros((3, 4)), label=np.zeros(2), patient=np.arange(3))
    with pytest.raises(ValueError, match=r"short\.npz: label array 'label'.*3 rows"):
        load_spectra_table(path)


def test_npz_missing_key(tmp_path):
    path = tmp_path / "nokey.npz"
    np.savez(path, X=np.zeros((3, 4)), label=np.zeros(3))
    with pytest.raises(ValueError, match=r"nokey\.npz has no group array 'patient'"):
        load_spectra_table(path)


def test_npz_nan(tmp_path):
    X = np.zeros((3, 4))
    X[1, 2] = np.inf
    path = tmp_path / "inf.npz"
    np.savez(path, X=X, label=np.zeros(3), patient=np.arange(3))
    with pytest.raises(ValueError, match=r"inf\.npz.*row 1"):
        load_spectra_table(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent.csv"):
        load_spectra_table(tmp_path / "absent.csv")


def test_unsupported_type(tmp_path):
    path = tmp_path / "spectra.xlsx"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=r"spectra\.xlsx: unsupported file type"):
        load_spectra_table(path)
