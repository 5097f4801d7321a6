"""Pieces shared by the ``skmrs`` commands (``cli`` and ``_cli_model``)."""

from __future__ import annotations

import ast
import contextlib
import os
import warnings
from pathlib import Path


# ------------------------------------------- declarations read, not imported
# Building the command line imports no torch, scikit-learn or SciPy
# (tests/test_startup.py), so the flags that follow a declaration of the
# library (a function's defaults, the benchmark presets) read it from the
# source; tests check that what is read is what the imported library says.
def _parsed(module: str) -> ast.Module:
    """The syntax tree of the skmrs module at ``module`` (``"cli.py"``)."""
    return ast.parse((Path(__file__).parent / module).read_text(encoding="utf-8"))


def _declared_defaults(module: str, function: str, cls: str | None = None) -> dict:
    """Name -> default of every argument of ``function`` (a method of ``cls``)
    in ``module`` whose default is a literal; other arguments are left out."""
    body = _parsed(module).body
    if cls is not None:
        (node,) = [n for n in body if getattr(n, "name", "") == cls]
        body = node.body
    (node,) = [n for n in body if getattr(n, "name", "") == function]
    arguments = node.args
    positional = arguments.posonlyargs + arguments.args
    pairs = list(zip(positional[len(positional) - len(arguments.defaults) :],
                     arguments.defaults))  # fmt: skip
    pairs += [(a, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults)
              if d is not None]  # fmt: skip
    defaults = {}
    for argument, default in pairs:
        try:
            defaults[argument.arg] = ast.literal_eval(default)
        except ValueError:  # a name (N_POINTS), not a literal
            continue
    return defaults


def _declared_keys(module: str, name: str) -> list:
    """The keys of the dict literal assigned to ``name`` in ``module``."""
    for node in _parsed(module).body:
        targets = getattr(node, "targets", [getattr(node, "target", None)])
        if any(getattr(t, "id", None) == name for t in targets):
            return [ast.literal_eval(key) for key in node.value.keys]
    raise LookupError(f"{name} is not assigned in skmrs/{module}")


def _preset_names() -> list[str]:
    """The benchmark presets, :data:`skmrs.benchmark.PRESETS`, by name."""
    return _declared_keys("benchmark/_models.py", "PRESETS")


@contextlib.contextmanager
def _quiet(enabled: bool):
    """Silence per-fit warnings, in worker processes too (they inherit the env).

    The distiller's fallback warning would otherwise repeat for every fold; the
    table's notes summarise it instead.
    """
    if not enabled:
        yield
        return
    previous = os.environ.get("PYTHONWARNINGS")
    os.environ["PYTHONWARNINGS"] = "ignore"
    try:
        from .benchmark._store import OutputFolderWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("always", OutputFolderWarning)  # not per fit
            yield
    finally:
        if previous is None:
            del os.environ["PYTHONWARNINGS"]
        else:
            os.environ["PYTHONWARNINGS"] = previous


def _add_random_state(parser) -> None:
    """``--random-state``, one meaning in every command: the simulated cohort's seed."""
    parser.add_argument(
        "--random-state",
        type=int,
        help="seed of the simulated cohort (default 0); the models' seeds are "
        "--seed (train) and --seeds (benchmark)",
    )


def _cohort_seed(args) -> int:
    """The simulated cohort's seed: ``--random-state``, 0 when not given."""
    return 0 if args.random_state is None else args.random_state


def _check_random_state(args, simulated: bool) -> None:
    """``--random-state`` without a simulated cohort to seed is an error."""
    if not simulated and args.random_state is not None:
        raise ValueError(
            "--random-state seeds the simulated cohort, and this run reads your "
            "data; the model's seed is --seed (train) or --seeds (benchmark)."
        )


def _set_everywhere(model, name: str, value, model_name: str):
    """Set the setting ``name`` of ``model`` and of every estimator inside it.

    A ``ValueError`` names the model when none of its estimators has it.
    """
    from .utils._random import nested_keys

    keys = nested_keys(model, name)
    if not keys:
        raise ValueError(
            f"--{name.replace('_', '-')} sets the network, but {model_name} has "
            "none; the network models are ResNet, Noise and DistillMix-*."
        )
    return model.set_params(**dict.fromkeys(keys, value))


def _verbose_networks(model):
    """``--verbose``: every network of ``model`` prints a line per epoch."""
    from .utils._random import nested_keys

    if nested_keys(model, "max_epochs"):
        model.set_params(**dict.fromkeys(nested_keys(model, "verbose"), 1))
    return model


def _positive_class(y, label=None):
    """The tumour class of the labels ``y`` and a line that names it.

    ``label`` is ``--positive-label`` (compared as text, so ``1`` finds the
    integer label 1); without it the label 1 when there is one, else the
    last label in sorted order, and the line says so.
    """
    import numpy as np

    from .metrics import positive_label

    classes = np.unique(y)
    if label is None:
        positive = positive_label(classes)
        how = (
            "the label 1"
            if str(positive) == "1"
            else "the last label in sorted order; choose with --positive-label"
        )
    else:
        matches = [c for c in classes if str(c) == str(label)]
        if not matches:
            raise ValueError(
                f"--positive-label {label!r} is not a label of the data; its "
                f"labels are {', '.join(map(str, classes))}."
            )
        positive, how = matches[0], "--positive-label"
    note = f"positive (tumour) class: '{positive}' ({how}); SEN is its sensitivity"
    return positive, note
