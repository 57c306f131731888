"""Monte Carlo simulation of random filterbanks: energy responses and frame bounds.

Both simulators draw the weights in chunks of draws whose temporaries fit in a fixed
memory budget, give every chunk its own random stream spawned from ``rng`` (so results
depend only on the seed, never on the number of threads), and run the chunks on a small
thread pool: NumPy's generators and SciPy's FFTs release the GIL. Weights are drawn in
float32, which halves the cost of the draws and is ample precision for these statistics,
as unit normals: energies and frame bounds are quadratic in the weights, so they are
computed for unit weights and multiplied by ``sigma^2`` once (a pass over the weights
saved).
Used by every chapter.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.fft

from ._progress import Progress
from ._threads import single_blas_thread
from ._validation import (
    as_generator,
    check_filter_shape,
    check_int,
    check_n_draws,
    check_sigma,
    check_signal,
    check_stride,
)
from .energy import energy_eigenvalues
from .filterbank import _filter_autocorrelation_sum, _lag_weights
from .frames import _correlation_numbers, _frame_bounds, _lp_fft_length, _use_correlation
from .lp_extremes import fine_grid_length, use_fine_grid

#: Bytes of temporaries one chunk of draws may hold (a few chunks run at once).
CHUNK_BUDGET_BYTES = 48 * 2**20
#: Threads used by the simulators (the machines this book targets have two cores).
N_THREADS = max(1, min(2, os.cpu_count() or 1))


def _run_chunks(n_draws, draws_per_chunk, rng, simulate_chunk, n_outputs, label, progress):
    """Fill ``n_outputs`` float64 arrays of length ``n_draws`` chunk by chunk, in threads."""
    gen = as_generator(rng)
    starts = list(range(0, n_draws, draws_per_chunk))
    streams = gen.spawn(len(starts))
    outputs = [np.empty(n_draws) for _ in range(n_outputs)]
    reporter = Progress(n_draws, label, progress)

    def work(i):
        start = starts[i]
        stop = min(n_draws, start + draws_per_chunk)
        results = simulate_chunk(streams[i], stop - start)
        for out, res in zip(outputs, results, strict=True):
            out[start:stop] = res
        return stop - start

    # The chunks are the parallelism: BLAS inside them (small products, batched eigvalsh)
    # runs on one thread, so it never competes with the chunk threads for the cores.
    with single_blas_thread():
        if N_THREADS == 1 or len(starts) == 1:
            for i in range(len(starts)):
                reporter.update(work(i))
        else:
            with ThreadPoolExecutor(max_workers=N_THREADS) as pool:
                for count in pool.map(work, range(len(starts))):
                    reporter.update(count)
    return outputs


def _draws_per_chunk(bytes_per_draw):
    return max(1, CHUNK_BUDGET_BYTES // max(1, bytes_per_draw))


def _frame_bounds_chunk_draws(N, J, T, stride):
    """Draws per chunk of :func:`simulate_frame_bounds` (weights, spectra, blocks).

    Also used by the calculator's estimates and by the strided mean polyphase matrix,
    so that one budget rule sizes all three.
    """
    if stride == 1 and use_fine_grid(T, N):
        # Spectra of length ~2T, then the fine grid and its cells (lp_extremes).
        per_draw = 4 * J * T + 8 * J * (_lp_fft_length(T, N) // 2 + 1) * 2
        per_draw += 40 * fine_grid_length(T)
    elif stride == 1:
        per_draw = 4 * J * T + 8 * J * (N // 2 + 1) * 2 + 8 * N
    elif _use_correlation(J, T, N, stride):
        per_draw = 4 * _correlation_numbers(J, T, N, stride) + 4 * 8 * (N // stride)
    else:
        per_draw = 4 * J * T + 16 * J * N * 2 + 16 * N * stride * 2
    return _draws_per_chunk(per_draw)


def _draw_weights(stream, count, J, T, sigma, dtype=np.float32):
    w = stream.standard_normal((count, J, T), dtype=dtype)
    if sigma != 1.0:
        w *= dtype(sigma)
    return w


def _check_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    return dtype.type


def simulate_energy(x, J, T, n_draws, *, sigma=None, rng=None, method="convolution",
                    progress=False):
    """Draw ``n_draws`` energy responses ``||Phi x||^2`` of random Gaussian filterbanks.

    ``method="convolution"`` draws the ``J x T`` weights and computes the energy exactly
    for each draw through ``||Phi x||^2 = sum_{|tau|<T} R_xx(tau) r_w(tau)`` (see
    :func:`randfb.filterbank_energy`). ``method="spectral"`` draws from the same law
    directly, ``sigma^2 sum_k lambda_k(Q_T) Y_k`` with ``Y_k`` i.i.d. ``chi^2_J``: ``T``
    gamma variables per draw instead of ``J T`` normals and no FFT, far cheaper for long
    signals and many filters.

    Parameters
    ----------
    x : array_like, shape (N,)
    J : int, >= 1
    T : int, 1 <= T <= N
    n_draws : int, >= 1
    sigma : float > 0, optional
        Weight standard deviation; default ``1 / sqrt(J T)``.
    rng : int, numpy.random.Generator or None
        Seed or generator; the same seed gives the same draws.
    method : {"convolution", "spectral"}
    progress : bool or callable
        Report progress on stderr (True) or through ``progress(done, total)``.

    Returns
    -------
    energy : ndarray, shape (n_draws,)

    Examples
    --------
    >>> from randfb import simulate_energy, impulse
    >>> e = simulate_energy(impulse(1024), J=10, T=8, n_draws=4000, rng=0)
    >>> bool(abs(e.mean() - 1) < 5 * (2 / 80 / 4000) ** 0.5)   # 5 standard errors
    True
    """
    x = check_signal(x)
    N = x.size
    J, T = check_filter_shape(J, T, N)
    n_draws = check_n_draws(n_draws)
    sigma = check_sigma(sigma, J, T)
    if method == "convolution":
        lag_weights = _lag_weights(x, T).astype(np.float32)
        M = scipy.fft.next_fast_len(2 * T - 1, real=True)

        lag_weights *= np.float32(sigma**2)  # the energy is quadratic in the weights

        def simulate_chunk(stream, count):
            w = _draw_weights(stream, count, J, T, 1.0)
            return (_filter_autocorrelation_sum(w) @ lag_weights,)

        per_draw = 4 * J * T + 8 * J * (M // 2 + 1) * 2 + 8 * M
    elif method == "spectral":
        lam = (sigma**2 * energy_eigenvalues(x, T)).astype(np.float32)
        shape = np.float32(J / 2.0)

        def simulate_chunk(stream, count):
            y = stream.standard_gamma(shape, size=(count, T), dtype=np.float32)
            return (2.0 * (y @ lam),)

        per_draw = 8 * T
    else:
        raise ValueError(f"method must be 'convolution' or 'spectral', got {method!r}")
    (energy,) = _run_chunks(n_draws, _draws_per_chunk(per_draw), rng, simulate_chunk, 1,
                            f"simulate_energy(J={J}, T={T}, {method})", progress)
    return energy


def simulate_frame_bounds(N, J, T, n_draws, *, stride=1, sigma=None, rng=None, progress=False,
                          dtype=np.float32):
    """Draw the optimal frame bounds ``A`` and ``B`` of ``n_draws`` random filterbanks.

    Each draw is a ``J x T`` Gaussian filterbank; ``A`` and ``B`` are computed exactly by
    :func:`randfb.frame_bounds` (Littlewood-Paley extremes for stride 1, polyphase
    eigenvalues for stride ``d``).

    Parameters
    ----------
    N : int, >= T
        Signal length.
    J : int, >= 1
    T : int, 1 <= T <= N
    n_draws : int, >= 1
    stride : int, >= 1, dividing N
    sigma : float > 0, optional
        Default ``sqrt(stride / (J T))``: the expected Littlewood-Paley sum is 1 at stride 1;
        at stride ``d`` the expected polyphase matrix is the identity (so
        ``E||Phi x||^2 = ||x||^2`` for every ``x``) when ``d`` divides ``T``, and close to it
        otherwise.
    rng : int, numpy.random.Generator or None
    progress : bool or callable
    dtype : {numpy.float32, numpy.float64}
        Precision of the weights and spectra. float32 is ample for the statistics of ``A``
        and ``B``; use float64 for nearly singular layers (``J`` close to ``stride``), where
        ``A / B`` can be below float32's resolution.

    Returns
    -------
    A, B : ndarray, shape (n_draws,)

    Examples
    --------
    >>> from randfb import simulate_frame_bounds
    >>> A, B = simulate_frame_bounds(1024, 40, 8, n_draws=200, rng=0)
    >>> bool(A.mean() < 1 < B.mean() and (A <= B).all())
    True
    """
    N = check_int(N, "N", minimum=1)
    J, T = check_filter_shape(J, T, N)
    n_draws = check_n_draws(n_draws)
    stride = check_stride(stride, N)
    sigma = check_sigma(sigma, J, T, stride)
    dtype = _check_dtype(dtype)

    scale = sigma**2  # A and B are quadratic in the weights: draw unit normals, scale once

    def simulate_chunk(stream, count):
        A, B = _frame_bounds(_draw_weights(stream, count, J, T, 1.0, dtype), N, stride)
        return A * scale, B * scale

    A, B = _run_chunks(n_draws, _frame_bounds_chunk_draws(N, J, T, stride), rng,
                       simulate_chunk, 2,
                       f"simulate_frame_bounds(J={J}, T={T}, stride={stride})", progress)
    return A, B
