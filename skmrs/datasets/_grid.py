"""The chemical-shift grid shared by the simulator and the preprocessing."""

from __future__ import annotations

import numpy as np

#: Number of points of every spectrum that the classifiers take (the paper's 288).
N_POINTS = 288
#: Upper and lower edges of the window, in ppm. 4.2-0.2 ppm holds every
#: resonance the method uses: lipids/macromolecules 0.9 and 1.3, lactate 1.31,
#: NAA 2.01, Glx 2.1-2.5 and 3.75, 2HG 2.25, Cr 3.03 and 3.92, Cho 3.2,
#: mI 3.52-3.61, Gly 3.55, and the lactate/mI quartets near 4.1.
PPM_HIGH = 4.2
PPM_LOW = 0.2


def default_ppm_axis(n_points: int = N_POINTS) -> np.ndarray:
    """Chemical-shift axis of the 288-point spectra, in ppm, descending.

    Point ``i`` sits at the centre of the ``i``-th of ``n_points`` equal bins
    between 4.2 and 0.2 ppm, so the axis runs from 4.193 down to 0.207 ppm in
    steps of 0.0139 ppm (1.71 Hz at 3 T). Index 0 is the left edge of a
    conventional MR spectrum plot (high ppm on the left).

    Parameters
    ----------
    n_points : int, default=288
        Number of points.

    Returns
    -------
    ppm : ndarray of shape (n_points,)
        Descending chemical shifts in ppm.

    Examples
    --------
    >>> from skmrs.datasets import default_ppm_axis
    >>> ppm = default_ppm_axis()
    >>> ppm.shape, round(float(ppm[0]), 3), round(float(ppm[-1]), 3)
    ((288,), 4.193, 0.207)
    """
    if int(n_points) != n_points or n_points < 2:
        raise ValueError(f"n_points must be an integer >= 2; got {n_points!r}.")
    step = (PPM_HIGH - PPM_LOW) / n_points
    return PPM_HIGH - step * (np.arange(int(n_points)) + 0.5)
