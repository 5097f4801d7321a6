"""The benchmark scripts use skmrs's public API and its job runner (issue 22)."""

import ast
from pathlib import Path

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"
#: What the scripts still import that they should not, each with its reason.
#: The test fails when one of them goes, so that this list only shrinks.
KNOWN = {
    ("bench_why_subchance.py", "skmrs.datasets._simulate"): "the simulator's "
    "internals, until its author gives the script a public name",
    ("bench_calibration.py", "_pool"): "its own job pool, until the calibration "
    "jobs run on skmrs.benchmark",
    ("bench_scale.py", "skmrs.io._table"): "times the table reader's private "
    "_read_gated (issue 25), until the reader has a public name",
}


def _forbidden_imports(path: Path) -> set[str]:
    """Private skmrs names, and the benchmarks' own job pool, that ``path`` imports."""
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
            if module == "_pool":
                found.add(module)
            elif parts[0] == "skmrs" and any(p.startswith("_") for p in parts[1:]):
                found.add(module)
            elif parts[0] == "skmrs" and name and name.startswith("_"):
                found.add(f"{module}.{name}")
    return found


def test_scripts_import_no_private_name_and_no_runner_of_their_own():
    found = {
        (path.name, name)
        for path in sorted(BENCHMARKS.glob("*.py"))
        for name in _forbidden_imports(path)
    }
    assert found == set(KNOWN)


def test_the_check_finds_a_private_import(tmp_path):
    script = tmp_path / "bench_x.py"
    script.write_text(
        "from skmrs.benchmark._oracle import _fit_arguments\n"
        "from skmrs.benchmark import _jobs\nimport skmrs.io._model\n"
        "from _pool import run_tasks\nfrom _records import record_header\n"
    )
    assert _forbidden_imports(script) == {
        "skmrs.benchmark._oracle", "skmrs.benchmark._jobs", "skmrs.io._model", "_pool"
    }  # fmt: skip
