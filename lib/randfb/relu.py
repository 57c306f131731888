"""The energy after a ReLU: exact mean and variance of ``||ReLU(Phi x)||^2``.

For a fixed signal ``x`` and a random Gaussian filterbank, the outputs
``y_j[n] = (x * w_j)[n]`` of one filter form a centred Gaussian vector with covariance

    C[n, n'] = sigma^2 sum_{t<T} x[n - t] x[n' - t]          (indices mod N),

independent across the ``J`` filters. Hence (see ``book/after_first_layer.ipynb``)

* ``E||ReLU(Phi x)||^2 = (J / 2) sum_n C[n, n] = E||Phi x||^2 / 2`` for every ``x``;
* ``Var||ReLU(Phi x)||^2 = J sum_{n, n'} a_n a_n' g(rho_nn')`` with ``a_n = C[n, n]``,
  ``rho = C[n, n'] / sqrt(a_n a_n')`` and the covariance of squared ReLUs of two
  unit normals of correlation ``rho``,

      g(rho) = rho^2 / 2 + h(rho) / 4,
      h(rho) = (2 / pi) ((1 + 2 rho^2) arcsin(rho) + 3 rho sqrt(1 - rho^2)),

  from the degree-2 arc-cosine kernel (Cho and Saul, NeurIPS 2009). The even part
  ``rho^2 / 2`` sums to a quarter of the linear variance ``2 J sum C^2``; the odd part
  ``h`` is what the ReLU adds.

The sum over all ``N^2`` pairs is organised by lag ``l = n' - n``, and ``C[n, n + l]``
is a moving sum over ``T`` samples of ``x[m] x[m + l]``: going from output ``n - 1`` to
``n`` adds one product and removes one, for all lags at once. The variance costs
``O(N^2)`` operations in ``O(N)`` memory.

Used by: book/after_first_layer.ipynb.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft
import scipy.ndimage
from scipy.linalg.blas import daxpy as _blas_axpy
from scipy.linalg.blas import ddot as _blas_dot

from ._threads import single_blas_thread
from ._validation import (
    as_generator,
    check_filter_shape,
    check_n_draws,
    check_pool,
    check_positive,
    check_sigma,
    check_signal,
    check_stride,
)

__all__ = [
    "relu_energy_moments",
    "relu_energy_variance_dense",
    "relu_impulse_moments",
    "relu_minimising_signal",
    "relu_minimum_relative_variance",
    "relu_pooled_energy_mean",
    "relu_square_covariance",
    "relu_variance_parts",
    "simulate_relu_energy",
]

#: Bytes of temporaries one chunk of draws may hold (:func:`simulate_relu_energy`).
CHUNK_BUDGET_BYTES = 32 * 2**20
#: Largest N for the dense (N x N) oracle.
DENSE_MAX_N = 4096


def _odd_kernel(rho):
    """``h(rho) = (2/pi)((1 + 2 rho^2) arcsin rho + 3 rho sqrt(1 - rho^2))``, odd."""
    shape = np.shape(rho)
    rho = np.array(rho, dtype=float, ndmin=1)  # a copy: clipped in place
    np.clip(rho, -1.0, 1.0, out=rho)
    rho2 = rho * rho
    out = np.arcsin(rho)
    out *= 1.0 + 2.0 * rho2
    np.subtract(1.0, rho2, out=rho2)
    np.sqrt(rho2, out=rho2)
    rho2 *= 3.0 * rho
    out += rho2
    out *= 2.0 / np.pi
    return out.reshape(shape)


def _correlation(c, a, b):
    """``c / sqrt(a b)`` where ``a b > 0``, else 0 (a zero-variance output)."""
    ab = a * b
    rho = np.zeros(np.broadcast(c, ab).shape)
    positive = ab > 0
    rho[positive] = (np.broadcast_to(c, rho.shape)[positive]
                     / np.sqrt(np.broadcast_to(ab, rho.shape)[positive]))
    return rho, ab


def relu_square_covariance(c, a, b):
    """Covariance of ``ReLU(u)^2`` and ``ReLU(v)^2`` for a centred Gaussian ``(u, v)``.

    With ``Var u = a``, ``Var v = b``, ``Cov(u, v) = c`` and ``rho = c / sqrt(a b)``,

        E[ReLU(u)^2 ReLU(v)^2] = a b ((pi - arccos rho)(1 + 2 rho^2)
                                      + 3 rho sqrt(1 - rho^2)) / (2 pi),

    the degree-2 arc-cosine kernel of Cho and Saul (2009) up to the factor ``1/(2 pi)``,
    and ``E[ReLU(u)^2] = a / 2``, so the covariance is

        a b g(rho),  g(rho) = rho^2 / 2 + h(rho) / 4,
        h(rho) = (2 / pi)((1 + 2 rho^2) arcsin rho + 3 rho sqrt(1 - rho^2)).

    Pairs with ``a b = 0`` give 0. Arguments broadcast. A ``c`` with ``c^2 > a b`` (no
    such Gaussian pair) is not refused: ``rho`` is clipped to ``[-1, 1]``, which absorbs
    the rounding of covariances computed from data.

    Parameters
    ----------
    c : array_like
        Covariance of ``u`` and ``v``, finite, ``c^2 <= a b``.
    a, b : array_like, finite, >= 0
        Variances of ``u`` and ``v``.

    Raises
    ------
    ValueError
        If ``a`` or ``b`` is negative, or an argument is not finite.

    Returns
    -------
    cov : ndarray

    Examples
    --------
    >>> from randfb.relu import relu_square_covariance
    >>> float(relu_square_covariance(1.0, 1.0, 1.0))    # Var ReLU(u)^2 = 3/2 - 1/4
    1.25
    >>> float(relu_square_covariance(-2.0, 2.0, 2.0))   # v = -u: 0 - (2/2)^2
    -1.0
    """
    c, a, b = (np.asarray(v, dtype=float) for v in (c, a, b))
    for name, value in (("c", c), ("a", a), ("b", b)):
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{name} must be finite (no NaN or inf)")
    if np.any(a < 0) or np.any(b < 0):
        raise ValueError("a and b (variances) must be >= 0")
    rho, ab = _correlation(c, a, b)
    return ab * (0.5 * np.clip(rho, -1.0, 1.0) ** 2 + 0.25 * _odd_kernel(rho))


def _check_inputs(x, J, T, sigma, stride):
    x = check_signal(x)
    N = x.size
    J, T = check_filter_shape(J, T, N)
    stride = check_stride(stride, N)
    sigma = check_sigma(sigma, J, T)
    return x, N, J, T, sigma, stride


def _window_sums(p, T):
    """Circular moving sums ``sum_{k<T} p[..., (n - k) mod N]`` along the last axis."""
    N = p.shape[-1]
    padded = np.concatenate((p[..., N - T + 1:], p), axis=-1) if T > 1 else p
    cs = np.zeros(p.shape[:-1] + (padded.shape[-1] + 1,))
    np.cumsum(padded, axis=-1, out=cs[..., 1:])
    return cs[..., T:] - cs[..., :N]


def _weighted_row_dots(weights, u, v):
    """``sum_l weights[l] (u[l] . v[l])`` for C-contiguous 2-D ``u``, ``v`` (BLAS dots)."""
    if weights.min() == weights.max():
        return float(weights[0] * np.dot(u.ravel(), v.ravel()))
    return float(sum(wl * np.dot(ul, vl) for wl, ul, vl in zip(weights, u, v, strict=True)))


def relu_variance_parts(x, J, T, sigma=None, *, stride=1):
    """Even and odd parts of ``Var||ReLU(Phi x)||^2``, summed over pairs by lag.

    ``Var = even + odd`` with (sums over the kept output indices ``n, n'`` in
    ``{0, d, ..., N - d}``)

        even = (J / 2) sum_{n, n'} C[n, n']^2     (a quarter of the linear variance)
        odd  = (J / 4) sum_{n, n'} a_n a_n' h(rho_nn')

    with ``a_n = C[n, n]`` and ``h`` as in :func:`relu_square_covariance`. The odd part
    is ``(J / 4) Var(sum_n y[n] |y[n]|) >= 0`` for one filter's outputs ``y``, so the
    ReLU never lowers the relative variance ``Var / mean^2``. Lags ``l`` and ``N - l``
    give the same total, so only ``l <= N / 2`` are computed. The lags ``0 < l < N / 2``
    are taken one output row ``n`` at a time, all lags at once (:func:`_inner_lags`):
    ``C[n, n + l] = sigma^2 sum_{m = n - T + 1}^{n} x[m] x[m + l]`` is the row ``n - 1``
    plus ``x[n] x[n + l]`` minus ``x[n - T] x[n - T + l]``, two vector updates per row.
    The odd part is summed as
    ``a b h(rho) = (2/pi)((ab + 2c^2) arctan2(c, sqrt(ab - c^2)) + 3c sqrt(ab - c^2))``
    (``c = C[n, n']``, ``ab = a_n a_n'``): no division, and 0 where ``ab = 0``. Cost
    ``O(N^2 / d)`` operations, memory ``O(N)``.

    Parameters
    ----------
    x : array_like, shape (N,)
        Real signal, not all zero.
    J : int, >= 1
    T : int, 1 <= T <= N
    sigma : float > 0, optional
        Weight standard deviation; default ``1 / sqrt(J T)``.
    stride : int, >= 1, dividing N
        Keep every ``stride``-th output sample.

    Returns
    -------
    even, odd : float

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import energy_variance
    >>> from randfb.relu import relu_variance_parts
    >>> x = np.random.default_rng(0).standard_normal(64)
    >>> even, odd = relu_variance_parts(x, J=3, T=8)
    >>> bool(np.isclose(4 * even, energy_variance(x, 3, 8)))
    True
    """
    x, N, J, T, sigma, stride = _check_inputs(x, J, T, sigma, stride)
    xs = sigma * x  # sigma folded into x: C comes out scaled
    a_full = _window_sums(xs * xs, T)  # a_n at every n (the kept ones: n = 0, d, ...)
    with single_blas_thread():  # the dots are short: BLAS threads only add contention
        inner = _inner_lags(xs, a_full, N, T, stride)
        edge = _edge_lags(xs, a_full, N, T, stride)
    even, odd_angle, odd_root = (2.0 * i + e for i, e in zip(inner, edge, strict=True))
    odd = (2.0 / np.pi) * (odd_angle + 3.0 * odd_root)
    return 0.5 * J * even, 0.25 * J * odd


def _inner_lags(xs, a_full, N, T, stride):
    """``(even, odd_angle, odd_root)`` summed over the lags ``0 < l < N / 2``, each once.

    One output row ``n`` at a time, all these lags at once: the vector
    ``C[l] = C[n, n + l] = sum_{m = n - T + 1}^{n} x[m] x[m + l]`` follows from row
    ``n - 1`` by adding ``x[n] x[n + l] - x[n - T] x[n - T + l]`` (after ``T - 1`` rows
    that only add), so the moving sums cost three passes over a vector of ``N / (2 d)``
    lags per row instead of a sequential running sum per lag. At each kept row the odd
    part's terms are ``(ab + 2 c^2) arctan2(c, sqrt(ab - c^2))`` and
    ``c sqrt(ab - c^2)`` (``ab = a_n a_{n + l}``): no division, 0 where ``ab = 0``. The
    rows' dots are added by :func:`math.fsum`. The row vectors (a few times
    ``4 N / d`` bytes) stay in cache.
    """
    d = stride
    M = (N - 1) // 2 // d  # the lags d, 2d, ..., M d, all < N / 2
    if M == 0:
        return 0.0, 0.0, 0.0
    # E[m + T] = x[m mod N] for m in [-T, 2N); the lags of E[i] are E[i + d], E[i + 2d],
    # ..., contiguous in the decimated copy E[i mod d::d].
    E = np.concatenate((xs[N - T:], xs, xs))
    decimated = [E] if d == 1 else [np.ascontiguousarray(E[r::d]) for r in range(d)]
    a_lags = np.concatenate((a_full, a_full))[::d]  # a_{n + l} = a_lags[n / d + l / d]
    C, step = np.zeros(M), np.empty(M)
    ab, c2, root = np.empty(M), np.empty(M), np.empty(M)
    evens, angles, roots = [], [], []
    axpy, dot = _blas_axpy, _blas_dot
    with np.errstate(invalid="ignore"):  # sqrt(ab - c^2 < 0): caught on the sum below
        for n in range(-T + 1, N):
            i = n + T  # x[n] = E[i]: x[n] x[n + l] enters the window
            q = i // d + 1
            np.multiply(decimated[i % d][q:q + M], E[i], out=step)
            if n >= 1:  # x[n - T] x[n - T + l] leaves it
                q = n // d + 1
                axpy(decimated[n % d][q:q + M], step, a=-E[n])
            # The difference first, then the sum: adding and removing separately was 3
            # times further from the exact odd part on a Brownian walk (N = 22050).
            np.add(C, step, out=C)
            if n < 0 or n % d:
                continue
            k = n // d + 1
            np.multiply(a_lags[k:k + M], a_full[n], out=ab)
            np.multiply(C, C, out=c2)
            np.subtract(ab, c2, out=root)
            np.sqrt(root, out=root)
            root_sum = dot(C, root)
            if not np.isfinite(root_sum):  # ab < c^2 by round-off (periodic signals)
                np.subtract(ab, c2, out=root)
                np.maximum(root, 0.0, out=root)  # ab >= c^2 (Cauchy-Schwarz)
                np.sqrt(root, out=root)
                root_sum = dot(C, root)
            roots.append(root_sum)
            evens.append(dot(C, C))
            angle = np.arctan2(C, root, out=root)  # arcsin(c / sqrt(ab))
            angles.append(dot(ab, angle))
            angles.append(2.0 * dot(c2, angle))
    # Exactly rounded sums of the rows' dots: the dots mix lags of both signs.
    return math.fsum(evens), math.fsum(angles), math.fsum(roots)


def _edge_lags(xs, a_full, N, T, stride):
    """``(even, odd_angle, odd_root)`` of the lags counted once: 0, and ``N / 2``."""
    a = a_full[::stride] / float(T)  # moving means: C / T and a / T, scaled back below
    K = a.size
    lags = np.arange(0, N // 2 + 1, stride)
    edges = [0] + ([lags.size - 1] if lags.size > 1 and 2 * lags[-1] == N else [])
    weights = np.ones(lags.size)
    x3 = np.concatenate((xs[N - T + 1:], xs, xs))
    head = x3[:N + T - 1]
    x3_windows = np.lib.stride_tricks.sliding_window_view(x3, N + T - 1)
    a_windows = np.lib.stride_tricks.sliding_window_view(np.concatenate((a, a)), K)
    products = np.empty((1, N + T - 1))
    sums = np.empty((1, N + T - 1))
    totals = (0.0, 0.0, 0.0)
    for start in edges:
        totals = _lag_chunk(start, 1, stride, N, T, x3_windows, head, a, a_windows,
                            weights, products, sums, totals)
    scale = float(T) ** 2
    return tuple(scale * t for t in totals)


def _lag_chunk(start, m, stride, N, T, x3_windows, head, a, a_windows, weights, products,
               sums, totals):
    """Add the lags ``start * stride, ...`` (``m`` of them) to ``(even, odd_angle,
    odd_root)``: see :func:`relu_variance_parts`."""
    even, odd_angle, odd_root = totals
    first = start * stride  # the lags of this chunk: first, first + d, ...
    p = np.multiply(x3_windows[first:first + m * stride:stride], head, out=products[:m])
    # Moving sums over T samples (a running sum in C; it returns the mean).
    scipy.ndimage.uniform_filter1d(p, T, axis=1, output=sums[:m], mode="constant",
                                   origin=-(T // 2))
    c = np.array(sums[:m, :N:stride])  # C[n, n + l] / T at the kept n, one row per lag
    c2 = c * c
    ab = np.multiply(a_windows[start:start + m], a)  # a_n a_{n + l}
    root = np.subtract(ab, c2)
    with np.errstate(invalid="ignore"):
        np.sqrt(root, out=root)
    w = weights[start:start + m]
    root_sum = _weighted_row_dots(w, c, root)
    if not np.isfinite(root_sum):  # ab < c^2 by round-off (lag 0, periodic signals)
        np.subtract(ab, c2, out=root)
        np.maximum(root, 0.0, out=root)  # ab >= c^2 (Cauchy-Schwarz)
        np.sqrt(root, out=root)
        root_sum = _weighted_row_dots(w, c, root)
    odd_root += root_sum
    even += float(w @ c2.sum(axis=1))
    # a b h(rho) = (2/pi)((ab + 2 c^2) arcsin(rho) + 3 c sqrt(ab - c^2)), and
    # arcsin(c / sqrt(ab)) = arctan2(c, sqrt(ab - c^2)): no division, no clipping,
    # and 0 where a b = 0 (then c = 0).
    angle = np.arctan2(c, root, out=root)
    odd_angle += _weighted_row_dots(w, ab, angle) + 2.0 * _weighted_row_dots(w, c2, angle)
    return even, odd_angle, odd_root


def relu_energy_moments(x, J, T, sigma=None, *, stride=1):
    """Exact mean and variance of ``||ReLU(Phi x)||^2`` for Gaussian random filters.

    Stride-``d`` circular convolution with ``J`` filters of length ``T`` and i.i.d.
    ``N(0, sigma^2)`` weights (default ``sigma^2 = 1 / (J T)``):

        mean = (J / 2) sum_n a_n,      a_n = sigma^2 sum_{t<T} x[n - t]^2,
        Var  = J sum_{n, n'} a_n a_n' g(rho_nn')

    over the kept outputs ``n, n' in {0, d, ..., N - d}`` (see
    :func:`relu_variance_parts`, :func:`relu_square_covariance`). At stride 1 the mean
    is ``J T sigma^2 ||x||^2 / 2``, half the linear layer's. With ``|.|`` instead of the
    ReLU the energy is unchanged (``|y|^2 = y^2``): use :func:`randfb.energy_mean` and
    :func:`randfb.energy_variance`.

    Cost ``O(N^2 / d)``. Measured on a shared 2-core machine (load average 2-4):
    N = 22050 (one second at 22.05 kHz), T = 1024 in 1.3-1.6 s of CPU time (11025 lags
    of 22050 samples each), 3.2-4.7 times less than the arcsin-per-lag implementation
    kept as the reference in the tests, in the same process or in alternating fresh
    processes (see ``benchmarks/README.md``).

    Parameters
    ----------
    x : array_like, shape (N,)
        Real signal, not all zero.
    J : int, >= 1
        Number of filters.
    T : int, 1 <= T <= N
        Filter length in samples.
    sigma : float > 0, optional
        Weight standard deviation; default ``1 / sqrt(J T)``.
    stride : int, >= 1, dividing N
        Hop size ``d`` (default 1).

    Returns
    -------
    mean, variance : float

    Raises
    ------
    ValueError, TypeError
        For a signal that is empty, not 1-D, not finite or all zero; ``J < 1``; ``T``
        outside ``[1, N]``; ``sigma <= 0``; a stride that does not divide ``N``.

    Examples
    --------
    >>> from randfb import impulse
    >>> from randfb.relu import relu_energy_moments
    >>> mean, var = relu_energy_moments(impulse(256), J=10, T=8)
    >>> round(mean, 12), round(var, 12)        # 1/2 and 5 / (4 J T)
    (0.5, 0.015625)
    """
    x, N, J, T, sigma, stride = _check_inputs(x, J, T, sigma, stride)
    a = sigma**2 * _window_sums(x * x, T)[::stride]
    even, odd = relu_variance_parts(x, J, T, sigma, stride=stride)
    return 0.5 * J * float(a.sum()), even + odd


def _dense_covariance(x, T, sigma):
    N = x.size
    X = x[(np.arange(N)[:, None] - np.arange(T)[None, :]) % N]  # X[n, t] = x[n - t]
    return sigma**2 * (X @ X.T)


def relu_energy_variance_dense(x, J, T, sigma=None, *, stride=1):
    """``Var||ReLU(Phi x)||^2`` by the dense double sum over all pairs (an oracle).

    Builds the ``N x N`` covariance ``C = sigma^2 X X^T`` with ``X[n, t] = x[n - t]``,
    keeps the rows and columns ``n = 0, d, 2d, ...`` and sums
    :func:`relu_square_covariance` over every pair: ``O(N^2 T)`` operations and
    ``O(N^2)`` memory, so ``N <= 4096``. Used to check :func:`relu_variance_parts`.

    Parameters
    ----------
    x : array_like, shape (N,), N <= 4096
    J : int, >= 1
    T : int, 1 <= T <= N
    sigma : float > 0, optional
    stride : int, >= 1, dividing N

    Returns
    -------
    variance : float

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.relu import relu_energy_moments, relu_energy_variance_dense
    >>> x = np.random.default_rng(1).standard_normal(40)
    >>> dense = relu_energy_variance_dense(x, J=2, T=5)
    >>> bool(np.isclose(dense, relu_energy_moments(x, 2, 5)[1], rtol=1e-12))
    True
    """
    x, N, J, T, sigma, stride = _check_inputs(x, J, T, sigma, stride)
    if N > DENSE_MAX_N:
        raise ValueError(f"x must have at most {DENSE_MAX_N} samples for the dense "
                         f"oracle, got N = {N}")
    C = _dense_covariance(x, T, sigma)[::stride, ::stride]
    a = np.diag(C)
    return float(J * relu_square_covariance(C, a[:, None], a[None, :]).sum())


def relu_impulse_moments(J, T, sigma=None, amplitude=1.0):
    """Closed form for an impulse ``x = c delta_m``: mean ``J T sigma^2 c^2 / 2``.

    Only the ``T`` outputs ``y_j[m + t] = c w_j[t]`` are nonzero, independent
    ``N(0, sigma^2 c^2)``, so ``||ReLU(Phi x)||^2 = c^2 sum_{j, t} ReLU(w_j[t])^2`` and

        mean = J T sigma^2 c^2 / 2,
        Var  = J T sigma^4 c^4 (3/2 - 1/4) = 5 J T sigma^4 c^4 / 4;

    at ``sigma^2 = 1 / (J T)`` and ``c = 1``: mean ``1/2``, Var ``5 / (4 J T)``,
    relative variance ``Var / mean^2 = 5 / (J T)`` (the linear layer: ``2 / (J T)``).

    Parameters
    ----------
    J : int, >= 1
    T : int, >= 1
    sigma : float > 0, optional
        Default ``1 / sqrt(J T)``.
    amplitude : float > 0
        The impulse's height ``c``.

    Returns
    -------
    mean, variance : float

    Examples
    --------
    >>> from randfb.relu import relu_impulse_moments
    >>> [round(v, 12) for v in relu_impulse_moments(10, 8)]
    [0.5, 0.015625]
    """
    J, T = check_filter_shape(J, T)
    sigma = check_sigma(sigma, J, T)
    c2 = check_positive(amplitude, "amplitude") ** 2
    return 0.5 * J * T * sigma**2 * c2, 1.25 * J * T * sigma**4 * c2**2


def relu_pooled_energy_mean(x, J, T, pool, sigma=None):
    """Exact ``E||AvgPool_P(ReLU(Phi x))||^2``, non-overlapping average pooling.

    The pooled output of filter ``j`` is ``p_j[m] = (1/P) sum_{i<P} ReLU(y_j[mP + i])``.
    With the degree-1 arc-cosine kernel of Cho and Saul (2009),

        E[ReLU(u) ReLU(v)] = (c (pi - arccos rho) + sqrt(a b - c^2)) / (2 pi),

    the mean is ``(J / P^2) sum_m sum_{i, i' < P} E[ReLU(y[mP+i]) ReLU(y[mP+i'])]``,
    a sum over lags ``|i - i'| < P`` computed like :func:`relu_variance_parts`, in
    ``O(N P)``.
    ``pool = 1`` gives ``E||ReLU(Phi x)||^2``. (The variance needs fourth moments of
    four correlated ReLUs, for which no closed form is used here.)

    Parameters
    ----------
    x : array_like, shape (N,)
    J : int, >= 1
    T : int, 1 <= T <= N
    pool : int, >= 1, dividing N
        Pooling size ``P``.
    sigma : float > 0, optional

    Returns
    -------
    mean : float

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.relu import relu_pooled_energy_mean
    >>> x = np.full(64, 1 / 8)        # a constant: all outputs of a filter are equal
    >>> round(relu_pooled_energy_mean(x, J=4, T=16, pool=8), 12)   # 1/2, then / P
    0.0625
    """
    x = check_signal(x)
    N = x.size
    J, T = check_filter_shape(J, T, N)
    pool = check_pool(pool, N)
    sigma = check_sigma(sigma, J, T)
    n = np.arange(N)
    a = sigma**2 * _window_sums(x * x, T)
    total = 0.5 * float(a.sum())  # lag 0: E[ReLU(u)^2] = a / 2
    for lag in range(1, pool):
        c = sigma**2 * _window_sums(x * x[(n + lag) % N], T)
        b = a[(n + lag) % N]
        ab = a * b
        rho = np.divide(c, np.sqrt(ab), out=np.zeros_like(c), where=ab > 0)
        k1 = (c * (0.5 * np.pi + np.arcsin(np.clip(rho, -1, 1)))
              + np.sqrt(np.maximum(ab - c * c, 0.0))) / (2 * np.pi)
        in_block = (n % pool) + lag < pool  # n and n + lag in the same pooling block
        total += 2.0 * float(k1[in_block].sum())
    return J * total / pool**2


def _filter_outputs(x_hat, w, N):
    """``y[..., j, n] = (x * w_j)[n]`` (circular) from ``x_hat = rfft(x)``."""
    return scipy.fft.irfft(scipy.fft.rfft(w, n=N, axis=-1) * x_hat, n=N, axis=-1)


def simulate_relu_energy(x, J, T, n_draws, *, sigma=None, stride=1, rng=None):
    """Draw ``||ReLU(Phi x)||^2`` and ``||Phi x||^2`` for the same random filterbanks.

    Each draw takes ``J`` filters with i.i.d. ``N(0, sigma^2)`` weights, computes the
    circular convolutions ``y_j = x * w_j`` by FFT, keeps every ``stride``-th sample and
    returns both energies. Vectorised over draws and filters, in chunks of draws that
    fit :data:`CHUNK_BUDGET_BYTES`; the draws depend only on ``rng`` and ``n_draws``.

    Parameters
    ----------
    x : array_like, shape (N,)
    J : int, >= 1
    T : int, 1 <= T <= N
    n_draws : int, >= 1
    sigma : float > 0, optional
        Default ``1 / sqrt(J T)``.
    stride : int, >= 1, dividing N
    rng : int, numpy.random.Generator or None

    Returns
    -------
    relu_energy, linear_energy : ndarray, shape (n_draws,)

    Examples
    --------
    >>> from randfb import impulse
    >>> from randfb.relu import simulate_relu_energy
    >>> relu, linear = simulate_relu_energy(impulse(128), J=10, T=8, n_draws=4000,
    ...                                     rng=0)
    >>> se = (5 / 4 / 80 / 4000) ** 0.5            # SE of the mean, from Var = 5/(4JT)
    >>> bool(abs(relu.mean() - 0.5) < 5 * se)
    True
    """
    x, N, J, T, sigma, stride = _check_inputs(x, J, T, sigma, stride)
    n_draws = check_n_draws(n_draws)
    gen = as_generator(rng)
    x_hat = scipy.fft.rfft(x)
    step = max(1, CHUNK_BUDGET_BYTES // (4 * 8 * J * N))
    relu = np.empty(n_draws)
    linear = np.empty(n_draws)
    for start in range(0, n_draws, step):
        count = min(step, n_draws - start)
        w = sigma * gen.standard_normal((count, J, T))
        y = _filter_outputs(x_hat, w, N)[..., ::stride]
        linear[start:start + count] = np.einsum("djn,djn->d", y, y)
        np.maximum(y, 0.0, out=y)
        relu[start:start + count] = np.einsum("djn,djn->d", y, y)
    return relu, linear


def _odd_quadratic(r):
    """``phi(r) = 2 r^2 + h(r)``: one lag's share of ``J N nu_+`` at ``T = N``."""
    r = np.asarray(r, dtype=float)
    return 2.0 * r**2 + (2.0 / np.pi) * (
        (1.0 + 2.0 * r**2) * np.arcsin(r) + 3.0 * r * np.sqrt(1.0 - r**2))


def _check_relu_minimum_shape(N, J, T):
    from ._validation import check_int

    N = check_int(N, "N", minimum=1)
    J = check_int(J, "J", minimum=1)
    T = check_int(T, "T", minimum=1, maximum=N)
    if not (N >= 2 * T or T == N):
        raise ValueError(
            f"the smallest nu_+ is known for N >= 2 T or T = N; got N = {N}, T = {T} "
            f"(T < N < 2 T is open: nu_+ >= 2/(J T) there, by nu_+ >= nu)")
    return N, J, T


def relu_minimum_relative_variance(N, J, T):
    """Smallest relative variance ``nu_+`` of ``||ReLU(Phi x)||^2`` over all signals.

    ``nu_+ = Var / E^2`` does not depend on ``sigma`` or on the signal's scale. For every
    signal ``nu_+ >= nu >= 2 / (J T)`` (the linear layer's minimum). The minimum is
    known in two regimes (book/after_first_layer.ipynb, the proposition on the
    smallest relative variance):

    * ``N >= 2 T``: ``2 / (J T)``, the linear minimum, attained by the dipole
      ``(delta_0 - delta_T) / sqrt(2)``, whose ReLU energy is half the linear energy
      for every draw;
    * ``T = N``: ``(5 + (N - 1) phi(-1 / (N - 1))) / (J N)`` with
      ``phi(r) = 2 r^2 + h(r)``, attained exactly by the zero-mean signals with a flat
      power spectrum off 0 Hz (e.g. an impulse minus its mean); it decreases to
      ``(5 - 8 / pi) / (J N)`` as ``N`` grows.

    Parameters
    ----------
    N : int >= 1
        Signal length.
    J : int >= 1
        Number of filters.
    T : int, 1 <= T <= N, with N >= 2 T or T = N
        Filter length.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For ``T < N < 2 T``, where the minimum is not known (only ``>= 2 / (J T)``).

    Examples
    --------
    >>> from randfb.relu import relu_minimum_relative_variance
    >>> relu_minimum_relative_variance(64, 10, 8) * 10 * 8
    2.0
    >>> round(relu_minimum_relative_variance(256, 10, 256) * 10 * 256, 6)
    2.461358
    """
    N, J, T = _check_relu_minimum_shape(N, J, T)
    if N >= 2 * T:
        return 2.0 / (J * T)
    if N == 1:  # T = N = 1: E_+ = sum_j ReLU(w_j x)^2, nu_+ = 5 / J (no lags)
        return 5.0 / J
    r = -1.0 / (N - 1)
    return float((5.0 + (N - 1) * _odd_quadratic(r)) / (J * N))


def relu_minimising_signal(N, T):
    """A unit-energy signal of length ``N`` whose ``nu_+`` is the smallest possible.

    The dipole ``(delta_0 - delta_T) / sqrt(2)`` when ``N >= 2 T``; the impulse minus
    its mean, scaled to unit energy (zero mean, flat power spectrum off 0 Hz), when
    ``T = N``. See :func:`relu_minimum_relative_variance`.

    Parameters
    ----------
    N : int >= 2
    T : int, 1 <= T <= N, with N >= 2 T or T = N

    Returns
    -------
    x : ndarray, shape (N,), unit energy

    Examples
    --------
    >>> from randfb.relu import relu_minimising_signal
    >>> relu_minimising_signal(4, 2).round(4).tolist()
    [0.7071, 0.0, -0.7071, 0.0]
    """
    from ._validation import check_int

    N = check_int(N, "N", minimum=2)
    N, _, T = _check_relu_minimum_shape(N, 1, T)
    x = np.zeros(N)
    if N >= 2 * T:
        x[0], x[T] = 1.0, -1.0
    else:
        x -= 1.0 / N
        x[0] += 1.0
    return x / np.linalg.norm(x)
