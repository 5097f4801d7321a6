"""run_benchmark(engine="batched"): every network row trained as one batch."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.utils import Bunch

from skmrs import DistillMixClassifier, ResNetClassifier
from skmrs.benchmark import BatchedEngine, run_benchmark
from skmrs.classification import make_distillmix_pipeline
from skmrs.sampling import NoiseAugmenter

TINY = dict(
    n_filters=4, n_blocks=2, kernel_size=5, max_epochs=1, batch_size=16, device="cpu"
)


@pytest.fixture(scope="module")
def cohort():
    """Eight patients of ten spectra each, half of them with a tumour peak."""
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(8), 10)
    target = np.arange(80) % 2
    data = rng.normal(size=(80, 48)).astype(np.float32)
    data[target == 1, 20] += 2.0
    return Bunch(data=data, target=target, groups=groups)


def _run(cohort, engine, **kwargs):
    models = {
        "LR": LogisticRegression(max_iter=200),
        "ResNet": ResNetClassifier(**TINY),
        "Noise": make_distillmix_pipeline(
            distiller="passthrough",
            augmenter=NoiseAugmenter(factor=1),
            classifier=ResNetClassifier(**TINY),
            random_state=0,
        ),
        "DistillMix": DistillMixClassifier(
            **TINY, threshold=0.51, distill_epochs=2, augment_factor=1
        ),
    }
    return run_benchmark(
        cohort.data, cohort.target, cohort.groups, models,
        n_splits=2, seeds=(0, 1), engine=engine, **kwargs,
    )  # fmt: skip


def test_batched_engine_gives_the_sequential_results(cohort, tmp_path):
    sequential = _run(cohort, "sequential")
    batched = _run(cohort, BatchedEngine(), output_dir=tmp_path)
    assert [(r["model"], r["seed"], r["fold"]) for r in batched.records] == [
        (r["model"], r["seed"], r["fold"]) for r in sequential.records
    ]
    for key, proba in sequential.predictions.items():
        np.testing.assert_allclose(batched.predictions[key], proba, atol=1e-2)
    for ours, theirs in zip(batched.records, sequential.records):
        assert ours["roc_auc"] == pytest.approx(theirs["roc_auc"], abs=1e-2)
        assert ours.get("n_distilled") == theirs.get("n_distilled")
        assert ours["fit_time"] > 0
    # Every job was stored as it finished; a rerun loads them all.
    assert len(list((tmp_path / "jobs").glob("*.npz"))) == 16
    again = _run(cohort, "batched", output_dir=tmp_path)
    np.testing.assert_array_equal(
        again.predictions[("ResNet", 1)], batched.predictions[("ResNet", 1)]
    )


def test_unknown_engine(cohort):
    with pytest.raises(ValueError, match="engine"):
        _run(cohort, "gpu")
