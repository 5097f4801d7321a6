"""Mixing augmentation: convex combinations of two training spectra."""

from numbers import Real

import numpy as np
from imblearn.utils import Substitution
from sklearn.utils._param_validation import Interval, StrOptions

from .._docs import cite_paper
from ._base import _BaseAugmenter, _keep_original_doc, _random_state_doc


def _draw_partners(y_encoded, targets, strategy, random_state):
    """Draw one partner index ``k`` for each target index ``j``, vectorised.

    Samples are sorted by class so that class ``c`` occupies the block
    ``[starts[c], starts[c] + counts[c])``; a partner is a uniform position in
    the target's own block ("same"), in everything outside it ("other") or
    anywhere ("both").
    """
    n_samples = y_encoded.shape[0]
    if strategy == "both":
        return random_state.randint(0, n_samples, size=targets.shape[0])
    order = np.argsort(y_encoded, kind="stable")
    counts = np.bincount(y_encoded)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    target_class = y_encoded[targets]
    own_start, own_count = starts[target_class], counts[target_class]
    if strategy == "same":
        position = own_start + random_state.randint(0, own_count)
    else:
        rank = random_state.randint(0, n_samples - own_count)
        position = np.where(rank < own_start, rank, rank + own_count)
    return order[position]


@cite_paper
@Substitution(random_state=_random_state_doc, keep_original=_keep_original_doc)
class MixingAugmenter(_BaseAugmenter):
    """Create new spectra by mixing pairs of training spectra.

    Each new sample is ``(1 - alpha) * x_j + alpha * x_k`` (equation 1 of
    Lu et al.), where ``x_j`` (the *target*) takes its label to the new
    sample and ``x_k`` (the *partner*) is drawn from the same class, another
    class or any class.

    Parameters
    ----------
    alpha : float, default=0.5
        Mixing weight of the partner, in ``[0, 1]``. ``alpha=0`` copies the
        target, ``alpha=1`` copies the partner (with the target's label).
        The default is the paper's.

    factor : float, default=5
        Number of new samples per input sample (the paper's augmentation
        factor ``|A| / |C|``); ``round(factor * n_samples)`` new samples are
        made. Every input sample is a target ``floor(factor)`` times, and the
        remaining targets are drawn without replacement. ``0`` makes none.

    strategy : {{"both", "same", "other"}}, default="both"
        Where the partner comes from: the target's class ("same", the
        paper's aug-with-same), any other class ("other", aug-with-other) or
        the whole input ("both", aug-with-both, the paper's default and most
        stable choice). With more than two classes, "other" draws uniformly
        from all samples outside the target's class, so larger classes are
        drawn more often. Partners are drawn with replacement and may be the
        target itself under "same" and "both".

    {keep_original}

    {random_state}

    Attributes
    ----------
    pair_indices_ : ndarray of shape (n_new_samples, 2)
        Row indices into the input of the target ``j`` (column 0) and the
        partner ``k`` (column 1) of each new sample, in output order.

    n_features_in_ : int
        Number of features seen during :meth:`fit_resample`.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, defined when ``X`` has string column names.

    See Also
    --------
    ConfidenceDistiller : Select the samples that are worth mixing.
    NoiseAugmenter : The Gaussian-noise augmentation baseline.

    Notes
    -----
    The sampler draws all pairs at once with numpy: its cost is one
    fancy-indexing pass over ``X``, without a Python loop per sample.
    Spectra of different classes mixed with ``alpha=0.5`` carry the
    target's label, which is the point of the "other" and "both"
    strategies: the network must learn that the target's class is present
    even when half of the signal is another class's.

    References
    ----------
    .. [1] <paper>.

    Examples
    --------
    >>> import numpy as np
    >>> from skmrs.sampling import MixingAugmenter
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0], [4.0, 4.0], [5.0, 5.0]])
    >>> y = np.array([0, 0, 1, 1])
    >>> mixer = MixingAugmenter(alpha=0.5, factor=2, strategy="same", random_state=0)
    >>> X_res, y_res = mixer.fit_resample(X, y)
    >>> X_res.shape, np.bincount(y_res)
    ((12, 2), array([6, 6]))
    """

    _skmrs_model_name = "skmrs.sampling.MixingAugmenter"
    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, 1, closed="both")],
        "factor": [Interval(Real, 0, None, closed="left")],
        "strategy": [StrOptions({"both", "same", "other"})],
        "keep_original": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        alpha=0.5,
        factor=5,
        strategy="both",
        keep_original=True,
        random_state=None,
    ):
        self.alpha = alpha
        self.factor = factor
        self.strategy = strategy
        self.keep_original = keep_original
        self.random_state = random_state

    def _new_samples(self, X, y, targets, random_state):
        _, y_encoded = np.unique(y, return_inverse=True)
        partners = _draw_partners(y_encoded, targets, self.strategy, random_state)
        self.pair_indices_ = np.column_stack([targets, partners])
        return (1 - self.alpha) * X[targets] + self.alpha * X[partners]
