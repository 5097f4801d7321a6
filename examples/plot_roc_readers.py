"""
=============================================
Figure 8: ROC of the networks and the readers
=============================================

Lu et al. compared their networks with eight neuroradiologists who read the
spectra of one test fold of 40 patients: the readers reached a sensitivity
of 0.54 and a specificity of 0.88 on average, a single operating point below
the ROC curve of DistillMix (AUC 0.77) and close to that of the plain ResNet
(AUC 0.68). :class:`~skmrs.plotting.ROCComparisonDisplay` draws ROC curves of
several models and operating points as dots; an operating point is
``(1 - specificity, sensitivity)``.

Here both networks are tiny and trained for a few epochs on a simulated
cohort, with 40 held-out patients as the test set, as in the paper's
"partial" set. The readers' dot is the paper's, drawn for reference only: they
never saw these simulated spectra. With so little data and training both
curves stay close to the diagonal, and which one is higher changes with the
seeds: the example shows how to draw the figure, not the paper's result (see
:ref:`distillmix` for a larger run on the simulated cohort).
"""

# %%
# Train on 80 patients, test on 40 others
# ---------------------------------------
import warnings

import numpy as np
from sklearn.model_selection import GroupShuffleSplit

from skmrs import DistillMixClassifier, ResNetClassifier
from skmrs.datasets import make_mrs_cohort
from skmrs.plotting import ROCComparisonDisplay

warnings.filterwarnings("ignore", module="imblearn")  # fallback notes of tiny nets

cohort = make_mrs_cohort(n_patients=120, random_state=0)
X, y, groups = cohort.data, cohort.target, cohort.groups
train, test = next(
    GroupShuffleSplit(n_splits=1, test_size=40, random_state=0).split(X, y, groups)
)
print(
    f"train {len(train)} spectra, test {len(test)} spectra of "
    f"{np.unique(groups[test]).size} patients"
)

NET = dict(n_filters=8, n_blocks=2, kernel_size=9, dropout=0.2, lr=3e-3, max_epochs=8)
plain = ResNetClassifier(**NET, random_state=0).fit(X[train], y[train])
distillmix = DistillMixClassifier(
    ResNetClassifier(**NET),
    threshold=0.75,
    distill_epochs=5,
    augment_factor=2,
    random_state=0,
).fit(X[train], y[train])

# %%
# ROC curves and the readers' operating point
# -------------------------------------------
readers = {"neuroradiologists (mean of 8, paper)": (1 - 0.88, 0.54)}
display = ROCComparisonDisplay.from_estimator(
    {"plain ResNet": plain, "DistillMix": distillmix},
    X[test],
    y[test],
    operating_points=readers,
)
display.ax_.set_title("40 held-out simulated patients")
print({name: round(auc, 3) for name, auc in display.aucs.items()})
