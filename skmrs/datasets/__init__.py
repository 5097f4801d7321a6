"""Simulated MRS patient cohorts: the embedded default data set."""

from ._grid import N_POINTS, default_ppm_axis

__all__ = ["N_POINTS", "default_ppm_axis"]
