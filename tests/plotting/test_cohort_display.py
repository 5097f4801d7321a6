import matplotlib.pyplot as plt
import numpy as np
import pytest

from skmrs.plotting import CohortClustersDisplay


@pytest.fixture(scope="module")
def cohort():
    rng = np.random.default_rng(0)
    centres = 4 * rng.normal(size=(3, 50))
    X = np.repeat(centres, 20, axis=0) + rng.normal(size=(60, 50))
    y = np.r_[np.zeros(18), np.ones(2), np.zeros(10), np.ones(10), np.ones(20)]
    return X, y.astype(int)


def test_from_data_elbow_and_panels(cohort):
    X, y = cohort
    display = CohortClustersDisplay.from_data(
        X, y, k_values=range(1, 7), random_state=0, class_names=["healthy", "tumour"]
    )
    assert display.result_.n_clusters == 3
    # clusters sorted by tumour share
    np.testing.assert_array_equal(display.crosstab, [[18, 2], [10, 10], [0, 20]])
    assert len(display.axes_spectra_) == 3
    line = display.axes_spectra_[2].get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), X[40:].mean(0))
    elbow = display.ax_elbow_.get_lines()[0]
    np.testing.assert_array_equal(elbow.get_xdata(), np.arange(1, 7))
    assert "tumour" in display.axes_spectra_[2].get_title()


def test_fixed_k_has_no_elbow_panel_and_accepts_axes(cohort):
    X, y = cohort
    _, axes = plt.subplots(1, 3)
    display = CohortClustersDisplay.from_data(
        X, y, n_clusters=2, ppm=np.linspace(4, 0.3, 50), ax=axes, random_state=0
    )
    assert display.ax_elbow_ is None
    assert display.ax_crosstab_ is axes[0]
    with pytest.raises(ValueError, match="3 Axes"):
        display.plot(ax=axes[:2])


def test_one_axes_is_divided(cohort):
    X, y = cohort
    fig, ax = plt.subplots()
    display = CohortClustersDisplay.from_data(X, y, n_clusters=2, ax=ax, random_state=0)
    assert display.figure_ is fig
    assert len(fig.axes) == 1 + 3


def test_bad_input(cohort):
    X, y = cohort
    with pytest.raises(ValueError):
        CohortClustersDisplay.from_data(X, y[:-1], n_clusters=2)
    with pytest.raises(ValueError, match="ppm must have shape"):
        CohortClustersDisplay.from_data(X, y, n_clusters=2, ppm=np.arange(3))
    with pytest.raises(ValueError, match="class_names"):
        CohortClustersDisplay(
            means=np.zeros((2, 5)),
            stds=np.zeros((2, 5)),
            crosstab=np.zeros((2, 2)),
            class_names=["a"],
        )
