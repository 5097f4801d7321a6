"""Plots of the paper's figures, in scikit-learn's ``Display`` style.

Each display is built by a ``from_*`` class method that computes what it
needs and draws it, or by its constructor from precomputed values followed by
:meth:`plot`; every ``plot`` takes an optional matplotlib ``ax`` and returns
the display, whose ``ax_``/``figure_`` attributes hold what was drawn.
matplotlib is imported only when something is drawn.

- :class:`CohortClustersDisplay`: k-means overview of a cohort (Fig. 3).
- :class:`DistillationDisplay`: t-SNE with the distilled spectra, distances
  to the opposite class (Fig. 4).
- :class:`SweepDisplay`: a score against alpha, the last distillation epoch
  or the augmentation factor, a line per strategy (Figs. 5-7).
- :class:`ROCComparisonDisplay`: ROC curves with readers' operating points
  (Fig. 8).
- :class:`CAMDisplay`: class activation maps over spectra (Fig. 9), with the
  metabolite positions of :data:`METABOLITE_PPM`.
"""

from ._cam import CAMDisplay
from ._cohort import CohortClustersDisplay
from ._distillation import DistillationDisplay
from ._metabolites import METABOLITE_PPM, mark_metabolites
from ._roc import ROCComparisonDisplay
from ._sweep import SweepDisplay

__all__ = [
    "METABOLITE_PPM",
    "CAMDisplay",
    "CohortClustersDisplay",
    "DistillationDisplay",
    "ROCComparisonDisplay",
    "SweepDisplay",
    "mark_metabolites",
]
