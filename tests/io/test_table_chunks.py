"""iter_spectra_table: tables read in chunks, as load_spectra_table reads them."""

import importlib.util

import numpy as np
import pytest

from skmrs.io import iter_spectra_table, load_spectra_table

pd = pytest.importorskip("pandas")


def _frame(n=1000, n_points=6, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        rng.normal(size=(n, n_points)),
        columns=[f"ppm_{4 - i / 2:.3f}" for i in range(n_points)],
    )
    frame.insert(0, "patient", [f"p{i % 7:02d}" for i in range(n)])
    frame.insert(0, "label", np.where(np.arange(n) % 3 == 0, "tumour", "healthy"))
    return frame


def _joined(path, **kwargs):
    chunks = list(iter_spectra_table(path, **kwargs))
    X, y, groups = (
        None if parts[0] is None else np.concatenate(parts) for parts in zip(*chunks)
    )
    return chunks, X, y, groups


@pytest.mark.parametrize("chunk_size", [1, 300, 1000, 5000])
@pytest.mark.parametrize("kind", ["csv", "csv-semicolon", "csv.gz", "npz"])
def test_chunks_hold_what_a_whole_read_holds(tmp_path, kind, chunk_size):
    frame = _frame(n=1000 if chunk_size > 1 else 7)
    if kind == "npz":
        path = tmp_path / "t.npz"
        columns = {"label": frame["label"], "patient": frame["patient"]}
        np.savez(path, X=frame.iloc[:, 2:].to_numpy(),
                 **{k: v.to_numpy(str) for k, v in columns.items()})  # fmt: skip
    else:
        path = tmp_path / f"t.{kind.removesuffix('-semicolon')}"
        options = {"sep": ";", "decimal": ","} if "semicolon" in kind else {}
        frame.to_csv(path, index=False, **options)
    chunks, X, y, groups = _joined(path, chunk_size=chunk_size)
    X_whole, y_whole, groups_whole = load_spectra_table(path)
    assert [len(c[0]) for c in chunks[:-1]] == [chunk_size] * (len(chunks) - 1)
    assert all(c[0].dtype == np.float32 for c in chunks)
    np.testing.assert_array_equal(X, X_whole.astype(np.float32))
    np.testing.assert_array_equal(y, y_whole)
    np.testing.assert_array_equal(groups, groups_whole)


def test_npz_in_fortran_order_is_read_whole_then_cut(tmp_path):
    X = np.asfortranarray(np.random.default_rng(0).normal(size=(50, 4)))
    path = tmp_path / "f.npz"
    np.savez(path, X=X)
    chunks, joined, _, _ = _joined(path, label_column=None, group_column=None,
                                   chunk_size=20)  # fmt: skip
    assert [len(c[0]) for c in chunks] == [20, 20, 10]
    np.testing.assert_array_equal(joined, X.astype(np.float32))


def test_complex_npz_stays_complex(tmp_path):
    path = tmp_path / "c.npz"
    np.savez(path, X=np.ones((3, 4)) * 1j)
    ((X, _, _),) = iter_spectra_table(path, label_column=None, group_column=None)
    assert X.dtype == np.complex64


def test_errors_name_the_row_of_the_whole_table(tmp_path):
    frame = _frame()
    nan = frame.copy()
    nan.iloc[650, 4] = np.nan
    nan.to_csv(tmp_path / "nan.csv", index=False)
    with pytest.raises(ValueError, match=r"first in row 650\)"):
        list(iter_spectra_table(tmp_path / "nan.csv", chunk_size=300))
    empty = frame.astype({"patient": object})
    empty.loc[420, "patient"] = ""
    empty.to_csv(tmp_path / "empty.csv", index=False)
    with pytest.raises(ValueError, match="'patient' is empty in row 420"):
        list(iter_spectra_table(tmp_path / "empty.csv", chunk_size=300))
    header = frame.astype(str)
    header.iloc[700] = header.columns
    header.to_csv(tmp_path / "header.csv", index=False)
    with pytest.raises(ValueError, match=r"data row 700 \(line 702 of the file\)"):
        list(iter_spectra_table(tmp_path / "header.csv", chunk_size=300))
    npz = tmp_path / "nan.npz"
    X = frame.iloc[:, 2:].to_numpy().copy()
    X[333, 1] = np.inf
    np.savez(npz, X=X)
    with pytest.raises(ValueError, match=r"first in row 333\)"):
        list(iter_spectra_table(npz, label_column=None, group_column=None,
                                chunk_size=100))  # fmt: skip


def test_blank_rows_at_the_end_are_dropped_in_the_middle_refused(tmp_path):
    frame = _frame(n=10)
    text = frame.to_csv(index=False)
    lines = text.splitlines()
    blank = "," * (len(frame.columns) - 1)
    (tmp_path / "end.csv").write_text("\n".join(lines + [blank, blank]) + "\n")
    chunks, X, _, _ = _joined(tmp_path / "end.csv", chunk_size=4)
    assert len(X) == 10
    middle = lines[:5] + [blank] + lines[5:]
    (tmp_path / "middle.csv").write_text("\n".join(middle) + "\n")
    with pytest.raises(ValueError, match="is empty in row 4"):
        list(iter_spectra_table(tmp_path / "middle.csv", chunk_size=4))


def test_bad_chunk_size_and_empty_table(tmp_path):
    path = tmp_path / "t.csv"
    _frame(n=3).to_csv(path, index=False)
    for bad in (0, -5, 2.5):
        with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
            list(iter_spectra_table(path, chunk_size=bad))
    _frame(n=3).iloc[:0].to_csv(tmp_path / "none.csv", index=False)
    with pytest.raises(ValueError, match="holds no spectra"):
        list(iter_spectra_table(tmp_path / "none.csv"))


@pytest.mark.skipif(
    importlib.util.find_spec("pyarrow") is None,
    reason="pyarrow is not installed: Parquet record batches cannot be read",
)
def test_parquet_is_read_by_record_batches(tmp_path):
    from skmrs.io._table import table_columns

    frame = _frame()
    frame.index = frame.index + 100  # stored as a column "__index_level_0__"
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    assert table_columns(path) == list(frame.columns)
    chunks, X, y, groups = _joined(path, chunk_size=256)
    assert [len(c[0]) for c in chunks] == [256, 256, 256, 232]
    np.testing.assert_array_equal(X, frame.iloc[:, 2:].to_numpy(np.float32))
    np.testing.assert_array_equal(groups, frame["patient"].to_numpy())
