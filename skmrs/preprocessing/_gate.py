"""The spectrum gate: which FIDs are 1H brain spectra that a model may score.

Run before preprocessing, on the raw FIDs and their acquisition parameters.
Each FID gets one decision, checked in this order:

1. ``"not 1H"`` (refused): the resonant nucleus is not ``1H``;
2. ``"spectral width"`` (refused): the spectral width does not reach both
   ends of the 0.2-4.2 ppm grid;
3. ``"empty"`` (flagged): a flat FID, or no peak between 1.8 and 3.4 ppm
   stands above the noise (a voxel outside the excited volume);
4. ``"conjugated"`` (refused): NAA and creatine are found mirrored about the
   carrier, the FID was stored with the other frequency convention;
5. ``"water reference"`` (skipped): the header says ``WaterSuppressed:
   false``, or the water peak dwarfs the metabolites (an unsuppressed scan,
   such as the reference spec2nii writes beside the metabolite scan);
6. ``"ok"``: scored.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..datasets import default_ppm_axis
from ._steps import _smoothed_magnitude, fid_to_spectrum, ppm_axis, ppm_window

#: A peak between 1.8 and 3.4 ppm must reach this many noise standard
#: deviations; pure noise reaches 2.4 (rarely 3.5), the noisiest in-vivo file
#: (suspect's Siemens SVS, 3 T) 5.0.
MIN_PEAK_TO_NOISE = 4.0
#: Water-to-metabolite ratio (peak magnitude over the baseline-free metabolite
#: peak) above which a scan is taken for a water reference: water-suppressed
#: in-vivo files measure 78-150, a phantom 316, unsuppressed 7 T references 882.
WATER_REFERENCE_RATIO = 500.0
#: The mirrored reference peaks must be this many times the direct ones for
#: a FID to be called conjugated (in-vivo files measure 0.01-0.03).
CONJUGATE_RATIO = 3.0
_METABOLITES = (1.8, 3.4)
_WATER = (4.4, 5.0)
_REFERENCE_PEAKS = (2.01, 3.03)
_PEAK_WINDOW = 0.1
#: Where the decisions read the smoothed spectra: the metabolite range and
#: the reference peaks' windows.
_SMOOTHED_SPAN = (
    min(_METABOLITES[0], min(_REFERENCE_PEAKS) - _PEAK_WINDOW),
    max(_METABOLITES[1], max(_REFERENCE_PEAKS) + _PEAK_WINDOW),
)


class GateDecision(NamedTuple):
    """The gate's decision on one FID.

    Attributes
    ----------
    status : str
        ``"ok"``, ``"not 1H"``, ``"spectral width"``, ``"empty"``,
        ``"water reference"`` or ``"conjugated"``.
    action : str
        ``"scored"``, ``"refused"``, ``"flagged"`` or ``"skipped"``.
    note : str
        Why, with the numbers, and the fix where there is one.
    """

    status: str
    action: str
    note: str

    @property
    def passed(self) -> bool:
        """Whether the spectrum may be scored."""
        return self.status == "ok"


_OK = GateDecision("ok", "scored", "")
#: What becomes of a spectrum of each status.
ACTIONS = {
    "ok": "scored",
    "not 1H": "refused",
    "spectral width": "refused",
    "empty": "flagged",
    "conjugated": "refused",
    "water reference": "skipped",
}


def _grid_coverage(spectral_width, centre_frequency, ppm_reference):
    """A refusal when the spectral width misses part of the grid, else None."""
    grid = default_ppm_axis()
    low_needed, high_needed = float(grid.min()), float(grid.max())
    half = spectral_width / 2 / centre_frequency
    low, high = ppm_reference - half, ppm_reference + half
    if low <= low_needed and high >= high_needed:
        return None
    needed = 2 * max(ppm_reference - low_needed, high_needed - ppm_reference)
    return GateDecision(
        "spectral width",
        "refused",
        f"spectral width {spectral_width:.0f} Hz at {centre_frequency:.2f} MHz "
        f"covers {low:.2f} to {high:.2f} ppm, but the grid needs {low_needed:.2f} "
        f"to {high_needed:.2f} ppm (at least {needed * centre_frequency:.0f} Hz)",
    )


def _peak(spectrum, ppm, low, high):
    inside = (ppm >= low) & (ppm <= high)
    return float(spectrum[inside].max()) if inside.any() else 0.0


def _conjugated(smooth, mirror, ppm, ppm_reference):
    """A refusal when NAA and creatine are found mirrored about the carrier."""
    scores = [
        sum(_peak(s, ppm, p - _PEAK_WINDOW, p + _PEAK_WINDOW) for p in _REFERENCE_PEAKS)
        for s in (smooth, mirror)
    ]
    if not scores[1] > CONJUGATE_RATIO * scores[0]:
        return None
    mirrored_at = ", ".join(f"{2 * ppm_reference - p:.2f}" for p in _REFERENCE_PEAKS)
    return GateDecision(
        "conjugated",
        "refused",
        f"NAA and creatine appear mirrored (at {mirrored_at} ppm, "
        f"{scores[1] / max(scores[0], 1e-30):.0f} times the peaks at "
        f"{', '.join(map(str, _REFERENCE_PEAKS))} ppm): the FID uses the other "
        "frequency convention; preprocess it with "
        "SpectrumPreprocessor(conjugate=True) or convert it again with spec2nii",
    )


def _decide(fid, spectral_width, centre_frequency, ppm_reference):
    """The signal-based decisions (empty, conjugated, water reference) on one FID."""
    n_points = fid.shape[-1]
    if not np.any(fid) or np.ptp(np.abs(fid)) == 0:
        return GateDecision("empty", "flagged", "the FID is flat (no signal)")
    noise = float(np.std(fid[-max(n_points // 4, 2) :])) * np.sqrt(n_points)
    ppm = ppm_axis(n_points, spectral_width, centre_frequency, ppm_reference)
    step = abs(ppm[1] - ppm[0])
    spectra = fid_to_spectrum(np.stack([fid, np.conj(fid)]), spectral_width, 0.0, 1)
    magnitude = np.abs(spectra)
    peak = max(_peak(m, ppm, *_METABOLITES) for m in magnitude)
    peak_to_noise = peak / noise if noise else np.inf
    if peak_to_noise < MIN_PEAK_TO_NOISE:
        return GateDecision(
            "empty",
            "flagged",
            f"no peak between {_METABOLITES[0]} and {_METABOLITES[1]} ppm above "
            f"the noise (peak/noise {peak_to_noise:.1f} < {MIN_PEAK_TO_NOISE}): "
            "a voxel outside the excited volume?",
        )
    # the decisions read the smoothed spectra at 1.8-3.4 ppm only
    keep = ppm_window(ppm, *_SMOOTHED_SPAN, pad=1)
    smooth, mirror = (_smoothed_magnitude(s, step, keep) for s in spectra)
    refusal = _conjugated(smooth, mirror, ppm[keep], ppm_reference)
    if refusal is not None:
        return refusal
    metabolites = max(_peak(s, ppm[keep], *_METABOLITES) for s in (smooth, mirror))
    water = _peak(magnitude[0], ppm, *_WATER) / max(metabolites, 1e-30)
    if water > WATER_REFERENCE_RATIO:
        return GateDecision(
            "water reference",
            "skipped",
            f"the water peak is {water:.0f} times the metabolites (over "
            f"{WATER_REFERENCE_RATIO:.0f}): an unsuppressed water reference",
        )
    return _OK


def gate_spectra(
    fids,
    *,
    spectral_width: float,
    centre_frequency: float,
    nucleus: str = "1H",
    water_suppressed: bool | None = None,
    ppm_reference: float = 4.7,
    conjugate: bool = False,
) -> list[GateDecision]:
    """Decide, FID by FID, whether a spectrum is a 1H brain spectrum to score.

    Parameters
    ----------
    fids : array-like of shape (n_spectra, n_points)
        Complex FIDs in the NIfTI-MRS frequency convention, before any
        preprocessing.
    spectral_width : float
        Spectral width in Hz.
    centre_frequency : float
        Spectrometer frequency in MHz.
    nucleus : str, default="1H"
        Resonant nucleus (NIfTI-MRS ``ResonantNucleus``).
    water_suppressed : bool or None, default=None
        NIfTI-MRS ``WaterSuppressed``; False skips every FID as a water
        reference, None (not in the header) leaves it to the spectrum.
    ppm_reference : float, default=4.7
        Chemical shift of the carrier, as in :class:`SpectrumPreprocessor`.
    conjugate : bool, default=False
        The FIDs will be conjugated by the preprocessing; they are judged
        conjugated.

    Returns
    -------
    decisions : list of GateDecision
        One ``(status, action, note)`` per FID; only ``status == "ok"``
        (``decision.passed``) may be scored.

    See Also
    --------
    SpectrumPreprocessor : What the FIDs that pass go through next.
    skmrs.io.read_nifti_mrs : Gives the FIDs and every argument above.

    Examples
    --------
    >>> import numpy as np
    >>> from skmrs.preprocessing import gate_spectra
    >>> t = np.arange(1024) / 2000.0
    >>> naa = np.exp(-2j * np.pi * (2.01 - 4.7) * 123.2 * t - t / 0.08)
    >>> cr = np.exp(-2j * np.pi * (3.03 - 4.7) * 123.2 * t - t / 0.08)
    >>> fid = naa + cr + 0.01 * np.random.default_rng(0).normal(size=1024)
    >>> [d.status for d in gate_spectra(np.stack([fid, fid.conj(), 0 * fid]),
    ...                                 spectral_width=2000.0, centre_frequency=123.2)]
    ['ok', 'conjugated', 'empty']
    >>> gate_spectra(fid[None], spectral_width=2000.0, centre_frequency=123.2,
    ...              nucleus="31P")[0].status
    'not 1H'
    """
    fids = np.asarray(fids)
    if fids.ndim != 2:
        raise ValueError(
            f"fids must be 2-D (n_spectra, n_points); got shape {fids.shape}."
        )
    if not spectral_width > 0 or not centre_frequency > 0:
        raise ValueError(
            f"spectral_width ({spectral_width}) and centre_frequency "
            f"({centre_frequency}) must be positive."
        )
    if str(nucleus).strip().upper() != "1H":
        refusal = GateDecision(
            "not 1H",
            "refused",
            f"the resonant nucleus is {nucleus}; the models take 1H spectra",
        )
        return [refusal] * len(fids)
    if isinstance(water_suppressed, (list, tuple)):  # NIfTI-MRS may list it
        water_suppressed = water_suppressed[0] if water_suppressed else None
    refusal = _grid_coverage(spectral_width, centre_frequency, ppm_reference)
    if refusal is not None:
        return [refusal] * len(fids)
    if conjugate:
        fids = np.conj(fids)
    decisions = []
    for fid in fids.astype(np.complex128):
        decision = _decide(fid, spectral_width, centre_frequency, ppm_reference)
        if water_suppressed is False and decision.status in ("ok", "conjugated"):
            decision = GateDecision(
                "water reference",
                "skipped",
                "the header says WaterSuppressed: false (a water reference)",
            )
        decisions.append(decision)
    return decisions


def gate_summary(decisions) -> str:
    """One line: how many spectra were scored, and what became of the others.

    ``decisions`` are :class:`GateDecision` or their ``status`` strings.

    Examples
    --------
    >>> gate_summary(["ok", "ok", "empty", "water reference"])
    'gate: 2 of 4 spectra scored; 1 empty (flagged), 1 water reference (skipped)'
    """
    statuses = [getattr(d, "status", d) for d in decisions]
    line = f"gate: {statuses.count('ok')} of {len(statuses)} spectra scored"
    counts: dict = {}
    for status in statuses:
        if status != "ok":
            counts[status] = counts.get(status, 0) + 1
    if counts:
        line += "; " + ", ".join(
            f"{n} {status} ({ACTIONS.get(status, 'refused')})"
            for status, n in counts.items()
        )
    return line
