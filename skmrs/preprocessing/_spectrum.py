"""Transformers from complex FIDs to the 288-point spectra the classifiers take."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)
from threadpoolctl import threadpool_limits

from ..datasets import default_ppm_axis
from ..utils._model_state import ModelStateMixin
from ..utils._validation import _check_real, _is_complex
from ._hlsvd import RANDOMIZED_MAX_COMPONENTS, remove_water_hlsvd
from ._steps import (
    estimate_shift,
    estimate_zero_order_phase,
    fid_to_spectrum,
    interp_descending,
    normalize,
    ppm_axis,
)

_NORM_CONSTRAINT = [StrOptions({"rms", "l2", "max"}), None]
#: FIDs preprocessed together: their zero-filled spectra (4 x 2048 complex
#: points, 128 kB each at the defaults) are what a block holds (issue 25).
_ROWS_AT_A_TIME = 64


class SpectrumPreprocessor(ModelStateMixin, TransformerMixin, BaseEstimator):
    """Turn complex FIDs into real spectra on the 288-point ppm grid.

    Each row of ``X`` is one free induction decay (FID). The steps run in a
    fixed order, each one switchable by its parameter:

    1. conjugation, for data stored with the mirrored frequency convention
       (``conjugate``);
    2. residual-water removal by HLSVD (``water_removal``, ``water_range``,
       ``n_water_components``);
    3. exponential apodisation, zero filling and FFT (``line_broadening``,
       ``zero_fill``);
    4. frequency referencing: the spectrum is shifted, by at most
       ``max_shift`` ppm, so that its reference peaks (NAA 2.01 and creatine
       3.03 ppm by default) sit at their nominal positions;
    5. zero-order phase correction that makes those peaks absorptive
       (``phase_correction``);
    6. the real part, linearly interpolated onto
       :func:`skmrs.datasets.default_ppm_axis` (4.2 to 0.2 ppm, descending);
    7. normalisation of each spectrum (``norm``).

    Every row must share the acquisition parameters ``spectral_width``,
    ``centre_frequency`` and the number of points; files acquired differently
    are preprocessed with one instance each (as
    :func:`skmrs.io.load_nifti_mrs_dataset` does) and the results stacked.

    Parameters
    ----------
    spectral_width : float, default=2000.0
        Spectral width (sampling rate of the FID) in Hz.
    centre_frequency : float, default=127.8
        Spectrometer (carrier) frequency in MHz; 127.8 is a 3 T Philips
        scanner, 123.2 a 3 T Siemens one.
    ppm_reference : float, default=4.7
        Chemical shift of the carrier in ppm; 4.7 for water-referenced 1H data.
        The point at frequency offset ``f`` (Hz) from the carrier lies at
        ``ppm_reference + f / centre_frequency`` ppm.
    conjugate : bool, default=False
        Complex-conjugate the FIDs first. NIfTI-MRS files need no conjugation;
        LCModel ``.RAW`` files and some vendor exports do (their spectrum
        appears mirrored about the carrier, NAA near 7.4 ppm).
    water_removal : {"hlsvd", "hlsvd-randomized"} or None, default="hlsvd"
        Remove residual water by HLSVD (the FID is fitted as a sum of damped
        sinusoids and those in ``water_range`` are subtracted), or do nothing.
        ``"hlsvd"`` finds the leading singular directions of each FID's
        Hankel matrix exactly (LAPACK, one FID at a time); the faster
        ``"hlsvd-randomized"`` finds them by a randomized range finder for
        stacks of FIDs (about four times faster on a whole-brain MRSI file)
        and takes ``n_water_components`` of at most 10: against simulated
        FIDs with known metabolites and water, 10 components found this way
        were as accurate as the exact 25 (median, 95th percentile and
        largest error of the spectra about 0.5, 5 and 13 noise sds, against
        0.5, 5 and 17) and left less water, whereas more components lie in
        the noise, which it does not resolve. On a noisy real scan it left
        more water than the default; see "Faster water removal for
        whole-brain MRSI" in the scale page of the documentation.
    water_range : array-like of shape (2,), default=(4.4, 5.0)
        Chemical-shift interval (ppm, before referencing) whose HLSVD
        components are removed.
    n_water_components : int, default=25
        Number of damped sinusoids of the HLSVD model; at most 10 with
        ``water_removal="hlsvd-randomized"``.
    line_broadening : float, default=2.0
        Exponential apodisation in Hz (the Lorentzian line broadening it
        adds); 0 switches it off.
    zero_fill : int, default=4
        The FID is zero-filled to ``zero_fill`` times its length before the
        FFT, so that linear interpolation onto the grid is accurate.
    reference_peaks : array-like of shape (n_peaks,), default=(2.01, 3.03)
        Nominal positions (ppm) of the peaks used for frequency referencing and
        phasing: NAA and total creatine.
    max_shift : float, default=0.2
        Largest frequency correction, in ppm, that referencing may apply; 0
        switches referencing off.
    phase_correction : bool, default=True
        Apply the zero-order phase that makes the reference peaks absorptive.
    norm : {"rms", "l2", "max"} or None, default="rms"
        Divide each spectrum by its root mean square over the 288 points (the
        scale of the simulated cohorts), by its Euclidean norm, by its largest
        absolute value, or leave it unscaled.

    Attributes
    ----------
    n_features_in_ : int
        Number of FID points seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`, when ``X`` has string
        column names.
    ppm_ : ndarray of shape (288,)
        Chemical shift of each output column, in ppm (descending).

    See Also
    --------
    SpectrumNormalizer : Only the normalisation, for spectra already on the
        grid.
    skmrs.io.read_nifti_mrs : Read FIDs and their acquisition parameters.

    Notes
    -----
    ``fit`` learns nothing from the data: every step works on one spectrum at
    a time, so the transformer can sit anywhere in a cross-validated
    :class:`~sklearn.pipeline.Pipeline`.

    Frequency referencing uses the magnitude spectrum, so it does not depend
    on the phase: the magnitude is smoothed by a difference of Gaussians
    (0.012 and 0.06 ppm), which keeps peak positions and removes the broad
    baseline, and the shift that maximises the smoothed magnitude summed at
    the reference positions is refined between points by a parabola. The
    phase is then the angle of the sum of the complex spectrum at the apexes
    of the referenced peaks, so that the tallest peaks decide it; each apex
    is refined between points too, so that the phase does not depend on
    where it falls between them.

    HLSVD fits the first 512 points of the FID (a 256-row Hankel matrix);
    residual water decays well within them, and the fit takes milliseconds.

    References
    ----------
    .. [1] H. Barkhuijsen, R. de Beer and D. van Ormondt, "Improved algorithm
       for noniterative time-domain model fitting to exponentially damped
       magnetic resonance signals", J. Magn. Reson. 73 (1987) 553-557.
    .. [2] W. W. F. Pijnappel, A. van den Boogaart, R. de Beer and
       D. van Ormondt, "SVD-based quantification of magnetic resonance
       signals", J. Magn. Reson. 97 (1992) 122-134.
    .. [3] N. Halko, P. G. Martinsson and J. A. Tropp, "Finding structure
       with randomness: probabilistic algorithms for constructing approximate
       matrix decompositions", SIAM Review 53 (2011) 217-288
       (``water_removal="hlsvd-randomized"``).

    Examples
    --------
    >>> import numpy as np
    >>> from skmrs.datasets import default_ppm_axis
    >>> from skmrs.preprocessing import SpectrumPreprocessor
    >>> t = np.arange(1024) / 2000.0
    >>> peaks = [(3.0, 2.02), (2.0, 3.04), (1.5, 3.21)]  # 0.01 ppm off
    >>> fid = sum(
    ...     a * np.exp(-2j * np.pi * (p - 4.7) * 127.8 * t - t / 0.1)
    ...     for a, p in peaks
    ... )
    >>> pre = SpectrumPreprocessor(spectral_width=2000.0, centre_frequency=127.8)
    >>> X = pre.fit_transform(fid[np.newaxis, :])
    >>> X.shape
    (1, 288)
    >>> round(float(default_ppm_axis()[np.argmax(X[0])]), 2)
    2.01
    >>> round(float(np.sqrt(np.mean(X**2))), 6)
    1.0
    """

    _skmrs_model_name = "skmrs.preprocessing.SpectrumPreprocessor"
    _parameter_constraints: dict = {
        "spectral_width": [Interval(Real, 0, None, closed="neither")],
        "centre_frequency": [Interval(Real, 0, None, closed="neither")],
        "ppm_reference": [Interval(Real, None, None, closed="neither")],
        "conjugate": ["boolean"],
        "water_removal": [StrOptions({"hlsvd", "hlsvd-randomized"}), None],
        "water_range": ["array-like"],
        "n_water_components": [Interval(Integral, 1, None, closed="left")],
        "line_broadening": [Interval(Real, 0, None, closed="left")],
        "zero_fill": [Interval(Integral, 1, None, closed="left")],
        "reference_peaks": ["array-like"],
        "max_shift": [Interval(Real, 0, None, closed="left")],
        "phase_correction": ["boolean"],
        "norm": _NORM_CONSTRAINT,
    }

    def __init__(
        self,
        *,
        spectral_width: float = 2000.0,
        centre_frequency: float = 127.8,
        ppm_reference: float = 4.7,
        conjugate: bool = False,
        water_removal: str | None = "hlsvd",
        water_range: tuple[float, float] = (4.4, 5.0),
        n_water_components: int = 25,
        line_broadening: float = 2.0,
        zero_fill: int = 4,
        reference_peaks: tuple[float, ...] = (2.01, 3.03),
        max_shift: float = 0.2,
        phase_correction: bool = True,
        norm: str | None = "rms",
    ):
        self.spectral_width = spectral_width
        self.centre_frequency = centre_frequency
        self.ppm_reference = ppm_reference
        self.conjugate = conjugate
        self.water_removal = water_removal
        self.water_range = water_range
        self.n_water_components = n_water_components
        self.line_broadening = line_broadening
        self.zero_fill = zero_fill
        self.reference_peaks = reference_peaks
        self.max_shift = max_shift
        self.phase_correction = phase_correction
        self.norm = norm

    def _validate_fids(self, X, *, reset: bool) -> np.ndarray:
        """Check complex or real FIDs; return them as complex128."""
        if not _is_complex(X):
            X = validate_data(self, X, reset=reset, dtype=np.float64)
            return X.astype(np.complex128)
        X = np.asarray(X)
        n_rows = X.shape[0] if X.ndim == 2 else None
        # scikit-learn refuses complex arrays: check real and imaginary parts
        # stacked as rows, which keeps n_features and every other check.
        parts = validate_data(
            self, np.concatenate([X.real, X.imag]), reset=reset, dtype=np.float64
        )
        if n_rows is None:
            raise ValueError(f"Expected a 2D array of FIDs; got shape {X.shape}.")
        return parts[:n_rows] + 1j * parts[n_rows:]

    def _check_peak_parameters(self) -> tuple[tuple[float, float], np.ndarray]:
        if (
            self.water_removal == "hlsvd-randomized"
            and self.n_water_components > RANDOMIZED_MAX_COMPONENTS
        ):
            raise ValueError(
                'water_removal="hlsvd-randomized" takes n_water_components <= '
                f"{RANDOMIZED_MAX_COMPONENTS}; got n_water_components="
                f"{self.n_water_components!r}. The randomized range finder "
                "cannot find the directions beyond the leading ~10, which lie in "
                "the noise; use n_water_components <= "
                f'{RANDOMIZED_MAX_COMPONENTS} or water_removal="hlsvd".'
            )
        water_range = np.asarray(self.water_range, dtype=float)
        if water_range.shape != (2,) or not water_range[0] < water_range[1]:
            raise ValueError(
                "water_range must be two increasing chemical shifts (ppm); got "
                f"{self.water_range!r}."
            )
        peaks = np.asarray(self.reference_peaks, dtype=float)
        if peaks.ndim != 1 or peaks.size == 0 or not np.all(np.isfinite(peaks)):
            raise ValueError(
                "reference_peaks must be a non-empty 1D sequence of finite ppm "
                f"values; got {self.reference_peaks!r}."
            )
        return (float(water_range[0]), float(water_range[1])), peaks

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters and the shape of the FIDs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            FIDs, complex (real input is taken as a FID with zero imaginary
            part).
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted preprocessor.
        """
        self._check_peak_parameters()
        self._validate_fids(X, reset=True)
        self.ppm_ = default_ppm_axis()
        return self

    def transform(self, X) -> np.ndarray:
        """Preprocess FIDs into spectra on the 288-point grid.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            FIDs, complex, with ``n_points`` equal to that seen in ``fit``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, 288)
            Real spectra on :func:`skmrs.datasets.default_ppm_axis`.
        """
        check_is_fitted(self)
        fids = self._validate_fids(X, reset=False)
        water_range, peaks = self._check_peak_parameters()
        out = np.empty((len(fids), len(self.ppm_)))
        # One thread: BLAS threads only slow down decompositions this small.
        with threadpool_limits(limits=1, user_api="blas"):
            for start in range(0, len(fids), _ROWS_AT_A_TIME):
                rows = slice(start, start + _ROWS_AT_A_TIME)
                out[rows] = self._on_grid(fids[rows], water_range, peaks)
        return normalize(out, self.norm)

    def _on_grid(self, fids, water_range, peaks) -> np.ndarray:
        """Steps 1-6 on a block of FIDs: real spectra on the grid, unscaled.

        Blocks keep the zero-filled complex spectra (``zero_fill`` times the
        FID's length) of a few rows in memory at a time, not of all of them.
        """
        if self.conjugate:
            fids = np.conj(fids)
        if self.water_removal in ("hlsvd", "hlsvd-randomized"):
            fids = remove_water_hlsvd(
                fids,
                self.spectral_width,
                self.centre_frequency,
                self.ppm_reference,
                water_range,
                self.n_water_components,
                solver="exact" if self.water_removal == "hlsvd" else "randomized",
            )
        spectra = fid_to_spectrum(
            fids, self.spectral_width, self.line_broadening, self.zero_fill
        )
        ppm = ppm_axis(
            spectra.shape[1],
            self.spectral_width,
            self.centre_frequency,
            self.ppm_reference,
        )
        out = np.empty((len(spectra), len(self.ppm_)))
        for i, spectrum in enumerate(spectra):
            shifted = ppm
            if self.max_shift > 0:
                shifted = ppm - estimate_shift(spectrum, ppm, peaks, self.max_shift)
            if self.phase_correction:
                phase = estimate_zero_order_phase(spectrum, shifted, peaks)
                spectrum = spectrum * np.exp(-1j * phase)
            out[i] = interp_descending(self.ppm_, shifted, spectrum.real)
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Output column names: the ppm of each grid point (``"ppm_4.193"``).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Checked against the names seen in ``fit``; not used otherwise.

        Returns
        -------
        feature_names_out : ndarray of str objects of shape (288,)
            One name per output column.
        """
        check_is_fitted(self)
        _check_feature_names_in(self, input_features, generate_names=False)
        return np.asarray([f"ppm_{p:.3f}" for p in self.ppm_], dtype=object)


class SpectrumNormalizer(
    ModelStateMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator
):
    """Scale each real spectrum by its RMS, Euclidean norm or maximum.

    Use it on spectra that are already on the grid (a table of spectra, the
    output of another tool); :class:`SpectrumPreprocessor` normalises with the
    same rule as its last step.

    Parameters
    ----------
    norm : {"rms", "l2", "max"} or None, default="rms"
        ``"rms"`` divides each spectrum by the root mean square of its points,
        the scale of the simulated cohorts; ``"l2"`` by its Euclidean norm;
        ``"max"`` by its largest absolute value; None leaves it unchanged.
        A spectrum of zeros is left unchanged.

    Attributes
    ----------
    n_features_in_ : int
        Number of points per spectrum seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`, when ``X`` has string
        column names.

    See Also
    --------
    sklearn.preprocessing.Normalizer : The L1, L2 and max norms, also for
        sparse data.

    Examples
    --------
    >>> import numpy as np
    >>> from skmrs.preprocessing import SpectrumNormalizer
    >>> X = np.array([[3.0, -3.0, 3.0, -3.0], [0.0, 2.0, 0.0, 0.0]])
    >>> SpectrumNormalizer().fit_transform(X)
    array([[ 1., -1.,  1., -1.],
           [ 0.,  2.,  0.,  0.]])
    >>> SpectrumNormalizer(norm="max").fit_transform(X)[1]
    array([0., 1., 0., 0.])
    """

    _skmrs_model_name = "skmrs.preprocessing.SpectrumNormalizer"
    _parameter_constraints: dict = {"norm": _NORM_CONSTRAINT}

    def __init__(self, *, norm: str | None = "rms"):
        self.norm = norm

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters and record the number of points.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Real spectra.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted normaliser.
        """
        _check_real(X, self)
        validate_data(self, X, reset=True)
        return self

    def transform(self, X) -> np.ndarray:
        """Normalise each spectrum.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points)
            Real spectra.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_points)
            The scaled spectra.
        """
        check_is_fitted(self)
        _check_real(X, self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return normalize(X, self.norm)
