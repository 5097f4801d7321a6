"""The models of the paper's Table 2 and the benchmark presets."""

from __future__ import annotations

from dataclasses import dataclass, field

from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier
from sklearn.svm import SVC


@dataclass(frozen=True)
class Preset:
    """Cohort, network and protocol sizes of one benchmark preset."""

    name: str
    n_patients: int
    n_splits: int
    seeds: tuple[int, ...]
    network: dict = field(default_factory=dict)
    n_jobs: int = 1
    description: str = ""


PRESETS = {
    "quick": Preset(
        name="quick",
        n_patients=150,
        n_splits=5,
        seeds=(0,),
        network=dict(
            n_filters=8,
            n_blocks=4,
            kernel_size=15,
            dropout=0.55,
            max_epochs=10,
            batch_size=32,
        ),
        n_jobs=2,
        description=(
            "150 simulated patients, 5-fold GroupKFold, 1 seed, a small ResNet "
            "(8 filters, 4 blocks, kernel 15, 10 epochs): about 4 minutes on a "
            "2-core CPU; shows the protocol, not the paper's network"
        ),
    ),
    "paper": Preset(
        name="paper",
        n_patients=435,
        n_splits=10,
        seeds=(0, 1),
        network=dict(),
        description=(
            "435 simulated patients (~7400 spectra), 10-fold GroupKFold, 2 seeds, "
            "the Table-1 ResNet: the paper's protocol, meant for a GPU"
        ),
    ),
}


def default_models(preset: str = "quick", *, distill_epochs: int = 5) -> dict:
    """The paper's Table-2 rows as unfitted estimators.

    SVM is scikit-learn's ``SVC`` with default hyper-parameters, its decision
    values turned into probabilities by Platt scaling
    (``CalibratedClassifierCV(SVC(), ensemble=False)``, what ``probability=True``
    did before scikit-learn 1.9; needed to average class probabilities per
    patient, and a monotone map, so the voxel AUC is the SVC's own);
    RF has 500 trees and the entropy criterion; the networks take the preset's
    shape and training settings. "Noise" is the paper's Gaussian-noise
    augmentation baseline around the same network; the three DistillMix rows
    differ only in the mixing strategy (alpha 0.5, factor 5, threshold 0.99).
    The paper does not give the size of its noise augmentation; "Noise" adds
    one noisy copy of every spectrum (``factor=1``, noise sd 5 % of each
    spectrum's sd), so it trains on twice the data.

    Parameters
    ----------
    preset : {"quick", "paper"}, default="quick"
    distill_epochs : int, default=5
        Epochs of the distillation network.

    Returns
    -------
    models : dict of str to estimator
        Ordered as the rows of the table.

    Examples
    --------
    >>> from skmrs.benchmark import default_models
    >>> list(default_models("quick"))  # doctest: +NORMALIZE_WHITESPACE
    ['SVM', 'RF', 'ResNet', 'Noise', 'DistillMix-same', 'DistillMix-other',
     'DistillMix-both']
    """
    from ..classification import (
        DistillMixClassifier,
        ResNetClassifier,
        make_distillmix_pipeline,
    )
    from ..sampling import NoiseAugmenter

    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}; got {preset!r}.")
    net = dict(PRESETS[preset].network)
    models = {
        "SVM": CalibratedClassifierCV(SVC(), ensemble=False),
        "RF": RandomForestClassifier(n_estimators=500, criterion="entropy"),
        "ResNet": ResNetClassifier(**net),
        "Noise": make_distillmix_pipeline(
            distiller="passthrough",
            augmenter=NoiseAugmenter(factor=1),
            classifier=ResNetClassifier(**net),
        ),
    }
    for strategy in ("same", "other", "both"):
        models[f"DistillMix-{strategy}"] = DistillMixClassifier(
            ResNetClassifier(**net), strategy=strategy, distill_epochs=distill_epochs
        )
    return models
