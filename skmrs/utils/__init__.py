"""Utilities shared across skmrs."""

from ._random import set_random_states
from .discovery import all_estimators

__all__ = ["all_estimators", "set_random_states"]
