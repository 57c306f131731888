"""Condition numbers of random filterbanks and the ``J = c log T`` scaling law.

The condition number ``kappa = B / A`` of a stride-1 filterbank of ``J`` Gaussian filters
of length ``T`` grows with ``T`` at fixed ``J`` and stays bounded along ``J = c log T``.
This module measures and inverts that law:

* :func:`nested_frame_bounds` and :func:`simulate_frame_bounds_nested` give ``(A, B)`` for a
  whole grid of ``J`` at the cost of the largest one (the filterbanks for smaller ``J`` are
  prefixes of the largest);
* :func:`condition_summary` gives ``E[kappa]``, ``E[B]/E[A]``, ``Cov[A, kappa]`` and their
  standard errors from draws, with the exact identity
  ``mean(kappa) = mean(B)/mean(A) - cov(A, kappa)/mean(A)``;
* :func:`filters_for_condition` finds the fewest filters with ``E[kappa] <= kappa_target``
  by bisection over ``J``;
* :func:`fit_log_constant` fits ``J = c log T`` (optionally ``+ b``) by least squares;
* :func:`large_deviation_limit` and :func:`log_constant_for_limit` give the limit of
  ``kappa`` along ``J = c log T`` at ``T = N`` and its inverse.

Natural logarithms throughout. Used by the chapter on condition numbers
(``book/condition_numbers.ipynb``).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import scipy.fft
import scipy.optimize

from ._validation import (
    as_generator,
    check_filter_shape,
    check_filters,
    check_int,
    check_n_draws,
    check_positive,
)
from .calculator import _smallest_passing, smallest_J_for_kappa
from .frames import _lp_fft_length, _lp_from_power
from .lpsum import sample_full_length_bounds
from .simulate import _draws_per_chunk, _run_chunks

__all__ = [
    "nested_frame_bounds",
    "simulate_frame_bounds_nested",
    "condition_summary",
    "running_mean_of_ratios",
    "FiltersNeeded",
    "filters_for_condition",
    "fit_log_constant",
    "large_deviation_limit",
    "log_constant_for_limit",
]


def _check_J_values(J_values):
    values = np.atleast_1d(np.asarray(J_values))
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"J_values must be a non-empty 1-D sequence of integers, got {J_values!r}")
    checked = [check_int(v.item() if hasattr(v, "item") else v, "J_values entry", minimum=1)
               for v in values]
    if any(b <= a for a, b in zip(checked, checked[1:], strict=False)):
        raise ValueError(f"J_values must be strictly increasing, got {checked}")
    return checked


def nested_frame_bounds(z, N, J_values):
    """Frame bounds of the nested filterbanks formed by the first ``J`` filters of ``z``.

    ``z`` holds unit-variance weights; the bank with ``J`` filters is
    ``z[..., :J, :] / sqrt(J T)`` (so ``sigma^2 = 1/(J T)`` for Gaussian ``z``), whose
    Littlewood-Paley sum is the cumulative sum over filters

        LP_J[k] = (1 / (J T)) sum_{j < J} |z_hat_j[k]|^2 .

    For ``2T - 1 < N`` the sums are formed from filter autocorrelations (FFTs of length
    about ``2T``), then one FFT of length ``N`` per ``J``, as in
    :func:`randfb.littlewood_paley`.

    Parameters
    ----------
    z : array_like, shape (..., J_max, T)
        Filters (unit-variance weights); float32 is kept as float32.
    N : int, >= T
        Signal length.
    J_values : sequence of int, strictly increasing, 1 <= J <= J_max
        Numbers of filters.

    Returns
    -------
    A, B : ndarray, shape (len(J_values), ...)

    Raises
    ------
    ValueError
        If ``J_values`` is empty, not increasing, or outside ``1..J_max``, or ``T > N``.

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import frame_bounds
    >>> from randfb.scaling import nested_frame_bounds
    >>> z = np.random.default_rng(0).standard_normal((6, 8))
    >>> A, B = nested_frame_bounds(z, 32, [2, 6])
    >>> bool(np.allclose(A[0], frame_bounds(z[:2] / np.sqrt(2 * 8), 32)[0]))
    True
    """
    N = check_int(N, "N", minimum=1)
    z = check_filters(z, N, name="z")
    J_values = _check_J_values(J_values)
    if J_values[-1] > z.shape[-2]:
        raise ValueError(f"J_values must be <= the number of filters in z ({z.shape[-2]}), "
                         f"got {J_values[-1]}")
    A, B = _nested_frame_bounds(z, N, J_values)
    return np.moveaxis(A, -1, 0), np.moveaxis(B, -1, 0)


def _nested_frame_bounds(z, N, J_values):
    """:func:`nested_frame_bounds` without checks; returns arrays of shape (..., G)."""
    T = z.shape[-1]
    rows = np.asarray(J_values) - 1
    scale = (1.0 / (np.asarray(J_values, dtype=np.float64) * T)).astype(z.dtype)
    length = _lp_fft_length(T, N)
    spectrum = scipy.fft.rfft(z[..., : J_values[-1], :], n=length, axis=-1)
    power = spectrum.real**2 + spectrum.imag**2
    del spectrum
    np.cumsum(power, axis=-2, out=power)
    lp = power[..., rows, :] * scale[:, None]  # (..., G, length // 2 + 1)
    del power
    lp = _lp_from_power(lp, length, T, N)
    return lp.min(axis=-1), lp.max(axis=-1)


def simulate_frame_bounds_nested(N, J_values, T, n_draws, *, rng=None, progress=False):
    """Frame bounds of nested Gaussian filterbanks for a grid of ``J``, at the cost of the largest.

    Each draw is one bank of ``J_max = max(J_values)`` filters of standard normal weights;
    the bank with ``J`` filters is its first ``J`` filters rescaled to ``sigma^2 = 1/(J T)``
    (:func:`nested_frame_bounds`). Each row ``(A, B)`` has exactly the law of
    :func:`randfb.simulate_frame_bounds` with that ``J``; rows for different ``J`` share
    filters, so they are positively correlated (common random numbers), which makes
    curves over ``J`` smooth. Weights are float32, drawn in chunks on threads as in
    :func:`randfb.simulate_frame_bounds`.

    Parameters
    ----------
    N : int, >= T
        Signal length.
    J_values : sequence of int, strictly increasing, >= 1
        Numbers of filters.
    T : int, 1 <= T <= N
        Filter length.
    n_draws : int, >= 1
    rng : int, numpy.random.Generator or None
    progress : bool or callable
        Report progress on stderr (True) or through ``progress(done, total)``.

    Returns
    -------
    A, B : ndarray, shape (len(J_values), n_draws)

    Raises
    ------
    ValueError
        If ``J_values`` is empty, not increasing or holds a value < 1, or ``T > N``.

    Examples
    --------
    >>> from randfb.scaling import simulate_frame_bounds_nested
    >>> A, B = simulate_frame_bounds_nested(256, [5, 10, 40], 16, n_draws=500, rng=0)
    >>> A.shape
    (3, 500)
    >>> kappa = (B / A).mean(axis=1)
    >>> bool(kappa[0] > kappa[1] > kappa[2])
    True
    """
    N = check_int(N, "N", minimum=1)
    J_values = _check_J_values(J_values)
    J_max = J_values[-1]
    _, T = check_filter_shape(J_max, T, N)
    n_draws = check_n_draws(n_draws)
    G = len(J_values)

    def simulate_chunk(stream, count):
        z = stream.standard_normal((count, J_max, T), dtype=np.float32)
        A, B = _nested_frame_bounds(z, N, J_values)  # (count, G) each
        return (*A.T, *B.T)

    length = _lp_fft_length(T, N)
    bins = length // 2 + 1
    per_draw = 4 * J_max * T + 16 * J_max * bins + 4 * G * bins + (24 * G * N if length < N else 0)
    outputs = _run_chunks(n_draws, _draws_per_chunk(per_draw), rng, simulate_chunk, 2 * G,
                          f"simulate_frame_bounds_nested(J<={J_max}, T={T})", progress)
    return np.vstack(outputs[:G]), np.vstack(outputs[G:])


def condition_summary(A, B):
    """Means, the covariance correction and standard errors of the condition number ``B / A``.

    Since ``A kappa = B`` draw by draw, ``mean(A kappa) = mean(B)``, and with the
    population-normalised sample covariance ``cov(A, kappa) = mean(A kappa) - mean(A) mean(kappa)``

        mean(kappa) = mean(B) / mean(A) - cov(A, kappa) / mean(A)

    holds exactly for the sample, as ``E[kappa] = E[B]/E[A] - Cov[A, kappa]/E[A]`` does for
    the law. Standard errors: ``std / sqrt(n)`` for means; for the covariance, the standard
    deviation of the products ``(A - mean A)(kappa - mean kappa)`` over ``sqrt(n)``.

    Parameters
    ----------
    A, B : array_like, shape (..., n_draws)
        Frame bounds, ``A > 0``; the last axis runs over draws.

    Returns
    -------
    dict of ndarray, shape (...)
        ``mean_A``, ``mean_B``, ``mean_kappa``, ``ratio_of_means`` (``mean_B / mean_A``),
        ``cov_A_kappa`` (ddof = 0), ``correction`` (``cov_A_kappa / mean_A``), and the
        standard errors ``se_A``, ``se_B``, ``se_kappa``, ``se_cov``.

    Raises
    ------
    ValueError
        If the shapes differ, there are fewer than 2 draws, or some ``A <= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.scaling import condition_summary
    >>> s = condition_summary(np.array([1.0, 2.0]), np.array([4.0, 4.0]))
    >>> float(s["mean_kappa"]), float(s["ratio_of_means"]), float(s["cov_A_kappa"])
    (3.0, 2.6666666666666665, -0.5)
    """
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    if A.shape != B.shape:
        raise ValueError(f"A and B must have the same shape, got {A.shape} and {B.shape}")
    if A.ndim == 0 or A.shape[-1] < 2:
        raise ValueError(f"A and B need at least 2 draws on the last axis, got shape {A.shape}")
    if not np.all(A > 0) or not np.all(np.isfinite(B)):
        raise ValueError("A must be > 0 and B finite in every draw (kappa = B / A)")
    n = A.shape[-1]
    kappa = B / A
    mean_A, mean_B, mean_kappa = A.mean(-1), B.mean(-1), kappa.mean(-1)
    products = (A - mean_A[..., None]) * (kappa - mean_kappa[..., None])
    cov = products.mean(-1)
    root_n = np.sqrt(n)
    return {
        "mean_A": mean_A,
        "mean_B": mean_B,
        "mean_kappa": mean_kappa,
        "ratio_of_means": mean_B / mean_A,
        "cov_A_kappa": cov,
        "correction": cov / mean_A,
        "se_A": A.std(-1, ddof=1) / root_n,
        "se_B": B.std(-1, ddof=1) / root_n,
        "se_kappa": kappa.std(-1, ddof=1) / root_n,
        "se_cov": products.std(-1, ddof=1) / root_n,
    }


@dataclass(frozen=True)
class FiltersNeeded:
    """Result of :func:`filters_for_condition`.

    Attributes
    ----------
    J : int
        Fewest filters found with simulated mean condition number ``<= kappa_target``.
    mean_kappa, se_kappa : float
        Simulated ``E[kappa]`` at ``J`` and its standard error.
    mean_kappa_fewer, se_kappa_fewer : float
        The same at ``J - 1`` (``nan`` when ``J = 1``); ``> kappa_target`` by construction.
    evaluations : int
        Number of ``J`` values simulated.
    """

    J: int
    mean_kappa: float
    se_kappa: float
    mean_kappa_fewer: float
    se_kappa_fewer: float
    evaluations: int


def running_mean_of_ratios(mean_A, mean_B):
    """Running mean, over the filter lengths so far, of the ratio of the mean bounds.

    With ``r_i = mean_B[..., i] / mean_A[..., i]`` the ratio of the mean frame bounds at
    the ``i``-th filter length, returns ``c_i = (r_0 + ... + r_i) / (i + 1)``. This is the
    curve that the authors' public code plots as the mean condition number (repository
    ``danedane-haider/Random-Filterbanks``, folder ``Instabilities of Convnets for Raw
    Audio``, file ``fb_utils.py``, function ``exp_fb``: for each ``T`` in turn it appends
    the ratio of the mean bounds to a list and records the mean of that list). Where the
    ratio grows with ``T``, ``c_i < r_i`` for ``i >= 1``, which reads as
    ``E[kappa] < E[B] / E[A]``, i.e. a positive ``Cov[A, kappa]``.

    Parameters
    ----------
    mean_A, mean_B : array_like, shape (..., n_T)
        Mean frame bounds, ``> 0``, the last axis over increasing filter lengths.

    Returns
    -------
    ndarray, shape (..., n_T)

    Raises
    ------
    ValueError
        If the shapes differ, an axis is empty, or a mean is not finite and > 0.

    Used by: book/condition_numbers.ipynb.

    Examples
    --------
    >>> from randfb.scaling import running_mean_of_ratios
    >>> running_mean_of_ratios([1.0, 1.0, 1.0], [2.0, 4.0, 6.0])
    array([2., 3., 4.])
    """
    A = np.asarray(mean_A, dtype=np.float64)
    B = np.asarray(mean_B, dtype=np.float64)
    if A.shape != B.shape or A.ndim == 0 or A.shape[-1] == 0:
        raise ValueError(f"mean_A and mean_B must have the same non-empty shape (..., n_T), "
                         f"got {A.shape} and {B.shape}")
    for name, arr in (("mean_A", A), ("mean_B", B)):
        if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
            raise ValueError(f"{name} must be finite and > 0")
    ratio = B / A
    return np.cumsum(ratio, axis=-1) / np.arange(1, ratio.shape[-1] + 1)


def _fixed_seed(rng):
    """One integer seed reused for every ``J`` probed (common random numbers)."""
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2**63))
    if rng is None:
        return int(np.random.default_rng().integers(2**63))
    gen = as_generator(rng)  # validates the seed
    if isinstance(rng, numbers.Integral):
        return int(rng)
    return int(gen.integers(2**63))


def filters_for_condition(T, kappa_target, *, N=None, n_draws=1000, rng=None, J_max=4096):
    """Fewest filters ``J`` whose simulated mean condition number is at most ``kappa_target``.

    ``E[kappa]`` decreases with ``J``; the search doubles ``J`` until the simulated mean is
    ``<= kappa_target``, then bisects between the last two values, so it simulates about
    ``2 log2 J`` values of ``J``.

    * ``N = T`` (the default): every ``J`` is drawn with the exact sampler
      :func:`randfb.lpsum.sample_full_length_bounds`, whose cost does not depend on ``T``,
      from the same seed (common random numbers: neighbouring ``J`` are compared on
      coupled draws, far less noisy than the means themselves).
    * ``N > T``: the search of the stability calculator,
      :func:`randfb.calculator.smallest_J_for_kappa`, with direct simulations
      (:func:`randfb.simulate_frame_bounds`).

    Parameters
    ----------
    T : int, >= 1
        Filter length (samples).
    kappa_target : float > 1
        Target mean condition number.
    N : int, >= T, optional
        Signal length; default ``T``.
    n_draws : int, >= 1
        Draws per ``J`` probed.
    rng : int, numpy.random.Generator or None
        Seed (a Generator or None draws one seed from it).
    J_max : int, >= 1
        Largest ``J`` tried before giving up.

    Returns
    -------
    FiltersNeeded

    Raises
    ------
    ValueError
        If ``kappa_target <= 1``, ``N < T``, or no ``J <= J_max`` reaches the target.

    Examples
    --------
    >>> from randfb.scaling import filters_for_condition
    >>> found = filters_for_condition(1024, 2.0, n_draws=2000, rng=0)
    >>> bool(found.mean_kappa <= 2.0 < found.mean_kappa_fewer)
    True
    >>> filters_for_condition(16, 4.0, N=64, n_draws=200, rng=0).J >= filters_for_condition(
    ...     16, 4.0, n_draws=200, rng=0).J   # a longer signal needs at least as many filters
    True
    """
    T = check_int(T, "T", minimum=1)
    kappa_target = check_positive(kappa_target, "kappa_target")
    if kappa_target <= 1:
        raise ValueError(f"kappa_target must be > 1 (kappa = B / A >= 1), got {kappa_target}")
    N = T if N is None else check_int(N, "N", minimum=T)
    n_draws = check_n_draws(n_draws)
    J_max = check_int(J_max, "J_max", minimum=1)
    seed = _fixed_seed(rng)
    if N > T:
        return _filters_for_condition_direct(N, T, kappa_target, n_draws, seed, J_max)
    cache: dict[int, tuple[float, float]] = {}

    def mean_kappa(J):
        if J not in cache:
            stats = condition_summary(*sample_full_length_bounds(J, T, n_draws, rng=seed))
            se = float(stats["se_kappa"]) if n_draws > 1 else float("nan")
            cache[J] = (float(stats["mean_kappa"]), se)
        return cache[J][0]

    high = _smallest_passing(lambda J: mean_kappa(J) <= kappa_target, 1, J_max)
    if high is None:
        raise ValueError(
            f"no J <= J_max = {J_max} reaches mean kappa <= {kappa_target} at T = N = {T} "
            f"(mean kappa at J_max: {cache[J_max][0]:.4g}); raise J_max"
        )
    # ``high - 1`` was probed by the bisection (or is 0, where there is no frame at all).
    fewer = cache[high - 1] if high > 1 else (float("nan"), float("nan"))
    return FiltersNeeded(J=high, mean_kappa=cache[high][0], se_kappa=cache[high][1],
                         mean_kappa_fewer=fewer[0], se_kappa_fewer=fewer[1],
                         evaluations=len(cache))


def _filters_for_condition_direct(N, T, kappa_target, n_draws, seed, J_max):
    """:func:`filters_for_condition` for ``N > T``, by the stability calculator's search."""
    search = smallest_J_for_kappa(N, T, kappa_target, n_draws=n_draws, seed=seed % 2**63,
                                  J_max=J_max)
    if search.J is None:
        last = search.evaluations[max(search.evaluations)]
        raise ValueError(
            f"no J <= J_max = {J_max} reaches mean kappa <= {kappa_target} at T = {T}, N = {N} "
            f"(mean kappa at J_max: {last.mean:.4g}); raise J_max"
        )
    found = search.evaluations[search.J]
    fewer = search.evaluations.get(search.J - 1)
    return FiltersNeeded(
        J=search.J, mean_kappa=found.mean, se_kappa=found.standard_error,
        mean_kappa_fewer=float("nan") if fewer is None else fewer.mean,
        se_kappa_fewer=float("nan") if fewer is None else fewer.standard_error,
        evaluations=len(search.evaluations),
    )


def fit_log_constant(T_values, J_values, *, intercept=False):
    """Least-squares fit of ``J = c log T`` (or ``J = c log T + b``) to filter counts.

    Through the origin, ``c = sum_i J_i log T_i / sum_i (log T_i)^2``.

    Parameters
    ----------
    T_values : sequence of int, >= 2
        Filter lengths.
    J_values : sequence of float, > 0
        Numbers of filters at those lengths (same length).
    intercept : bool
        Also fit an offset ``b``.

    Returns
    -------
    c : float, or (c, b) when ``intercept`` is True

    Raises
    ------
    ValueError
        If lengths differ, a ``T < 2`` or ``J <= 0``, or too few points (1, or 2 with
        ``intercept``).

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.scaling import fit_log_constant
    >>> T = np.array([16, 256, 4096])
    >>> round(fit_log_constant(T, 6 * np.log(T)), 12)
    6.0
    >>> [round(v, 12) for v in fit_log_constant(T, 6 * np.log(T) + 3, intercept=True)]
    [6.0, 3.0]
    """
    T = np.asarray(T_values, dtype=np.float64)
    J = np.asarray(J_values, dtype=np.float64)
    if T.ndim != 1 or T.shape != J.shape:
        raise ValueError(f"T_values and J_values must be 1-D of equal length, got {T.shape} "
                         f"and {J.shape}")
    needed = 2 if intercept else 1
    if T.size < needed:
        raise ValueError(f"need at least {needed} points to fit, got {T.size}")
    if not np.all(np.isfinite(T)) or np.any(T < 2):
        raise ValueError(f"T_values must be >= 2 (log T > 0), got {T_values!r}")
    if not np.all(np.isfinite(J)) or np.any(J <= 0):
        raise ValueError(f"J_values must be finite and > 0, got {J_values!r}")
    log_T = np.log(T)
    if not intercept:
        return float(J @ log_T / (log_T @ log_T))
    design = np.column_stack([log_T, np.ones_like(log_T)])
    (c, b), *_ = np.linalg.lstsq(design, J, rcond=None)
    return float(c), float(b)


def _rate(x):
    """Cramer rate of the mean of exponentials: ``x - log(1 + x)`` at ``1 + x``."""
    return x - np.log1p(x)


def large_deviation_limit(c):
    """Limit of ``(A, B, kappa)`` along ``J = c log T`` for full-length filters (``T = N``).

    At ``T = N`` the ``~T/2`` complex bins are i.i.d. ``Gamma(J, 1/J)`` (mean 1), with
    ``log P(LP >= 1 + x) ~ -J I(x)``, ``I(x) = x - log(1 + x)``. With ``J = c log T`` the
    maximum settles where ``J I(x) = log T``, so in probability

        B -> 1 + x_plus,    A -> 1 - x_minus,    kappa -> (1 + x_plus) / (1 - x_minus),

    with ``I(x_plus) = I(-x_minus) = 1 / c``, ``x_plus > 0``, ``0 < x_minus < 1``.

    Parameters
    ----------
    c : float > 0
        Constant of the scaling law ``J = c log T``.

    Returns
    -------
    A_limit, B_limit, kappa_limit : float

    Raises
    ------
    ValueError
        If ``c`` is not a finite number > 0.

    Examples
    --------
    >>> from randfb.scaling import large_deviation_limit
    >>> [round(v, 4) for v in large_deviation_limit(6.0)]
    [0.528, 1.6934, 3.2073]
    """
    c = check_positive(c, "c")
    level = 1.0 / c
    upper = 1.0
    while _rate(upper) < level:
        upper *= 2.0
    x_plus = scipy.optimize.brentq(lambda x: _rate(x) - level, 0.0, upper, xtol=1e-14)
    # I(-x) = -x - log(1 - x) increases from 0 to infinity on [0, 1), and
    # I(-x) >= level at x = 1 - exp(-(level + 1)) since -x >= -1 there.
    x_minus = scipy.optimize.brentq(lambda x: _rate(-x) - level, 0.0, -np.expm1(-(level + 1.0)),
                                    xtol=1e-15)
    A, B = 1.0 - x_minus, 1.0 + x_plus
    return float(A), float(B), float(B / A)


def log_constant_for_limit(kappa):
    """The constant ``c`` for which ``J = c log T`` keeps ``kappa`` at ``kappa`` in the limit.

    Inverts :func:`large_deviation_limit`: its ``kappa_limit`` decreases from infinity
    (``c -> 0``) to 1 (``c -> infinity``).

    Parameters
    ----------
    kappa : float > 1

    Returns
    -------
    c : float

    Raises
    ------
    ValueError
        If ``kappa <= 1``.

    Examples
    --------
    >>> from randfb.scaling import large_deviation_limit, log_constant_for_limit
    >>> c = log_constant_for_limit(2.0)
    >>> round(large_deviation_limit(c)[2], 10)
    2.0
    """
    kappa = check_positive(kappa, "kappa")
    if kappa <= 1:
        raise ValueError(f"kappa must be > 1, got {kappa}")

    def gap(log_c):
        return np.log(large_deviation_limit(np.exp(log_c))[2]) - np.log(kappa)

    low, high = 0.0, 1.0
    while gap(low) < 0:
        low -= 2.0
    while gap(high) > 0:
        high += 2.0
    return float(np.exp(scipy.optimize.brentq(gap, low, high, xtol=1e-13)))
