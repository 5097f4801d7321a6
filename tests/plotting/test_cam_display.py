import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skmrs import ResNetClassifier
from skmrs.datasets import default_ppm_axis
from skmrs.plotting import CAMDisplay


class _FakeCAM(LogisticRegression):
    """A linear model whose 'map' is its coefficients times the input."""

    def class_activation_maps(self, X, class_label=None):
        return np.asarray(X) * self.coef_[0]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 288))
    y = np.repeat([0, 1], 20)
    X[y == 1, 100] += 3
    return X, y


def test_from_estimator_draws_one_coloured_line_per_spectrum(data):
    X, y = data
    clf = _FakeCAM().fit(X, y)
    display = CAMDisplay.from_estimator(clf, X[:3], y=y[:3], normalize=False)
    assert len(display.lines_) == 3
    np.testing.assert_allclose(display.cams, X[:3] * clf.coef_[0])
    np.testing.assert_allclose(display.ppm, default_ppm_axis())
    # colours of the first line are the maps between neighbouring points
    colours = display.lines_[0].get_array()
    np.testing.assert_allclose(
        colours, 0.5 * (display.cams[0, :-1] + display.cams[0, 1:])
    )
    # segments follow the spectrum (the first at no offset)
    first = display.lines_[0].get_segments()
    np.testing.assert_allclose([s[0, 1] for s in first], X[0, :-1])
    assert display.labels[0].startswith("label 0, predicted")
    assert display.ax_.get_xlim()[0] > display.ax_.get_xlim()[1]  # high ppm left
    assert display.colorbar_ is not None


def test_normalize_scales_each_map_to_unit_range(data):
    X, y = data
    display = CAMDisplay.from_estimator(_FakeCAM().fit(X, y), X[:2])
    for lines in display.lines_:
        values = lines.get_array()
        assert values.min() >= 0 and values.max() <= 1


def test_estimator_without_maps_is_a_type_error(data):
    X, y = data
    with pytest.raises(TypeError, match="no class_activation_maps"):
        CAMDisplay.from_estimator(LogisticRegression().fit(X, y), X[:2])


def test_pipeline_ending_in_a_network(data):
    X, y = data
    pipe = make_pipeline(FunctionTransformer(lambda Z: 2 * Z), _FakeCAM()).fit(X, y)
    display = CAMDisplay.from_estimator(pipe, X[:2], metabolites=False)
    np.testing.assert_allclose(display.spectra, 2 * X[:2])


def test_real_resnet_and_given_axes(data):
    X, y = data
    clf = ResNetClassifier(
        n_filters=2, n_blocks=1, kernel_size=5, max_epochs=1, random_state=0
    ).fit(X.astype(np.float32), y)
    _, ax = plt.subplots()
    display = CAMDisplay.from_estimator(clf, X[:2], class_label=1, ax=ax)
    assert display.ax_ is ax
    assert display.cams.shape == (2, 288)
    assert "class 1" in display.cam_label


def test_bad_shapes():
    with pytest.raises(ValueError, match="same shape"):
        CAMDisplay(spectra=np.zeros((2, 10)), cams=np.zeros((2, 9)))
    with pytest.raises(ValueError, match="ppm must have shape"):
        CAMDisplay(spectra=np.zeros((2, 10)), cams=np.zeros((2, 10)), ppm=np.arange(9))
    with pytest.raises(ValueError, match="labels must have one entry"):
        CAMDisplay(spectra=np.zeros((2, 10)), cams=np.zeros((2, 10)), labels=["a"])


def test_mismatched_y_length(data):
    X, y = data
    with pytest.raises(ValueError, match="one label per spectrum"):
        CAMDisplay.from_estimator(_FakeCAM().fit(X, y), X[:3], y=y[:2])
