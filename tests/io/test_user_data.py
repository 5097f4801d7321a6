"""Tables as spreadsheets write them, ids and labels as people type them (issue 26)."""

import numpy as np
import pytest

from skmrs.io import load_nifti_mrs_dataset, load_spectra_table
from skmrs.io._ids import near_duplicates
from skmrs.io._table import sniff_csv

pd = pytest.importorskip("pandas")

HEADER = "patient;label;ppm_4.2;ppm_4.1;ppm_4.0"


def _write(tmp_path, text, name="t.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_patient_ids_are_kept_as_written(tmp_path):
    text = "patient,label,a,b\n007,0,1,2\n7,0,1,2\n p01 ,1,1,2\np01,1,1,2\n"
    _, _, groups = load_spectra_table(_write(tmp_path, text))
    assert groups.tolist() == ["007", "7", "p01", "p01"]  # two people, one person
    assert len(set(groups)) == 3


def test_near_duplicate_patient_ids_are_named(tmp_path):
    text = "patient,label,a\nP01,0,1\np01,0,2\np 02,1,3\np02,1,4\nq,1,5\n"
    with pytest.warns(UserWarning, match=r"'P01' / 'p01'; 'p 02' / 'p02'"):
        _, _, groups = load_spectra_table(_write(tmp_path, text))
    assert len(set(groups)) == 5  # reported, not merged
    assert near_duplicates(["a", "b"]) == []


def test_labels_are_stripped_and_case_variants_refused(tmp_path):
    text = "patient,label,a\np1,tumour,1\np2,tumour ,2\np3,healthy,3\n"
    _, y, _ = load_spectra_table(_write(tmp_path, text))
    assert y.tolist() == ["tumour", "tumour", "healthy"]
    text += "p4,Tumour,4\np5,TUMOUR,5\n"
    with pytest.raises(ValueError, match=r"'TUMOUR' / 'Tumour' / 'tumour'"):
        load_spectra_table(_write(tmp_path, text))


def test_none_and_na_labels_are_labels_not_missing(tmp_path):
    text = "patient,label,a\nNA,None,1\np2,glioma,2\np3,NA,3\n"
    _, y, groups = load_spectra_table(_write(tmp_path, text))
    assert y.tolist() == ["None", "glioma", "NA"]
    assert groups[0] == "NA"
    with pytest.raises(ValueError, match="NaN or infinite values"):
        load_spectra_table(_write(tmp_path, text.replace(",3\n", ",NA\n")))


def test_numeric_labels_stay_numbers(tmp_path):
    _, y, _ = load_spectra_table(_write(tmp_path, "patient,label,a\n1,0,1\n2,1.0,2\n"))
    assert y.tolist() == [0, 1] and y.dtype.kind == "i"


def test_semicolons_and_decimal_commas_are_found(tmp_path):
    text = f"{HEADER}\np1;0;0,5;1,25;-2,5e-1\np2;1;1,5;2;3\n"
    X, y, groups = load_spectra_table(_write(tmp_path, text))
    np.testing.assert_allclose(X, [[0.5, 1.25, -0.25], [1.5, 2, 3]])
    assert y.tolist() == [0, 1] and groups.tolist() == ["p1", "p2"]
    assert sniff_csv("a\tb\n1.5\t2\n") == ("\t", ".")
    # named explicitly, as --sep and --decimal do
    path = _write(tmp_path, "patient|label|a\np1|0|0,5\n", name="t.txt")
    X, _, _ = load_spectra_table(path, sep="|", decimal=",")
    assert X.tolist() == [[0.5]]


def test_windows_encodings_and_bom(tmp_path):
    text = "patient,label,a\nJosé,0,1\nZoë,1,2\n"
    for encoding in ("cp1252", "utf-8-sig", "utf-16"):
        _, _, groups = load_spectra_table(_write(tmp_path, text, encoding=encoding))
        assert groups.tolist() == ["José", "Zoë"], encoding
    path = tmp_path / "t.csv"
    path.write_bytes(b"patient,label,a\np\x81\x8d,0,1\n")  # undefined in cp1252
    with pytest.raises(ValueError, match="neither UTF-8 nor Windows-1252"):
        load_spectra_table(path)


def test_empty_trailing_columns_and_rows_are_ignored(tmp_path):
    text = f"{HEADER};;\np1;0;1;2;3;;\np2;1;4;5;6;;\n;;;;;;\n;;;;;;\n"
    X, y, _ = load_spectra_table(_write(tmp_path, text))
    assert X.shape == (2, 3) and y.tolist() == [0, 1]


def test_a_non_spectral_column_is_named(tmp_path):
    text = "patient,label,age,ppm_4.2,ppm_4.1\np1,0,54,1,2\np2,1,61,3,4\n"
    with pytest.raises(ValueError, match=r"columns \['age'\] are not spectral points"):
        load_spectra_table(_write(tmp_path, text))
    X, _, _ = load_spectra_table(
        _write(tmp_path, text), feature_columns=["ppm_4.2", "ppm_4.1"]
    )
    assert X.tolist() == [[1, 2], [3, 4]]


def test_a_repeated_header_row_is_named_by_its_line(tmp_path):
    text = f"{HEADER}\np1;0;1;2;3\n{HEADER}\np2;1;4;5;6\n"
    with pytest.raises(ValueError, match=r"data row 1 \(line 3 of the file\) repeats"):
        load_spectra_table(_write(tmp_path, text))


def test_excel_without_openpyxl_says_save_as_csv(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "openpyxl" else real(name, *a),
    )
    (tmp_path / "t.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(
        ValueError, match="pip install openpyxl, or save the sheet as CSV"
    ):
        load_spectra_table(tmp_path / "t.xlsx")


def test_excel_is_read_with_openpyxl(tmp_path):
    pytest.importorskip("openpyxl")
    frame = pd.DataFrame({"patient": ["007", "7"], "label": ["None", "a"], "x": [1, 2]})
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    _, y, groups = load_spectra_table(tmp_path / "t.xlsx")
    assert groups.tolist() == ["007", "7"] and y.tolist() == ["None", "a"]


def test_parquet_without_its_engine_is_a_value_error_too(tmp_path):
    import importlib.util

    if any(importlib.util.find_spec(n) for n in ("pyarrow", "fastparquet")):
        pytest.skip("a Parquet engine is installed")
    (tmp_path / "t.parquet").write_bytes(b"PAR1")
    with pytest.raises(ValueError, match="needs pyarrow"):
        load_spectra_table(tmp_path / "t.parquet")


def test_npz_string_ids_are_stripped(tmp_path):
    np.savez(tmp_path / "t.npz", X=np.ones((2, 3)), label=["a ", "b"],
             patient=[" p1", "p1"])  # fmt: skip
    _, y, groups = load_spectra_table(tmp_path / "t.npz")
    assert y.tolist() == ["a", "b"] and groups.tolist() == ["p1", "p1"]


def test_a_manifest_naming_one_file_twice_is_refused(tmp_path, write_nifti_mrs,
                                                     synthetic_fid):  # fmt: skip
    write_nifti_mrs("a.nii.gz", synthetic_fid(1024).reshape(1, 1, 1, -1))
    pd.DataFrame({"file": ["a.nii.gz", "./a.nii.gz "], "patient": ["p1", "p1"],
                  "label": [0, 0]}).to_csv(tmp_path / "m.csv", index=False)  # fmt: skip
    with pytest.raises(ValueError, match=r"rows 0 and 1 name the same file"):
        load_nifti_mrs_dataset(tmp_path, tmp_path / "m.csv")


def test_manifest_patient_ids_keep_leading_zeros(tmp_path, write_nifti_mrs,
                                                  synthetic_fid):  # fmt: skip
    for name in ("a.nii.gz", "b.nii.gz"):
        write_nifti_mrs(name, synthetic_fid(1024).reshape(1, 1, 1, -1))
    manifest = pd.DataFrame({"file": ["a.nii.gz", "b.nii.gz"], "patient": ["007", "7"],
                             "label": ["None", "glioma"]})  # fmt: skip
    manifest.to_csv(tmp_path / "m.csv", index=False)
    _, y, groups = load_nifti_mrs_dataset(tmp_path, tmp_path / "m.csv")
    assert groups.tolist() == ["007", "7"] and y.tolist() == ["None", "glioma"]
