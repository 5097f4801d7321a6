import subprocess
import sys

import numpy as np

from skmrs.cli import main


def test_simulate_prints_summary_and_saves(tmp_path, capsys):
    out = tmp_path / "cohort.npz"
    assert main(["simulate", "--n-patients", "12", "--output", str(out)]) == 0
    text = capsys.readouterr().out
    assert "patients        12" in text
    assert "label noise" in text
    saved = np.load(out)
    assert saved["X"].shape[1] == 288
    assert saved["X"].shape[0] == saved["groups"].shape[0]


def test_simulate_takes_the_field_effect_and_the_age_model(tmp_path, capsys):
    paths = {}
    off = ["--field-effect", "0", "--age-effect", "0", "--exam-artefacts", "0"]
    for flags in (off, []):
        out = tmp_path / f"cohort{len(flags)}.npz"
        assert (
            main(["simulate", "--n-patients", "12", "--output", str(out), *flags]) == 0
        )
        paths[len(flags)] = np.load(out)
    # same patients and labels, other spectra in the tumour patients
    np.testing.assert_array_equal(paths[0]["y"], paths[6]["y"])
    assert not np.allclose(paths[0]["X"], paths[6]["X"])
    assert main(["simulate", "--field-effect", "2"]) == 2
    assert "field_effect" in capsys.readouterr().err


def test_bad_parameter_is_a_clear_error(capsys):
    assert main(["simulate", "--n-patients", "0"]) == 2
    assert "n_patients" in capsys.readouterr().err


def test_console_script_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "skmrs.cli", "simulate", "--n-patients", "3"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "spectra" in result.stdout


def test_simulate_writes_exactly_the_named_file(tmp_path, capsys):
    out = tmp_path / "cohort.txt"
    assert main(["simulate", "--n-patients", "3", "--output", str(out)]) == 0
    assert f"saved to        {out}" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort.txt"]
    with np.load(out) as saved:
        assert saved["X"].shape[1] == 288
    assert main(["simulate", "--n-patients", "3", "--output", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_python_dash_m_skmrs_is_the_command(tmp_path):
    out = tmp_path / "c.npz"
    result = subprocess.run(
        [sys.executable, "-m", "skmrs", "simulate", "--n-patients", "3",
         "--output", str(out)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "spectra" in result.stdout and out.is_file()
    result = subprocess.run(
        [sys.executable, "-m", "skmrs", "simulate", "--output", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("skmrs: error: --output")


def _string_table(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 16)).astype(np.float32)
    y = np.where(np.arange(40) % 2, "healthy", "glioma")
    X[y == "glioma", 5] += 3.0
    table = tmp_path / "spectra.npz"
    np.savez(table, X=X, label=y, patient=np.repeat(np.arange(8), 5))
    return table


def test_benchmark_names_the_tumour_class(tmp_path, capsys):
    table = _string_table(tmp_path)
    args = ["benchmark", "--data", str(table), "--models", "SVM", "--n-splits",
            "2", "--seeds", "0", "--no-progress"]  # fmt: skip
    out = ["--output", str(tmp_path / "a")]
    assert main([*args, *out, "--positive-label", "glioma"]) == 0
    assert "positive (tumour) class: 'glioma' (--positive-label)" in (
        capsys.readouterr().out
    )
    out = ["--output", str(tmp_path / "b")]
    assert main([*args, *out]) == 0
    assert "class: 'healthy' (the last label in sorted order; choose with" in (
        capsys.readouterr().out
    )
    assert main([*args, *out, "--positive-label", "tumour"]) == 2
    assert "'tumour' is not a label of the data; its labels are glioma, healthy" in (
        capsys.readouterr().err
    )


def test_benchmark_refuses_no_jobs_and_its_data_in_its_folder(tmp_path, capsys):
    table = _string_table(tmp_path)
    args = ["benchmark", "--data", str(table), "--models", "SVM", "--no-progress"]
    assert main([*args, "--n-jobs", "0", "--output", str(tmp_path / "o")]) == 2
    assert "--n-jobs 0 runs nothing" in capsys.readouterr().err
    assert main([*args, "--output", str(tmp_path)]) == 2
    assert "lies in the results folder" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_simulate_takes_the_extent_variability(tmp_path, capsys):
    files = {}
    for value in ("0", "0.5"):
        out = tmp_path / f"cohort{value}.npz"
        flags = ["--n-patients", "30", "--extent-variability", value]
        assert main(["simulate", *flags, "--output", str(out)]) == 0
        files[value] = np.load(out)
    np.testing.assert_array_equal(files["0"]["groups"], files["0.5"]["groups"])
    assert not np.array_equal(files["0"]["y_true"], files["0.5"]["y_true"])
    assert main(["simulate", "--extent-variability", "1"]) == 2
    assert "extent_variability" in capsys.readouterr().err


def test_flags_follow_the_library_declarations():
    """simulate's defaults are make_mrs_cohort's; --preset offers the presets."""
    import argparse
    import inspect

    from skmrs.benchmark import PRESETS
    from skmrs.cli import _SIMULATE_FLAGS, build_parser
    from skmrs.datasets import make_mrs_cohort

    (commands,) = [
        action.choices
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    ]
    signature = inspect.signature(make_mrs_cohort).parameters
    for name in _SIMULATE_FLAGS:
        assert commands["simulate"].get_default(name) == signature[name].default
    for command in ("benchmark", "train"):
        (preset,) = [a for a in commands[command]._actions if a.dest == "preset"]
        assert preset.choices == list(PRESETS)
