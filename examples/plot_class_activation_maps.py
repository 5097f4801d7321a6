"""
============================================
Figure 9: class activation maps over spectra
============================================

Because the ResNet ends in global average pooling, its decision is the mean
over positions of a *class activation map* (CAM): a weighted sum of the last
feature maps, upsampled to the 288 input points. Lu et al. showed such maps
over example spectra: the network looks at the metabolites a
neuroradiologist reads (NAA, Cho, Cr, mI, lipids and lactate).
:class:`~skmrs.plotting.CAMDisplay` draws each spectrum coloured by its map,
with metabolite positions from :data:`skmrs.plotting.METABOLITE_PPM` marked.
"""

# %%
# Train a small network
# ---------------------
import numpy as np

from skmrs import ResNetClassifier
from skmrs.datasets import make_mrs_cohort
from skmrs.plotting import METABOLITE_PPM, CAMDisplay

cohort = make_mrs_cohort(n_patients=100, random_state=0)
X, y = cohort.data, cohort.target
clf = ResNetClassifier(
    n_filters=8,
    n_blocks=2,
    kernel_size=9,
    dropout=0.2,
    lr=3e-3,
    max_epochs=10,
    random_state=0,
).fit(X, y)
print("metabolites marked:", ", ".join(METABOLITE_PPM))

# %%
# Pick clear, well-classified spectra
# -----------------------------------
# Two non-tumour spectra and two tumour spectra (voxels that really hold
# tumour, ``target_true``) of different tumour types, each the one of highest
# signal-to-noise ratio among those the network classifies correctly.
proba = clf.predict_proba(X)[:, 1]
voxel_type = cohort.patient_type[cohort.groups]
healthy = np.flatnonzero((y == 0) & (proba < 0.5))
picked = list(healthy[np.argsort(cohort.snr[healthy])[-2:]])
for kind in ("glioblastoma", "low_grade_idh_mutant"):
    tumour = np.flatnonzero(
        (cohort.target_true == 1) & (voxel_type == kind) & (proba > 0.5)
    )
    picked.append(tumour[np.argmax(cohort.snr[tumour])])
names = np.array(["non-tumour", "tumour"])
labels = [f"{names[y[i]]}, {voxel_type[i].replace('_', ' ')}" for i in picked]
print(labels)

# %%
# Maps of the predicted class
# ---------------------------
# Each spectrum is coloured by the map of the class the network predicts,
# scaled to [0, 1] per spectrum: red points drove the decision most.
display = CAMDisplay.from_estimator(clf, X[picked], y=labels)
display.figure_.set_size_inches(8, 7)

# %%
# Maps of the tumour class for every spectrum
# -------------------------------------------
# With ``class_label=1`` every map shows what pushes towards *tumour*, on
# the non-tumour spectra too: there the tall NAA peak gets the lowest
# activation, i.e. it is the evidence against tumour, as in the paper.
display = CAMDisplay.from_estimator(
    clf,
    X[picked],
    y=labels,
    class_label=1,
    metabolites=["NAA", "Cho", "Cr", "Ins", "Lip", "Lac"],
)
display.figure_.set_size_inches(8, 7)
