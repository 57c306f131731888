"""Strided random filterbanks: mean polyphase matrix, redundancy sweeps, tails, targets.

A stride-``d`` filterbank keeps every ``d``-th output sample of each of its ``J``
filters, so it has ``J N / d`` coefficients for ``N`` input samples: its *redundancy* is
``J / d``. Its optimal frame bounds are the extreme eigenvalues of the ``d x d``
polyphase matrices ``P(m)`` (:func:`randfb.polyphase_matrices`,
:func:`randfb.frame_bounds`). This module adds what the chapter on strided filterbanks
needs on top of that:

* :func:`polyphase_tap_counts` and :func:`expected_polyphase_matrix`: the exact mean of
  ``P(m)`` for Gaussian weights, the identity at ``sigma^2 = d / (J T)`` exactly when
  ``d`` divides ``T``;
* :func:`simulate_mean_polyphase_matrix`: its Monte Carlo estimate, with standard
  errors;
* :func:`can_be_frame`: ``A > 0`` almost surely iff ``J >= d`` and ``T >= d``;
* :func:`kappa_from_bounds`: ``kappa = B / A`` without dividing by zero;
* :func:`simulate_stride_sweep`: frame bounds over a grid of strides and filter counts;
* :func:`kappa_crossing`: the number of filters at which the mean condition number
  falls below a target, with its standard error;
* :func:`marchenko_pastur_edges`, :func:`marchenko_pastur_kappa`,
  :func:`marchenko_pastur_redundancy`: the large-``d`` reference values;
* :func:`hill_tail_index`: the Hill estimate of a power-law tail index, to check that
  ``P(kappa > x)`` and ``P(1/A > x)`` decay like ``x^(-(J - d + 1)/2)``;
* :func:`median_interval`: the sample median with a distribution-free interval, for
  condition numbers whose variance (or mean) is infinite.

Used by the chapter ``book/strided.ipynb``.
"""

from __future__ import annotations

import numpy as np

from ._progress import Progress
from ._validation import (
    as_generator,
    check_filter_shape,
    check_int,
    check_positive,
    check_sigma,
    check_stride,
)
from .filterbank import random_filterbank
from .frames import can_be_frame, kappa_from_bounds, polyphase_matrices
from .simulate import _frame_bounds_chunk_draws, simulate_frame_bounds

__all__ = [
    "can_be_frame",
    "expected_polyphase_matrix",
    "hill_tail_index",
    "kappa_crossing",
    "kappa_from_bounds",
    "marchenko_pastur_edges",
    "marchenko_pastur_kappa",
    "marchenko_pastur_redundancy",
    "median_interval",
    "polyphase_tap_counts",
    "simulate_mean_polyphase_matrix",
    "simulate_stride_sweep",
]


def polyphase_tap_counts(T, stride) -> np.ndarray:
    """Number of taps of each polyphase component: ``n_c = #{t < T : t = c mod d}``.

    With ``q = T // d`` and ``e = T mod d``, ``n_c = q + 1`` for ``c < e`` and ``q``
    otherwise; all counts are equal exactly when ``d`` divides ``T``.

    Parameters
    ----------
    T : int, >= 1
        Filter length in samples.
    stride : int, >= 1
        Hop size ``d``.

    Returns
    -------
    counts : ndarray of int, shape (stride,)

    Examples
    --------
    >>> from randfb.strided import polyphase_tap_counts
    >>> polyphase_tap_counts(30, 4).tolist()
    [8, 8, 7, 7]
    """
    T = check_int(T, "T", minimum=1)
    stride = check_int(stride, "stride", minimum=1)
    q, extra = divmod(T, stride)
    return np.where(np.arange(stride) < extra, q + 1, q)


def expected_polyphase_matrix(J, T, stride, *, sigma=None) -> np.ndarray:
    """Mean polyphase matrix ``E[P(m)]`` of ``J`` Gaussian filters of length ``T``.

    With i.i.d. ``N(0, sigma^2)`` weights, ``E[conj(w_hat[k]) w_hat[k']] =
    sigma^2 sum_{t<T} exp(2 pi i (k - k') t / N)``; for the aliased bins
    ``k = m + r N/d``,
    ``k' = m + s N/d`` this gives, for every frequency ``m``,

        E[P(m)][r, s] = (J sigma^2 / d) D_T((r - s) / d),
        D_T(phi) = sum_{t<T} e^{2 pi i phi t}
                      = (J sigma^2 / d) sum_c n_c e^{2 pi i (r - s) c / d},

    with ``n_c`` the :func:`polyphase_tap_counts`. Its eigenvalues are
    ``J sigma^2 n_c``.
    At the default ``sigma^2 = d / (J T)`` the diagonal is 1, and the matrix is the
    identity exactly when ``d`` divides ``T``.

    Parameters
    ----------
    J : int, >= 1
        Number of filters.
    T : int, >= 1
        Filter length in samples.
    stride : int, >= 1
        Hop size ``d``.
    sigma : float > 0, optional
        Weight standard deviation; default ``sqrt(d / (J T))``.

    Returns
    -------
    P_mean : ndarray, shape (stride, stride), complex Hermitian

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.strided import expected_polyphase_matrix
    >>> bool(np.allclose(expected_polyphase_matrix(5, 32, 4), np.eye(4)))  # 4 | 32
    True
    >>> np.linalg.eigvalsh(expected_polyphase_matrix(5, 30, 4)).round(4).tolist()
    [0.9333, 0.9333, 1.0667, 1.0667]
    """
    J, T = check_filter_shape(J, T)
    stride = check_int(stride, "stride", minimum=1)
    sigma = check_sigma(sigma, J, T, stride)
    counts = polyphase_tap_counts(T, stride)
    lag = np.subtract.outer(np.arange(stride), np.arange(stride))  # r - s
    phases = np.exp(2j * np.pi * np.multiply.outer(lag, np.arange(stride)) / stride)
    return (J * sigma**2 / stride) * (phases @ counts)


def simulate_mean_polyphase_matrix(J, T, N, stride, n_draws, *, sigma=None, rng=None):
    """Monte Carlo estimate of ``E[P(m)]`` with the standard errors of its entries.

    Draws ``n_draws`` Gaussian filterbanks, averages each one's polyphase matrices over
    the ``N / d`` frequencies ``m`` (all have the same mean, see
    :func:`expected_polyphase_matrix`), then averages over draws. The standard error of
    each entry is the sample standard deviation of the per-draw averages over
    ``sqrt(n_draws)``, for the real and imaginary parts separately.

    Parameters
    ----------
    J : int, >= 1
    T : int, 1 <= T <= N
    N : int
        Signal length, a multiple of ``stride``.
    stride : int, >= 1
    n_draws : int, >= 2
    sigma : float > 0, optional
        Default ``sqrt(d / (J T))``.
    rng : int, numpy.random.Generator or None

    Returns
    -------
    mean : ndarray, shape (stride, stride), complex
    se_real, se_imag : ndarray, shape (stride, stride)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.strided import expected_polyphase_matrix
    >>> from randfb.strided import simulate_mean_polyphase_matrix
    >>> mean, se_re, se_im = simulate_mean_polyphase_matrix(5, 30, 120, 4, 2000, rng=0)
    >>> exact = expected_polyphase_matrix(5, 30, 4)
    >>> bool(np.all(np.abs(mean.real - exact.real) <= 5 * se_re + 1e-12))
    True
    """
    N = check_int(N, "N", minimum=1)
    J, T = check_filter_shape(J, T, N)
    stride = check_stride(stride, N)
    n_draws = check_int(n_draws, "n_draws", minimum=2)
    sigma = check_sigma(sigma, J, T, stride)
    gen = as_generator(rng)
    per_draw = np.empty((n_draws, stride, stride), dtype=complex)
    step = _frame_bounds_chunk_draws(N, J, T, stride)  # the simulator's chunk budget
    for start in range(0, n_draws, step):
        stop = min(n_draws, start + step)
        w = random_filterbank(J, T, sigma=sigma, size=stop - start, rng=gen)
        per_draw[start:stop] = polyphase_matrices(w, N, stride).mean(axis=-3)
    root_n = np.sqrt(n_draws)
    return (per_draw.mean(axis=0), per_draw.real.std(axis=0, ddof=1) / root_n,
            per_draw.imag.std(axis=0, ddof=1) / root_n)


def simulate_stride_sweep(N, T, strides, J_values, n_draws, *, rng=None,
                          progress=False):
    """Frame bounds of random Gaussian filterbanks over a grid of strides and of J.

    For each stride ``d`` and number of filters ``J``, draws ``n_draws`` filterbanks of
    ``J`` filters of length ``T`` at the energy-preserving ``sigma^2 = d / (J T)`` and
    computes their optimal frame bounds with :func:`randfb.simulate_frame_bounds`. Every
    ``(d, J)`` pair gets its own random stream, spawned in grid order from ``rng``, so
    the result depends only on the seed and the grid.

    Parameters
    ----------
    N : int, >= T
        Signal length; every stride must divide it.
    T : int, >= 1
        Filter length in samples.
    strides : sequence of int, >= 1
        Hop sizes ``d``.
    J_values : sequence of int, >= 1
        Numbers of filters.
    n_draws : int, >= 1
        Filterbanks per grid point.
    rng : int, numpy.random.Generator or None
        Seed or generator.
    progress : bool or callable
        Report progress over the whole grid on stderr (True) or through
        ``progress(done, total)``.

    Returns
    -------
    A, B : ndarray, shape (len(strides), len(J_values), n_draws)

    Examples
    --------
    >>> from randfb.strided import simulate_stride_sweep
    >>> A, B = simulate_stride_sweep(64, 8, [1, 4], [2, 8], n_draws=10, rng=0)
    >>> A.shape, bool((A[1, 0] == 0).all()), bool((A[1, 1] > 0).all())   # J < d: A = 0
    ((2, 2, 10), True, True)
    """
    N = check_int(N, "N", minimum=1)
    check_filter_shape(1, T, N)
    strides = [check_stride(d, N) for d in np.atleast_1d(strides).tolist()]
    J_values = [check_int(J, "J", minimum=1) for J in np.atleast_1d(J_values).tolist()]
    if not strides or not J_values:
        raise ValueError("strides and J_values must each hold at least one value")
    n_draws = check_int(n_draws, "n_draws", minimum=1)
    streams = iter(as_generator(rng).spawn(len(strides) * len(J_values)))
    A = np.empty((len(strides), len(J_values), n_draws))
    B = np.empty_like(A)
    reporter = Progress(A.size, f"simulate_stride_sweep(N={N}, T={T})", progress)
    for i, d in enumerate(strides):
        for k, J in enumerate(J_values):
            A[i, k], B[i, k] = simulate_frame_bounds(N, J, T, n_draws, stride=d,
                                                     rng=next(streams))
            reporter.update(n_draws)
    return A, B


def kappa_crossing(J_values, mean_kappa, target, *, kappa_se=None):
    """Number of filters at which the mean condition number first falls to ``target``.

    Finds the first grid index ``i`` with ``mean_kappa[i] <= target`` and interpolates
    ``log kappa`` linearly in ``log J`` between ``J_values[i - 1]`` and ``J_values[i]``:

        log J* = x0 + (x1 - x0) (y0 - log target) / (y0 - y1),
        x = log J, y = log kappa.

    With standard errors ``s_i`` of ``mean_kappa`` (independent between grid points),
    the delta method gives
    ``se(log J*)^2 = sum_i (d log J* / d y_i)^2 (s_i / kappa_i)^2`` and
    ``se(J*) = J* se(log J*)``.

    Parameters
    ----------
    J_values : sequence of float, increasing, > 0
    mean_kappa : sequence of float, > 0 (``inf`` allowed before the crossing)
    target : float > 0
    kappa_se : sequence of float >= 0, optional
        Standard errors of ``mean_kappa``; only the two entries around the crossing are
        used, and they must be finite and >= 0 (others may be ``inf`` or NaN, as where
        ``mean_kappa`` is infinite).

    Returns
    -------
    J_star : float
    J_star_se : float (NaN when ``kappa_se`` is not given)

    Raises
    ------
    ValueError
        If the grid does not bracket the crossing (the target is reached at the first
        grid point, never reached, or the point before the crossing is not finite), if
        ``J_values`` is not positive and strictly increasing (a repeated ``J`` included),
        or if ``kappa_se`` is negative or not finite around the crossing.

    Examples
    --------
    >>> from randfb.strided import kappa_crossing
    >>> J_star, _ = kappa_crossing([1, 4, 16], [16.0, 4.0, 1.0], 2.0)   # kappa = 16 / J
    >>> round(J_star, 12)
    8.0
    """
    x = np.asarray(J_values, dtype=float)
    y = np.asarray(mean_kappa, dtype=float)
    if x.ndim != 1 or x.shape != y.shape or x.size < 2:
        raise ValueError("J_values and mean_kappa must be 1-D of the same length >= 2")
    if np.any(x <= 0) or np.any(np.diff(x) <= 0):
        raise ValueError("J_values must be positive and strictly increasing")
    if np.any(np.isnan(y)) or np.any(y <= 0):
        raise ValueError("mean_kappa must be > 0 (inf allowed), without NaN")
    target = float(target)
    if not np.isfinite(target) or target <= 0:
        raise ValueError(f"target must be a finite number > 0, got {target}")
    below = np.flatnonzero(y <= target)
    if below.size == 0:
        raise ValueError(f"mean kappa never falls to {target} on the grid: "
                         "extend J_values up")
    i = int(below[0])
    if i == 0:
        raise ValueError(f"mean kappa is already <= {target} at J = {x[0]:g}: "
                         "extend J_values down")
    if not np.isfinite(y[i - 1]):
        raise ValueError(f"mean kappa is infinite at J = {x[i - 1]:g}, just before the "
                         f"crossing: refine J_values")
    x0, x1 = np.log(x[i - 1]), np.log(x[i])
    y0, y1, yt = np.log(y[i - 1]), np.log(y[i]), np.log(target)  # y0 > yt >= y1
    log_J = x0 + (x1 - x0) * (y0 - yt) / (y0 - y1)
    J_star = float(np.exp(log_J))
    if kappa_se is None:
        return J_star, float("nan")
    se = np.asarray(kappa_se, dtype=float)
    used = se[i - 1 : i + 1] if se.shape == y.shape else se
    if se.shape != y.shape or not np.all(np.isfinite(used)) or np.any(used < 0):
        raise ValueError("kappa_se must have the shape of mean_kappa, with finite "
                         "entries >= 0 at the two grid points around the crossing")
    d_y0 = (x1 - x0) * (yt - y1) / (y0 - y1) ** 2
    d_y1 = (x1 - x0) * (y0 - yt) / (y0 - y1) ** 2
    se_log = np.hypot(d_y0 * se[i - 1] / y[i - 1], d_y1 * se[i] / y[i])
    return J_star, float(J_star * se_log)


def _redundancy_array(redundancy):
    rho = np.asarray(redundancy, dtype=float)
    if rho.size == 0 or np.any(~np.isfinite(rho)) or np.any(rho <= 0):
        raise ValueError(f"redundancy must be finite and > 0, got {redundancy!r}")
    return rho


def marchenko_pastur_edges(redundancy):
    """Edges ``(1 - rho^{-1/2})^2``, ``(1 + rho^{-1/2})^2`` of the Marchenko-Pastur law.

    The limiting spectrum of ``(1/J) V^H V`` for a ``J x d`` matrix ``V`` of independent
    unit-variance entries, as ``J, d -> infinity`` with ``J / d -> rho >= 1``. Each
    polyphase matrix of a stride-``d`` Gaussian filterbank at ``sigma^2 = d / (J T)``
    has this form with ``rho = J / d``. The lower edge is set to 0 for ``rho < 1``.

    Parameters
    ----------
    redundancy : float or array_like, > 0
        ``rho = J / d``.

    Returns
    -------
    lower, upper : float or ndarray

    Examples
    --------
    >>> from randfb.strided import marchenko_pastur_edges
    >>> [float(v) for v in marchenko_pastur_edges(4.0)]
    [0.25, 2.25]
    """
    rho = _redundancy_array(redundancy)
    s = 1.0 / np.sqrt(rho)
    lower = np.where(rho >= 1, (1.0 - s) ** 2, 0.0)
    upper = (1.0 + s) ** 2
    return (lower[()], upper[()]) if rho.ndim == 0 else (lower, upper)


def marchenko_pastur_kappa(redundancy):
    """Ratio of the Marchenko-Pastur edges, ``((1 + rho^{-1/2}) / (1 - rho^{-1/2}))^2``.

    The large-``d`` limit of the condition number of one polyphase matrix at redundancy
    ``rho = J / d``; ``inf`` for ``rho <= 1``.

    Parameters
    ----------
    redundancy : float or array_like, > 0

    Returns
    -------
    kappa : float or ndarray

    Examples
    --------
    >>> from randfb.strided import marchenko_pastur_kappa
    >>> round(float(marchenko_pastur_kappa(9.0)), 12)
    4.0
    """
    rho = _redundancy_array(redundancy)
    lower, upper = marchenko_pastur_edges(rho)
    out = np.where(rho > 1, upper / np.where(rho > 1, lower, 1.0), np.inf)
    return out[()] if out.ndim == 0 else out


def marchenko_pastur_redundancy(kappa):
    """Redundancy at which :func:`marchenko_pastur_kappa` equals ``kappa``.

    Inverting ``sqrt(kappa) = (1 + s) / (1 - s)``, ``s = rho^{-1/2}``, gives
    ``rho = ((sqrt(kappa) + 1) / (sqrt(kappa) - 1))^2``.

    Parameters
    ----------
    kappa : float or array_like, > 1

    Returns
    -------
    redundancy : float or ndarray

    Examples
    --------
    >>> from randfb.strided import marchenko_pastur_redundancy
    >>> float(marchenko_pastur_redundancy(4.0))
    9.0
    """
    k = np.asarray(kappa, dtype=float)
    if k.size == 0 or np.any(~np.isfinite(k)) or np.any(k <= 1):
        raise ValueError(f"kappa must be finite and > 1, got {kappa!r}")
    root = np.sqrt(k)
    out = ((root + 1.0) / (root - 1.0)) ** 2
    return out[()] if out.ndim == 0 else out


def hill_tail_index(samples, n_tail):
    """Hill estimate of the index of a power-law upper tail, with its standard error.

    If ``P(X > x)`` behaves like ``x^(-alpha)`` for large ``x``, the ``k = n_tail``
    largest of ``n`` positive samples, ``X_(1) >= ... >= X_(k+1)``, give (Hill, 1975)

        1 / alpha_hat = (1/k) sum_{i<=k} log(X_(i) / X_(k+1)),

    with asymptotic standard error ``alpha_hat / sqrt(k)`` (for an exact Pareto tail
    beyond ``X_(k+1)``, ``k / (alpha alpha_hat)`` has the Gamma(k, 1) law). A small
    ``k / n`` keeps the estimate in the tail; a large ``k`` makes it precise: the bias
    from a tail that is only asymptotically a power law grows with ``k / n``.

    Used by: book/strided.ipynb (the tail of ``kappa`` and ``1/A`` against the moment
    threshold ``(J - d + 1)/2`` of :func:`randfb.kappa_moment_threshold`).

    Parameters
    ----------
    samples : array_like, shape (..., n)
        Positive, finite samples along the last axis; leading axes are separate samples.
    n_tail : int, 1 <= n_tail < n
        Number ``k`` of upper order statistics used.

    Returns
    -------
    index, standard_error : float or ndarray, shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.strided import hill_tail_index
    >>> x = np.random.default_rng(0).pareto(1.5, size=20000) + 1.0   # P(X > x) = x^-1.5
    >>> index, se = hill_tail_index(x, 1000)
    >>> bool(abs(index - 1.5) < 5 * se), round(float(se / index), 4)
    (True, 0.0316)
    """
    x = np.asarray(samples, dtype=float)
    if x.ndim == 0 or x.shape[-1] < 2:
        raise ValueError(f"samples must hold at least 2 values along the last axis, "
                         f"got shape {x.shape}")
    n = x.shape[-1]
    k = check_int(n_tail, "n_tail", minimum=1, maximum=n - 1)
    if not np.all(np.isfinite(x)) or np.any(x <= 0):
        raise ValueError("samples must be finite and > 0 (a power-law tail of positive "
                         "values)")
    top = -np.partition(-x, k, axis=-1)[..., : k + 1]  # the k + 1 largest, unordered
    top.sort(axis=-1)
    logs = np.log(top)
    # the threshold is the (k+1)-th largest value
    gamma = logs[..., 1:].mean(axis=-1) - logs[..., 0]
    index = 1.0 / gamma
    se = index / np.sqrt(k)
    return (index[()], se[()]) if index.ndim == 0 else (index, se)


def median_interval(samples, n_se=5.0):
    """Sample median with a distribution-free interval from order statistics.

    For ``n`` i.i.d. samples of a continuous law with median ``m``, the number of
    samples below ``m`` is Binomial(n, 1/2), of standard deviation ``sqrt(n)/2``. The
    interval ``[X_(l), X_(u)]`` between the order statistics of ranks
    ``l = floor(n/2 - n_se sqrt(n)/2)`` and ``u = ceil(n/2 + n_se sqrt(n)/2) + 1``
    (1-based, clipped to ``1..n``) therefore covers ``m`` unless the count is more than
    ``n_se`` standard deviations from ``n/2``: the analogue of "within ``n_se`` standard
    errors" for a median, and valid when the mean or the variance is infinite.

    Used by: book/strided.ipynb (condition numbers at ``J <= d + 3``, whose variance is
    infinite).

    Parameters
    ----------
    samples : array_like, shape (..., n)
        Samples along the last axis (``inf`` allowed, NaN not).
    n_se : float > 0
        Width in binomial standard deviations.

    Returns
    -------
    low, median, high : float or ndarray, shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.strided import median_interval
    >>> low, median, high = median_interval(np.arange(1.0, 101.0), n_se=2)
    >>> float(low), float(median), float(high)
    (40.0, 50.5, 61.0)
    """
    x = np.asarray(samples, dtype=float)
    if x.ndim == 0 or x.shape[-1] < 1:
        raise ValueError(f"samples must hold at least 1 value along the last axis, "
                         f"got shape {x.shape}")
    if np.any(np.isnan(x)):
        raise ValueError("samples must not contain NaN")
    n_se = check_positive(n_se, "n_se")
    n = x.shape[-1]
    half_width = n_se * np.sqrt(n) / 2
    low_rank = int(np.clip(np.floor(n / 2 - half_width), 1, n))
    high_rank = int(np.clip(np.ceil(n / 2 + half_width) + 1, 1, n))
    ordered = np.sort(x, axis=-1)
    low, high = ordered[..., low_rank - 1], ordered[..., high_rank - 1]
    median = np.median(x, axis=-1)
    if median.ndim == 0:
        return float(low), float(median), float(high)
    return low, median, high
