"""The package's import graph has no circle, function-level imports included."""

import ast
from pathlib import Path

import skmrs

PACKAGE = Path(skmrs.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set) -> set:
    """skmrs modules that ``path`` imports anywhere in its body."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # "from .pkg import mod" imports the module pkg.mod when it exists
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t in modules and t != name)
    return found


def import_graph() -> dict:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    return {_module_name(p): _imports(p, modules) for p in paths}


def find_cycle(graph: dict) -> list | None:
    """One circle of the graph as a list of modules, or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if nxt == "skmrs":
                continue  # the top-level re-export imports everything by design
            if state.get(nxt) == "open":
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                cycle = visit(nxt, path + [nxt])
                if cycle:
                    return cycle
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [node])
            if cycle:
                return cycle
    return None


def test_finds_a_planted_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_circle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_paper_is_cited_from_one_place():
    from skmrs import DistillMixClassifier, ResNetClassifier
    from skmrs._docs import PAPER_REFERENCE
    from skmrs.models import ResNet1D
    from skmrs.sampling import ConfidenceDistiller, MixingAugmenter, NoiseAugmenter

    first_line = PAPER_REFERENCE.splitlines()[0]
    for cls in (ResNet1D, ResNetClassifier, DistillMixClassifier,
                ConfidenceDistiller, MixingAugmenter, NoiseAugmenter):  # fmt: skip
        assert first_line in cls.__doc__, cls.__name__
        assert "<paper>" not in cls.__doc__


def test_model_files_know_no_estimator_internals():
    """io reads every estimator through its own state protocol (issue 22)."""
    from skmrs.io._model import TRUSTED_TYPES

    estimators = ("skmrs.classification", "skmrs.sampling", "skmrs.benchmark")
    edges = {
        (module, target)
        for module, targets in import_graph().items()
        if module.startswith("skmrs.io")
        for target in targets
        if target.startswith((*estimators, "skmrs.models"))
    }
    assert edges == set()
    assert not [v for v in TRUSTED_TYPES.values() if v.startswith("skmrs")]
