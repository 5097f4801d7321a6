"""``skmrs predict`` streams tables: chunks give the rows of a whole read (issue 25)."""

import csv
import importlib.util
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from skmrs.cli import main
from skmrs.datasets import make_mrs_cohort

TINY = ["--n-filters", "4", "--n-blocks", "2", "--kernel-size", "5",
        "--max-epochs", "1", "--batch-size", "64"]  # fmt: skip


def _read(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "resnet.skmrs"
    argv = ["train", "--simulated", "--n-patients", "8", "--model", "ResNet",
            *TINY, "--output", str(path), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    return path


@pytest.fixture(scope="module")
def cohort():
    return make_mrs_cohort(n_patients=6, random_state=3)


def _predict(model, table, out, *extra):
    argv = ["predict", str(model), str(table), "--output", str(out), *extra]
    assert main(argv) == 0
    return _read(out), _read(out.with_name(out.stem + "_patients.csv"))


def _proba(rows):
    return np.array([[float(v) for k, v in r.items() if k.startswith("proba_")]
                     for r in rows])  # fmt: skip


@pytest.mark.parametrize(
    "kind",
    ["csv", "npz",
     pytest.param("parquet", marks=pytest.mark.skipif(
         importlib.util.find_spec("pyarrow") is None,
         reason="pyarrow (in the dev extra) is not installed"))],
)  # fmt: skip
def test_chunks_of_a_table_give_the_rows_of_a_whole_read(
    model, cohort, tmp_path, kind, capsys
):
    X = cohort.data.copy()
    X[5] = 0.0  # a flat spectrum, flagged empty inside a chunk
    patients = np.array([f"q{g % 4}" for g in cohort.groups])
    labels = np.where(cohort.target == 1, "tumour", "healthy")
    table = tmp_path / f"t.{kind}"
    if kind == "npz":
        np.savez(table, X=X, patient=patients, label=labels, ppm=cohort.ppm)
    else:
        frame = pd.DataFrame(X, columns=[f"ppm_{p:.3f}" for p in cohort.ppm])
        frame.insert(0, "label", labels)
        frame.insert(0, "patient", patients)
        if kind == "parquet":  # read by record batches of --chunk-size rows
            frame.to_parquet(table, index=False)
        else:
            frame.to_csv(table, index=False)
    whole, whole_patients = _predict(model, table, tmp_path / "whole.csv")
    chunked, chunked_patients = _predict(
        model, table, tmp_path / "chunked.csv", "--chunk-size", "7"
    )
    assert len(whole) == len(X) and len(chunked) == len(X)
    other = [k for k in whole[0] if not k.startswith("proba_")]
    assert [[r[k] for k in other] for r in chunked] == [
        [r[k] for k in other] for r in whole
    ]
    assert chunked[5]["status"] == "empty" and chunked[5]["proba_tumour"] == ""
    assert [r["spectrum"] for r in chunked] == [str(i) for i in range(len(X))]
    scored = [i for i, r in enumerate(whole) if r["status"] == "ok"]
    np.testing.assert_allclose(
        _proba([chunked[i] for i in scored]), _proba([whole[i] for i in scored]),
        atol=2e-6,
    )  # fmt: skip
    assert [p["patient"] for p in chunked_patients] == ["q0", "q1", "q2", "q3"]
    assert [p["n_spectra"] for p in chunked_patients] == [
        p["n_spectra"] for p in whole_patients
    ]
    np.testing.assert_allclose(
        _proba(chunked_patients), _proba(whole_patients), atol=2e-6
    )
    assert "gate: " in capsys.readouterr().out


def test_a_bad_table_is_refused_before_anything_is_scored(
    model, cohort, tmp_path, capsys
):
    good, bad = tmp_path / "good.npz", tmp_path / "bad.npz"
    np.savez(good, X=cohort.data)
    np.savez(bad, X=cohort.data[:, :100])
    out = tmp_path / "p.csv"
    argv = ["predict", str(model), str(good), str(bad), "--output", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr()
    assert "spectra of 100 points, but the model takes 288" in err.err
    assert "gate:" not in err.out  # refused before scoring
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.npz", "good.npz"]


def _peak_memory(model, n, tmp_path):
    """Peak Python memory of predicting an n-spectrum NPZ table, 1000 rows a chunk."""
    X = np.random.default_rng(0).normal(size=(n, 288)).astype(np.float32)
    table = tmp_path / f"t{n}.npz"
    np.savez(table, X=X, patient=np.arange(n) % 50)
    out = tmp_path / f"p{n}.csv"
    argv = ["predict", str(model), str(table), "--output", str(out),
            "--chunk-size", "1000"]  # fmt: skip
    tracemalloc.start()
    try:
        assert main(argv) == 0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(_read(out)) == n
    return peak, X.nbytes


def test_memory_depends_on_the_chunk_not_on_the_table(model, tmp_path, capsys):
    _peak_memory(model, 1000, tmp_path)  # imports and first-call caches
    small, _ = _peak_memory(model, 4_000, tmp_path)
    large, nbytes = _peak_memory(model, 40_000, tmp_path)  # 46 MB of float32
    assert large < small + nbytes / 10, (small, large, nbytes)


def test_the_local_loop_releases_free_memory_after_each_chunk(monkeypatch):
    """The heap's free pages go back to the system after every chunk, so the
    resident set does not creep (issue 25); no mmap threshold is fixed (it
    made scoring 3 times slower)."""
    import platform

    from skmrs import _cli_predict

    calls = []
    monkeypatch.setattr(_cli_predict, "release_free_memory", lambda: calls.append(1))
    monkeypatch.setattr(
        _cli_predict, "score_chunk", lambda model, produce, arguments, keep: arguments
    )
    scorer = _cli_predict.LocalScorer(None)
    with scorer:
        out = []
        for result in scorer.map([(None, "a"), (None, "b"), (None, "c")]):
            out.append((result, len(calls)))
    # each chunk is handed on before its memory is released, then released
    assert out == [("a", 0), ("b", 1), ("c", 2)]
    assert calls == [1, 1, 1]
    monkeypatch.undo()
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert _cli_predict.release_free_memory() is True
    assert not hasattr(_cli_predict, "fix_mmap_threshold")
