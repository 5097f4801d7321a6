"""
=============================================
Figure 7: AUC against the augmentation factor
=============================================

The augmentation factor is the number of mixed spectra per distilled
spectrum (the paper's default: 5). Lu et al. found a slight gain up to a
factor of 3-5 and a slight loss beyond. This example stops at 5 and leaves out
the "other" strategy to stay under two minutes on a CPU.

This example loops over the factor and two strategies with
:func:`~sklearn.model_selection.cross_val_score`, collects a plain table of
results (a dict of columns; a pandas DataFrame works the same) and draws it
with :meth:`SweepDisplay.from_table <skmrs.plotting.SweepDisplay.from_table>`.
At this toy size the differences are within the noise.
"""

# %%
# Setup
# -----
import tempfile
import warnings

from sklearn.model_selection import StratifiedGroupKFold, cross_val_score

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
cache = tempfile.TemporaryDirectory()

# %%
# A table of results
# ------------------
table = {"factor": [], "strategy": [], "mean": [], "std": []}
for strategy in ["same", "both"]:
    for factor in [1, 2, 3, 5]:
        pipeline = make_distillmix_pipeline(
            distiller=ConfidenceDistiller(
                ResNetClassifier(**NET), threshold=0.7, epochs=5, random_state=0
            ),
            augmenter=MixingAugmenter(factor=factor, strategy=strategy, random_state=0),
            classifier=ResNetClassifier(**NET, random_state=0),
            random_state=0,
        ).set_params(memory=cache.name)  # one distillation per fold, shared
        scores = cross_val_score(
            pipeline, X, y, groups=groups, cv=cv, scoring="roc_auc"
        )
        for column, value in zip(
            table, (factor, strategy, scores.mean(), scores.std())
        ):
            table[column].append(value)
        print(f"{strategy:>5} x{factor}: AUC {scores.mean():.3f} +- {scores.std():.3f}")

plain = cross_val_score(
    ResNetClassifier(**NET, random_state=0),
    X,
    y,
    groups=groups,
    cv=cv,
    scoring="roc_auc",
)

# %%
# The figure
# ----------
display = SweepDisplay.from_table(
    table,
    param="factor",
    line_param="strategy",
    references={"plain ResNet": (plain.mean(), plain.std())},
)
display.ax_.set_xlabel("augmentation factor |A| / |C|")
display.ax_.set_title("DistillMix: AUC vs augmentation factor")
cache.cleanup()
