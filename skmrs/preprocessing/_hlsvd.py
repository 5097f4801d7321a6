"""Residual-water removal by HLSVD on stacks of FIDs (issue 25).

The leading eigenvectors of each FID's ``H H^H`` come from LAPACK one FID at
a time (it has no batched eigensolver, and they are most of the cost); the
shift-invariance (Kung) step, the poles, the amplitudes and the water model
are solved for a block of FIDs at once by numpy's stacked linear algebra.
The result is that of the per-FID code of skmrs 0.4.0 to rounding
(``tests/preprocessing/test_spectrum_preprocessor.py``).

``solver="randomized"`` finds the leading directions by a randomized range
finder instead (Halko, Martinsson & Tropp 2011), for a whole block of FIDs at
once and with every Hankel product done by FFTs: about four times faster on an
MRSI file, and as accurate against a known truth at 10 components, but not at
more (``benchmarks/bench_water_truth.py``, ``water_truth_v0.4.json``).
"""

from __future__ import annotations

import numpy as np
import scipy.fft
import scipy.linalg

#: HLSVD looks at no more than this many leading FID points (a 256-row Hankel
#: matrix). Residual water decays within them.
HLSVD_MAX_POINTS = 512
#: HLSVD keeps the singular directions above this fraction of the largest
#: singular value: those below are rounding noise (noise in a measured FID
#: stays orders of magnitude above it).
HLSVD_RELATIVE_FLOOR = 1e-6
#: Rows L of the Hankel matrix (L x (n_fit - L + 1), at most ``n_fit // 2``:
#: 256 rows by 257 columns). Any L between the model's order + 1 and
#: n_fit - order gives valid pole estimates, least variable near n_fit / 3 to
#: n_fit / 2 (Hua & Sarkar 1990); fewer rows would make the eigendecomposition
#: (L / 256)^3 as costly, but on the real scans of ../shared/data 128, 96 or 64
#: rows left up to about twice the residual water of 256 and moved the
#: preprocessed spectra near 4.2 ppm by tens of noise sds
#: (``benchmarks/bench_hlsvd_rows.py``, ``hlsvd_rows_v0.4.json``).
HLSVD_MAX_ROWS = 256
#: FIDs whose poles and water models are solved together.
_FIDS_AT_A_TIME = 16
#: The most components ``solver="randomized"`` is meant for: beyond the
#: leading ~10 directions the Hankel matrix of a measured FID holds noise, which
#: a randomized range finder with few power iterations does not resolve (15 and
#: 25 components moved spectra by up to 31 and 322 noise sd against a known
#: truth, ``benchmarks/results/water_truth_v0.4.json``).
RANDOMIZED_MAX_COMPONENTS = 10
#: Extra columns and power iterations of the randomized range finder, and the
#: seed of its random start (fixed: the result is deterministic).
RANDOMIZED_OVERSAMPLES = 10
RANDOMIZED_POWER_ITERATIONS = 2
RANDOMIZED_SEED = 0


def remove_water_hlsvd(
    fids: np.ndarray,
    spectral_width: float,
    centre_frequency: float,
    ppm_reference: float,
    water_range: tuple[float, float],
    n_components: int,
    *,
    solver: str = "exact",
) -> np.ndarray:
    """Subtract, from each FID (row), its HLSVD components in ``water_range``.

    Each FID (its first :data:`HLSVD_MAX_POINTS` points) is modelled as a sum
    of ``n_components`` exponentially damped complex sinusoids by the
    Hankel-Lanczos SVD method (Barkhuijsen et al. 1987; Pijnappel et al.
    1992); the components whose frequency falls in ``water_range`` (ppm) and
    which decay are evaluated over the whole FID and subtracted.

    ``solver`` finds the leading left singular vectors of each Hankel
    matrix: ``"exact"`` by LAPACK (:func:`leading_left_singular_vectors`),
    ``"randomized"`` by a randomized range finder
    (:func:`randomized_left_singular_vectors`), meant for ``n_components``
    up to :data:`RANDOMIZED_MAX_COMPONENTS` (not checked here).
    """
    if solver not in ("exact", "randomized"):
        raise ValueError(f"solver must be 'exact' or 'randomized'; got {solver!r}.")
    fids = np.asarray(fids, dtype=np.complex128)
    n_fit = min(fids.shape[-1], HLSVD_MAX_POINTS)
    n_rows = min(HLSVD_MAX_ROWS, n_fit // 2)
    rank = min(n_components, n_rows - 1, n_fit - n_rows)
    if rank < 1 or len(fids) == 0:
        return fids.copy()
    out = np.empty_like(fids)
    ppm_per_radian = spectral_width / (2 * np.pi * centre_frequency)
    for start in range(0, len(fids), _FIDS_AT_A_TIME):
        block = fids[start : start + _FIDS_AT_A_TIME]
        head = block[:, :n_fit]
        if solver == "randomized":
            u, kept = randomized_left_singular_vectors(head, n_rows, rank)
        else:
            u, kept = leading_left_singular_vectors(head, n_rows, rank)
        model = np.zeros_like(block)
        for k in np.unique(kept[kept > 0]):
            rows = np.flatnonzero(kept == k)
            poles, amplitudes = _fit_poles(u[rows, :, :k], head[rows])
            ppm = ppm_reference - np.angle(poles) * ppm_per_radian
            water = (ppm >= min(water_range)) & (ppm <= max(water_range))
            water &= np.abs(poles) < 1.0
            model[rows] = _evaluate(
                np.where(water, poles, 0), np.where(water, amplitudes, 0),
                block.shape[-1],
            )  # fmt: skip
        out[start : start + len(block)] = block - model
    return out


def _fit_poles(u: np.ndarray, head: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Poles (Kung's shift invariance of ``u``) and their least-squares amplitudes.

    ``u`` holds orthonormal columns, so the least-squares solution of
    ``u[:-1] Z = u[1:]`` has the closed form ``(I - r^H r)^-1 u[:-1]^H u[1:]``
    with ``r`` the last row of ``u`` (Sherman-Morrison).
    """
    last = u[:, -1:, :]  # (n, 1, k)
    gram = np.swapaxes(last.conj(), 1, 2) @ last  # r^H r
    rest = 1.0 - np.real(last @ np.swapaxes(last.conj(), 1, 2))  # 1 - r r^H
    shift = np.swapaxes(u[:, :-1].conj(), 1, 2) @ u[:, 1:]
    # a basis held by the last row alone (a degenerate FID) has no closed form:
    # the least-squares solution of those rows instead
    closed = rest[:, 0, 0] > 1e-10
    kung = np.empty_like(shift)
    kung[closed] = shift[closed] + (gram @ shift)[closed] / rest[closed]
    if not closed.all():
        kung[~closed] = np.linalg.pinv(u[~closed, :-1]) @ u[~closed, 1:]
    poles = np.linalg.eigvals(kung)
    basis = np.swapaxes(_powers(poles, head.shape[-1]), 1, 2)  # (n, t, k)
    try:
        q, r = np.linalg.qr(basis)
        amplitudes = np.linalg.solve(r, np.swapaxes(q.conj(), 1, 2) @ head[..., None])
    except np.linalg.LinAlgError:  # coinciding poles: the minimum-norm solution
        amplitudes = np.linalg.pinv(basis) @ head[:, :, np.newaxis]
    return poles, amplitudes[:, :, 0]


def _powers(poles: np.ndarray, n: int) -> np.ndarray:
    """``poles ** t`` for t = 0 .. n-1, as (n_fids, n_poles, n), by repeated
    multiplication (as :func:`numpy.vander`)."""
    steps = np.empty((*poles.shape, n), dtype=np.complex128)
    steps[..., 0] = 1.0
    steps[..., 1:] = poles[..., np.newaxis]
    return np.multiply.accumulate(steps, axis=-1)


def _evaluate(poles: np.ndarray, amplitudes: np.ndarray, n: int) -> np.ndarray:
    """The sum over ``n`` points of the damped sinusoids whose amplitude is not 0."""
    used = amplitudes != 0
    order = np.argsort(~used, axis=1, kind="stable")[:, : max(used.sum(1).max(), 1)]
    poles = np.take_along_axis(poles, order, axis=1)
    amplitudes = np.take_along_axis(amplitudes, order, axis=1)
    return (amplitudes[:, np.newaxis, :] @ _powers(poles, n))[:, 0]


def leading_left_singular_vectors(
    head: np.ndarray, n_rows: int, rank: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``rank`` leading left singular vectors of each row's Hankel matrix.

    ``H[i, j] = head[i + j]`` with ``n_rows`` rows. They are the leading
    eigenvectors of ``H H^H``, formed by one rank-k update (``zherk``) and
    decomposed for those ``rank`` only (LAPACK ``zheevr``): about twice as
    fast as the full SVD of ``H``, with the same subspace to rounding (the
    poles HLSVD derives from it do not depend on the basis chosen within
    it). LAPACK decomposes one matrix at a time, so this loops over the rows.

    Returns
    -------
    u : ndarray of shape (n_fids, n_rows, rank)
        The vectors, leading first.
    kept : ndarray of shape (n_fids,)
        How many of them have a singular value above
        :data:`HLSVD_RELATIVE_FLOOR` times the largest: those below are
        rounding noise in ``H H^H`` (a noiseless FID of a few peaks has a
        Hankel matrix of that few ranks), and would give HLSVD arbitrary
        poles.
    """
    u = np.empty((len(head), n_rows, rank), dtype=np.complex128)
    kept = np.empty(len(head), dtype=int)
    for i, row in enumerate(head):
        hankel = scipy.linalg.hankel(row[:n_rows], row[n_rows - 1 :])
        gram = scipy.linalg.blas.zherk(1.0, hankel, lower=1)  # lower triangle
        values, vectors = scipy.linalg.eigh(
            gram, lower=True, subset_by_index=[n_rows - rank, n_rows - 1],
            driver="evr", check_finite=False, overwrite_a=True,
        )  # fmt: skip
        u[i] = vectors[:, ::-1]
        kept[i] = np.sum(values > HLSVD_RELATIVE_FLOOR**2 * values[-1])
    return u, kept


def _hankel_times(spectrum: np.ndarray, x: np.ndarray, n_rows: int) -> np.ndarray:
    """``H x`` for the Hankel matrices ``H[k, i, j] = head[k, i + j]`` of
    ``n_rows`` rows and ``x.shape[1]`` columns, given ``fft(head)``.

    A correlation, by FFTs of the heads' length ``n`` (no term wraps around
    when ``n_rows + x.shape[1] - 1 == n``). ``conj(H^H y)`` is the same
    product with the roles of rows and columns swapped:
    ``_hankel_times(spectrum, y.conj(), n_cols)``.
    """
    n_cols = x.shape[1]
    product = scipy.fft.fft(x[:, ::-1], n=spectrum.shape[-1], axis=1)
    product *= spectrum[:, :, np.newaxis]
    return scipy.fft.ifft(product, axis=1)[:, n_cols - 1 : n_cols - 1 + n_rows]


def randomized_left_singular_vectors(
    head: np.ndarray, n_rows: int, rank: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`leading_left_singular_vectors` by a randomized range finder.

    Algorithm 4.4 of Halko, Martinsson & Tropp (2011) for all the rows of
    ``head`` at once: ``Y = (H H^H)^q H Omega`` with
    :data:`RANDOMIZED_POWER_ITERATIONS` power iterations ``q``, a Gaussian
    ``Omega`` of ``rank`` + :data:`RANDOMIZED_OVERSAMPLES` columns drawn from
    the fixed seed :data:`RANDOMIZED_SEED` (so the result is deterministic),
    each step re-orthonormalised by a stacked QR; then the leading
    eigenvectors of the small ``(Q^H H)(Q^H H)^H`` (their Algorithm 5.1).
    Every product by a Hankel matrix or its adjoint is done by FFTs
    (:func:`_hankel_times`), so no Hankel matrix is formed and no LAPACK
    eigensolver runs on an ``n_rows`` x ``n_rows`` matrix.

    The directions are those of the exact solver to rounding where the
    Hankel matrix's singular values fall off well after ``rank`` (a few
    damped sinusoids above the noise); directions within the noise are not
    resolved, hence :data:`RANDOMIZED_MAX_COMPONENTS`.

    Returns
    -------
    u : ndarray of shape (n_fids, n_rows, rank)
        The vectors, leading first.
    kept : ndarray of shape (n_fids,)
        How many of them have a singular value above
        :data:`HLSVD_RELATIVE_FLOOR` times the largest.

    References
    ----------
    N. Halko, P. G. Martinsson and J. A. Tropp, "Finding structure with
    randomness: probabilistic algorithms for constructing approximate matrix
    decompositions", SIAM Review 53 (2011) 217-288.
    """
    n_fit = head.shape[-1]
    n_cols = n_fit - n_rows + 1
    spectrum = scipy.fft.fft(head, axis=-1)
    rng = np.random.default_rng(RANDOMIZED_SEED)
    shape = (n_cols, min(rank + RANDOMIZED_OVERSAMPLES, n_rows, n_cols))
    omega = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    y = _hankel_times(spectrum, np.broadcast_to(omega, (len(head), *shape)), n_rows)
    for _ in range(RANDOMIZED_POWER_ITERATIONS):
        y = np.linalg.qr(y)[0]
        y = _hankel_times(spectrum, _hankel_times(spectrum, y.conj(), n_cols).conj(),
                          n_rows)  # fmt: skip
    q = np.linalg.qr(y)[0]
    small = _hankel_times(spectrum, q.conj(), n_cols)  # conj(H^H q): (n, C, p)
    values, vectors = np.linalg.eigh(np.swapaxes(small, 1, 2) @ small.conj())
    values = values[:, ::-1][:, :rank]
    u = q @ vectors[:, :, ::-1][:, :, :rank]
    kept = np.sum(values > HLSVD_RELATIVE_FLOOR**2 * values[:, :1], axis=1)
    return u, kept
