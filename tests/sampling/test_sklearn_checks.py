"""scikit-learn's estimator checks on the samplers.

``tests/test_common.py`` runs imbalanced-learn's sampler checks on every
sampler; scikit-learn's own checks (``get_params``/``clone``, parameter
validation, no attribute set in ``__init__``...) run here, with a linear
model as the distiller's estimator so that they stay fast.
"""

from sklearn.linear_model import SGDClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmrs.sampling import ConfidenceDistiller, MixingAugmenter, NoiseAugmenter


@parametrize_with_checks(
    [
        ConfidenceDistiller(SGDClassifier(loss="log_loss"), epochs=2, random_state=0),
        MixingAugmenter(random_state=0),
        NoiseAugmenter(random_state=0),
    ]
)
def test_sklearn_compatible_sampler(estimator, check):
    check(estimator)
