"""Gaussian-noise augmentation, the baseline that mixing is compared with."""

from numbers import Real

from imblearn.utils import Substitution
from sklearn.utils._param_validation import Interval, StrOptions

from .._docs import cite_paper
from ._base import _BaseAugmenter, _keep_original_doc, _random_state_doc


@cite_paper
@Substitution(random_state=_random_state_doc, keep_original=_keep_original_doc)
class NoiseAugmenter(_BaseAugmenter):
    """Create new spectra by adding Gaussian noise to training spectra.

    Each new sample is ``x_j + scale * s * e`` with ``e`` standard normal
    noise, independent per point, and ``s`` the standard deviation of the
    spectrum ``x_j`` itself (``relative_to="sample"``) or of all input values
    (``relative_to="data"``). Its label is the label of ``x_j``. This is the
    "noise augmentation" baseline of Lu et al., which made results worse than
    no augmentation in their hands.

    Parameters
    ----------
    scale : float, default=0.05
        Noise standard deviation relative to the reference ``s``. The paper
        tuned the amplitude without reporting it; 0.05 is a mild default.

    factor : float, default=5
        Number of new samples per input sample, as in
        :class:`MixingAugmenter`.

    relative_to : {{"sample", "data"}}, default="sample"
        Reference standard deviation: each spectrum's own (noise scales with
        each spectrum's amplitude) or the standard deviation of all values of
        ``X`` (one noise level for every spectrum).

    {keep_original}

    {random_state}

    Attributes
    ----------
    target_indices_ : ndarray of shape (n_new_samples,)
        Row index into the input of the spectrum each new sample was made
        from, in output order.

    n_features_in_ : int
        Number of features seen during :meth:`fit_resample`.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, defined when ``X`` has string column names.

    See Also
    --------
    MixingAugmenter : The paper's augmentation.

    References
    ----------
    .. [1] <paper>.

    Examples
    --------
    >>> import numpy as np
    >>> from skmrs.sampling import NoiseAugmenter
    >>> X = np.array([[0.0, 1.0, 2.0], [3.0, 1.0, 0.0]])
    >>> y = np.array([0, 1])
    >>> X_res, y_res = NoiseAugmenter(factor=3, random_state=0).fit_resample(X, y)
    >>> X_res.shape, y_res.tolist()
    ((8, 3), [0, 1, 0, 1, 0, 1, 0, 1])
    """

    _skmrs_model_name = "skmrs.sampling.NoiseAugmenter"
    _parameter_constraints: dict = {
        "scale": [Interval(Real, 0, None, closed="left")],
        "factor": [Interval(Real, 0, None, closed="left")],
        "relative_to": [StrOptions({"sample", "data"})],
        "keep_original": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        scale=0.05,
        factor=5,
        relative_to="sample",
        keep_original=True,
        random_state=None,
    ):
        self.scale = scale
        self.factor = factor
        self.relative_to = relative_to
        self.keep_original = keep_original
        self.random_state = random_state

    def _new_samples(self, X, y, targets, random_state):
        self.target_indices_ = targets
        if self.relative_to == "sample":
            reference = X.std(axis=1, keepdims=True)[targets]
        else:
            reference = X.std()
        noise = random_state.standard_normal((targets.shape[0], X.shape[1]))
        return X[targets] + self.scale * reference * noise
