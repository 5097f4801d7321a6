"""
=======================================================
Label noise: tissue AUC of five learners against noise
=======================================================

The paper's labels are wrong in one direction: every voxel of a tumour
patient's hemisphere is labelled tumour, though a share ``label_noise`` of them
lies outside the tumour. On simulated data the truth is known
(``target_true``), so each learner can be scored against the tissue, not only
against the labels it was trained on. This example sweeps the simulator's
``label_noise`` from 0.3 to 0.7 and trains, on the same patient-wise folds,

- the plain :class:`~skmrs.ResNetClassifier` on the noisy labels,
- the paper's :class:`~skmrs.DistillMixClassifier` (threshold 0.99, 5
  distillation epochs, alpha 0.5, factor 5, "both"),
- :class:`~skmrs.classification.NoiseAwareClassifier` (its default: three
  networks of different seeds, averaged),
- :class:`~skmrs.classification.CleanLearningClassifier` (cleanlab's
  ``CleanLearning``, non-tumour trusted; needs ``pip install skmrs[noisy]``),
- the same network trained on the true labels
  (:class:`~skmrs.benchmark.OracleClassifier`), the ceiling,

with :func:`~skmrs.benchmark.run_benchmark`, and draws the AUC against tissue.
The cohorts are of the pure label-noise regime (no field effect, age model,
B0 offsets, baseline distortion or exam artefacts), so that label noise is the
one thing that changes. It runs
at toy size (70 simulated patients, a small network, 2 folds) so that it
takes about a minute on a laptop; the differences it shows are within the
fold noise. The measured comparison (quick network, 5 folds, 2 seeds, both
regimes) is in :ref:`noisy_labels`.
"""

# %%
# The sweep
# ---------
import warnings

import matplotlib.pyplot as plt
import numpy as np

from skmrs import DistillMixClassifier, ResNetClassifier
from skmrs.benchmark import OracleClassifier, run_benchmark
from skmrs.classification import NoiseAwareClassifier
from skmrs.datasets import make_mrs_cohort

warnings.filterwarnings("ignore")  # fallback notes of the tiny distillers

NET = dict(n_filters=8, n_blocks=2, kernel_size=15, lr=3e-3, max_epochs=5)
PURE = dict(
    field_effect=0.0, age_effect=0.0, b0_inhomogeneity=0.0, baseline_distortion=0.0
)
models = {
    "plain": ResNetClassifier(**NET),
    "DistillMix (paper)": DistillMixClassifier(ResNetClassifier(**NET)),
    "noise-aware (3 seeds)": NoiseAwareClassifier(ResNetClassifier(**NET)),
    "oracle": OracleClassifier(ResNetClassifier(**NET)),
}
try:
    from skmrs.classification import CleanLearningClassifier

    models["cleanlab"] = CleanLearningClassifier(
        ResNetClassifier(**NET), cv=2, trusted_class=0
    )
except ImportError:  # the optional extra is not installed
    pass

noise_levels = [0.3, 0.5, 0.7]
tissue_auc = {name: [] for name in models}
for label_noise in noise_levels:
    cohort = make_mrs_cohort(
        n_patients=70, label_noise=label_noise, random_state=0, **PURE
    )
    result = run_benchmark(
        cohort.data,
        cohort.target,
        cohort.groups,
        models,
        n_splits=2,
        seeds=(0,),
        y_true=cohort.target_true,
    )
    for row in result.summary():
        tissue_auc[row["model"]].append(
            (row["roc_auc_true_mean"], row["roc_auc_true_sd"])
        )
    print(f"label_noise={label_noise}")
    print(result.format_table())

# %%
# AUC against the tissue
# ----------------------
fig, ax = plt.subplots(figsize=(6, 4))
for name, values in tissue_auc.items():
    mean, sd = np.array(values).T
    ax.errorbar(noise_levels, mean, yerr=sd, marker="o", capsize=3, label=name)
ax.set_xlabel("label_noise (share of a tumour hemisphere outside the tumour)")
ax.set_ylabel("voxel ROC AUC against tissue")
ax.set_title("Mean +- sd over 2 patient-wise folds (toy size)")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
