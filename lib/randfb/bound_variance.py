"""Variances of the frame bounds: Gaussian-Poincare bounds and the chi-squared model.

For a stride-one filterbank of ``J`` real filters of length ``T`` with i.i.d.
``N(0, sigma^2)`` weights, the frame bounds are ``B = max_w LP(w)`` and
``A = min_w LP(w)`` over any set of frequencies ``w`` (the ``N`` DFT bins, or the whole
circle), ``LP(w) = sum_j |w_hat_j(w)|^2``. The Gaussian Poincare inequality gives, with
``E`` over the weights,

    Var[B] <= 4 sigma^2 T E[B],     Var[A] <= 4 sigma^2 T E[A],
    Var[sqrt(B)] <= sigma^2 T,      Var[sqrt(A)] <= sigma^2 T,

that is ``4 E[B] / J``, ``4 E[A] / J`` and ``1 / J`` at ``sigma^2 = 1/(J T)``
(proved in ``book/frame_bounds.ipynb``). For comparison, the variance of the minimum and
maximum of independent scaled chi-squared variables (the paper's model of ``A`` and
``B``, and the refined model, exact at ``T = N``) is computed by quadrature without
cancellation,

    Var X = int_0^mu 2 (mu - x) P(X <= x) dx + int_mu^inf 2 (x - mu) P(X > x) dx,

for ``X >= 0`` with mean ``mu``. :func:`sample_variance_se` is the standard error of a
sample variance from the sample's fourth central moment, used to compare simulated
variances with these bounds.

Used by: book/frame_bounds.ipynb.
"""

from __future__ import annotations

import numpy as np
import scipy.integrate
import scipy.stats

from ._validation import check_filter_shape, check_int, check_sigma
from .extremes import _extremes_quadrature, independent_chi2_extremes

__all__ = [
    "chi2_extremes_variance",
    "frame_bound_variance_bounds",
    "lp_extremes_model_variance",
    "relative_variance_se",
    "sample_variance_se",
]

def frame_bound_variance_bounds(J, T, expected_A, expected_B, *, sigma=None):
    """Gaussian-Poincare bounds on ``Var[A]``, ``Var[B]``, ``Var[sqrt A]``, ``Var[sqrt B]``.

    ``Var[B] <= 4 sigma^2 T E[B]``, ``Var[A] <= 4 sigma^2 T E[A]`` and
    ``Var[sqrt A], Var[sqrt B] <= sigma^2 T``, for stride 1, i.i.d. Gaussian weights and
    any signal length ``N >= T`` (the bounds do not depend on ``N``). At the default
    ``sigma^2 = 1/(J T)`` they are ``4 E[B] / J``, ``4 E[A] / J`` and ``1 / J``.

    Parameters
    ----------
    J : int, >= 1
        Number of filters.
    T : int, >= 1
        Filter length (samples).
    expected_A, expected_B : float or array_like, >= 0
        ``E[A]`` and ``E[B]`` (exact, or sample means; the bounds are linear in them).
    sigma : float > 0, optional
        Standard deviation of the weights; default ``1 / sqrt(J T)``.

    Returns
    -------
    dict
        ``"var_A"``, ``"var_B"`` (arrays shaped like the expectations) and ``"var_sqrt"``
        (float, the bound on both ``Var[sqrt A]`` and ``Var[sqrt B]``).

    Raises
    ------
    ValueError
        If ``J`` or ``T`` is not an integer >= 1, ``sigma <= 0``, or an expectation is
        negative or not finite.

    Examples
    --------
    >>> from randfb.bound_variance import frame_bound_variance_bounds
    >>> bounds = frame_bound_variance_bounds(40, 64, 0.64, 1.44)
    >>> round(float(bounds["var_B"]), 6), round(bounds["var_sqrt"], 6)
    (0.144, 0.025)
    """
    J, T = check_filter_shape(J, T)
    sigma = check_sigma(sigma, J, T)
    out = {}
    for name, value in (("A", expected_A), ("B", expected_B)):
        arr = np.asarray(value, dtype=np.float64)
        if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError(f"expected_{name} must be finite and >= 0, got {value!r}")
        out[f"var_{name}"] = (4.0 * sigma**2 * T * arr)[()]
    out["var_sqrt"] = float(sigma**2 * T)
    return out


def chi2_extremes_variance(groups):
    """``Var[min]`` and ``Var[max]`` of independent scaled chi-squared variables.

    With ``F(x) = P(X <= x)`` and mean ``mu`` (from
    :func:`randfb.extremes.independent_chi2_extremes`), for ``X >= 0``,
    ``Var X = int_0^mu 2 (mu - x) F(x) dx + int_mu^inf 2 (x - mu) (1 - F(x)) dx``;
    ``P(max <= x) = prod_i F_i(x)`` and ``P(min > x) = prod_i (1 - F_i(x))``. Adaptive
    quadrature, relative error about 1e-10.

    Parameters
    ----------
    groups : sequence of (df, count, scale)
        ``count`` i.i.d. copies of ``scale * chi^2_df`` per group; all groups independent.

    Returns
    -------
    var_min, var_max : float

    Raises
    ------
    ValueError
        If a ``df`` or ``scale`` is not > 0, a ``count`` is not an integer >= 1, or
        ``groups`` is empty.

    Examples
    --------
    >>> from randfb.bound_variance import chi2_extremes_variance
    >>> # two i.i.d. exponentials of mean 2 (chi^2_2): Var min = 4/4, Var max = 4 (1 + 1/4)
    >>> [round(v, 8) for v in chi2_extremes_variance([(2, 2, 1.0)])]
    [1.0, 5.0]
    """
    parsed, upper, points, log_all_below, log_all_above = _extremes_quadrature(groups)
    mean_min, mean_max = independent_chi2_extremes(parsed)

    def variance(mu, log_cdf, log_sf):
        options = dict(limit=500, epsabs=1e-15, epsrel=1e-11)
        below = [p for p in points if 0 < p < mu]
        above = [p for p in points if mu < p < upper]
        low, _ = scipy.integrate.quad(lambda x: 2 * (mu - x) * np.exp(log_cdf(x)), 0, mu,
                                      points=below or None, **options)
        high, _ = scipy.integrate.quad(lambda x: 2 * (x - mu) * np.exp(log_sf(x)), mu, upper,
                                       points=above or None, **options)
        return float(low + high)

    var_max = variance(mean_max, log_all_below,
                       lambda x: np.log(-np.expm1(log_all_below(x))))
    var_min = variance(mean_min, lambda x: np.log(-np.expm1(log_all_above(x))),
                       log_all_above)
    return var_min, var_max


def lp_extremes_model_variance(J, T, model="paper"):
    """``(Var[A], Var[B])`` in the chi-squared models of the frame bounds, by quadrature.

    ``model="paper"``: ``A``, ``B`` are the minimum and maximum of ``T`` i.i.d.
    ``chi^2_J / J``; ``model="real"``: one or two real bins ``chi^2_J / J`` and
    ``floor((T - 1) / 2)`` complex bins ``chi^2_{2J} / (2J)``, the exact law at ``T = N``
    (as in :func:`randfb.lp_extremes_model`, which gives the means).

    Parameters
    ----------
    J : int, >= 1
    T : int, >= 1
    model : {"paper", "real"}

    Returns
    -------
    var_A, var_B : float

    Examples
    --------
    >>> from randfb.bound_variance import lp_extremes_model_variance
    >>> var_A, var_B = lp_extremes_model_variance(40, 1024, "real")
    >>> bool(0 < var_A < var_B < 4 / 40)
    True
    """
    J = check_int(J, "J", minimum=1)
    T = check_int(T, "T", minimum=1)
    if model == "paper":
        groups = [(J, T, 1.0 / J)]
    elif model == "real":
        groups = [(J, 2 if T % 2 == 0 else 1, 1.0 / J)]
        if (T - 1) // 2:
            groups.append((2 * J, (T - 1) // 2, 1.0 / (2 * J)))
    else:
        raise ValueError(f"model must be 'paper' or 'real', got {model!r}")
    return chi2_extremes_variance(groups)


def sample_variance_se(x, axis=-1):
    """Standard error of the sample variance ``s^2`` (``ddof=1``) along ``axis``.

    ``Var(s^2) = (mu_4 - sigma^4 (n - 3) / (n - 1)) / n`` for ``n`` i.i.d. draws, with
    the fourth central moment ``mu_4`` and the variance ``sigma^2`` replaced by the
    sample's ``m_4`` and ``s^2``.

    Parameters
    ----------
    x : array_like
        Draws, at least 4 along ``axis``.
    axis : int

    Returns
    -------
    ndarray or float

    Raises
    ------
    ValueError
        If fewer than 4 draws lie along ``axis``.

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.bound_variance import sample_variance_se
    >>> x = np.random.default_rng(0).standard_normal(100_000)
    >>> round(float(sample_variance_se(x) * np.sqrt(100_000)), 1)   # sqrt(2) for N(0, 1)
    1.4
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 0:
        raise ValueError("x must be an array of draws, got a scalar")
    n = arr.shape[axis]
    if n < 4:
        raise ValueError(f"x needs at least 4 draws along axis {axis}, got {n}")
    centred = arr - arr.mean(axis=axis, keepdims=True)
    s2 = np.sum(centred**2, axis=axis) / (n - 1)
    m4 = np.mean(centred**4, axis=axis)
    var_s2 = (m4 - s2**2 * (n - 3) / (n - 1)) / n
    return np.sqrt(np.maximum(var_s2, 0.0))[()]


def relative_variance_se(x, axis=-1):
    """Standard error of the relative variance ``s^2 / mean^2`` along ``axis`` (delta method).

    With ``g(m, v) = v / m^2``, ``dg/dm = -2 v / m^3`` and ``dg/dv = 1 / m^2``;
    ``Var(mean) = s^2 / n``, ``Var(s^2)`` as in :func:`sample_variance_se` and
    ``Cov(mean, s^2) = mu_3 / n`` (third central moment), so
    ``Var(g) ~ (dg/dv)^2 Var(s^2) + (dg/dm)^2 s^2 / n + 2 (dg/dm)(dg/dv) mu_3 / n``.

    Used by: ``book/after_first_layer.ipynb`` (relative variance through depth).

    Parameters
    ----------
    x : array_like
        Draws of a positive quantity, at least 4 along ``axis``.
    axis : int

    Returns
    -------
    ndarray or float

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.bound_variance import relative_variance_se
    >>> x = np.random.default_rng(0).exponential(size=100_000)   # s^2 / mean^2 near 1
    >>> # Exp(1): sqrt(Var(s^2) + 4 Var(mean) - 4 Cov) sqrt(n) = sqrt(8 + 4 - 8) = 2
    >>> round(float(relative_variance_se(x) * np.sqrt(100_000)), 1)
    2.0
    """
    arr = np.asarray(x, dtype=np.float64)
    var_s2 = sample_variance_se(arr, axis=axis) ** 2  # checks the number of draws
    n = arr.shape[axis]
    m = arr.mean(axis=axis, keepdims=True)
    centred = arr - m
    m = np.squeeze(m, axis=axis)
    s2 = np.sum(centred**2, axis=axis) / (n - 1)
    mu3 = np.mean(centred**3, axis=axis)
    grad_m, grad_s2 = -2 * s2 / m**3, 1 / m**2
    var = grad_s2**2 * var_s2 + grad_m**2 * s2 / n + 2 * grad_m * grad_s2 * mu3 / n
    return np.sqrt(np.maximum(var, 0.0))[()]
