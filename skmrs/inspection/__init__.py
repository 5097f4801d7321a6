"""Inspecting spectra and models: peaks, clusters, distillation, activation maps.

:func:`peak_statistics` measures NAA, Cr and Cho; :func:`choose_k_elbow` and
:func:`cluster_cohort` give the k-means overview of a cohort (Fig. 3 of Lu et
al.); :func:`distilled_indices` and :func:`opposite_class_distance` describe
what confidence distillation kept (Fig. 4); :func:`class_activation_maps` gets
the maps of a fitted network (Fig. 9). :mod:`skmrs.plotting` draws them.
"""

from ._cam import class_activation_maps
from ._cohort import choose_k_elbow, cluster_cohort
from ._distillation import distilled_indices, opposite_class_distance
from ._peaks import peak_statistics

__all__ = [
    "choose_k_elbow",
    "class_activation_maps",
    "cluster_cohort",
    "distilled_indices",
    "opposite_class_distance",
    "peak_statistics",
]
