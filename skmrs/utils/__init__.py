"""Utilities shared across skmrs."""

from ._model_state import ModelStateMixin
from ._random import set_random_states
from .discovery import all_estimators

__all__ = ["ModelStateMixin", "all_estimators", "set_random_states"]
