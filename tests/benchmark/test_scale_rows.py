"""The benchmark at scale: the SVM row's time estimate and its kernel
approximation, an extra row (issue 25)."""

import pytest

from skmrs.benchmark import _models, default_models, estimate_fit_seconds, extra_models
from skmrs.cli import main


def test_the_estimate_grows_as_the_measured_exponent():
    small, large = estimate_fit_seconds("SVM", 1000), estimate_fit_seconds("SVM", 4000)
    assert large / small == pytest.approx(4**_models.SVM_FIT_EXPONENT)
    n, seconds = _models.SVM_FIT_REFERENCE
    assert estimate_fit_seconds("SVM", n) == pytest.approx(seconds)
    assert estimate_fit_seconds("RF", 1000) is None
    with pytest.raises(ValueError, match="n_spectra must be >= 0"):
        estimate_fit_seconds("SVM", -5)


def test_the_extra_row_is_not_a_table_2_row():
    assert "SVM-Nystroem" not in default_models("quick")
    assert list(extra_models()) == ["SVM-Nystroem"]


def test_the_benchmark_runs_the_extra_row_and_warns_of_a_slow_row(
    tmp_path, capsys, monkeypatch
):
    measured = _models.SVM_FIT_REFERENCE
    # pretend the SVM took an hour on 10 spectra: its row is then slow anywhere
    monkeypatch.setattr(_models, "SVM_FIT_REFERENCE", (10, 3600.0))
    argv = ["benchmark", "--n-patients", "12", "--n-splits", "2",
            "--models", "SVM", "SVM-Nystroem", "--n-jobs", "1",
            "--output", str(tmp_path / "out"), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    note = next(line for line in out.splitlines() if line.startswith("note:"))
    assert "the SVM row will be slow" in note and "SVM-Nystroem" in note
    assert "SVM-Nystroem" in out.split(note)[1]  # a row of the table
    monkeypatch.setattr(_models, "SVM_FIT_REFERENCE", measured)
    argv[argv.index("--output") + 1] = str(tmp_path / "again")
    assert main(argv) == 0
    assert "note:" not in capsys.readouterr().out  # 12 patients: fast


def test_an_unknown_row_names_the_extra_rows_too(tmp_path, capsys):
    argv = ["benchmark", "--models", "SVM-Fast", "--output", str(tmp_path)]
    assert main(argv) == 2
    assert "SVM-Nystroem" in capsys.readouterr().err


def test_the_estimate_is_the_committed_scale_record():
    """SVM_FIT_REFERENCE and SVM_FIT_EXPONENT are the record's figures, rounded."""
    import json
    from pathlib import Path

    record = Path(__file__).parents[2] / "benchmarks" / "results" / "scale_v0.5.json"
    rows = [
        r for r in json.loads(record.read_text())["rows"] if r["sweep"] == "svm_fit"
    ]
    n, seconds = _models.SVM_FIT_REFERENCE
    measured = [r["cpu_seconds"] for r in rows if r["size"] == n]
    assert len(measured) == 3
    assert seconds == pytest.approx(sum(measured) / 3, abs=0.01)
    exponents = [r["exponent"] for r in rows if r["kind"] == "fit"]
    assert _models.SVM_FIT_EXPONENT == pytest.approx(sum(exponents) / 3, abs=0.05)
