"""Inspecting spectra and models: peak statistics, class activation maps."""

from ._peaks import peak_statistics

__all__ = ["peak_statistics"]
