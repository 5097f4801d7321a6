"""
===============================================
Figure 3: cohort overview with k-means clusters
===============================================

Lu et al. clustered their 7442 spectra with k-means, chose ``k`` by the elbow
of the inertia curve (``k = 7``), and found that **every cluster holds both
classes**: tumour and non-tumour spectra overlap, partly because every voxel
of a tumour patient's affected hemisphere is labelled *tumour*.
:class:`~skmrs.plotting.CohortClustersDisplay` draws the same overview for a
simulated cohort: the elbow curve, the classes in each cluster, and the mean
+- standard deviation spectrum of each cluster (clusters are numbered from
the lowest to the highest tumour share).
"""

# %%
# A small simulated cohort
# ------------------------
import numpy as np

from skmrs.datasets import make_mrs_cohort
from skmrs.plotting import CohortClustersDisplay

cohort = make_mrs_cohort(n_patients=120, random_state=0)
X, y = cohort.data, cohort.target
print(f"{X.shape[0]} spectra, {np.bincount(y)} (non-tumour, tumour-labelled)")

# %%
# k chosen by the elbow rule
# --------------------------
# :func:`skmrs.inspection.choose_k_elbow` fits k-means for each candidate
# ``k`` and takes the elbow of the log-inertia curve. On the simulated cohort
# the curve bends early: the elbow is at a smaller ``k`` than the paper's 7.
display = CohortClustersDisplay.from_data(
    X,
    y,
    k_values=range(1, 11),
    class_names=["non-tumour", "tumour"],
    metabolites=["NAA", "Cr", "Cho", "Lip"],
    random_state=0,
)
print("elbow k:", display.result_.n_clusters)
print("spectra per cluster and class:\n", display.crosstab)

# %%
# The paper's seven clusters
# --------------------------
# With ``k = 7``, as in the paper, every cluster still mixes both classes;
# the first cluster is mostly typical healthy tissue (tall NAA), the last
# mostly tumour (high Cho, low NAA, lipids and lactate near 1.3 ppm).
display = CohortClustersDisplay.from_data(
    X,
    y,
    n_clusters=7,
    class_names=["non-tumour", "tumour"],
    metabolites=["NAA", "Cr", "Cho", "Lip"],
    random_state=0,
)
tumour_share = display.crosstab[:, 1] / display.crosstab.sum(1)
print("tumour share per cluster:", np.round(tumour_share, 2))
