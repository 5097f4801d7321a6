"""Preprocessing of real MR spectra onto the 288-point grid of the classifiers.

:class:`SpectrumPreprocessor` turns complex FIDs into real, normalised spectra
on :func:`skmrs.datasets.default_ppm_axis`; :class:`SpectrumNormalizer` scales
spectra that are already there. :class:`PatientContextTransformer` sets
each spectrum beside its difference from its own patient's median spectrum.
"""

from ._context import PatientContextTransformer
from ._spectrum import SpectrumNormalizer, SpectrumPreprocessor

__all__ = ["PatientContextTransformer", "SpectrumNormalizer", "SpectrumPreprocessor"]
