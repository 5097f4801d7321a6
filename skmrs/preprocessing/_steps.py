"""The preprocessing steps as plain functions on arrays of FIDs and spectra.

Each function works on one or many rows (the last axis is time or frequency)
and knows nothing of scikit-learn; the transformers in ``_spectrum.py`` chain
them. A spectrum is the ``fftshift`` of the FFT of the FID. In NIfTI-MRS files
(spec2nii's output from Siemens and Philips data alike) a resonance at offset
``f`` Hz from the carrier appears at FFT frequency ``-f``, so the point at
FFT frequency ``nu`` lies at ``ppm_reference - nu / centre_frequency`` ppm:
ppm falls with the index, in the same direction as the 288-point grid.
Data stored the other way round (LCModel ``.RAW``) are conjugated first.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.ndimage

#: HLSVD looks at no more than this many leading FID points (a 256-row Hankel
#: matrix). Residual water decays within them, and the SVD stays near 30 ms.
HLSVD_MAX_POINTS = 512
#: HLSVD keeps the singular directions above this fraction of the largest
#: singular value: those below are rounding noise (noise in a measured FID
#: stays orders of magnitude above it).
HLSVD_RELATIVE_FLOOR = 1e-6

#: Width (standard deviation, ppm) of the narrow and broad Gaussians whose
#: difference smooths the magnitude spectrum before the reference peaks are
#: located: the narrow one averages noise, the broad one removes the baseline.
#: Half-width (ppm) of the window in which a reference peak's apex is sought
#: for phasing.
PHASE_SEARCH_PPM = 0.05
_NARROW_PPM = 0.012
_BROAD_PPM = 0.06


def ppm_axis(
    n_points: int, spectral_width: float, centre_frequency: float, ppm_reference: float
) -> np.ndarray:
    """Descending ppm of the ``n_points`` points of an ``fftshift``-ed spectrum."""
    freq = np.fft.fftshift(np.fft.fftfreq(n_points, d=1.0 / spectral_width))
    return ppm_reference - freq / centre_frequency


def interp_descending(x: np.ndarray, ppm: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Linear interpolation of ``values`` given on a descending ``ppm`` axis.

    Points outside the axis get 0.
    """
    x = np.asarray(x, dtype=float)
    if np.iscomplexobj(values):
        return interp_descending(x, ppm, values.real) + 1j * interp_descending(
            x, ppm, values.imag
        )
    return np.interp(-x, -ppm, values, left=0.0, right=0.0)


def fid_to_spectrum(
    fids: np.ndarray, spectral_width: float, line_broadening: float, zero_fill: int
) -> np.ndarray:
    """Exponential apodisation, zero filling and FFT of FIDs (last axis).

    The first point is halved before the transform, which removes the
    constant offset that the discrete transform otherwise adds to the
    spectrum.
    """
    n_points = fids.shape[-1]
    time = np.arange(n_points) / spectral_width
    weighted = fids * np.exp(-np.pi * line_broadening * time)
    weighted[..., 0] *= 0.5
    spectra = np.fft.fft(weighted, n=n_points * zero_fill, axis=-1)
    return np.fft.fftshift(spectra, axes=-1)


def remove_water_hlsvd(
    fid: np.ndarray,
    spectral_width: float,
    centre_frequency: float,
    ppm_reference: float,
    water_range: tuple[float, float],
    n_components: int,
) -> np.ndarray:
    """Subtract the HLSVD components of one FID that lie in ``water_range``.

    The FID (its first :data:`HLSVD_MAX_POINTS` points) is modelled as a sum
    of exponentially damped complex sinusoids by the Hankel-Lanczos SVD
    method (Barkhuijsen et al. 1987; Pijnappel et al. 1992); the components
    whose frequency falls in ``water_range`` (ppm) and which decay are
    evaluated over the whole FID and subtracted.
    """
    n_fit = min(fid.shape[-1], HLSVD_MAX_POINTS)
    n_rows = n_fit // 2
    rank = min(n_components, n_rows - 1, n_fit - n_rows)
    if rank < 1:
        return fid.copy()
    head = np.asarray(fid[:n_fit], dtype=np.complex128)
    u = _leading_left_singular_vectors(head, n_rows, rank)
    if u.shape[1] == 0:  # an empty FID
        return fid.copy()
    shift_operator = scipy.linalg.lstsq(u[:-1], u[1:], check_finite=False)[0]
    poles = scipy.linalg.eigvals(shift_operator, check_finite=False)
    basis = _powers(poles, n_fit)
    amplitudes = scipy.linalg.lstsq(basis, head, check_finite=False)[0]
    ppm = ppm_reference - np.angle(poles) * spectral_width / (
        2 * np.pi * centre_frequency
    )
    low, high = min(water_range), max(water_range)
    water = (ppm >= low) & (ppm <= high) & (np.abs(poles) < 1.0)
    if not water.any():
        return fid.copy()
    model = _powers(poles[water], fid.shape[-1]) @ amplitudes[water]
    return fid - model


def _powers(poles: np.ndarray, n: int) -> np.ndarray:
    """``poles ** t`` for t = 0 .. n-1 as an (n, n_poles) matrix, by repeated
    multiplication (25 times faster than complex powers, equal to rounding)."""
    return np.vander(poles, n, increasing=True).T


def _leading_left_singular_vectors(head, n_rows: int, rank: int) -> np.ndarray:
    """An orthonormal basis of the ``rank`` leading left singular vectors of
    the Hankel matrix ``H[i, j] = head[i + j]`` (``n_rows`` rows).

    They are the leading eigenvectors of ``H H^H``, formed by one rank-k
    update (``zherk``) and decomposed for those ``rank`` only (LAPACK
    ``zheevr``): about twice as fast as the full SVD of ``H``, with the same
    subspace to rounding (the poles HLSVD derives from it do not depend on
    the basis chosen within it). Directions whose singular value is below
    :data:`HLSVD_RELATIVE_FLOOR` times the largest are left out: in ``H H^H``
    they are rounding noise (a noiseless FID of a few peaks has a Hankel
    matrix of that few ranks), and they would give HLSVD arbitrary poles.
    """
    hankel = scipy.linalg.hankel(head[:n_rows], head[n_rows - 1 :])
    gram = scipy.linalg.blas.zherk(1.0, hankel, lower=1)  # lower triangle
    values, vectors = scipy.linalg.eigh(
        gram, lower=True, subset_by_index=[n_rows - rank, n_rows - 1],
        driver="evr", check_finite=False, overwrite_a=True,
    )  # fmt: skip
    keep = values > HLSVD_RELATIVE_FLOOR**2 * values[-1]
    return vectors[:, keep][:, ::-1]


def _smoothed_magnitude(spectrum: np.ndarray, step_ppm: float) -> np.ndarray:
    """Magnitude spectrum filtered by a difference of Gaussians (ppm widths)."""
    half = int(np.ceil(4 * _BROAD_PPM / step_ppm))
    offsets = np.arange(-half, half + 1) * step_ppm
    kernel = np.zeros_like(offsets)
    for sigma, sign in ((_NARROW_PPM, 1.0), (_BROAD_PPM, -1.0)):
        gauss = np.exp(-0.5 * (offsets / sigma) ** 2)
        kernel += sign * gauss / gauss.sum()
    return scipy.ndimage.convolve1d(np.abs(spectrum), kernel, mode="nearest")


def estimate_shift(
    spectrum: np.ndarray,
    ppm: np.ndarray,
    reference_peaks: tuple[float, ...],
    max_shift: float,
) -> float:
    """Shift (ppm) that brings the reference peaks of a spectrum home.

    The magnitude spectrum (so the estimate does not depend on the phase) is
    smoothed by a difference of Gaussians, which keeps peak positions and
    removes the broad baseline; the returned shift ``s`` maximises the sum of
    the smoothed magnitude at ``reference_peaks + s`` over
    ``|s| <= max_shift``, refined between grid points by a parabola. The
    spectrum's true ppm axis is ``ppm - s``.
    """
    step = float(ppm[0] - ppm[1])
    smooth = _smoothed_magnitude(spectrum, step)
    n_steps = int(np.floor(max_shift / step))
    shifts = np.arange(-n_steps, n_steps + 1) * step
    peaks = np.asarray(reference_peaks, dtype=float)
    score = interp_descending(
        peaks[np.newaxis, :] + shifts[:, np.newaxis], ppm, smooth
    ).sum(axis=1)
    best = int(np.argmax(score))
    if 0 < best < len(shifts) - 1:
        left, mid, right = score[best - 1 : best + 2]
        curvature = left - 2 * mid + right
        if curvature < 0:
            return float(shifts[best] + 0.5 * step * (left - right) / curvature)
    return float(shifts[best])


def estimate_zero_order_phase(
    spectrum: np.ndarray, ppm: np.ndarray, reference_peaks: tuple[float, ...]
) -> float:
    """Zero-order phase (radians) that makes the reference peaks absorptive.

    Each reference peak is taken at its apex: the magnitude maximum within
    :data:`PHASE_SEARCH_PPM` of its nominal position on the (referenced)
    ``ppm`` axis, refined between points by a parabola through the
    magnitude, where the complex spectrum is interpolated linearly. The
    phase is the angle of the sum of the complex spectrum there. Each peak
    votes with its height, so strong peaks dominate and noise at an absent
    peak hardly counts.

    The refinement matters: a Lorentzian's phase changes by about
    ``arctan(2 d / w)`` at a distance ``d`` from its apex (``w`` the full
    width at half maximum), so the nearest grid point, up to half a point
    away, would make the phase depend on where the apex falls between
    points, that is on the frequency shift. Interpolating between the two
    points around the apex cancels that to first order.
    """
    magnitude = np.abs(spectrum)
    total = 0.0 + 0.0j
    for peak in reference_peaks:
        window = np.flatnonzero(np.abs(ppm - peak) <= PHASE_SEARCH_PPM)
        if window.size:
            k = int(np.argmax(magnitude[window]))
            total += _value_at_apex(spectrum, magnitude, window, k)
        else:
            total += interp_descending(peak, ppm, spectrum)
    return float(np.angle(total))


def _value_at_apex(
    spectrum: np.ndarray, magnitude: np.ndarray, window: np.ndarray, k: int
) -> complex:
    """Complex spectrum at the parabola-refined magnitude apex near ``window[k]``.

    At the window's edge (no maximum inside it) the point itself is returned.
    """
    j = int(window[k])
    if not 0 < k < len(window) - 1:
        return complex(spectrum[j])
    left, mid, right = magnitude[j - 1 : j + 2]
    curvature = left - 2 * mid + right
    if not curvature < 0:
        return complex(spectrum[j])
    offset = 0.5 * (left - right) / curvature
    side = j + 1 if offset > 0 else j - 1
    return complex(spectrum[j] + abs(offset) * (spectrum[side] - spectrum[j]))


def normalize(spectra: np.ndarray, norm: str | None) -> np.ndarray:
    """Divide each row by its RMS, L2 norm or largest absolute value.

    Rows whose norm is zero are returned unchanged.
    """
    if norm is None:
        return spectra
    if norm == "rms":
        scale = np.sqrt(np.mean(spectra**2, axis=1))
    elif norm == "l2":
        scale = np.sqrt(np.sum(spectra**2, axis=1))
    elif norm == "max":
        scale = np.max(np.abs(spectra), axis=1)
    else:
        raise ValueError(f"norm must be 'rms', 'l2', 'max' or None; got {norm!r}.")
    scale = np.where(scale > 0, scale, 1.0)
    return spectra / scale[:, np.newaxis]
