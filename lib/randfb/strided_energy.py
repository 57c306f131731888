"""Monte Carlo draws of the energy response of a strided layer, ``||Phi_d x||^2``.

The exact law is in :mod:`randfb.energy` and :mod:`randfb.gchisq` (every function there
takes ``stride``): ``||Phi_d x||^2 = sigma^2 sum_k mu_k Y_k`` with ``mu_k`` the
eigenvalues of ``Q_{T,d} = X_d^T X_d`` (:func:`randfb.strided_energy_matrix`) and
``Y_k`` i.i.d. ``chi^2_J``. :func:`simulate_strided_energy` draws the energy the direct
way, by convolving ``x`` with Gaussian filters and keeping every ``d``-th output, so
that it checks that law instead of assuming it; ``method="spectral"`` draws from the
law itself, for speed.

Used by :func:`randfb.deviation_curves.deviation_curves` at ``stride > 1`` and by the
chapter *Strided filterbanks*.
"""

from __future__ import annotations

import numpy as np

from ._progress import Progress
from ._threads import single_blas_thread
from ._validation import (
    as_generator,
    check_filter_shape,
    check_n_draws,
    check_sigma,
    check_signal,
    check_stride,
)
from .energy import energy_eigenvalues
from .filterbank import filterbank_energy

__all__ = ["simulate_strided_energy", "strided_chunk_draws"]

#: Bytes of FFT temporaries one chunk of convolution draws may hold.
CHUNK_BUDGET_BYTES = 32 * 2**20


def strided_chunk_draws(N, J, method="convolution") -> int:
    """Draws per chunk of :func:`simulate_strided_energy` (each chunk has its own stream).

    ``convolution``: about ``32 J N`` bytes of spectra per draw; ``spectral``: a fixed
    4096 draws. Exposed so that a test can regenerate any draw from the seed.

    Examples
    --------
    >>> from randfb.strided_energy import strided_chunk_draws
    >>> strided_chunk_draws(1024, 10)
    102
    """
    if method == "spectral":
        return 4096
    return max(1, CHUNK_BUDGET_BYTES // (32 * J * N))


def simulate_strided_energy(x, J, T, n_draws, *, stride, sigma=None, rng=None,
                            method="convolution", progress=False):
    """Draw ``n_draws`` energy responses ``||Phi_d x||^2`` of random strided layers.

    ``method="convolution"``: draws ``J x T`` weights i.i.d. ``N(0, sigma^2)`` in
    float64 and computes ``sum_j sum_{n'} (x * w_j)[n' d]^2`` by FFT convolution
    (:func:`randfb.filterbank_energy`). The draws come in chunks of
    :func:`strided_chunk_draws` draws; chunk ``i`` uses the ``i``-th generator of
    ``as_generator(rng).spawn(n_chunks)`` and its weights are
    ``sigma * standard_normal((count, J, T))``, so every draw can be regenerated from the
    seed. ``method="spectral"``: draws ``sigma^2 sum_k mu_k Y_k`` with ``Y_k`` i.i.d.
    ``chi^2_J`` from the exact law (``T`` gamma variables per draw, no FFT).

    Parameters
    ----------
    x : array_like, shape (N,)
    J : int, >= 1
    T : int, 1 <= T <= N
    n_draws : int, >= 1
    stride : int, >= 1, dividing N
        Hop size ``d``.
    sigma : float > 0, optional
        Weight standard deviation; default ``sqrt(d / (J T))``.
    rng : int, numpy.random.Generator or None
    method : {"convolution", "spectral"}
    progress : bool or callable
        Report progress on stderr (True) or through ``progress(done, total)``.

    Returns
    -------
    energy : ndarray, shape (n_draws,)

    Examples
    --------
    >>> from randfb import energy_mean, energy_variance, impulse
    >>> from randfb.strided_energy import simulate_strided_energy
    >>> e = simulate_strided_energy(impulse(256), 10, 8, 4000, stride=4, rng=0)
    >>> se = (energy_variance(impulse(256), 10, 8, stride=4) / 4000) ** 0.5
    >>> bool(abs(e.mean() - energy_mean(impulse(256), 10, 8, stride=4)) < 5 * se)
    True
    """
    x = check_signal(x)
    N = x.size
    J, T = check_filter_shape(J, T, N)
    stride = check_stride(stride, N)
    n_draws = check_n_draws(n_draws)
    sigma = check_sigma(sigma, J, T, stride)
    if method not in ("convolution", "spectral"):
        raise ValueError(f"method must be 'convolution' or 'spectral', got {method!r}")
    step = strided_chunk_draws(N, J, method)
    starts = list(range(0, n_draws, step))
    streams = as_generator(rng).spawn(len(starts))
    if method == "spectral":
        weights = sigma**2 * energy_eigenvalues(x, T, stride=stride)
    out = np.empty(n_draws)
    reporter = Progress(n_draws, f"simulate_strided_energy(J={J}, T={T}, d={stride})",
                        progress)
    with single_blas_thread():
        for start, stream in zip(starts, streams, strict=True):
            stop = min(n_draws, start + step)
            if method == "convolution":
                w = sigma * stream.standard_normal((stop - start, J, T))
                out[start:stop] = filterbank_energy(x, w, stride)
            else:
                y = 2.0 * stream.standard_gamma(J / 2.0, size=(stop - start, T))
                out[start:stop] = y @ weights
            reporter.update(stop - start)
    return out
