import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.linear_model import SGDClassifier

from skmrs.inspection import opposite_class_distance
from skmrs.plotting import DistillationDisplay
from skmrs.sampling import ConfidenceDistiller

FAST = {"perplexity": 5, "tsne_params": {"max_iter": 250}, "random_state": 0}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 12))
    y = np.repeat([0, 1], 20)
    X[y == 1] += 1.5
    return X, y


def test_from_indices_highlights_the_rows(data):
    X, y = data
    display = DistillationDisplay.from_indices(X, y, [0, 5, 30], **FAST)
    assert np.flatnonzero(display.distilled).tolist() == [0, 5, 30]
    np.testing.assert_allclose(display.distance, opposite_class_distance(X, y))
    assert display.embedding.shape == (40, 2)
    heights = [p.get_height() for p in display.ax_distance_.patches]
    assert len(heights) == 2 * 30
    assert "3 of 40" in display.ax_embedding_.get_title()


def test_from_fitted_distiller(data):
    X, y = data
    distiller = ConfidenceDistiller(
        SGDClassifier(loss="log_loss"), threshold=0.9, epochs=2, random_state=0
    )
    distiller.fit_resample(X, y)
    _, axes = plt.subplots(1, 2)
    display = DistillationDisplay.from_estimator(distiller, X, y, ax=axes, **FAST)
    assert display.distilled.sum() == len(distiller.sample_indices_)
    assert display.ax_embedding_ is axes[0]


def test_errors(data):
    X, y = data
    with pytest.raises(ValueError, match=r"sample_indices must lie in \[0, 40\)"):
        DistillationDisplay.from_indices(X, y, [0, 40], **FAST)
    with pytest.raises(ValueError):
        DistillationDisplay.from_indices(X, y[:-1], [0], **FAST)
    with pytest.raises(TypeError, match="sample_indices_"):
        DistillationDisplay.from_estimator(SGDClassifier(), X, y, **FAST)
    with pytest.raises(ValueError, match="embedding must have shape"):
        DistillationDisplay(
            embedding=np.zeros((3, 3)),
            y=[0, 1, 0],
            distilled=[1, 0, 0],
            distance=[1, 2, 3],
        )
