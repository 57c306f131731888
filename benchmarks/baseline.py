"""Straightforward baselines for the benchmark: one draw and one filter at a time.

These are the simulators written the way one would first write them, with a Python
loop over draws and, inside it, a loop over the J filters, each filter handled by its
own FFT. They compute the same quantities as ``randfb.simulate_frame_bounds`` and
``randfb.simulate_energy`` and serve as the reference point of ``benchmarks/run.py``.
Each simulator is split into an inner function that takes given weights (so the tests
can compare it with ``randfb`` on identical filters) and an outer one that draws them.

Notation (as in the paper): a signal ``x`` of length ``N``; ``J`` FIR filters of length
``T <= N``, zero-padded to ``N``; stride 1, circular convolution; weights i.i.d.
``N(0, sigma^2)`` with default ``sigma = 1/sqrt(J*T)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "littlewood_paley_loop",
    "frame_bounds_loop",
    "simulate_frame_bounds_loop",
    "filterbank_energy_loop",
    "simulate_energy_loop",
]


def _check_filters(w: np.ndarray, N: int) -> np.ndarray:
    """Return ``w`` as a float64 array of shape ``(n, J, T)``; check ``1 <= T <= N``."""
    w = np.asarray(w, dtype=np.float64)
    if w.ndim not in (2, 3):
        raise ValueError(f"w must have shape (J, T) or (n_draws, J, T), got shape {w.shape}")
    if not 1 <= w.shape[-1] <= N:
        raise ValueError(f"filter length T = {w.shape[-1]} must satisfy 1 <= T <= N = {N}")
    return w.reshape((-1,) + w.shape[-2:])


def _default_sigma(J: int, T: int, sigma: float | None) -> float:
    return 1.0 / np.sqrt(J * T) if sigma is None else float(sigma)


def littlewood_paley_loop(w: np.ndarray, N: int) -> np.ndarray:
    """Littlewood-Paley sum of one filterbank, one filter at a time.

    ``LP[k] = sum_j |w_hat_j[k]|^2`` with ``w_hat_j = fft(w_j zero-padded to N)``.

    Parameters
    ----------
    w : array, shape (J, T)
        The filters, ``T <= N``.
    N : int
        Signal length (number of DFT bins).

    Returns
    -------
    lp : ndarray, shape (N,)

    Examples
    --------
    >>> littlewood_paley_loop(np.array([[1.0, 0.0]]), 4)
    array([1., 1., 1., 1.])
    """
    if np.ndim(w) != 2:
        raise ValueError(f"w must have shape (J, T), got shape {np.shape(w)}")
    (w,) = _check_filters(w, N)
    lp = np.zeros(N)
    for w_j in w:
        lp += np.abs(np.fft.fft(w_j, N)) ** 2
    return lp


def frame_bounds_loop(w: np.ndarray, N: int) -> tuple[np.ndarray, np.ndarray]:
    """Optimal frame bounds of given filterbanks, draw by draw and filter by filter.

    For stride 1 and circular convolution, ``A = min_k LP[k]`` and ``B = max_k LP[k]``
    over the N DFT bins, with ``LP`` from :func:`littlewood_paley_loop`.

    Parameters
    ----------
    w : array, shape (J, T) or (n_draws, J, T)
    N : int

    Returns
    -------
    A, B : ndarray, shape () or (n_draws,)

    Examples
    --------
    >>> A, B = frame_bounds_loop(np.array([[1.0, 1.0]]) / np.sqrt(2), 4)
    >>> round(float(A), 12), round(float(B), 12)  # |1 + e^{-i 2 pi k/4}|^2 / 2
    (0.0, 2.0)
    """
    batch = _check_filters(w, N)
    A = np.empty(len(batch))
    B = np.empty(len(batch))
    for i, filters in enumerate(batch):
        lp = littlewood_paley_loop(filters, N)
        A[i], B[i] = lp.min(), lp.max()
    if np.ndim(w) == 2:
        return A[0], B[0]
    return A, B


def simulate_frame_bounds_loop(
    N: int,
    J: int,
    T: int,
    n_draws: int,
    *,
    sigma: float | None = None,
    rng: int | np.random.Generator | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Simulate the frame bounds of random filterbanks with a per-draw, per-filter loop.

    Each draw takes ``w = sigma * rng.standard_normal((J, T))`` (float64) and computes
    ``A, B`` with :func:`littlewood_paley_loop`.

    Parameters
    ----------
    N, J, T, n_draws : int
        Signal length, number of filters, filter length (``T <= N``), number of draws.
    sigma : float, optional
        Weight standard deviation; default ``1/sqrt(J*T)``.
    rng : int or numpy.random.Generator, optional
        Seed or generator (``numpy.random.default_rng``).
    progress : callable, optional
        Called with the number of finished draws every 100 draws.

    Returns
    -------
    A, B : ndarray, shape (n_draws,)

    Examples
    --------
    >>> A, B = simulate_frame_bounds_loop(64, 8, 4, 10, rng=0)
    >>> bool(np.all(A <= B))
    True
    """
    rng = np.random.default_rng(rng)
    sigma = _default_sigma(J, T, sigma)
    A = np.empty(n_draws)
    B = np.empty(n_draws)
    for i in range(n_draws):
        w = sigma * rng.standard_normal((J, T))
        lp = littlewood_paley_loop(w, N)
        A[i], B[i] = lp.min(), lp.max()
        if progress is not None and (i + 1) % 100 == 0:
            progress(i + 1)
    return A, B


def _energy_from_spectrum(x_hat: np.ndarray, w: np.ndarray, N: int) -> float:
    """``sum_j ||x * w_j||^2`` given ``x_hat = rfft(x)``, one filter at a time."""
    energy = 0.0
    for w_j in w:
        y = np.fft.irfft(x_hat * np.fft.rfft(w_j, N), N)  # circular convolution x * w_j
        energy += float(np.sum(y**2))
    return energy


def filterbank_energy_loop(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Energy ``||Phi x||^2 = sum_j ||x * w_j||^2`` of given filterbanks, one filter at a time.

    ``x * w_j`` is the circular convolution of ``x`` (length N) with ``w_j`` zero-padded
    to N, computed as ``irfft(rfft(x) * rfft(w_j, N), N)``.

    Parameters
    ----------
    x : array, shape (N,)
    w : array, shape (J, T) or (n_draws, J, T), ``T <= N``

    Returns
    -------
    energy : ndarray, shape () or (n_draws,)

    Examples
    --------
    >>> e = filterbank_energy_loop(np.array([1.0, 0.0, 0.0]), np.array([[0.6, 0.8]]))
    >>> round(float(e), 12)  # 0.6**2 + 0.8**2
    1.0
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"x must be 1-D, got shape {x.shape}")
    N = len(x)
    batch = _check_filters(w, N)
    x_hat = np.fft.rfft(x)
    energy = np.array([_energy_from_spectrum(x_hat, filters, N) for filters in batch])
    return energy[0] if np.ndim(w) == 2 else energy


def simulate_energy_loop(
    x: np.ndarray,
    J: int,
    T: int,
    n_draws: int,
    *,
    sigma: float | None = None,
    rng: int | np.random.Generator | None = None,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Simulate ``||Phi x||^2`` for random filterbanks with a per-draw, per-filter loop.

    Each draw takes ``w = sigma * rng.standard_normal((J, T))`` (float64) and convolves
    ``x`` with each filter in turn (see :func:`filterbank_energy_loop`).

    Parameters
    ----------
    x : array, shape (N,)
    J, T, n_draws : int
        Number of filters, filter length (``T <= N``), number of draws.
    sigma : float, optional
        Weight standard deviation; default ``1/sqrt(J*T)``.
    rng : int or numpy.random.Generator, optional
    progress : callable, optional
        Called with the number of finished draws every 100 draws.

    Returns
    -------
    energy : ndarray, shape (n_draws,)

    Examples
    --------
    >>> x = np.zeros(64); x[0] = 1.0
    >>> e = simulate_energy_loop(x, 4, 8, 20, rng=0)
    >>> e.shape
    (20,)
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"x must be 1-D, got shape {x.shape}")
    N = len(x)
    if not 1 <= T <= N:
        raise ValueError(f"filter length T = {T} must satisfy 1 <= T <= N = {N}")
    rng = np.random.default_rng(rng)
    sigma = _default_sigma(J, T, sigma)
    x_hat = np.fft.rfft(x)
    energy = np.empty(n_draws)
    for i in range(n_draws):
        w = sigma * rng.standard_normal((J, T))
        energy[i] = _energy_from_spectrum(x_hat, w, N)
        if progress is not None and (i + 1) % 100 == 0:
            progress(i + 1)
    return energy
