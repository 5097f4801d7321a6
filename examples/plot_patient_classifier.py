"""
=====================================================
Does this patient have a tumour? The patient question
=====================================================

The paper answers per patient with the mean tumour probability of the
patient's spectra and a 0.5 cut-off (best patient accuracy 0.73; eight
neuroradiologists 0.69, at a sensitivity of 0.54 and a specificity of 0.88).
:class:`~skmrs.PatientClassifier` learns that step instead: out-of-fold voxel
scores of the same SVM, cross-fitted by patient inside ``fit``, become a few
numbers per patient (mean, quantiles, top three, share above 0.5, count), a
logistic regression turns them into a patient probability, and the cut-off is
chosen on out-of-fold patients.

Both are scored here on held-out patients of a small simulated cohort
(outer ``GroupKFold``), by accuracy and by a reliability diagram: a calibrated
model's patients with probability 0.8 are tumour patients 80 % of the time.
The cohort is small so that the example runs in seconds; see
:ref:`patients` for the figures of a full run.
"""

# %%
# Out-of-fold patient probabilities, mean rule and PatientClassifier
# -------------------------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import CalibratedClassifierCV, CalibrationDisplay
from sklearn.model_selection import GroupKFold
from sklearn.svm import SVC

from skmrs import PatientClassifier
from skmrs.datasets import make_mrs_cohort
from skmrs.metrics import patient_labels, patient_probabilities

cohort = make_mrs_cohort(n_patients=100, random_state=0)
X, y, groups = cohort.data, cohort.target, cohort.groups
svm = CalibratedClassifierCV(SVC(), ensemble=False)

truth, mean_rule, stacked, decided = [], [], [], []
for train, test in GroupKFold(3, shuffle=True, random_state=0).split(X, y, groups):
    clf = PatientClassifier(svm, cv=3, random_state=0)
    clf.fit(X[train], y[train], groups=groups[train])
    table = clf.predict_patients(X[test], groups=groups[test])
    # clf.estimator_ is the SVM refitted on all training spectra: the paper's model
    _, mean = patient_probabilities(
        clf.estimator_.predict_proba(X[test])[:, 1], groups[test]
    )
    truth.append(patient_labels(y[test], groups[test]))
    mean_rule.append(mean)
    stacked.append(table.proba)
    decided.append(table.prediction)
truth, mean_rule, stacked, decided = map(
    np.concatenate, (truth, mean_rule, stacked, decided)
)
accuracy = {
    "mean rule (0.5)": np.mean((mean_rule >= 0.5) == truth),
    "PatientClassifier": np.mean(decided == truth),
}
for name, value in accuracy.items():
    print(f"{name:20s} patient accuracy {value:.2f}")

# %%
# Accuracy and reliability
# ------------------------
# The dashed line is the readers' accuracy in the paper (on real patients,
# for reference only), the dotted one the share of the larger class (what
# "every patient has a tumour" scores on this cohort).
fig, (ax_acc, ax_cal) = plt.subplots(1, 2, figsize=(10, 4))
ax_acc.bar(list(accuracy), list(accuracy.values()), color=["grey", "tab:blue"])
ax_acc.axhline(0.69, ls="--", c="k", label="neuroradiologists (paper)")
ax_acc.axhline(max(truth.mean(), 1 - truth.mean()), ls=":", c="k", label="majority")
ax_acc.set(ylim=(0, 1), ylabel="patient accuracy")
ax_acc.legend(loc="lower right")
CalibrationDisplay.from_predictions(
    truth, mean_rule, n_bins=5, name="mean rule", ax=ax_cal
)
CalibrationDisplay.from_predictions(
    truth, stacked, n_bins=5, name="PatientClassifier", ax=ax_cal
)
ax_cal.set_title("reliability of patient probabilities")
fig.tight_layout()
plt.show()
