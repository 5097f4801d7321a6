"""
=============================================
Figure 5: AUC against the mixing weight alpha
=============================================

Mixing augmentation makes new spectra ``(1 - alpha) * x_j + alpha * x_k``
from pairs of distilled spectra, the partner ``x_k`` coming from the same
class ("same"), the other class ("other") or either ("both"). Lu et al. swept
``alpha`` from 0.05 to 0.95 for each strategy and compared the AUC with the
plain ResNet, noise augmentation, SVM and random forest: "both" and "same"
beat the plain network at mid ``alpha``.

This example runs the same sweep at toy size, as a
:class:`~sklearn.model_selection.GridSearchCV` over the DistillMix pipeline
with patient-wise :class:`~sklearn.model_selection.StratifiedGroupKFold`
(every patient in one fold, both classes in every fold), and draws it
with :meth:`SweepDisplay.from_cv_results
<skmrs.plotting.SweepDisplay.from_cv_results>`. At this size (80 simulated
patients, tiny networks, 3 folds) the differences are within the noise; run
it with the paper's network and cohort size on a GPU to see the paper's
effect.
"""

# %%
# Data, network and cross-validation
# ----------------------------------
import tempfile
import warnings

from imblearn.pipeline import make_pipeline
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold, cross_val_score
from sklearn.svm import SVC

from skmrs import ResNetClassifier
from skmrs.classification import make_distillmix_pipeline
from skmrs.datasets import make_mrs_cohort
from skmrs.plotting import SweepDisplay
from skmrs.sampling import ConfidenceDistiller, MixingAugmenter, NoiseAugmenter

warnings.filterwarnings("ignore", module="imblearn")  # fallback notes of tiny nets

cohort = make_mrs_cohort(n_patients=80, random_state=2)
X, y, groups = cohort.data, cohort.target, cohort.groups
cv = StratifiedGroupKFold(n_splits=3, shuffle=True, random_state=0)
NET = dict(
    n_filters=4,
    n_blocks=2,
    kernel_size=9,
    dropout=0.2,
    lr=3e-3,
    max_epochs=5,
    batch_size=64,
)

# %%
# The grid search
# ---------------
# The distiller does not depend on ``alpha`` or the strategy, so the
# pipeline's ``memory`` caches it: it is trained once per fold, not once per
# candidate.
cache = tempfile.TemporaryDirectory()
pipeline = make_distillmix_pipeline(
    distiller=ConfidenceDistiller(
        ResNetClassifier(**NET), threshold=0.7, epochs=5, random_state=0
    ),
    augmenter=MixingAugmenter(factor=1, random_state=0),
    classifier=ResNetClassifier(**NET, random_state=0),
    random_state=0,
).set_params(memory=cache.name)
grid = {
    "augment__alpha": [0.1, 0.3, 0.5, 0.7, 0.9],
    "augment__strategy": ["same", "other", "both"],
}
search = GridSearchCV(pipeline, grid, scoring="roc_auc", cv=cv, refit=False)
search.fit(X, y, groups=groups)

# %%
# Reference models on the same folds
# ----------------------------------
references = {
    "plain ResNet": ResNetClassifier(**NET, random_state=0),
    "noise aug.": make_pipeline(
        NoiseAugmenter(factor=1, random_state=0),
        ResNetClassifier(**NET, random_state=0),
    ),
    "SVM": SVC(),
    "RF": RandomForestClassifier(n_estimators=100, criterion="entropy", random_state=0),
}
reference_auc = {}
for name, model in references.items():
    scores = cross_val_score(model, X, y, groups=groups, cv=cv, scoring="roc_auc")
    reference_auc[name] = (scores.mean(), scores.std())
    print(f"{name:>12}: AUC {scores.mean():.3f} +- {scores.std():.3f}")

# %%
# AUC against alpha, a line per strategy
# --------------------------------------
display = SweepDisplay.from_cv_results(
    search.cv_results_,
    param="alpha",
    line_param="strategy",
    references=reference_auc,
)
display.ax_.set_title("DistillMix: AUC vs mixing weight (3-fold, 80 patients)")
cache.cleanup()
