"""Patient context: each spectrum beside its difference from its patient's median."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._model_state import ModelStateMixin
from ..utils._validation import _check_real, check_groups

__all__ = ["PatientContextTransformer"]


class PatientContextTransformer(ModelStateMixin, TransformerMixin, BaseEstimator):
    """Append to each spectrum its difference from its own patient's median.

    The output row of a spectrum ``x`` of patient ``g`` is ``[x, x -
    median(spectra of g)]``: the spectrum itself, and how it departs from the
    rest of the same scan. Only the patient's own spectra enter the median,
    never another patient's, so the transform is the same inside and outside
    a cross-validation and at prediction time (a patient's whole MRSI is
    available there). Stateless: :meth:`fit` learns nothing from the data.

    It helps find tumour *patients* (patient accuracy), not tumour *tissue*:
    see the user guide page "Learning from noisy labels".

    Parameters
    ----------
    None

    Attributes
    ----------
    n_features_in_ : int
        Number of points of each spectrum seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the points when ``X`` had string column names.

    Notes
    -----
    ``groups`` (the patient of each spectrum) must reach :meth:`transform`.
    In a pipeline, with ``sklearn.set_config(enable_metadata_routing=True)``,
    request it with ``set_transform_request(groups=True)`` (and
    ``set_fit_request(groups=True)``) and pass ``groups=`` to the pipeline's
    ``fit`` and ``predict``. Without ``groups`` every row is taken to be one
    patient's spectrum: pass a single patient's scan then.

    Examples
    --------
    >>> import numpy as np
    >>> from skmrs.preprocessing import PatientContextTransformer
    >>> X = np.array([[1.0, 2.0], [3.0, 2.0], [10.0, 0.0]])
    >>> PatientContextTransformer().fit_transform(X, groups=[0, 0, 1])
    array([[ 1.,  2., -1.,  0.],
           [ 3.,  2.,  1.,  0.],
           [10.,  0.,  0.,  0.]])
    """

    _skmrs_model_name = "skmrs.preprocessing.PatientContextTransformer"
    _parameter_constraints: dict = {}

    def __init__(self):
        pass

    def fit(self, X, y=None, groups=None):
        """Record the number of points; nothing is learned from the data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Spectra.
        y : None
            Ignored.
        groups : array-like of shape (n_samples,), default=None
            Ignored here; accepted so that it can be routed.

        Returns
        -------
        self : PatientContextTransformer
            The fitted transformer.
        """
        _check_real(X, self)
        validate_data(self, X, dtype=[np.float64, np.float32])
        return self

    def transform(self, X, groups=None) -> np.ndarray:
        """Each spectrum beside its difference from its patient's median.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Spectra.
        groups : array-like of shape (n_samples,), default=None
            Patient of each spectrum; None takes all rows as one patient.

        Returns
        -------
        X_context : ndarray of shape (n_samples, 2 * n_points)
            ``[X, X - patient median]``.
        """
        check_is_fitted(self)
        _check_real(X, self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        if groups is None:
            groups = np.zeros(X.shape[0], dtype=int)
        groups = check_groups(groups, X.shape[0])
        _, patient = np.unique(groups, return_inverse=True)
        context = np.empty_like(X)
        for g in range(patient.max() + 1 if patient.size else 0):
            rows = patient == g
            context[rows] = X[rows] - np.median(X[rows], axis=0)
        return np.hstack([X, context])

    def fit_transform(self, X, y=None, groups=None) -> np.ndarray:
        """:meth:`fit`, then :meth:`transform` with the same ``groups``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Spectra.
        y : None
            Ignored.
        groups : array-like of shape (n_samples,), default=None
            Patient of each spectrum.

        Returns
        -------
        X_context : ndarray of shape (n_samples, 2 * n_points)
            ``[X, X - patient median]``.
        """
        return self.fit(X, y).transform(X, groups=groups)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the output columns: the inputs, then ``context_<input>``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input names; None uses ``feature_names_in_`` or ``x0, x1, ...``.

        Returns
        -------
        names : ndarray of str
            ``2 * n_features_in_`` names.
        """
        from sklearn.utils.validation import _check_feature_names_in

        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        return np.concatenate([names, np.array([f"context_{n}" for n in names])])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.requires_fit = True
        return tags
