"""The benchmark scripts use skmrs's public API and its job runner (issue 22)."""

import ast
import re
from pathlib import Path

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"
#: Process pools: a script runs its jobs through skmrs.benchmark.run_tasks (or
#: run_benchmark) instead, so none may import one.
POOLS = ("concurrent.futures", "multiprocessing", "joblib", "_pool")


def _forbidden_imports(path: Path) -> set[str]:
    """Private skmrs names, and process pools, that ``path`` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules = [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [(node.module, alias.name) for alias in node.names]
        else:
            continue
        for module, name in modules:
            parts = module.split(".")
            if module in POOLS or parts[0] in POOLS:
                found.add(module)
            elif parts[0] == "skmrs" and any(p.startswith("_") for p in parts[1:]):
                found.add(module)
            elif parts[0] == "skmrs" and name and name.startswith("_"):
                found.add(f"{module}.{name}")
    return found


def _declared_private(path: Path) -> set[str]:
    """The private skmrs modules a script's docstring says it studies.

    A study of an internal design choice (``bench_hlsvd_rows.py``) reaches
    the module under study; it says so in a paragraph of its docstring that
    starts with "Private modules studied:" and names each module.
    """
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    paragraph = doc.partition("Private modules studied:")[2].split("\n\n")[0]
    return set(re.findall(r"``(skmrs(?:\.\w+)+)``", paragraph))


def test_scripts_import_no_private_name_and_no_runner_of_their_own():
    found = {
        (path.name, name)
        for path in sorted(BENCHMARKS.glob("*.py"))
        for name in _forbidden_imports(path)
    }
    private = {(name, module) for name, module in found if module.startswith("skmrs")}
    declared = {
        (path.name, module)
        for path in sorted(BENCHMARKS.glob("*.py"))
        for module in _declared_private(path)
    }
    # only a declared study imports private modules, and only those it names
    assert private == declared
    pools = {name for name, module in found if not module.startswith("skmrs")}
    assert pools == set()
    assert not (BENCHMARKS / "_pool.py").exists()


def test_the_check_finds_a_private_import(tmp_path):
    script = tmp_path / "bench_x.py"
    script.write_text(
        "from skmrs.benchmark._oracle import _fit_arguments\n"
        "from skmrs.benchmark import _jobs\nimport skmrs.io._model\n"
        "from _pool import run_tasks\nfrom _records import record_header\n"
        "from concurrent.futures import ProcessPoolExecutor\nimport multiprocessing\n"
    )
    assert _forbidden_imports(script) == {
        "skmrs.benchmark._oracle", "skmrs.benchmark._jobs", "skmrs.io._model", "_pool",
        "concurrent.futures", "multiprocessing",
    }  # fmt: skip


def test_bench_distillmix_passes_cohort_arguments_to_the_simulator(tmp_path):
    """``--cohort`` reaches make_mrs_cohort and the record says which cohort."""
    import json
    import subprocess
    import sys

    record = tmp_path / "run.json"
    tiny = "--n-patients 16 --n-splits 2 --max-folds 1 --n-filters 2 --n-blocks 1"
    tiny += " --kernel-size 3 --max-epochs 1 --distill-epochs 1 --batch-size 64"
    command = [sys.executable, str(BENCHMARKS / "bench_distillmix.py"), *tiny.split()]
    command += ["--cohort", '{"label_noise": 0.3}', "--record", str(record)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    header = json.loads(record.read_text())
    assert "label_noise=0.3" in header["description"]
    assert len(header["rows"]) == 1

    command[-4:-2] = ["--cohort", "[0.3]"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "--cohort: give a JSON object" in done.stderr
