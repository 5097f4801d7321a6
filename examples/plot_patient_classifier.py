"""
=====================================================
Does this patient have a tumour? The patient question
=====================================================

The paper answers per patient with the mean tumour probability of the
patient's spectra and a 0.5 cut-off (best patient accuracy 0.73; eight
neuroradiologists 0.69, at a sensitivity of 0.54 and a specificity of 0.88).
skmrs has two routes that learn that step instead:

- the stacked route, :class:`~skmrs.PatientClassifier`: out-of-fold voxel
  scores of the same SVM, cross-fitted by patient inside ``fit``, become a few
  numbers per patient (mean, quantiles, top three, share above 0.5, count), a
  logistic regression turns them into a patient probability, and the cut-off
  is chosen on out-of-fold patients;
- the bag route, :class:`~skmrs.AttentionMILClassifier`: a small ResNet reads
  every spectrum of a patient, gated attention weighs them, and one network
  trained on the patients' labels gives the patient probability.

All three are scored here on held-out patients of a small simulated cohort
(outer ``GroupKFold``): by accuracy, by a patient ROC with the readers'
operating point, and by a reliability diagram (a calibrated model's patients
with probability 0.8 are tumour patients 80 % of the time). The cohort and the
network are small so that the example runs in about a minute; see
:ref:`patients` for the figures of a full run.
"""

# %%
# Out-of-fold patient probabilities of the three routes
# -----------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import CalibratedClassifierCV, CalibrationDisplay
from sklearn.model_selection import GroupKFold
from sklearn.svm import SVC

from skmrs import AttentionMILClassifier, PatientClassifier, ResNetClassifier
from skmrs.datasets import make_mrs_cohort
from skmrs.metrics import patient_labels, patient_probabilities
from skmrs.plotting import ROCComparisonDisplay

cohort = make_mrs_cohort(n_patients=100, random_state=0)
X, y, groups = cohort.data, cohort.target, cohort.groups
svm = CalibratedClassifierCV(SVC(), ensemble=False)
# the benchmark's quick network declares the bag route's spectrum network
net = ResNetClassifier(n_filters=8, n_blocks=4, kernel_size=15, max_epochs=10)

names = ("mean rule (0.5)", "PatientClassifier", "AttentionMILClassifier")
truth, proba, decided = [], {n: [] for n in names}, {n: [] for n in names}
for train, test in GroupKFold(3, shuffle=True, random_state=0).split(X, y, groups):
    stacked = PatientClassifier(svm, cv=3, random_state=0)
    stacked.fit(X[train], y[train], groups=groups[train])
    bag = AttentionMILClassifier(net, random_state=0)
    bag.fit(X[train], y[train], groups=groups[train])
    # stacked.estimator_ is the SVM refitted on all training spectra: the paper's model
    _, mean = patient_probabilities(
        stacked.estimator_.predict_proba(X[test])[:, 1], groups[test]
    )
    truth.append(patient_labels(y[test], groups[test]))
    proba[names[0]].append(mean)
    decided[names[0]].append(mean >= 0.5)
    for name, clf in zip(names[1:], (stacked, bag)):
        table = clf.predict_patients(X[test], groups=groups[test])
        proba[name].append(table.proba)
        decided[name].append(table.prediction == 1)
truth = np.concatenate(truth)
proba = {n: np.concatenate(p) for n, p in proba.items()}
accuracy = {n: np.mean(np.concatenate(d) == truth) for n, d in decided.items()}
for name, value in accuracy.items():
    print(f"{name:24s} patient accuracy {value:.2f}")

# %%
# Accuracy, the readers' operating point, and reliability
# -------------------------------------------------------
# The dashed line and the black dot are the readers in the paper (on real
# patients, for reference only); the dotted line is the share of the larger
# class (what "every patient has a tumour" scores on this cohort).
fig, (ax_acc, ax_roc, ax_cal) = plt.subplots(1, 3, figsize=(15, 4.5))
colours = ["grey", "tab:blue", "tab:orange"]
ax_acc.bar(["mean rule", "stacked", "bag"], list(accuracy.values()), color=colours)
ax_acc.axhline(0.69, ls="--", c="k", label="neuroradiologists (paper)")
ax_acc.axhline(max(truth.mean(), 1 - truth.mean()), ls=":", c="k", label="majority")
ax_acc.set(ylim=(0, 1), ylabel="patient accuracy")
ax_acc.legend(loc="lower right")
ROCComparisonDisplay.from_predictions(
    {name: (truth, p) for name, p in proba.items()},
    operating_points={"neuroradiologists (paper)": (1 - 0.88, 0.54)},
    ax=ax_roc,
)
ax_roc.set_title("patients: ROC and the readers")
for name, p in proba.items():
    CalibrationDisplay.from_predictions(truth, p, n_bins=5, name=name, ax=ax_cal)
ax_cal.set_title("reliability of patient probabilities")
fig.tight_layout()

# %%
# Which spectra made the bag network's decision?
# ----------------------------------------------
# The attention weights of one patient's spectra sum to one. For the tumour
# patient of the last test fold with the most spectra, the simulated truth
# says which voxels hold tumour tissue (the labels say "tumour" for all).
test_patients = np.unique(groups[test])
sizes = np.array([np.sum(groups == p) for p in test_patients])
tumour = np.isin(test_patients, np.unique(groups[test][y[test] == 1]))
patient = test_patients[tumour][np.argmax(sizes[tumour])]
rows = groups == patient
weights = bag.attention_weights(X[rows], groups=groups[rows])
in_tumour = cohort.target_true[rows] == 1
fig, ax = plt.subplots(figsize=(8, 3))
ax.bar(np.flatnonzero(~in_tumour), weights[~in_tumour], color="grey", label="normal")
ax.bar(np.flatnonzero(in_tumour), weights[in_tumour], color="tab:red", label="tumour")
ax.axhline(1 / rows.sum(), ls=":", c="k", label="uniform")
ax.set(xlabel="spectrum of the patient", ylabel="attention weight")
ax.set_title(f"patient {patient}: attention of the bag network")
ax.legend()
plt.show()
