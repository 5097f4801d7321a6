"""The README runs: its commands and Python at smoke size, its table from its record.

Every shell command of the README (4-space-indented lines and ``sh``/``bash``
fenced blocks, ``\\`` continuations joined) is run in a temporary folder, in
README order, through ``skmrs.cli.main``, except the two Quick-start lines that
``.ci/run`` runs itself (:data:`RUN_BY_CI`). The sizes are made smaller by
:data:`SMOKE` (each replaced text must still be in the README), and the files a
user brings are made here (:func:`_user_files`). The table under
``<!-- record: benchmarks/results/benchmark_quick -->`` is rendered again from
that record with the package's own ``BenchmarkResult.format_table``.
"""

import json
import re
import shlex
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TEXT = README.read_text(encoding="utf-8")
RECORD_MARKER = "<!-- record: benchmarks/results/benchmark_quick -->"
QUICK_RECORD = ROOT / "benchmarks" / "results" / "benchmark_quick"
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

#: README commands this test does not run, and who does.
RUN_BY_CI = {
    'pip install torch==2.13.0 -e ".[dev]" && skmrs benchmark --preset quick': (
        ".ci/run installs into a fresh environment and runs the main job"
    ),
    "python -m pytest -n 2": ".ci/run runs the test suite (this test is in it)",
}
#: README text -> smoke-size text, for commands and Python blocks.
SMOKE = {
    "--n-patients 40": "--n-patients 16",
    "--n-patients 3 --random-state 1": "--n-patients 2 --random-state 1",
    "--cv 3": "--cv 2 --max-epochs 1",
    "--cv 5": "--cv 2 --max-epochs 1",
    "n_patients=60": "n_patients=12",
    "max_epochs=10": "max_epochs=1",
}
#: An example path of the README -> where the test finds or makes it.
EXAMPLE_SCANS = "../shared/data/nifti_mrs"


def _fenced_blocks(text):
    """(language, body) of every fenced block."""
    return re.findall(r"^```(\w*)\n(.*?)^```", text, flags=re.M | re.S)


def _outside_fences(text):
    return re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)


def shell_commands(text=TEXT):
    """The README's shell commands, in order, continuations joined."""
    lines = [
        line[4:]
        for line in _outside_fences(text).splitlines()
        if line.startswith("    ") and line.strip()
    ]
    for lang, body in _fenced_blocks(text):
        if lang in ("sh", "bash", "console", "shell"):
            lines += [line.removeprefix("$ ") for line in body.splitlines()]
    commands, current = [], ""
    for line in lines:
        current += line.strip()
        if current.endswith("\\"):
            current = current[:-1].rstrip() + " "
            continue
        commands.append(current)
        current = ""
    return commands


def python_blocks(text=TEXT):
    return [body for lang, body in _fenced_blocks(text) if lang == "python"]


def smoke(text):
    for readme, small in SMOKE.items():
        text = text.replace(readme, small)
    return text


# -- the text ---------------------------------------------------------------------


def test_readme_shape():
    lines = TEXT.splitlines()
    assert len(lines) <= 170, f"README has {len(lines)} lines (at most 170)"
    table = _record_block() or ""
    long = [
        (i + 1, len(line))
        for i, line in enumerate(lines)
        if len(line) > 92 and line not in table.splitlines()
    ]
    assert not long, f"lines over 92 characters (line, length): {long}"
    assert TEXT.count("![") == 1, "the README shows one picture"


def test_ci_finds_the_quick_start_lines():
    """.ci/run's own sed patterns find the install + main job and the tests."""
    install = [
        line for line in TEXT.splitlines() if line.startswith("    pip install torch==")
    ]
    tests = [
        line for line in TEXT.splitlines() if line.startswith("    python -m pytest")
    ]
    assert install and install[0].strip() in RUN_BY_CI
    assert tests and tests[0].strip() in RUN_BY_CI


def test_links_and_picture_exist():
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", TEXT):
        if "://" not in target:
            assert (ROOT / target).exists(), f"README links {target}, which is absent"


def test_smoke_substitutions_still_apply():
    """Each smoke substitution replaces text the README still has."""
    code = "\n".join(shell_commands() + python_blocks())
    assert [k for k in SMOKE if k not in code] == []


def test_every_command_is_run_or_named():
    for command in shell_commands():
        assert command in RUN_BY_CI or command.startswith("skmrs "), (
            f"README command {command!r}: run it in test_readme_commands or name "
            "it in RUN_BY_CI"
        )


# -- running it -------------------------------------------------------------------


def _user_files(tmp_path, write_nifti_mrs, synthetic_fid, shared_data_folder):
    """What the README's reader brings: their table and their scans."""
    from skmrs.datasets import make_mrs_cohort

    cohort = make_mrs_cohort(n_patients=16, random_state=0)
    ppm = [f"{p:.4f}" for p in cohort.ppm]
    with open(tmp_path / "my_spectra.csv", "w", encoding="utf-8") as fh:
        fh.write(",".join(["patient", "label", *ppm]) + "\n")
        for x, label, patient in zip(cohort.data, cohort.target, cohort.groups):
            values = ",".join(f"{v:.6g}" for v in x)
            fh.write(f"P{patient:03d},{'tumour' if label else 'healthy'},{values}\n")
    shared = shared_data_folder / "nifti_mrs"
    if shared.is_dir():
        return str(shared)
    scans = tmp_path / "scans"
    scans.mkdir()
    rng = np.random.default_rng(0)
    for i in range(2):
        fid = synthetic_fid(2048, shift=0.01 * i)
        fid = fid + 0.02 * (
            rng.normal(size=fid.shape) + 1j * rng.normal(size=fid.shape)
        )
        write_nifti_mrs(
            f"scans/scan{i}.nii.gz", fid.astype(np.complex64)[None, None, None]
        )
    return str(scans)


def test_readme_commands(
    tmp_path, monkeypatch, capsys, write_nifti_mrs, synthetic_fid, shared_data_folder
):
    """Every README command but CI's, in order, at smoke size, in a bare folder."""
    from skmrs.cli import main

    scans = _user_files(tmp_path, write_nifti_mrs, synthetic_fid, shared_data_folder)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    ran = []
    for command in shell_commands():
        if command in RUN_BY_CI:
            continue
        argv = shlex.split(smoke(command).replace(EXAMPLE_SCANS, scans))
        assert argv[0] == "skmrs", command
        code = main(argv[1:])
        out, err = capsys.readouterr()
        assert code == 0, f"{command!r} exited {code}:\n{out}\n{err}"
        ran.append(command)
    assert len(ran) >= 6, ran
    assert (tmp_path / "predictions_patients.csv").is_file()
    assert sorted((tmp_path / "cams").glob("*.png"))
    assert sorted((tmp_path / "cams_real").glob("*.png"))


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_readme_python(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(
        compile(smoke(python_blocks()[index]), f"README python block {index}", "exec"),
        {},
    )


# -- the table and its record -------------------------------------------------------


def _record_block():
    """The fenced block after the record marker, or None."""
    if RECORD_MARKER not in TEXT:
        return None
    after = TEXT.split(RECORD_MARKER, 1)[1]
    match = re.match(r"\s*```\w*\n(.*?)^```", after, flags=re.M | re.S)
    return match.group(1) if match else None


def test_table_block_follows_its_marker():
    assert _record_block(), f"README needs a fenced block right after {RECORD_MARKER}"


def test_table_is_its_record():
    """The README's table is what format_table renders from the committed record."""
    import skmrs_records as rec

    from skmrs.benchmark._result import BenchmarkResult

    if not (QUICK_RECORD / "results.json").is_file():
        pytest.skip(
            f"no record {QUICK_RECORD.relative_to(ROOT)}/results.json: commit the "
            "main job's output (results.json, summary.csv, record.json) with the "
            "README table it printed"
        )
    record = rec.load_record(QUICK_RECORD)
    assert rec.check_record(record) == []
    assert record["cohort_version"] == rec.current_cohort_version(), (
        "the README's table was measured on another cohort than this skmrs's"
    )
    folds = record["results"]["folds"]
    with_truth = any("roc_auc_true" in r for r in folds)
    result = BenchmarkResult(folds, {}, None, y_true=True if with_truth else None)
    assert _record_block().rstrip("\n") == result.format_table()
    intro = TEXT.split(RECORD_MARKER, 1)[0].strip().rsplit("\n\n", 1)[1]
    assert f"{record['wall_s']:.0f} s" in intro, "the README states the run's wall time"
    summary = np.genfromtxt(
        QUICK_RECORD / "summary.csv",
        delimiter=",",
        names=True,
        dtype=None,
        encoding=None,
    )
    means = {row["model"]: row["roc_auc_mean"] for row in record["results"]["summary"]}
    for row in np.atleast_1d(summary):
        assert np.isclose(row["roc_auc_mean"], means[str(row["model"])])


def test_table_check_on_a_smoke_record(tmp_path):
    """The comparison itself, on a record made here (no committed record needed)."""
    from skmrs.benchmark._result import BenchmarkResult

    folds = [
        {"model": m, "seed": 0, "fold": f, "sensitivity": 0.5 + f / 10,
         "specificity": 0.5, "roc_auc": 0.6 + f / 20, "patient_accuracy": 0.7,
         "patient_roc_auc": 0.7, "roc_auc_true": 0.65, "fit_time": 1.0, "notes": []}
        for m in ("SVM", "ResNet") for f in range(3)
    ]  # fmt: skip
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"folds": folds}))
    loaded = json.loads(path.read_text())["folds"]
    table = BenchmarkResult(loaded, {}, None, y_true=True).format_table()
    assert table.splitlines()[0].split()[:2] == ["model", "SEN"]
    assert "0.650 +- 0.041" in table
    shutil.rmtree(tmp_path)


# -- the figures of its prose, each from its record ------------------------------------

_RESNET = 'model="ResNet (Table 1)"'
_HEALTHY = (
    "osprey_mm_sub01_press,osprey_sub01_press,osprey_sub02_press,suspect_svs30_rda"
)
#: README text -> the :record: figure (docs/_ext/skmrs_records.py) it must render to,
#: so that a re-measured record cannot leave the front page stating the old figure
README_FIGURES = {
    "10 folds x 2 seeds: {} against": f"calibration_v0.5.json mean(auc) {_RESNET}",
    "against {} for the SVM": "calibration_v0.5.json mean(auc) model=SVM",
    "and {} for the forest": "calibration_v0.5.json mean(auc) model=RF",
    "above the SVM on {} and": f"calibration_v0.5.json count() {_RESNET} auc>0 "
    ":minus: model=SVM :match: fold",
    "the forest on {} of": f"calibration_v0.5.json count() {_RESNET} auc>0 "
    ":minus: model=RF :match: fold",
    "of {} fits, all three": f"calibration_v0.5.json count() {_RESNET}",
    "non-tumour, P(tumour) {}": f"real_healthy_v0.5.json range({_HEALTHY},suspect_ima)"
    " net=table1 :digits: 2",
    "default cohort {} patient accuracy": "bench_patient_435_v0.5.json "
    'mean+-sd(patient_accuracy) model="SVM PatientClassifier"',
    "against {} for the paper's mean": "bench_patient_435_v0.5.json "
    'mean+-sd(patient_accuracy) model="SVM mean rule"',
    "above it on {} of": 'bench_patient_435_v0.5.json count() model="SVM '
    'PatientClassifier - SVM mean rule" patient_accuracy>0',
}


#: make_mrs_cohort's docstring text -> its figure, as README_FIGURES (the
#: docstring is read in ``help()`` too, where a :record: role would not render)
COHORT_DOC_FIGURES = {
    "network scores a voxel AUC of {} on": f"calibration_v0.5.json mean(auc) {_RESNET}"
    " :digits: 3",
    "the random forest {} (0.64": "calibration_v0.5.json mean(auc) model=RF :digits: 3",
    "the SVC {} (0.63": "calibration_v0.5.json mean(auc) model=SVM :digits: 3",
    "paper's bands ({} and": "calibration_v0.5.json mean(patient_acc) model=SVM"
    " :digits: 2",
    "and {}; paper 0.67": "calibration_v0.5.json mean(patient_acc) model=RF :digits: 2",
    "the network's is {} (paper": f"calibration_v0.5.json mean(patient_acc) {_RESNET}"
    " :digits: 2",
    "18 of {} fits. The patient": f"calibration_v0.5.json count() {_RESNET}",
}


def _rendered_figure(text: str) -> str:
    """The value the :record: role ``text`` renders to, from a current record."""
    import skmrs_records as rec

    fig = rec.parse_figure(text)
    record = rec.load_record(rec.record_path(fig["name"]), fig["rows"])
    assert record["cohort_version"] == rec.current_cohort_version(), fig["name"]
    value = rec.figure_value(
        record, fig["expr"], fig["where"], fig["digits"], fig["signed"],
        fig["minus"], fig["match"], fig["scale"], fig["compare"],
    )  # fmt: skip
    return value.replace("±", "+-")


@pytest.mark.parametrize("context, text", README_FIGURES.items())
def test_readme_figure_is_its_record(context, text):
    readme = " ".join(README.read_text(encoding="utf-8").split())
    expected = context.format(_rendered_figure(text))
    assert expected in readme, f"README should say {expected!r} ({text})"


@pytest.mark.parametrize("context, text", COHORT_DOC_FIGURES.items())
def test_cohort_docstring_figure_is_its_record(context, text):
    from skmrs.datasets import make_mrs_cohort

    doc = " ".join(make_mrs_cohort.__doc__.split())
    expected = context.format(_rendered_figure(text))
    assert expected in doc, f"make_mrs_cohort's docstring should say {expected!r}"
