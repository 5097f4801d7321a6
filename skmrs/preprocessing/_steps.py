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
import scipy.ndimage

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


def ppm_window(ppm: np.ndarray, low: float, high: float, pad: int = 0) -> slice:
    """The points of a descending ``ppm`` axis in ``[low, high]``, plus ``pad``
    points on each side (clipped to the axis)."""
    start = int(np.searchsorted(-ppm, -high, side="left"))
    stop = int(np.searchsorted(-ppm, -low, side="right"))
    return slice(max(start - pad, 0), min(stop + pad, len(ppm)))


def _smoothed_magnitude(
    spectrum: np.ndarray, step_ppm: float, keep: slice | None = None
) -> np.ndarray:
    """Magnitude spectrum filtered by a difference of Gaussians (ppm widths).

    With ``keep`` (a slice of the last axis), only those points are filtered
    and returned, from the input points the filter reaches: the values of the
    whole spectrum's filtering there, bit for bit, at a fraction of the cost
    (referencing and the gate look at 1.8-3.4 ppm of a 16-ppm spectrum).
    """
    half = int(np.ceil(4 * _BROAD_PPM / step_ppm))
    offsets = np.arange(-half, half + 1) * step_ppm
    kernel = np.zeros_like(offsets)
    for sigma, sign in ((_NARROW_PPM, 1.0), (_BROAD_PPM, -1.0)):
        gauss = np.exp(-0.5 * (offsets / sigma) ** 2)
        kernel += sign * gauss / gauss.sum()
    if keep is None:
        return scipy.ndimage.convolve1d(np.abs(spectrum), kernel, mode="nearest")
    start, stop, _ = keep.indices(spectrum.shape[-1])
    low, high = max(start - half, 0), min(stop + half, spectrum.shape[-1])
    smooth = scipy.ndimage.convolve1d(
        np.abs(spectrum[..., low:high]), kernel, mode="nearest"
    )
    return smooth[..., start - low : stop - low]


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
    n_steps = int(np.floor(max_shift / step))
    shifts = np.arange(-n_steps, n_steps + 1) * step
    peaks = np.asarray(reference_peaks, dtype=float)
    points = peaks[np.newaxis, :] + shifts[:, np.newaxis]
    # only the points the search reads are smoothed (the same values)
    keep = ppm_window(ppm, points.min(), points.max(), pad=2)
    if keep.stop - keep.start < 2:
        keep = slice(0, len(ppm))
    smooth = _smoothed_magnitude(spectrum, step, keep)
    score = interp_descending(points, ppm[keep], smooth).sum(axis=1)
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
