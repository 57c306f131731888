"""Mean, variance and spectrum of the energy response ``||Phi x||^2``.

The paper's first proposition (arXiv 2309.05855 v4) gives the mean and the variance.

For one filter ``w`` with i.i.d. ``N(0, sigma^2)`` weights,
``||x * w||^2 = w^T Q_T w`` where ``Q_T[s, t] = R_xx(s - t)`` is the ``T x T`` symmetric
Toeplitz matrix of the circular autocorrelation of ``x``. Hence, for ``J`` filters,

    E||Phi x||^2   = J sigma^2 tr(Q_T) = J T sigma^2 ||x||^2,
    Var||Phi x||^2 = 2 J sigma^4 ||Q_T||_F^2
                   = 2 J sigma^4 sum_{|tau| < T} (T - |tau|) R_xx(tau)^2.

Used by the chapter *The energy response and its variance*.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np
import scipy.fft
import scipy.linalg

from ._threads import single_blas_thread
from ._validation import check_filter_shape, check_int, check_sigma, check_signal


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


def energy_mean(x, J, T, sigma=None) -> float:
    """Expected energy response ``E||Phi x||^2 = J T sigma^2 ||x||^2``.

    Parameters
    ----------
    x : array_like, shape (N,)
    J : int, >= 1
        Number of filters.
    T : int, 1 <= T <= N
        Filter length.
    sigma : float > 0, optional
        Weight standard deviation; default ``1 / sqrt(J T)``, which gives ``||x||^2``.

    Returns
    -------
    mean : float

    Examples
    --------
    >>> from randfb import energy_mean, nyquist_sine
    >>> round(energy_mean(nyquist_sine(64), J=10, T=8), 12)
    1.0
    """
    x = check_signal(x)
    J, T = check_filter_shape(J, T, x.size)
    sigma = check_sigma(sigma, J, T)
    return float(J * T * sigma**2 * (x @ x))


def energy_variance(x, J, T, sigma=None) -> float:
    """Variance ``Var||Phi x||^2 = 2 J sigma^4 sum_{|tau|<T} (T - |tau|) R_xx(tau)^2``.

    This is ``2 J sigma^4 ||Q_T||_F^2`` (the paper's first proposition). With
    ``||x|| = 1`` and ``sigma^2 = 1/(J T)`` it lies between ``2/(J T)`` (impulse) and
    ``2/J`` (Nyquist sine).

    Parameters
    ----------
    x : array_like, shape (N,)
    J : int, >= 1
    T : int, 1 <= T <= N
    sigma : float > 0, optional
        Default ``1 / sqrt(J T)``.

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
    """
    x = check_signal(x)
    J, T = check_filter_shape(J, T, x.size)
    sigma = check_sigma(sigma, J, T)
    R = autocorrelation(x)[:T]
    multiplicity = T - np.arange(T, dtype=float)
    multiplicity[1:] *= 2.0  # lags +tau and -tau
    return float(2.0 * J * sigma**4 * (multiplicity @ R**2))


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
    with single_blas_thread():
        eig = [
            scipy.linalg.eigh(M, eigvals_only=True, driver="evr", check_finite=False)
            for M in (plus, minus)
        ]
    return np.sort(np.concatenate(eig))


_EIGENVALUE_CACHE: OrderedDict = OrderedDict()
_EIGENVALUE_CACHE_SIZE = 64


def energy_eigenvalues(x, T) -> np.ndarray:
    """Eigenvalues of the Toeplitz matrix ``Q_T`` (ascending, clipped at 0).

    They give the exact law of the energy response: rotating every filter into the
    eigenbasis of ``Q_T``,

        ||Phi x||^2 = sigma^2 sum_k lambda_k Y_k,   Y_k i.i.d. chi^2_J,

    a generalised chi-squared variable. ``sum lambda_k = T ||x||^2`` and
    ``sum lambda_k^2 = ||Q_T||_F^2``. Results are cached per signal and ``T``.

    Parameters
    ----------
    x : array_like, shape (N,)
    T : int, 1 <= T <= N

    Returns
    -------
    lam : ndarray, shape (T,)

    Examples
    --------
    >>> from randfb import energy_eigenvalues, nyquist_sine
    >>> energy_eigenvalues(nyquist_sine(16), 4).round(12)   # rank one: T ||x||^2
    array([0., 0., 0., 4.])
    """
    x = check_signal(x)
    T = check_int(T, "T", minimum=1, maximum=x.size)
    key = (hashlib.blake2b(x.tobytes(), digest_size=16).hexdigest(), x.size, T)
    cached = _EIGENVALUE_CACHE.get(key)
    if cached is not None:
        _EIGENVALUE_CACHE.move_to_end(key)
        return cached.copy()
    lam = symmetric_toeplitz_eigenvalues(autocorrelation(x)[:T])
    # Q_T is positive semi-definite; rounding can leave tiny negative values.
    lam = np.clip(lam, 0.0, None)
    _EIGENVALUE_CACHE[key] = lam
    if len(_EIGENVALUE_CACHE) > _EIGENVALUE_CACHE_SIZE:
        _EIGENVALUE_CACHE.popitem(last=False)
    return lam.copy()
