"""The ``skmrs`` command starts without its heavy dependencies (issue 25).

``import skmrs`` and building the command line load neither torch, skorch,
scikit-learn, SciPy nor pandas: each command imports what it needs when it
runs, so ``skmrs --help`` and a mistyped option answer at once.
"""

import subprocess
import sys

HEAVY = ("torch", "skorch", "sklearn", "scipy", "pandas", "imblearn", "matplotlib")


def _loaded_after(code: str) -> list[str]:
    probe = (
        f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return out.stdout.splitlines()[-1].split()[1:]


def test_import_and_parser_load_no_heavy_module():
    assert _loaded_after("import skmrs") == []
    assert _loaded_after("import skmrs.cli; skmrs.cli.build_parser()") == []


def test_help_runs_without_heavy_modules():
    code = (
        "import skmrs.cli\n"
        "try:\n    skmrs.cli.main(['predict', '--help'])\n"
        "except SystemExit:\n    pass"
    )
    assert _loaded_after(code) == []


def test_estimators_are_still_importable_from_the_top():
    import skmrs
    from skmrs import ResNetClassifier

    assert skmrs.ResNetClassifier is ResNetClassifier
    assert set(skmrs.__all__) - {"__version__"} <= set(dir(skmrs))
    try:
        skmrs.NoSuchThing  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("an unknown name must raise AttributeError")
