"""DistillMix: confidence distillation, oversampling, mixing, then a ResNet."""

from numbers import Integral, Real

import numpy as np
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import Pipeline
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._docs import cite_paper
from ..sampling import ConfidenceDistiller, MixingAugmenter
from ..utils import set_random_states
from ..utils._model_state import ModelStateMixin
from ..utils._validation import _check_real
from ._resnet import ResNetClassifier

STEP_NAMES = ("distill", "oversample", "augment", "classifier")


def _default_distiller(random_state=None):
    """The paper's distiller: its network has the final model's structure."""
    return ConfidenceDistiller(ResNetClassifier(), random_state=random_state)


def make_distillmix_pipeline(
    *,
    distiller=None,
    oversampler=None,
    augmenter=None,
    classifier=None,
    random_state=None,
):
    """Build the DistillMix pipeline from its four steps.

    The pipeline is ``[distill -> oversample -> augment -> classifier]``, an
    :class:`imblearn.pipeline.Pipeline`: the three samplers act at ``fit``
    only, on the training data, and ``predict`` goes straight to the
    classifier. Pass any step to swap it (another filter for the distiller,
    :class:`~imblearn.over_sampling.SMOTE` for the oversampler), or
    ``"passthrough"`` to leave it out.

    Parameters
    ----------
    distiller : sampler, "passthrough" or None, default=None
        Keeps the samples worth learning from. None is
        :class:`~skmrs.sampling.ConfidenceDistiller` with its defaults around
        a :class:`~skmrs.ResNetClassifier` with its defaults (the paper's
        distillation network has the final model's structure).

    oversampler : sampler, "passthrough" or None, default=None
        Balances the classes of what the distiller kept. None is
        :class:`~imblearn.over_sampling.RandomOverSampler`.

    augmenter : sampler, "passthrough" or None, default=None
        Makes new samples. None is :class:`~skmrs.sampling.MixingAugmenter`
        with its defaults.

    classifier : classifier or None, default=None
        The final network. None is :class:`~skmrs.ResNetClassifier` with its
        defaults (Table 1 of the paper).

    random_state : int, RandomState instance or None, default=None
        Seeds the steps built from None, one derived integer seed each, in
        step order; steps passed in are used as they are, and when every step
        is passed in no seed is drawn.

    Returns
    -------
    pipeline : imblearn.pipeline.Pipeline
        Unfitted, with steps named ``"distill"``, ``"oversample"``,
        ``"augment"`` and ``"classifier"``.

    See Also
    --------
    DistillMixClassifier : The same pipeline as one estimator.

    Examples
    --------
    >>> from imblearn.over_sampling import SMOTE
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skmrs.classification import make_distillmix_pipeline
    >>> pipe = make_distillmix_pipeline(
    ...     oversampler=SMOTE(random_state=0), classifier=LogisticRegression()
    ... )
    >>> [name for name, _ in pipe.steps]
    ['distill', 'oversample', 'augment', 'classifier']
    """
    defaults = (
        _default_distiller,
        RandomOverSampler,
        MixingAugmenter,
        ResNetClassifier,
    )
    given = (distiller, oversampler, augmenter, classifier)
    # Seeds are drawn only when a step is built here, so a pipeline of given
    # steps leaves every random state (numpy's global one too) untouched.
    seeds = (
        check_random_state(random_state).randint(
            np.iinfo(np.int32).max, size=len(STEP_NAMES)
        )
        if any(step is None for step in given)
        else [None] * len(STEP_NAMES)
    )
    steps = [
        (name, make(random_state=seed) if step is None else step)
        for name, step, make, seed in zip(STEP_NAMES, given, defaults, seeds)
    ]
    return Pipeline(steps)


@cite_paper
class DistillMixClassifier(ModelStateMixin, ClassifierMixin, BaseEstimator):
    """Confidence distillation and mixing augmentation around a ResNet.

    The method of Lu et al. as one classifier. :meth:`fit` builds and fits
    the pipeline of :func:`make_distillmix_pipeline`:

    1. :class:`~skmrs.sampling.ConfidenceDistiller` trains a distillation
       network (the same architecture and optimiser as the final one) for
       ``distill_epochs`` epochs and keeps the spectra it predicts with a
       probability of at least ``threshold`` after any of them;
    2. :class:`~imblearn.over_sampling.RandomOverSampler` balances the
       classes of what was kept (``oversample=True``);
    3. :class:`~skmrs.sampling.MixingAugmenter` adds ``augment_factor`` times
       as many mixed spectra ``(1 - alpha) * x_j + alpha * x_k``;
    4. a clone of ``estimator`` (a :class:`~skmrs.ResNetClassifier`) is
       trained on the result for its ``max_epochs`` epochs.

    Prediction uses the final network only. Every resampling step sees the
    data given to :meth:`fit` and nothing else, so inside a cross-validation
    the test folds never reach the distiller.

    Parameters
    ----------
    estimator : classifier, default=None
        The network, declared once for both networks: the distillation
        network and the final one are clones of it (the paper's distillation
        network has the final model's structure). None is
        :class:`~skmrs.ResNetClassifier` with its defaults (Table 1 of the
        paper). Its settings are reached as ``estimator__n_filters`` and so
        on; its ``random_state`` is replaced by seeds drawn from
        ``random_state``.

    alpha : float, default=0.5
        Mixing weight of the partner spectrum, in ``[0, 1]`` (paper: 0.5).

    augment_factor : float, default=5
        New mixed spectra per kept (and oversampled) spectrum (paper: 5).

    strategy : {"both", "same", "other"}, default="both"
        Class of the partner spectrum: any, the same, or another (paper
        default "both"); see :class:`~skmrs.sampling.MixingAugmenter`.

    threshold : float, default=0.99
        Confidence a spectrum must reach to be kept, in ``(0.5, 1]``
        (paper: 0.99).

    distill_epochs : int, default=5
        Epochs of the distillation network, the paper's ``maxE``.

    oversample : bool, default=True
        Randomly oversample the minority class after distillation, as the
        paper does.

    keep_original : bool, default=True
        Train the final network on the kept spectra as well as on the mixed
        ones (see :class:`~skmrs.sampling.MixingAugmenter`).

    random_state : int, RandomState instance or None, default=None
        Seeds every step: one integer seed is drawn per step.

    Attributes
    ----------
    pipeline_ : imblearn.pipeline.Pipeline
        The fitted pipeline; ``pipeline_.named_steps["distill"]`` is the
        fitted distiller, ``pipeline_[-1]`` the final network.

    distiller_ : ConfidenceDistiller
        The fitted distiller (the pipeline's first step).

    distilled_indices_ : ndarray of shape (n_kept,)
        Rows of the training data that the distiller kept.

    n_train_samples_ : int
        Number of spectra the final network was trained on.

    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.

    n_features_in_ : int
        Number of points of each spectrum seen during :meth:`fit`.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the points when ``X`` had string column names.

    See Also
    --------
    make_distillmix_pipeline : The same steps, each one swappable.
    ResNetClassifier : The network without distillation or augmentation.

    Notes
    -----
    The distillation network trains one epoch per
    :meth:`~skmrs.ResNetClassifier.partial_fit`, so its length is
    ``distill_epochs``, never ``max_epochs``. Before skmrs 0.3 the network's
    settings were flat parameters of this class (``n_filters=8``); they are
    now those of ``estimator`` (``estimator=ResNetClassifier(n_filters=8)``,
    ``estimator__n_filters`` in a grid search).

    References
    ----------
    .. [1] <paper>.

    Examples
    --------
    >>> import numpy as np
    >>> from skmrs import DistillMixClassifier, ResNetClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 32)).astype(np.float32)
    >>> y = np.repeat([0, 1], 30)
    >>> X[y == 1, 20] += 4.0
    >>> net = ResNetClassifier(n_filters=4, n_blocks=2, kernel_size=5,
    ...                        max_epochs=2, batch_size=64)
    >>> clf = DistillMixClassifier(
    ...     net, threshold=0.6, distill_epochs=2, augment_factor=1, random_state=0
    ... ).fit(X, y)
    >>> clf.predict_proba(X).shape
    (60, 2)
    >>> bool(set(clf.distilled_indices_) <= set(range(60)))
    True
    """

    _skmrs_model_name = "skmrs.DistillMixClassifier"
    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "alpha": [Interval(Real, 0, 1, closed="both")],
        "augment_factor": [Interval(Real, 0, None, closed="left")],
        "strategy": [StrOptions({"both", "same", "other"})],
        "threshold": [Interval(Real, 0.5, 1, closed="right")],
        "distill_epochs": [Interval(Integral, 1, None, closed="left")],
        "oversample": ["boolean"],
        "keep_original": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        alpha=0.5,
        augment_factor=5,
        strategy="both",
        threshold=0.99,
        distill_epochs=5,
        oversample=True,
        keep_original=True,
        random_state=None,
    ):
        self.estimator = estimator
        self.alpha = alpha
        self.augment_factor = augment_factor
        self.strategy = strategy
        self.threshold = threshold
        self.distill_epochs = distill_epochs
        self.oversample = oversample
        self.keep_original = keep_original
        self.random_state = random_state

    def _make_pipeline(self, random_state):
        seeds = random_state.randint(np.iinfo(np.int32).max, size=len(STEP_NAMES))
        net = ResNetClassifier() if self.estimator is None else self.estimator
        return make_distillmix_pipeline(
            distiller=ConfidenceDistiller(
                clone(net),
                threshold=self.threshold,
                epochs=self.distill_epochs,
                random_state=seeds[0],
            ),
            oversampler=(
                RandomOverSampler(random_state=seeds[1])
                if self.oversample
                else "passthrough"
            ),
            augmenter=MixingAugmenter(
                alpha=self.alpha,
                factor=self.augment_factor,
                strategy=self.strategy,
                keep_original=self.keep_original,
                random_state=seeds[2],
            ),
            classifier=set_random_states(clone(net), int(seeds[3])),
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Distil, oversample, augment, then train the final network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Training spectra.

        y : array-like of shape (n_samples,)
            Class labels, possibly noisy, at least two distinct ones.

        Returns
        -------
        self : DistillMixClassifier
            The fitted classifier.
        """
        _check_real(X, self)
        X, y = validate_data(self, X, y, dtype=[np.float32, np.float64])
        check_classification_targets(y)
        pipeline = self._make_pipeline(check_random_state(self.random_state))
        X_train, y_train = pipeline[:-1].fit_resample(X, y)
        pipeline[-1].fit(X_train, y_train)
        self.pipeline_ = pipeline
        self.classes_ = pipeline[-1].classes_
        self.distiller_ = pipeline.named_steps["distill"]
        self.distilled_indices_ = self.distiller_.sample_indices_
        self.n_train_samples_ = int(len(y_train))
        return self

    def _final_input(self, X):
        check_is_fitted(self)
        _check_real(X, self)
        return validate_data(self, X, reset=False, dtype=[np.float32, np.float64])

    def predict_proba(self, X):
        """Class probabilities from the final network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Spectra.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``.
        """
        X = self._final_input(X)
        return self.pipeline_[-1].predict_proba(X)

    def predict(self, X):
        """Most probable class of each spectrum.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Spectra.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        X = self._final_input(X)
        return self.pipeline_[-1].predict(X)

    def class_activation_maps(self, X, class_label=None):
        """Class activation maps of the final network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Spectra.

        class_label : label or None, default=None
            Class whose map to return; None takes each spectrum's predicted
            class.

        Returns
        -------
        cams : ndarray of shape (n_samples, n_points)
            See :meth:`skmrs.ResNetClassifier.class_activation_maps`.
        """
        X = self._final_input(X)
        return self.pipeline_[-1].class_activation_maps(X, class_label=class_label)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.classifier_tags.multi_class = True
        # Same reason as ResNetClassifier: the common checks' blobs are not
        # spectra and run with a tiny net for two epochs.
        tags.classifier_tags.poor_score = True
        return tags
