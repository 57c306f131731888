"""Expected extremes of chi-squared variables: the paper's model for frame bounds.

At one DFT bin the Littlewood-Paley sum of ``J`` Gaussian filters with
``sigma^2 = 1/(J T)`` is ``chi^2_J / J`` (a real bin) or ``chi^2_{2J} / (2J)`` (a complex
bin of real filters). Treating bins as independent turns the frame bounds into the
minimum and maximum of independent chi-squared variables, whose expectations are exact
one-dimensional integrals,

    E[max] = int_0^inf (1 - prod_i F_i(x)) dx,    E[min] = int_0^inf prod_i (1 - F_i(x)) dx,

for non-negative variables with CDFs ``F_i``. Used by the chapters on frame bounds and on
the ``J = log T`` scaling law.
"""

from __future__ import annotations

import numpy as np
import scipy.integrate
import scipy.special
import scipy.stats

from ._validation import check_int, check_positive

#: Probability mass beyond the integration range (neglected).
_TAIL = 1e-17


def _positive_array(value, name):
    arr = np.asarray(value, dtype=float)
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return arr


def _log_cdf_sf(x, df):
    """``log P(chi^2_df <= x)`` and ``log P(chi^2_df > x)`` for a scalar ``x``.

    The regularised incomplete gamma functions, each tail taken where it is small, so both
    logarithms are accurate in both tails (and ten times faster than ``scipy.stats``).
    """
    lower = scipy.special.gammainc(df / 2, x / 2)
    upper = scipy.special.gammaincc(df / 2, x / 2)
    with np.errstate(divide="ignore"):
        log_cdf = np.log(lower) if lower < 0.5 else np.log1p(-upper)
        log_sf = np.log(upper) if upper < 0.5 else np.log1p(-lower)
    return log_cdf, log_sf


def _parse_chi2_groups(groups) -> list[tuple[float, int, float]]:
    """Check ``(df, count, scale)`` triples: ``df, scale > 0``, ``count >= 1``, not empty."""
    parsed = []
    for df, count, scale in groups:
        parsed.append((check_positive(df, "df"), check_int(count, "count", minimum=1),
                       check_positive(scale, "scale")))
    if not parsed:
        raise ValueError("groups must hold at least one (df, count, scale) triple")
    return parsed


def _extremes_quadrature(groups):
    """What the quadratures over the laws of ``min`` and ``max`` of the groups share.

    Returns the checked groups, an upper limit beyond which every variable lies with
    probability below ``_TAIL``, breakpoints at a few quantiles of each group (they help
    the adaptive quadrature), and ``log P(max <= x)``, ``log P(min > x)`` as functions.
    Used by :func:`independent_chi2_extremes` and
    :func:`randfb.bound_variance.chi2_extremes_variance`.
    """
    parsed = _parse_chi2_groups(groups)
    total = sum(count for _, count, _ in parsed)
    upper = max(s * scipy.stats.chi2.isf(_TAIL / total, df) for df, _, s in parsed)
    probs = [1e-6, 1e-3, 0.05, 0.25, 0.5, 0.75, 0.95, 1 - 1e-3, 1 - 1e-6]
    points = sorted({float(s * scipy.stats.chi2.ppf(q, df))
                     for df, _, s in parsed for q in probs})

    def log_all_below(x):
        return sum(c * _log_cdf_sf(x / s, df)[0] for df, c, s in parsed)

    def log_all_above(x):
        return sum(c * _log_cdf_sf(x / s, df)[1] for df, c, s in parsed)

    return parsed, upper, points, log_all_below, log_all_above


def independent_chi2_extremes(groups):
    """``E[min]`` and ``E[max]`` of independent scaled chi-squared variables, by quadrature.

    Parameters
    ----------
    groups : sequence of (df, count, scale)
        ``count`` i.i.d. copies of ``scale * chi^2_df`` per group; all groups independent.

    Returns
    -------
    expected_min, expected_max : float

    Examples
    --------
    >>> from randfb.extremes import independent_chi2_extremes
    >>> [round(v, 6) for v in independent_chi2_extremes([(2, 2, 1.0)])]   # Exp(1/2) pair
    [1.0, 3.0]
    """
    parsed, upper, points, log_all_below, log_all_above = _extremes_quadrature(groups)
    points = [p for p in points if 0 < p < upper]
    options = dict(points=points, limit=500, epsabs=1e-13, epsrel=1e-12)
    e_max, _ = scipy.integrate.quad(lambda x: -np.expm1(log_all_below(x)), 0, upper, **options)
    e_min, _ = scipy.integrate.quad(lambda x: np.exp(log_all_above(x)), 0, upper, **options)
    return float(e_min), float(e_max)


def chi2_extremes(df, n):
    """Exact ``E[min]`` and ``E[max]`` of ``n`` i.i.d. ``chi^2_df`` variables.

    ``E[max] = int_0^inf (1 - F(x)^n) dx`` and ``E[min] = int_0^inf (1 - F(x))^n dx``, with
    ``F`` the ``chi^2_df`` CDF, by adaptive quadrature (relative error about 1e-12).

    Parameters
    ----------
    df : float > 0
        Degrees of freedom.
    n : int, >= 1
        Number of variables.

    Returns
    -------
    expected_min, expected_max : float

    Examples
    --------
    >>> from randfb import chi2_extremes
    >>> [round(v, 6) for v in chi2_extremes(2, 1)]   # one chi^2_2 has mean 2
    [2.0, 2.0]
    """
    df = check_positive(df, "df")
    n = check_int(n, "n", minimum=1)
    return independent_chi2_extremes([(df, n, 1.0)])


def lp_extremes_model(J, T, model="paper"):
    """Model predictions ``(E[A], E[B])`` for the frame bounds at ``sigma^2 = 1/(J T)``.

    ``model="paper"``: the paper's model, the extremes of ``T`` i.i.d. ``chi^2_J / J``
    (one variable per filter coefficient, as if each frequency were a real bin).
    ``model="real"``: the DFT of real filters of length ``T = N``: the DC bin (and the
    Nyquist bin for even ``T``) is ``chi^2_J / J``, the ``floor((T - 1) / 2)`` other distinct
    bins are ``chi^2_{2J} / (2J)``, all independent. For ``T = N`` this law is exact (the DFT
    of white Gaussian noise has independent bins), so only the expectation is computed.

    Parameters
    ----------
    J : int, >= 1
    T : int, >= 1
    model : {"paper", "real"}

    Returns
    -------
    expected_A, expected_B : float

    Examples
    --------
    >>> from randfb import lp_extremes_model
    >>> [round(v, 3) for v in lp_extremes_model(40, 1024, "real")]
    [0.585, 1.556]
    """
    J = check_int(J, "J", minimum=1)
    T = check_int(T, "T", minimum=1)
    if model == "paper":
        groups = [(J, T, 1.0 / J)]
    elif model == "real":
        n_real = 2 if T % 2 == 0 else 1
        n_complex = (T - 1) // 2
        groups = [(J, n_real, 1.0 / J)]
        if n_complex:
            groups.append((2 * J, n_complex, 1.0 / (2 * J)))
    else:
        raise ValueError(f"model must be 'paper' or 'real', got {model!r}")
    return independent_chi2_extremes(groups)


def asymptotic_bounds(J, T):
    """The paper's asymptotic frame bounds ``1 - 2 sqrt(log T / J)`` and ``1 + 2 sqrt(log T / J)``.

    Natural logarithm. Broadcasts over array arguments.

    Parameters
    ----------
    J : float or array_like, > 0
    T : float or array_like, >= 1

    Returns
    -------
    lower, upper : float or ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import asymptotic_bounds
    >>> [round(float(v), 6) for v in asymptotic_bounds(4, np.e)]
    [0.0, 2.0]
    """
    J = _positive_array(J, "J")
    T = _positive_array(T, "T")
    if np.any(T < 1):
        raise ValueError(f"T must be >= 1, got {T!r}")
    r = 2.0 * np.sqrt(np.log(T) / J)
    lower, upper = 1.0 - r, 1.0 + r
    return (lower[()], upper[()]) if lower.ndim == 0 else (lower, upper)


def kappa_tilde(J, T):
    """The paper's predicted condition number ``(1 + 2 r) / (1 - 2 r)``, ``r = sqrt(log T / J)``.

    Natural logarithm. Defined only where the lower asymptotic bound is positive, that is
    ``J > 4 log T``; elsewhere the result is NaN (the model predicts no frame). It depends on
    ``(J, T)`` only through ``log T / J``: constant along ``J = c log T``.

    Parameters
    ----------
    J : float or array_like, > 0
    T : float or array_like, >= 1

    Returns
    -------
    kappa : float or ndarray (NaN where ``J <= 4 log T``)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import kappa_tilde
    >>> round(float(kappa_tilde(16 * np.log(2**10), 2**10)), 6)   # r = 1/4
    3.0
    >>> bool(np.isnan(kappa_tilde(4, 2**10)))
    True
    """
    lower, upper = asymptotic_bounds(J, T)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(np.asarray(lower) > 0, np.asarray(upper) / np.asarray(lower), np.nan)
    return out[()] if out.ndim == 0 else out
