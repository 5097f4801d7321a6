"""Metabolite spin systems and a density-matrix simulation of PRESS.

Each metabolite is a list of independent spin systems (groups of protons that
are J-coupled among themselves and not to the rest). The simulation propagates
the density matrix of each system through an ideal PRESS sequence (90x - TE1/2
- 180y - (TE1 + TE2)/2 - 180y - TE2/2 - acquire) under the full strong-coupling
Hamiltonian, and returns the spectrum as a *line list*: frequencies (ppm) and
complex amplitudes (one proton of a refocused singlet has amplitude 1). The
line list is independent of linewidth, so the cohort simulator can broaden,
shift and phase every voxel differently at no extra cost.

Chemical shifts (ppm) and couplings (Hz) are from Govindaraju, Young & Maudsley,
NMR Biomed 13:129-153 (2000) and its 2015 update (Govind et al., NMR Biomed
28:923-924); 2-hydroxyglutarate from Bal & Gryff-Keller, Magn Reson Chem
40:533-536 (2002) as used by Choi et al., Nat Med 18:624-629 (2012). Amide and
hydroxyl protons (outside 0.2-4.2 ppm, or exchanging) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy.linalg import expm


@dataclass(frozen=True)
class SpinSystem:
    """Protons coupled among themselves: shifts (ppm), couplings (Hz), scale.

    ``couplings`` maps an index pair ``(i, j)`` to J in Hz. ``scale`` multiplies
    the signal (used for an uncoupled group of equivalent protons simulated as
    one spin, e.g. ``SpinSystem((2.008,), scale=3)`` for the acetyl of NAA).
    """

    shifts: tuple[float, ...]
    couplings: dict = field(default_factory=dict)
    scale: float = 1.0


def _singlet(ppm: float, n_protons: int) -> SpinSystem:
    return SpinSystem((ppm,), {}, float(n_protons))


def _methyl_methine(ch: float, ch3: float, j: float) -> SpinSystem:
    """A CH coupled to a CH3 (lactate, alanine): four explicit spins."""
    return SpinSystem((ch, ch3, ch3, ch3), {(0, 1): j, (0, 2): j, (0, 3): j})


# fmt: off
METABOLITES: dict[str, tuple[SpinSystem, ...]] = {
    "NAA": (
        _singlet(2.0080, 3),
        SpinSystem((4.3817, 2.6727, 2.4863),
                   {(0, 1): 3.861, (0, 2): 9.821, (1, 2): -15.592}),
    ),
    "NAAG": (
        _singlet(2.0420, 3),
        SpinSystem((4.6070, 2.7210, 2.5190),
                   {(0, 1): 4.412, (0, 2): 9.515, (1, 2): -15.910}),
        SpinSystem((4.1280, 1.8806, 2.0490, 2.1800, 2.1900),
                   {(0, 1): 4.842, (0, 2): 8.425, (1, 2): -13.500, (1, 3): 4.881,
                    (1, 4): 9.668, (2, 3): 9.735, (2, 4): 5.472, (3, 4): -15.280}),
    ),
    "Cr": (_singlet(3.0270, 3), _singlet(3.9130, 2)),
    "PCr": (_singlet(3.0290, 3), _singlet(3.9300, 2)),
    "GPC": (
        _singlet(3.2120, 9),
        SpinSystem((4.3120, 4.3120, 3.6590, 3.6590),
                   {(0, 1): -14.78, (2, 3): -14.78, (0, 2): 3.10, (0, 3): 5.90,
                    (1, 2): 5.90, (1, 3): 3.10}),
        SpinSystem((3.6050, 3.6720, 3.9030, 3.8710, 3.9460),
                   {(0, 1): -14.78, (0, 2): 5.77, (1, 2): 4.53, (2, 3): 5.77,
                    (2, 4): 4.53, (3, 4): -14.78}),
    ),
    "PCho": (
        _singlet(3.2080, 9),
        SpinSystem((4.2805, 4.2805, 3.6410, 3.6410),
                   {(0, 1): -14.89, (2, 3): -14.89, (0, 2): 2.28, (0, 3): 7.23,
                    (1, 2): 7.23, (1, 3): 2.28}),
    ),
    "mI": (
        SpinSystem((3.5217, 4.0538, 3.5217, 3.6144, 3.2690, 3.6144),
                   {(0, 1): 2.889, (1, 2): 3.006, (2, 3): 9.997, (3, 4): 9.485,
                    (4, 5): 9.482, (5, 0): 9.998}),
    ),
    "sI": (_singlet(3.3400, 6),),
    "Glu": (
        SpinSystem((3.7433, 2.0375, 2.1200, 2.3378, 2.3520),
                   {(0, 1): 7.331, (0, 2): 4.651, (1, 2): -14.849, (1, 3): 8.406,
                    (1, 4): 6.875, (2, 3): 6.413, (2, 4): 8.478, (3, 4): -15.915}),
    ),
    "Gln": (
        SpinSystem((3.7530, 2.1290, 2.1090, 2.4320, 2.4540),
                   {(0, 1): 5.847, (0, 2): 6.500, (1, 2): -14.504, (1, 3): 9.165,
                    (1, 4): 6.347, (2, 3): 6.324, (2, 4): 9.209, (3, 4): -15.371}),
    ),
    "GABA": (
        SpinSystem((3.0128, 3.0128, 1.8890, 1.8890, 2.2840, 2.2840),
                   {(0, 1): -12.021, (0, 2): 5.372, (0, 3): 7.127, (1, 2): 10.578,
                    (1, 3): 6.982, (2, 3): -13.121, (2, 4): 7.755, (2, 5): 7.432,
                    (3, 4): 6.173, (3, 5): 7.933, (4, 5): -10.744}),
    ),
    "Lac": (_methyl_methine(4.0974, 1.3142, 6.933),),
    "Ala": (_methyl_methine(3.7746, 1.4667, 7.234),),
    "2HG": (
        SpinSystem((4.0225, 1.8250, 1.9770, 2.2210, 2.2720),
                   {(0, 1): 7.6, (0, 2): 4.1, (1, 2): -14.0, (1, 3): 10.6,
                    (1, 4): 5.9, (2, 3): 6.1, (2, 4): 10.4, (3, 4): -15.0}),
    ),
    "Gly": (_singlet(3.5480, 2),),
    "Tau": (
        SpinSystem((3.4206, 3.4206, 3.2459, 3.2459),
                   {(0, 1): -12.438, (2, 3): -12.438, (0, 2): 6.742, (0, 3): 6.464,
                    (1, 2): 6.403, (1, 3): 6.792}),
    ),
}
# fmt: on


def _spin_operators(n: int):
    """Ix, Iy, Iz of each of ``n`` spin-1/2 particles (2**n square matrices)."""
    sx = np.array([[0, 0.5], [0.5, 0]], dtype=complex)
    sy = np.array([[0, -0.5j], [0.5j, 0]], dtype=complex)
    sz = np.array([[0.5, 0], [0, -0.5]], dtype=complex)
    eye = np.eye(2, dtype=complex)
    ops = []
    for axis in (sx, sy, sz):
        per_spin = []
        for i in range(n):
            m = np.array([[1.0 + 0j]])
            for k in range(n):
                m = np.kron(m, axis if k == i else eye)
            per_spin.append(m)
        ops.append(per_spin)
    return ops


def simulate_press_lines(
    system: SpinSystem,
    larmor_mhz: float,
    te1_ms: float,
    te2_ms: float,
    tol: float = 1e-4,
) -> tuple[np.ndarray, np.ndarray]:
    """Line list of one spin system after ideal-pulse PRESS.

    Parameters
    ----------
    system : SpinSystem
        Shifts in ppm, couplings in Hz.
    larmor_mhz : float
        Proton Larmor frequency in MHz (123.2 at a nominal 3 T Siemens).
    te1_ms, te2_ms : float
        The two PRESS echo times; the echo time is their sum.
    tol : float, default=1e-4
        Lines with amplitude below ``tol`` times the largest are dropped.

    Returns
    -------
    ppm : ndarray of shape (n_lines,)
    amplitude : ndarray of shape (n_lines,), complex
        Absorption-phased at the echo top for an uncoupled spin: a refocused
        singlet of one proton has amplitude ``1 + 0j``.
    """
    n = len(system.shifts)
    ix, iy, iz = _spin_operators(n)
    fx, fy, fz = sum(ix), sum(iy), sum(iz)
    f_plus = fx + 1j * fy
    two_pi = 2 * np.pi
    hamiltonian = sum(two_pi * s * larmor_mhz * z for s, z in zip(system.shifts, iz))
    for (i, j), coupling in system.couplings.items():
        hamiltonian = hamiltonian + two_pi * coupling * (
            ix[i] @ ix[j] + iy[i] @ iy[j] + iz[i] @ iz[j]
        )
    energies, vecs = np.linalg.eigh(hamiltonian)

    def evolve(rho, seconds):
        phase = np.exp(-1j * energies * seconds)
        u = (vecs * phase) @ vecs.conj().T
        return u @ rho @ u.conj().T

    r90 = expm(-1j * np.pi / 2 * fx)
    r180 = expm(-1j * np.pi * fy)
    te1, te2 = te1_ms * 1e-3, te2_ms * 1e-3
    rho = r90 @ fz @ r90.conj().T
    rho = evolve(rho, te1 / 2)
    rho = r180 @ rho @ r180.conj().T
    rho = evolve(rho, (te1 + te2) / 2)
    rho = r180 @ rho @ r180.conj().T
    rho = evolve(rho, te2 / 2)

    rho_e = vecs.conj().T @ rho @ vecs
    fp_e = vecs.conj().T @ f_plus @ vecs
    # signal(t) = Tr(rho(t) F+) = sum_mn rho_mn F+_nm exp(i (E_n - E_m) t)
    amp = rho_e * fp_e.T
    freq_hz = (energies[None, :] - energies[:, None]) / two_pi
    keep = np.abs(amp) > tol * np.abs(amp).max()
    # -Iy after excitation gives Tr(-Iy I+) = -i/2 per spin in a 2-level space;
    # in the 2**n space every trace carries 2**(n-1) more: rotate to +1 per proton.
    amplitude = amp[keep] * 2j * system.scale / 2 ** (n - 1)
    ppm = freq_hz[keep] / larmor_mhz
    order = np.argsort(ppm)
    ppm, amplitude = ppm[order], amplitude[order]
    # merge degenerate transitions (equivalent spins give identical lines)
    key = np.round(ppm * larmor_mhz, 3)
    uniq, inverse = np.unique(key, return_inverse=True)
    merged = np.zeros(uniq.size, dtype=complex)
    np.add.at(merged, inverse, amplitude)
    ppm_out = np.zeros(uniq.size)
    np.add.at(ppm_out, inverse, ppm)
    ppm_out /= np.bincount(inverse)
    strong = np.abs(merged) > tol * np.abs(merged).max()
    return ppm_out[strong], merged[strong]


@lru_cache(maxsize=8)
def metabolite_lines(
    larmor_mhz: float = 123.2, te1_ms: float = 11.0, te2_ms: float = 19.0
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Line lists (ppm, complex amplitude) of every metabolite, cached.

    Examples
    --------
    >>> from skmrs.datasets._spins import metabolite_lines
    >>> ppm, amp = metabolite_lines()["Cr"]
    >>> [round(float(p), 3) for p in ppm], [round(float(a.real), 2) for a in amp]
    ([3.027, 3.913], [3.0, 2.0])
    """
    lines = {}
    for name, systems in METABOLITES.items():
        parts = [simulate_press_lines(s, larmor_mhz, te1_ms, te2_ms) for s in systems]
        lines[name] = (
            np.concatenate([p for p, _ in parts]),
            np.concatenate([a for _, a in parts]),
        )
    return lines
