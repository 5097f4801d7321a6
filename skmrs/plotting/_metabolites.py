"""Where the metabolites of brain 1H MRS resonate, and how to mark them on a plot."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

#: Chemical shifts (ppm) of the resonances that separate tumour from healthy
#: tissue, the ones marked on the paper's class activation maps (Fig. 9), as
#: name -> tuple of positions. Values from Govindaraju et al., NMR Biomed 13:129
#: (2000); Glx is the Glu+Gln multiplet region (2.05-2.5 ppm, centre 2.35) and
#: its 3.75 ppm alpha protons; 2HG is the IDH-mutant oncometabolite's 2.25 ppm
#: multiplet (Choi et al., Nat Med 18:624, 2012).
METABOLITE_PPM: dict[str, tuple[float, ...]] = {
    "Lip": (0.90, 1.30),
    "Lac": (1.33,),
    "NAA": (2.01,),
    "2HG": (2.25,),
    "Glx": (2.35, 3.75),
    "Cr": (3.03, 3.92),
    "Cho": (3.20,),
    "Ins": (3.56,),
}

# Space between two labels on one row, in character widths.
_LABEL_PAD_CHARS = 1.0


def _positions(metabolites) -> list[tuple[float, str]]:
    if metabolites is None or metabolites is True:
        metabolites = METABOLITE_PPM
    if isinstance(metabolites, Mapping):
        table = dict(metabolites)
    elif isinstance(metabolites, Iterable) and not isinstance(metabolites, str):
        names = list(metabolites)
        unknown = sorted(set(names) - set(METABOLITE_PPM))
        if unknown:
            raise ValueError(
                f"unknown metabolite(s) {unknown}; known: {sorted(METABOLITE_PPM)}. "
                "Pass a dict of name -> ppm position(s) for others."
            )
        table = {name: METABOLITE_PPM[name] for name in names}
    else:
        raise TypeError(
            "metabolites must be None, a list of names from METABOLITE_PPM or a "
            f"dict of name -> ppm position(s); got {metabolites!r}."
        )
    out = []
    for name, where in table.items():
        for pos in np.atleast_1d(np.asarray(where, dtype=float)):
            out.append((float(pos), str(name)))
    return sorted(out)


def mark_metabolites(ax, metabolites=None, *, color="0.6", fontsize=8):
    """Mark metabolite positions on a spectrum plot: a dotted line and a label each.

    Labels sit at the top inside the axes, staggered in rows where they would
    overlap; leave some room above the data (the displays of
    :mod:`skmrs.plotting` do). Only positions inside the current x-limits are
    marked, so set the limits first.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes whose x-axis is the chemical shift in ppm.
    metabolites : None, list of str or dict, default=None
        None marks every entry of :data:`METABOLITE_PPM`; a list of its
        names marks those; a dict maps other names to ppm position(s).
    color : color, default="0.6"
        Colour of the lines and labels.
    fontsize : float, default=8
        Label font size.

    Returns
    -------
    artists : list of matplotlib.artist.Artist
        The lines and texts drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from skmrs.plotting import mark_metabolites
    >>> fig, ax = plt.subplots()
    >>> ax.set_xlim(4.2, 0.2)
    (4.2, 0.2)
    >>> len(mark_metabolites(ax, ["NAA", "Cho"]))  # two lines, two labels
    4
    >>> plt.close(fig)
    """
    positions = _positions(metabolites)
    low, high = sorted(ax.get_xlim())
    transform = ax.get_xaxis_transform()
    # ppm per character of the label font, from the axes' width on the figure
    width_in = max(ax.get_position().width * ax.figure.get_figwidth(), 1e-3)
    ppm_per_char = (high - low) / width_in * 0.6 * fontsize / 72
    artists = []
    row_end: list[float] = []  # right edge (in ppm, increasing) of each row
    for pos, name in positions:
        if not low <= pos <= high:
            continue
        artists.append(ax.axvline(pos, color=color, lw=0.8, ls=":", zorder=0.5))
        half = 0.5 * len(name) * ppm_per_char
        left = pos - half - _LABEL_PAD_CHARS * ppm_per_char
        row = next((i for i, end in enumerate(row_end) if end <= left), len(row_end))
        if row == len(row_end):
            row_end.append(pos + half)
        row_end[row] = pos + half
        artists.append(
            ax.text(
                pos,
                0.98 - 0.075 * row,
                name,
                transform=transform,
                ha="center",
                va="top",
                fontsize=fontsize,
                color="0.3",
            )
        )
    return artists
