"""
=================================================
Figure 6: AUC against the last distillation epoch
=================================================

The distilled set is the union of the spectra predicted confidently after
each of the first ``maxE`` epochs. Lu et al. varied ``maxE`` from 1 to 10: with
"same" and "both" mixing the AUC stays above the plain network's, while with
"other" it degrades as ``maxE`` grows (later epochs add atypical spectra that
mixing with the other class blurs).

Here the sweep over the distiller's ``epochs`` and the mixing strategy is a
:class:`~sklearn.model_selection.GridSearchCV` at toy size, drawn with
:class:`~skmrs.plotting.SweepDisplay`; the plain ResNet and the SVM are the
reference lines. At this size the differences are within the noise.
"""

# %%
# Setup
# -----
import tempfile
import warnings

from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold, cross_val_score
from sklearn.svm import SVC

from skmrs import ResNetClassifier
from skmrs.classification import make_distillmix_pipeline
from skmrs.datasets import make_mrs_cohort
from skmrs.plotting import SweepDisplay
from skmrs.sampling import ConfidenceDistiller, MixingAugmenter

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
# Sweep the last distillation epoch and the strategy
# --------------------------------------------------
# The distiller is cached per (fold, ``epochs``): each is trained once and
# shared by the three strategies.
cache = tempfile.TemporaryDirectory()
pipeline = make_distillmix_pipeline(
    distiller=ConfidenceDistiller(
        ResNetClassifier(**NET), threshold=0.7, random_state=0
    ),
    augmenter=MixingAugmenter(factor=1, random_state=0),
    classifier=ResNetClassifier(**NET, random_state=0),
    random_state=0,
).set_params(memory=cache.name)
grid = {
    "distill__epochs": [1, 2, 3, 4, 5],
    "augment__strategy": ["same", "other", "both"],
}
search = GridSearchCV(pipeline, grid, scoring="roc_auc", cv=cv, refit=False)
search.fit(X, y, groups=groups)

# %%
# References and the figure
# -------------------------
reference_auc = {}
for name, model in {
    "plain ResNet": ResNetClassifier(**NET, random_state=0),
    "SVM": SVC(),
}.items():
    scores = cross_val_score(model, X, y, groups=groups, cv=cv, scoring="roc_auc")
    reference_auc[name] = (scores.mean(), scores.std())

display = SweepDisplay.from_cv_results(
    search.cv_results_,
    param="epochs",
    line_param="strategy",
    references=reference_auc,
)
display.ax_.set_xlabel("last distillation epoch (maxE)")
display.ax_.set_title("DistillMix: AUC vs last distillation epoch")
cache.cleanup()
