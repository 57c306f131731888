"""The law of the Littlewood-Paley sum of a random Gaussian filterbank.

For ``J`` filters of length ``T`` with i.i.d. ``N(0, sigma^2)`` weights, ``sigma^2 = 1/(J T)``,
zero-padded to ``N``, the Littlewood-Paley sum ``LP[k] = sum_j |w_hat_j[k]|^2`` at one DFT
bin ``k`` is a two-term generalised chi-squared,

    LP[k] = (1 + rho_k) / (2J) * chi^2_J  +  (1 - rho_k) / (2J) * chi^2_J'   (independent),

    rho_k = |sum_{t<T} exp(4 pi i k t / N)| / T   in [0, 1],

so ``E LP[k] = 1`` and ``Var LP[k] = (1 + rho_k^2) / J``. A real bin (``k = 0``, ``k = N/2``)
has ``rho_k = 1``: ``LP[k] = chi^2_J / J``. When ``T = N`` every other bin has
``rho_k = 0``: ``LP[k] = chi^2_{2J} / (2J)``, and the bins ``0..N/2`` are independent (the
DFT of white Gaussian noise), so the frame bounds ``A = min_k LP[k]`` and
``B = max_k LP[k]`` are the extremes of independent chi-squared variables. This module
gives the per-bin law, a proved bound on ``E[A]`` and ``E[B]`` from the maximal inequality
for sub-gamma variables, and an exact sampler of ``(A, B)`` at ``T = N`` whose cost does not
depend on ``T``.

Used by the chapters on frame bounds (``book/frame_bounds.ipynb``) and on condition
numbers (``book/condition_numbers.ipynb``).
"""

from __future__ import annotations

import numpy as np
import scipy.special

from ._validation import as_generator, check_filter_shape, check_int, check_n_draws

__all__ = [
    "lp_bin_correlation",
    "lp_bin_weights",
    "lp_bin_variance",
    "lp_maximal_bounds",
    "sample_full_length_bounds",
]


def lp_bin_correlation(T, N) -> np.ndarray:
    """The shape parameter ``rho_k = |sum_{t<T} exp(4 pi i k t / N)| / T`` of every bin.

    ``rho_k`` is the normalised Dirichlet kernel at twice the frequency of bin ``k``; it
    measures how unequal the variances of the real and imaginary parts of ``w_hat[k]``
    are. ``rho_k = 1`` at the real bins ``k = 0`` and ``k = N/2``; ``rho_k = 0`` at every
    other bin when ``T = N``.

    Parameters
    ----------
    T : int, 1 <= T <= N
        Filter length (samples).
    N : int, >= 1
        Signal length (number of DFT bins).

    Returns
    -------
    rho : ndarray, shape (N // 2 + 1,)
        ``rho_k`` for ``k = 0..N//2``, in ``[0, 1]``.

    Raises
    ------
    ValueError
        If ``T`` or ``N`` is not an integer >= 1 or ``T > N``.

    Examples
    --------
    >>> from randfb.lpsum import lp_bin_correlation
    >>> lp_bin_correlation(4, 4)          # T = N: only the real bins have rho = 1
    array([1., 0., 1.])
    >>> lp_bin_correlation(2, 8).round(4)  # |1 + exp(i pi k / 2)| / 2
    array([1.    , 0.7071, 0.    , 0.7071, 1.    ])
    """
    N = check_int(N, "N", minimum=1)
    _, T = check_filter_shape(1, T, N)
    k = np.arange(N // 2 + 1)
    real_bin = (2 * k) % N == 0
    half_angle = 2.0 * np.pi * k / N  # half of the doubled frequency 4 pi k / N
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.abs(np.sin(T * half_angle) / (T * np.sin(half_angle)))
    # The ratio is 1 in the limit at the real bins, and exactly 0 when 2kT/N is an integer.
    rho = np.where(real_bin, 1.0, rho)
    rho = np.where(~real_bin & ((2 * k * T) % N == 0), 0.0, rho)
    return np.clip(rho, 0.0, 1.0)


def lp_bin_weights(J, T, N):
    """Weights of the two chi-squared terms of ``LP[k]`` at ``sigma^2 = 1/(J T)``.

    ``LP[k] = a_plus[k] chi^2_J + a_minus[k] chi^2_J'`` (independent), with
    ``a_plus = (1 + rho_k) / (2J)`` and ``a_minus = (1 - rho_k) / (2J)``.

    Parameters
    ----------
    J : int, >= 1
        Number of filters.
    T : int, 1 <= T <= N
    N : int, >= 1

    Returns
    -------
    a_plus, a_minus : ndarray, shape (N // 2 + 1,)

    Examples
    --------
    >>> from randfb.lpsum import lp_bin_weights
    >>> a_plus, a_minus = lp_bin_weights(2, 4, 4)
    >>> a_plus.tolist(), a_minus.tolist()
    ([0.5, 0.25, 0.5], [0.0, 0.25, 0.0])
    """
    J = check_int(J, "J", minimum=1)
    rho = lp_bin_correlation(T, N)
    return (1.0 + rho) / (2 * J), (1.0 - rho) / (2 * J)


def lp_bin_variance(J, T, N) -> np.ndarray:
    """Variance ``Var LP[k] = (1 + rho_k^2) / J`` of the Littlewood-Paley sum at each bin.

    Between ``1/J`` (``rho_k = 0``, a complex bin of a full-length filter) and ``2/J``
    (``rho_k = 1``, a real bin: the ``chi^2_J / J`` of the paper's model).

    Parameters
    ----------
    J : int, >= 1
    T : int, 1 <= T <= N
    N : int, >= 1

    Returns
    -------
    variance : ndarray, shape (N // 2 + 1,)

    Examples
    --------
    >>> from randfb.lpsum import lp_bin_variance
    >>> lp_bin_variance(10, 8, 8).round(12).tolist()
    [0.2, 0.1, 0.1, 0.1, 0.2]
    """
    a_plus, a_minus = lp_bin_weights(J, T, N)
    J = check_int(J, "J", minimum=1)
    return 2 * J * (a_plus**2 + a_minus**2)


def lp_maximal_bounds(J, N):
    """Proved bounds on the expected frame bounds, valid for every filter length ``T <= N``.

    Each ``LP[k] - 1`` is sub-gamma with variance factor ``v = 2 / J`` and scale
    ``c = 2 / J`` on the right, and sub-Gaussian with ``v = 2 / J`` on the left; the maximal
    inequality over the ``n = N // 2 + 1`` distinct bins of real filters gives

        1 - 2 sqrt(log n / J)  <=  E[A]  <=  1  <=  E[B]  <=  1 + 2 sqrt(log n / J) + 2 log n / J.

    Natural logarithm.

    Parameters
    ----------
    J : int, >= 1
        Number of filters.
    N : int, >= 1
        Signal length.

    Returns
    -------
    lower_A, upper_B : float

    Examples
    --------
    >>> from randfb.lpsum import lp_maximal_bounds
    >>> [round(v, 4) for v in lp_maximal_bounds(40, 1024)]
    [0.21, 2.102]
    """
    J = check_int(J, "J", minimum=1)
    N = check_int(N, "N", minimum=1)
    log_n = float(np.log(N // 2 + 1))
    r = 2.0 * float(np.sqrt(log_n / J))
    return 1.0 - r, 1.0 + r + 2.0 * log_n / J


def _uniforms(gen, shape):
    """Uniform variates in the open interval (0, 1) (``random()`` is in [0, 1))."""
    return gen.random(shape) + 2.0**-54


def _chi2_ppf(p, df):
    return 2.0 * scipy.special.gammaincinv(df / 2.0, p)


def _chi2_isf(q, df):
    return 2.0 * scipy.special.gammainccinv(df / 2.0, q)


def _iid_extremes(u, v, df, n):
    """Exact joint draw of (min, max) of ``n`` i.i.d. ``chi^2_df`` from two uniforms.

    ``max = F^{-1}(u^{1/n})``; given the maximum ``m``, the other ``n - 1`` variables are
    i.i.d. with CDF ``F / F(m)`` on ``[0, m]``, so their minimum is
    ``F^{-1}(F(m) (1 - v^{1/(n-1)}))``.
    """
    log_u = np.log(u)
    maximum = _chi2_isf(-np.expm1(log_u / n), df)  # upper tail: accurate near 1
    if n == 1:
        return maximum, maximum
    below_max = np.exp(log_u / n)  # F(maximum)
    minimum = _chi2_ppf(below_max * -np.expm1(np.log(v) / (n - 1)), df)
    return np.minimum(minimum, maximum), maximum


def sample_full_length_bounds(J, T, n_draws, *, rng=None):
    """Exact draws of the frame bounds ``(A, B)`` of ``J`` Gaussian filters of length ``T = N``.

    At ``T = N`` the bins ``k = 0..N//2`` of the Littlewood-Paley sum are independent: the
    real bins (``k = 0``, and ``k = N/2`` for even ``N``) are ``chi^2_J / J`` and the
    ``floor((N - 1) / 2)`` others ``chi^2_{2J} / (2J)``. The minimum and maximum of each
    group are drawn jointly and exactly from two uniforms (``max = F^{-1}(U^{1/n})``, then
    the minimum of the other ``n - 1`` below it), so a draw costs a few quantile
    evaluations whatever ``T``: the same law as :func:`randfb.simulate_frame_bounds` with
    ``N = T`` at a cost independent of ``T``.

    The uniforms do not depend on ``J``: the same integer seed gives coupled draws for
    different ``J`` (common random numbers), which makes comparisons across ``J`` smooth.

    Parameters
    ----------
    J : int, >= 1
        Number of filters.
    T : int, >= 1
        Filter length, equal to the signal length ``N``.
    n_draws : int, >= 1
    rng : int, numpy.random.Generator or None
        Seed or generator.

    Returns
    -------
    A, B : ndarray, shape (n_draws,)

    Raises
    ------
    ValueError
        If ``J``, ``T`` or ``n_draws`` is not an integer >= 1.

    Examples
    --------
    >>> from randfb.lpsum import sample_full_length_bounds
    >>> A, B = sample_full_length_bounds(40, 2**20, 2000, rng=0)
    >>> bool((A < 1).all() and (B > 1).all())
    True
    """
    J, T = check_filter_shape(J, T)
    n_draws = check_n_draws(n_draws)
    gen = as_generator(rng)
    u = _uniforms(gen, (4, n_draws))
    n_real = 2 if T % 2 == 0 else 1
    n_complex = (T - 1) // 2
    low, high = _iid_extremes(u[0], u[1], J, n_real)
    A, B = low / J, high / J
    if n_complex:
        low, high = _iid_extremes(u[2], u[3], 2 * J, n_complex)
        A = np.minimum(A, low / (2 * J))
        B = np.maximum(B, high / (2 * J))
    return A, B
