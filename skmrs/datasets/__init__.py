"""Simulated MRS patient cohorts: the embedded default data set."""

from ._grid import N_POINTS, default_ppm_axis
from ._simulate import make_mrs_cohort

__all__ = ["N_POINTS", "default_ppm_axis", "make_mrs_cohort"]
