"""
==========================================
The simulated cohort and its noisy labels
==========================================

skmrs ships a simulator of 1H MRS patient cohorts (PRESS TE 30 / TR 1500 at
3 T) as its default data set. This example draws a small cohort, shows the
mean spectrum of each class, and shows the label noise of the paper: every
voxel of a tumour patient's affected hemisphere is labelled *tumour*, although
many of them hold little or no tumour.
"""

# %%
# Simulate a cohort
# -----------------
import matplotlib.pyplot as plt
import numpy as np

from skmrs.datasets import make_mrs_cohort
from skmrs.plotting import mark_metabolites

cohort = make_mrs_cohort(n_patients=150, random_state=0)
print(cohort.data.shape, np.bincount(cohort.target))

# %%
# Mean spectra: noisy labels against what the voxels hold
# -------------------------------------------------------
# Tumour-labelled voxels that hold less than half tumour look like the
# non-tumour class: that is the label noise the distillation step removes.
fig, ax = plt.subplots(figsize=(8, 4))
groups = {
    "non-tumour patients": cohort.target == 0,
    "tumour-labelled, >= 50 % tumour": cohort.target_true == 1,
    "tumour-labelled, < 50 % tumour": (cohort.target == 1) & (cohort.target_true == 0),
}
for name, mask in groups.items():
    mean, sd = cohort.data[mask].mean(0), cohort.data[mask].std(0)
    ax.plot(cohort.ppm, mean, label=f"{name} (n={mask.sum()})")
    ax.fill_between(cohort.ppm, mean - sd, mean + sd, alpha=0.15)
ax.invert_xaxis()
mark_metabolites(ax)
ax.set_xlabel("chemical shift (ppm)")
ax.set_ylabel("intensity (unit RMS)")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# How much tumour do tumour-labelled voxels hold?
# -----------------------------------------------
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.hist(cohort.tumour_fraction[cohort.target == 1], bins=20)
ax.axvline(0.5, color="k", ls="--")
ax.set_xlabel("tumour fraction of tumour-labelled voxels")
ax.set_ylabel("voxels")
share = 1 - cohort.target_true[cohort.target == 1].mean()
ax.set_title(f"{share:.0%} hold less than half tumour")
fig.tight_layout()
plt.show()
