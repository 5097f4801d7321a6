"""Pieces shared by the ``skmrs`` commands (``cli`` and ``_cli_model``)."""

from __future__ import annotations

import contextlib
import os
import warnings


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
