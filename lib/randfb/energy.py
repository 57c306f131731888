"""Mean, variance and spectrum of the energy response ``||Phi x||^2``.

The paper's first proposition (arXiv 2309.05855 v4) gives the mean and the variance.

For one filter ``w`` with i.i.d. ``N(0, sigma^2)`` weights,
``||x * w||^2 = w^T Q_T w`` where ``Q_T[s, t] = R_xx(s - t)`` is the ``T x T`` symmetric
Toeplitz matrix of the circular autocorrelation of ``x``. Hence, for ``J`` filters,

    E||Phi x||^2   = J sigma^2 tr(Q_T) = J T sigma^2 ||x||^2,
    Var||Phi x||^2 = 2 J sigma^4 ||Q_T||_F^2
                   = 2 J sigma^4 sum_{|tau| < T} (T - |tau|) R_xx(tau)^2.

At stride ``d`` (outputs kept at ``n = 0, d, 2d, ...``) the same argument gives
``||Phi_d x||^2 = sum_j w_j^T Q_{T,d} w_j`` with ``Q_{T,d} = X_d^T X_d``, where the rows
of the ``(N/d) x T`` matrix ``X_d`` are the frames ``(x[(n d - t) mod N])_{t < T}`` read
by the kept outputs (:func:`strided_energy_matrix`; ``Q_{T,1} = Q_T``). Hence

    E||Phi_d x||^2   = J sigma^2 tr(Q_{T,d}),
    Var||Phi_d x||^2 = 2 J sigma^4 ||Q_{T,d}||_F^2.

The stride must divide ``N``: the kept outputs ``n = 0, d, ..., N - d`` then make a
layer that commutes with shifts by ``d``, as everywhere in the library
(:func:`randfb.filterbank_energy`, :func:`randfb.frame_bounds`); other strides are
refused with a ``ValueError`` that names ``stride``.

Used by the chapters *The energy response and its variance* and *Strided filterbanks*.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np
import scipy.fft
import scipy.linalg
from threadpoolctl import threadpool_limits

from ._validation import (
    check_filter_shape,
    check_int,
    check_sigma,
    check_signal,
    check_stride,
)


def autocorrelation(x) -> np.ndarray:
    """Circular autocorrelation ``R_xx(tau) = sum_n x[n] x[(n - tau) mod N]``, all lags.

    Computed with the FFT: ``R_xx = IDFT(|DFT(x)|^2)``. ``R_xx(0) = ||x||^2`` and
    ``R_xx(-tau) = R_xx(tau) = R_xx(N - tau)``.

    Parameters
    ----------
    x : array_like, shape (N,)
        Real signal, finite and not all zero.

    Returns
    -------
    R : ndarray, shape (N,)
        ``R[tau]`` for ``tau = 0, ..., N - 1``.

    Examples
    --------
    >>> from randfb import autocorrelation
    >>> autocorrelation([1.0, 2.0, 0.0]).round(12)
    array([5., 2., 2.])
    """
    x = check_signal(x)
    N = x.size
    spectrum = scipy.fft.rfft(x)
    return scipy.fft.irfft(spectrum.real**2 + spectrum.imag**2, n=N)


def autocorrelation_matrix(x, T) -> np.ndarray:
    """The ``T x T`` Toeplitz matrix ``Q_T[s, t] = R_xx(s - t)`` of the energy form.

    ``||x * w||^2 = w^T Q_T w`` for every filter ``w`` of length ``T``.

    Parameters
    ----------
    x : array_like, shape (N,)
    T : int, 1 <= T <= N

    Returns
    -------
    Q : ndarray, shape (T, T)

    Examples
    --------
    >>> from randfb import autocorrelation_matrix, impulse
    >>> autocorrelation_matrix(impulse(8), 3)
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]])
    """
    x = check_signal(x)
    T = check_int(T, "T", minimum=1, maximum=x.size)
    return scipy.linalg.toeplitz(autocorrelation(x)[:T])


def energy_mean(x, J, T, sigma=None, *, stride=1) -> float:
    """Expected energy response ``E||Phi_d x||^2 = J sigma^2 tr(Q_{T,d})``.

    At stride 1, ``tr(Q_T) = T ||x||^2``: the mean is ``J T sigma^2 ||x||^2``. At stride
    ``d``, ``tr(Q_{T,d}) = sum_{t<T} e[(-t) mod d]`` with ``e[c] = sum_{n = c mod d}
    x[n]^2`` (the energy of the input samples of phase ``c``); when ``d`` divides ``T``
    this is ``(T/d) ||x||^2``, and the default ``sigma^2 = d / (J T)`` gives ``||x||^2``.

    Parameters
    ----------
    x : array_like, shape (N,)
    J : int, >= 1
        Number of filters.
    T : int, 1 <= T <= N
        Filter length.
    sigma : float > 0, optional
        Weight standard deviation; default ``sqrt(d / (J T))`` (``1 / sqrt(J T)`` at
        stride 1), which gives ``||x||^2`` when ``d`` divides ``T``.
    stride : int, >= 1, dividing N
        Hop size ``d``: the outputs ``n = 0, d, 2d, ...`` of each convolution are kept.

    Returns
    -------
    mean : float

    Examples
    --------
    >>> from randfb import energy_mean, nyquist_sine
    >>> round(energy_mean(nyquist_sine(64), J=10, T=8), 12)
    1.0
    >>> round(energy_mean(nyquist_sine(64), J=10, T=8, stride=4), 12)   # 4 | 8
    1.0
    """
    x = check_signal(x)
    J, T = check_filter_shape(J, T, x.size)
    stride = check_stride(stride, x.size)
    sigma = check_sigma(sigma, J, T, stride)
    if stride == 1:
        return float(J * T * sigma**2 * (x @ x))
    return float(J * sigma**2 * _strided_trace(x, T, stride))


def _strided_trace(x, T, stride):
    """``tr(Q_{T,d}) = sum_{t<T} e[(-t) mod d]``, ``e[c]`` the energy of phase ``c``."""
    phase_energy = (x * x).reshape(-1, stride).sum(axis=0)  # e[c], n = k d + c
    return float(phase_energy[(-np.arange(T)) % stride].sum())


def energy_variance(x, J, T, sigma=None, *, stride=1) -> float:
    """Variance ``Var||Phi_d x||^2 = 2 J sigma^4 ||Q_{T,d}||_F^2``.

    At stride 1 this is ``2 J sigma^4 sum_{|tau|<T} (T - |tau|) R_xx(tau)^2`` (the
    paper's first proposition); with ``||x|| = 1`` and ``sigma^2 = 1/(J T)`` it lies
    between ``2/(J T)`` (impulse) and ``2/J`` (Nyquist sine). At stride ``d`` the matrix
    is :func:`strided_energy_matrix`, which is not Toeplitz in general.

    Parameters
    ----------
    x : array_like, shape (N,)
    J : int, >= 1
    T : int, 1 <= T <= N
    sigma : float > 0, optional
        Default ``sqrt(d / (J T))`` (``1 / sqrt(J T)`` at stride 1).
    stride : int, >= 1, dividing N
        Hop size ``d``.

    Returns
    -------
    variance : float

    Examples
    --------
    >>> from randfb import energy_variance, impulse, nyquist_sine
    >>> round(energy_variance(impulse(64), J=10, T=8), 12)   # 2 / (J T)
    0.025
    >>> round(energy_variance(nyquist_sine(64), J=10, T=8), 12)   # 2 / J
    0.2
    >>> round(energy_variance(impulse(64), J=10, T=8, stride=4), 12)   # 2 d / (J T)
    0.1
    """
    x = check_signal(x)
    J, T = check_filter_shape(J, T, x.size)
    stride = check_stride(stride, x.size)
    sigma = check_sigma(sigma, J, T, stride)
    if stride > 1:
        Q = _strided_energy_matrix(x, T, stride)
        return float(2.0 * J * sigma**4 * np.sum(Q * Q))
    R = autocorrelation(x)[:T]
    multiplicity = T - np.arange(T, dtype=float)
    multiplicity[1:] *= 2.0  # lags +tau and -tau
    return float(2.0 * J * sigma**4 * (multiplicity @ R**2))


def strided_energy_matrix(x, T, stride) -> np.ndarray:
    """The ``T x T`` matrix ``Q_{T,d} = X_d^T X_d`` of the strided energy form.

    Row ``n'`` of ``X_d`` is the frame ``(x[(n' d - t) mod N])_{t<T}`` read by the kept
    output ``n' d``, so ``(x * w)[n' d] = X_d[n'] . w`` and
    ``||Phi_d x||^2 = sum_j w_j^T Q_{T,d} w_j`` for every filterbank:

        Q_{T,d}[s, t] = sum_{n' < N/d} x[(n' d - s) mod N] x[(n' d - t) mod N].

    At stride 1 it is the Toeplitz matrix :func:`autocorrelation_matrix`. Computed from
    the ``d^2`` circular cross-correlations of the polyphase components
    ``y_c[k] = x[(k d - c) mod N]`` (FFTs of length ``N/d``): with ``s = a d + c``,
    ``t = b d + c'``, ``Q_{T,d}[s, t] = sum_k y_c[k] y_c'[(k + a - b) mod N/d]``.

    Parameters
    ----------
    x : array_like, shape (N,)
    T : int, 1 <= T <= N
    stride : int, >= 1, dividing N

    Returns
    -------
    Q : ndarray, shape (T, T), symmetric positive semi-definite

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import strided_energy_matrix
    >>> strided_energy_matrix(np.arange(1.0, 5.0), 2, 2)   # frames (1, 4) and (3, 2)
    array([[10., 10.],
           [10., 20.]])
    """
    x = check_signal(x)
    T = check_int(T, "T", minimum=1, maximum=x.size)
    stride = check_stride(stride, x.size)
    return _strided_energy_matrix(x, T, stride)


def _strided_energy_matrix(x, T, stride):
    """:func:`strided_energy_matrix` without argument checks."""
    N = x.size
    M = N // stride
    k = np.arange(M)
    # y[c, k] = x[(k d - c) mod N]: the input samples read by tap phase c
    y = x[(k[None, :] * stride - np.arange(stride)[:, None]) % N]
    Y = scipy.fft.rfft(y, axis=-1)
    # C[c, c', tau] = sum_k y_c[k] y_c'[(k + tau) mod M]
    C = scipy.fft.irfft(Y.conj()[:, None, :] * Y[None, :, :], n=M, axis=-1)
    t = np.arange(T)
    phase, block = t % stride, t // stride
    lag = (block[:, None] - block[None, :]) % M
    Q = C[phase[:, None], phase[None, :], lag]
    return 0.5 * (Q + Q.T)  # symmetric up to rounding; make it exactly so


def symmetric_toeplitz_eigenvalues(r) -> np.ndarray:
    """Eigenvalues (ascending) of the symmetric Toeplitz matrix with first column ``r``.

    A symmetric Toeplitz matrix ``Q`` of order ``T`` is centrosymmetric, so with
    ``m = T // 2`` it is orthogonally similar to ``diag(A + H, A - H)`` (plus a bordered
    row for odd ``T``), where ``A = toeplitz(r[:m])`` and ``H[i, k] = r[T - 1 - i - k]``
    is a Hankel matrix. Two eigenproblems of half the order cost a quarter of one.

    Parameters
    ----------
    r : array_like, shape (T,)
        First column of the matrix.

    Returns
    -------
    lam : ndarray, shape (T,)

    Examples
    --------
    >>> import numpy as np, scipy.linalg
    >>> from randfb.energy import symmetric_toeplitz_eigenvalues
    >>> r = np.array([3.0, 1.0, 0.5, 0.2, 0.1])
    >>> bool(np.allclose(symmetric_toeplitz_eigenvalues(r),
    ...                  np.linalg.eigvalsh(scipy.linalg.toeplitz(r))))
    True
    """
    r = np.asarray(r, dtype=float)
    T = r.size
    if T < 2:
        return r.copy()
    m = T // 2
    i = np.arange(m)
    A = r[np.abs(i[:, None] - i[None, :])]
    H = r[T - 1 - i[:, None] - i[None, :]]
    plus, minus = A + H, A - H
    if T % 2:
        border = np.sqrt(2.0) * r[m - i]  # column m of Q, rows 0..m-1: r[m - i]
        plus = np.block([[plus, border[:, None]], [border[None, :], r[:1, None]]])
    # One BLAS thread: multi-threaded LAPACK at these sizes loses more to contention on
    # a busy two-core machine than it gains (measured: up to 100x slower under load).
    with threadpool_limits(limits=1, user_api="blas"):
        eig = [
            scipy.linalg.eigh(M, eigvals_only=True, driver="evr", check_finite=False)
            for M in (plus, minus)
        ]
    return np.sort(np.concatenate(eig))


_EIGENVALUE_CACHE: OrderedDict = OrderedDict()
_EIGENVALUE_CACHE_SIZE = 64


def energy_eigenvalues(x, T, *, stride=1) -> np.ndarray:
    """Eigenvalues of the energy form ``Q_{T,d}`` (ascending, clipped at 0).

    They give the exact law of the energy response: rotating every filter into the
    eigenbasis of ``Q_{T,d}`` (``Q_T`` at stride 1),

        ||Phi_d x||^2 = sigma^2 sum_k lambda_k Y_k,   Y_k i.i.d. chi^2_J,

    a generalised chi-squared variable. ``sum lambda_k = tr(Q_{T,d})`` (``T ||x||^2``
    at stride 1) and ``sum lambda_k^2 = ||Q_{T,d}||_F^2``. At stride 1 the Toeplitz
    structure halves the eigenproblem (:func:`symmetric_toeplitz_eigenvalues`); at
    stride ``d`` the matrix is :func:`strided_energy_matrix`. Results are cached per
    signal, ``T`` and stride.

    Parameters
    ----------
    x : array_like, shape (N,)
    T : int, 1 <= T <= N
    stride : int, >= 1, dividing N
        Hop size ``d``.

    Returns
    -------
    lam : ndarray, shape (T,)

    Examples
    --------
    >>> from randfb import energy_eigenvalues, nyquist_sine
    >>> energy_eigenvalues(nyquist_sine(16), 4).round(12)   # rank one: T ||x||^2
    array([0., 0., 0., 4.])
    >>> energy_eigenvalues(nyquist_sine(16), 4, stride=2).round(12)   # (T/d) ||x||^2
    array([0., 0., 0., 2.])
    """
    x = check_signal(x)
    T = check_int(T, "T", minimum=1, maximum=x.size)
    stride = check_stride(stride, x.size)
    key = (hashlib.blake2b(x.tobytes(), digest_size=16).hexdigest(), x.size, T, stride)
    cached = _EIGENVALUE_CACHE.get(key)
    if cached is not None:
        _EIGENVALUE_CACHE.move_to_end(key)
        return cached.copy()
    if stride == 1:
        lam = symmetric_toeplitz_eigenvalues(autocorrelation(x)[:T])
    else:
        with threadpool_limits(limits=1, user_api="blas"):
            lam = scipy.linalg.eigh(_strided_energy_matrix(x, T, stride),
                                    eigvals_only=True, driver="evr", check_finite=False)
    # Q_{T,d} is positive semi-definite; rounding can leave tiny negative values.
    lam = np.clip(lam, 0.0, None)
    _EIGENVALUE_CACHE[key] = lam
    if len(_EIGENVALUE_CACHE) > _EIGENVALUE_CACHE_SIZE:
        _EIGENVALUE_CACHE.popitem(last=False)
    return lam.copy()
