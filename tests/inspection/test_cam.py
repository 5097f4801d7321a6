import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression

from skmrs import ResNetClassifier
from skmrs.inspection import class_activation_maps


def test_maps_of_a_resnet_match_its_method():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 32)).astype(np.float32)
    y = np.repeat([0, 1], 10)
    clf = ResNetClassifier(
        n_filters=2, n_blocks=1, kernel_size=3, max_epochs=1, random_state=0
    ).fit(X, y)
    cams, X_used = class_activation_maps(clf, X)
    np.testing.assert_allclose(cams, clf.class_activation_maps(X))
    np.testing.assert_allclose(X_used, X)


def test_unfitted_and_unsupported_estimators():
    with pytest.raises(NotFittedError):
        class_activation_maps(ResNetClassifier(), np.zeros((2, 8)))
    with pytest.raises(
        TypeError, match="ResNetClassifier or skmrs.DistillMixClassifier"
    ):
        class_activation_maps(LogisticRegression(), np.zeros((2, 8)))
