"""The models of the paper's Table 2 and the benchmark presets."""

from __future__ import annotations

from dataclasses import dataclass, field

from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier
from sklearn.kernel_approximation import Nystroem
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC, LinearSVC

#: The SVM row's fit time: (training spectra, CPU seconds) measured by
#: ``benchmarks/bench_scale.py --repeats 3`` (record ``scale_v0.5.json``,
#: svm_fit, the mean of the repeats) on this project's 2-core CPU, one
#: thread, quiet; and the exponent b of CPU time ~ n^b fitted there (the
#: mean of the repeats, 2.1-2.5). SVC's fit grows faster than linearly:
#: under label noise about half the spectra become support vectors.
SVM_FIT_REFERENCE = (2577, 2.65)
SVM_FIT_EXPONENT = 2.3


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


def extra_models() -> dict:
    """Rows beyond the paper's Table 2, run only when named (``--models``).

    "SVM-Nystroem" approximates the SVM row for cohorts beyond its reach: the
    RBF kernel of ``SVC`` (its default ``gamma="scale"`` is close to
    Nystroem's ``1 / n_points`` on RMS-normalised spectra) is approximated by
    500 Nystroem components, on which a linear SVM is fitted and calibrated
    as the SVM row is (``CalibratedClassifierCV(..., ensemble=False)``). Its
    fit grows linearly with the number of spectra where SVC's grows as
    n^2.2; on one fold of the default cohort (GroupKFold(5), fold 0) its AUC
    was 0.581 against SVC's 0.595 at 150 patients and 0.654 against 0.653 at
    300 patients. It is an approximation, not the paper's row, which stays
    as it is.

    Returns
    -------
    models : dict of str to estimator

    Examples
    --------
    >>> from skmrs.benchmark import extra_models
    >>> list(extra_models())
    ['SVM-Nystroem']
    """
    return {
        "SVM-Nystroem": CalibratedClassifierCV(
            make_pipeline(Nystroem(n_components=500, random_state=0), LinearSVC()),
            ensemble=False,
        )
    }


def estimate_fit_seconds(name: str, n_spectra: int) -> float | None:
    """A rough fit time (s) of a benchmark row on ``n_spectra`` training spectra.

    Known for the SVM row only (``SVM_FIT_REFERENCE``, ``SVM_FIT_EXPONENT``),
    on a 2-core CPU like this project's; None for the other rows, whose fits
    grow linearly.

    Examples
    --------
    >>> from skmrs.benchmark import estimate_fit_seconds
    >>> ratio = estimate_fit_seconds("SVM", 2000) / estimate_fit_seconds("SVM", 1000)
    >>> round(ratio, 2)  # twice the spectra, 2 ** 2.3 the time
    4.92
    >>> estimate_fit_seconds("RF", 1000) is None
    True
    """
    if n_spectra < 0:
        raise ValueError(f"n_spectra must be >= 0; got {n_spectra!r}.")
    if name != "SVM":
        return None
    n_ref, seconds = SVM_FIT_REFERENCE
    return seconds * (n_spectra / n_ref) ** SVM_FIT_EXPONENT
