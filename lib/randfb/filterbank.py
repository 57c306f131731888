"""Random FIR filterbanks and their energy response.

The layer of the paper: ``J`` filters ``w_j`` of length ``T`` with i.i.d. ``N(0, sigma^2)``
weights, applied to a signal ``x`` of length ``N >= T`` by circular convolution,

    (Phi x)[n, j] = sum_{t < T} w_j[t] x[(n - t) mod N],   n = 0, d, 2d, ..., N - d,

with stride ``d`` (``d = 1`` in the paper). Used by every chapter.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from ._validation import (
    as_generator,
    check_filter_shape,
    check_filters,
    check_int,
    check_sigma,
    check_signal,
    check_stride,
)
from .energy import autocorrelation

#: Bytes of temporary spectra a batched computation may hold at once.
MEMORY_BUDGET_BYTES = 256 * 2**20


def random_filterbank(J, T, *, sigma=None, size=None, rng=None, dtype=np.float64) -> np.ndarray:
    """Draw Gaussian filterbanks with i.i.d. ``N(0, sigma^2)`` weights.

    The default ``sigma = 1 / sqrt(J T)`` preserves energy on average:
    ``E||Phi x||^2 = J T sigma^2 ||x||^2 = ||x||^2``.

    Parameters
    ----------
    J : int, >= 1
        Number of filters.
    T : int, >= 1
        Filter length in samples.
    sigma : float > 0, optional
        Standard deviation of each weight; default ``1 / sqrt(J T)``.
    size : int or tuple of int, optional
        Leading batch shape: the result has shape ``(*size, J, T)``.
    rng : int, numpy.random.Generator or None
        Seed or generator; the same seed gives the same weights on every run.
    dtype : {numpy.float64, numpy.float32}
        Floating-point type of the weights.

    Returns
    -------
    w : ndarray, shape (J, T) or (*size, J, T)

    Examples
    --------
    >>> from randfb import random_filterbank
    >>> w = random_filterbank(10, 8, size=3, rng=0)
    >>> w.shape
    (3, 10, 8)
    """
    J, T = check_filter_shape(J, T)
    sigma = check_sigma(sigma, J, T)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    if size is None:
        shape = ()
    else:
        shape = (size,) if np.isscalar(size) else tuple(size)
        for s in shape:
            if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
                raise ValueError(
                    f"size must be a non-negative integer or a tuple of them, got {size!r}"
                )
    w = as_generator(rng).standard_normal((*shape, J, T), dtype=dtype)
    w *= dtype.type(sigma)
    return w


def _filter_autocorrelation_sum(w: np.ndarray) -> np.ndarray:
    """``r_w[tau] = sum_j sum_t w_j[t] w_j[t + tau]`` for ``tau = 0..T-1``, batched.

    Linear (not circular) autocorrelation, computed with an FFT of length >= 2T - 1.
    """
    T = w.shape[-1]
    M = scipy.fft.next_fast_len(2 * T - 1, real=True)
    spectrum = scipy.fft.rfft(w, n=M, axis=-1)
    power = (spectrum.real**2 + spectrum.imag**2).sum(axis=-2)
    return scipy.fft.irfft(power, n=M, axis=-1)[..., :T]


def _lag_weights(x: np.ndarray, T: int) -> np.ndarray:
    """Lag weights ``c = (R(0), 2R(1), ..., 2R(T-1))``: ``||Phi x||^2 = r_w @ c`` at stride 1.

    ``R`` is the circular autocorrelation of ``x``; lags ``+tau`` and ``-tau`` are counted once
    each through the factor 2 (``r_w`` holds only lags ``0..T-1``).
    """
    weights = np.full(T, 2.0)
    weights[0] = 1.0
    return weights * autocorrelation(x)[:T]


def _batches(n_items: int, bytes_per_item: int, budget: int = MEMORY_BUDGET_BYTES):
    """Split ``range(n_items)`` into slices whose temporaries fit in ``budget`` bytes."""
    step = max(1, budget // max(1, bytes_per_item))
    for start in range(0, n_items, step):
        yield slice(start, min(n_items, start + step))


def filterbank_energy(x, w, stride=1) -> np.ndarray:
    """Energy response ``||Phi x||^2 = sum_j ||(x * w_j) downsampled by d||^2``.

    For stride 1 it uses the identity (the paper's first proposition)

        ||Phi x||^2 = sum_j w_j^T Q_T w_j = sum_{|tau| < T} R_xx(tau) r_w(tau),

    where ``R_xx`` is the circular autocorrelation of ``x`` and ``r_w`` the summed linear
    autocorrelation of the filters, so its cost grows with ``T``, not with ``N``. For
    ``stride > 1`` it convolves with FFTs of length ``N`` and keeps every ``d``-th sample.

    Parameters
    ----------
    x : array_like, shape (N,)
        The signal (finite, not all zero).
    w : array_like, shape (..., J, T)
        Filters, ``T <= N``; leading axes are a batch (e.g. Monte Carlo draws).
    stride : int, >= 1, dividing N
        Hop size ``d`` of the convolution.

    Returns
    -------
    energy : ndarray, shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import impulse, random_filterbank, filterbank_energy
    >>> x = impulse(16)
    >>> w = random_filterbank(3, 4, rng=0)
    >>> bool(np.isclose(filterbank_energy(x, w), np.sum(w**2)))
    True
    """
    x = check_signal(x)
    N = x.size
    w = check_filters(w, N)
    stride = check_stride(stride, N)
    batch_shape = w.shape[:-2]
    J, T = w.shape[-2:]
    flat = w.reshape(-1, J, T)
    out = np.empty(flat.shape[0])
    if stride == 1:
        lag_weights = _lag_weights(x, T)
        M = scipy.fft.next_fast_len(2 * T - 1, real=True)
        for sl in _batches(flat.shape[0], 16 * J * M):
            out[sl] = _filter_autocorrelation_sum(flat[sl].astype(np.float64)) @ lag_weights
    else:
        X = scipy.fft.rfft(x)
        for sl in _batches(flat.shape[0], 32 * J * N):
            y = scipy.fft.irfft(X * scipy.fft.rfft(flat[sl], n=N, axis=-1), n=N, axis=-1)
            y = y[..., ::stride]
            out[sl] = np.einsum("bjn,bjn->b", y, y)
    return out.reshape(batch_shape)


def filterbank_matrix(w, N, stride=1) -> np.ndarray:
    """The analysis operator ``Phi`` as an explicit dense matrix (an oracle for small ``N``).

    Row ``j * (N // d) + m`` holds the coefficients of output sample ``m`` of filter ``j``:
    ``Phi[(j, m), n] = w_j[(m d - n) mod N]`` when ``(m d - n) mod N < T``, else 0.

    Parameters
    ----------
    w : array_like, shape (J, T)
        One filterbank.
    N : int, >= T
        Signal length.
    stride : int, >= 1, dividing N
        Hop size ``d``.

    Returns
    -------
    Phi : ndarray, shape (J * N // stride, N)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import filterbank_matrix
    >>> Phi = filterbank_matrix(np.array([[1.0, 2.0]]), 3)
    >>> Phi
    array([[1., 0., 2.],
           [2., 1., 0.],
           [0., 2., 1.]])
    """
    w = check_filters(w)
    if w.ndim != 2:
        raise ValueError(f"w must have shape (J, T) for filterbank_matrix, got {w.shape}")
    J, T = w.shape
    N = check_int(N, "N", minimum=1)
    check_filter_shape(J, T, N)
    stride = check_stride(stride, N)
    padded = np.zeros((J, N))
    padded[:, :T] = w
    rows = np.arange(0, N, stride)
    shift = (rows[:, None] - np.arange(N)[None, :]) % N  # (N/d, N)
    return padded[:, shift].reshape(J * rows.size, N)
