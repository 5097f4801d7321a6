import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.svm import LinearSVC

from skmrs.plotting import ROCComparisonDisplay


@pytest.fixture(scope="module")
def scores():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 100)
    return y, y + rng.normal(size=100), y + 2 * rng.normal(size=100)


def test_from_predictions_curves_aucs_and_points(scores):
    y, good, bad = scores
    display = ROCComparisonDisplay.from_predictions(
        {"good": (y, good), "bad": (y, bad)},
        operating_points={
            "readers": (1 - 0.88, 0.54),
            "panel": ([0.1, 0.2], [0.5, 0.6]),
        },
    )
    fpr, tpr, _ = roc_curve(y, good)
    np.testing.assert_allclose(display.lines_["good"].get_xdata(), fpr)
    np.testing.assert_allclose(display.lines_["good"].get_ydata(), tpr)
    assert display.aucs["bad"] == pytest.approx(roc_auc_score(y, bad))
    assert "AUC = " in display.lines_["good"].get_label()
    np.testing.assert_allclose(display.points_["readers"].get_offsets(), [[0.12, 0.54]])
    assert len(display.points_["panel"].get_offsets()) == 2


def test_string_labels_and_pos_label():
    y = np.array(["healthy", "tumour", "tumour", "healthy"])
    display = ROCComparisonDisplay.from_predictions(
        {"m": (y, [0.9, 0.2, 0.1, 0.8])}, pos_label="healthy"
    )
    assert display.aucs["m"] == 1.0


def test_from_estimator(scores):
    y, good, _ = scores
    X = good[:, None]
    _, ax = plt.subplots()
    display = ROCComparisonDisplay.from_estimator(
        {"lr": LogisticRegression().fit(X, y), "svm": LinearSVC().fit(X, y)},
        X,
        y,
        ax=ax,
    )
    assert display.ax_ is ax
    assert display.aucs["lr"] == pytest.approx(display.aucs["svm"])


def test_bad_input(scores):
    y, good, _ = scores
    with pytest.raises(ValueError, match="different lengths"):
        ROCComparisonDisplay.from_predictions({"m": (y, good[:-1])})
    with pytest.raises(ValueError, match="non-empty dict"):
        ROCComparisonDisplay.from_predictions({})
    with pytest.raises(ValueError, match="must lie in"):
        ROCComparisonDisplay.from_predictions(
            {"m": (y, good)}, operating_points={"r": (1.2, 0.5)}
        )
    with pytest.raises(ValueError, match="pair"):
        ROCComparisonDisplay.from_predictions(
            {"m": (y, good)}, operating_points={"r": 0.5}
        )


def test_class_name_and_auc_label_in_axes_and_legend(scores):
    y, good, _ = scores
    display = ROCComparisonDisplay.from_predictions(
        {"m": (y, good)}, class_name="tumour", auc_label="pooled AUC"
    )
    assert display.ax_.get_xlabel().startswith("false positive rate: not tumour")
    assert display.ax_.get_ylabel() == (
        "true positive rate: tumour called tumour (sensitivity)"
    )
    assert display.lines_["m"].get_label().startswith("m (pooled AUC = ")
