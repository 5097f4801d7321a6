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
    return out.stdout.splitlines()[-1].split()


def test_import_and_parser_load_no_heavy_module():
    assert _loaded_after("import skmrs") == []
    assert _loaded_after("import skmrs.cli; skmrs.cli.build_parser()") == []


def test_the_probe_sees_what_is_loaded():
    # the first module loaded counts too
    assert _loaded_after("import torch") == ["torch"]


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


def test_a_network_model_file_loads_only_what_it_holds(tmp_path):
    """Loading a ResNetClassifier's file imports neither the distillation
    pipeline's imbalanced-learn nor the benchmark, plotting or inspection
    subpackages (only the module its estimator names)."""
    import numpy as np

    from skmrs import ResNetClassifier
    from skmrs.io import save_model

    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 32)).astype(np.float32)
    net = ResNetClassifier(
        n_filters=2, n_blocks=1, kernel_size=3, max_epochs=1, random_state=0
    ).fit(X, np.arange(8) % 2)
    path = tmp_path / "net.skmrs"
    save_model(net, path)
    code = (
        "from skmrs.io import load_model\n"
        f"model = load_model({str(path)!r})\n"
        "assert type(model).__name__ == 'ResNetClassifier'\n"
        "skmrs_parts = ('skmrs.benchmark', 'skmrs.plotting', 'skmrs.inspection', "
        "'skmrs.sampling')\n"
        "assert not [m for m in skmrs_parts if m in sys.modules], sys.modules.keys()"
    )
    loaded = _loaded_after(code)
    assert "torch" in loaded
    assert "imblearn" not in loaded
    assert "matplotlib" not in loaded
