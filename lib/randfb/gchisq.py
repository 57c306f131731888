"""The exact law of the energy response: a generalised chi-squared distribution.

Rotating each filter into the eigenbasis of ``Q_T`` (see :mod:`randfb.energy`) gives

    ||Phi x||^2 = sigma^2 sum_k lambda_k Y_k,    Y_k i.i.d. chi^2_J,

and at stride ``d`` the same holds with the eigenvalues of ``Q_{T,d}``
(:func:`randfb.strided_energy_matrix`), so every function below takes ``stride``.

a positive combination of independent chi-squared variables. Its survival function and
density are computed exactly, up to quadrature error of about 1e-12, by Imhof's (1961)
inversion of the characteristic function: for ``Q = sum_k a_k chi^2_{h_k}``,

    P(Q > q) = 1/2 + (1/pi) int_0^inf sin(theta(u)) / (u rho(u)) du,
    f_Q(q)   = 1/(2 pi) int_0^inf cos(theta(u)) / rho(u) du,
    theta(u) = 1/2 sum_k h_k arctan(a_k u) - q u / 2,
    rho(u)   = prod_k (1 + a_k^2 u^2)^(h_k / 4).

The integral is split into Gauss-Legendre panels of half an oscillation each, up to a
point ``U`` beyond which a proved bound on the remainder is below the tolerance; when
that point is too far away (few degrees of freedom), the remainder is a Fourier integral
done by QUADPACK's QAWF. Used by the chapters on large deviations.
"""

from __future__ import annotations

import numpy as np
import scipy.integrate
import scipy.optimize
import scipy.stats
from threadpoolctl import threadpool_limits

from ._validation import (
    check_filter_shape,
    check_probability,
    check_sigma,
    check_signal,
    check_stride,
)
from .energy import _strided_trace, energy_eigenvalues

#: Absolute accuracy targeted for probabilities and (relative to the scale) densities.
TOLERANCE = 1e-13
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(24)
_MAX_PANELS = 20_000
_BRACKET_GRID = 33  # points per bracketing grid in energy_quantile


def _prepare(weights, df):
    """Validate weights and degrees of freedom; merge equal weights; drop tiny ones."""
    a = np.atleast_1d(np.asarray(weights, dtype=float)).ravel()
    if a.size == 0:
        raise ValueError("weights must not be empty")
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError("weights must be finite and >= 0")
    try:
        h = np.broadcast_to(np.asarray(df, dtype=float), a.shape).copy()
    except ValueError:
        raise ValueError(
            f"df must be one number or one per weight ({a.size}), "
            f"got shape {np.shape(df)}"
        ) from None
    if not np.all(np.isfinite(h)) or np.any(h <= 0):
        raise ValueError(f"df must be > 0, got {df!r}")
    scale = a.max()
    if scale == 0:
        raise ValueError("weights must not all be zero")
    # Weights below 1e-15 of the largest change nothing at double precision.
    keep = a > scale * 1e-15
    a, h = a[keep] / scale, h[keep]
    # Merge (nearly) equal weights: a single distinct weight is a scaled chi-squared.
    order = np.argsort(a)
    a, h = a[order], h[order]
    starts = np.concatenate(([True], np.diff(a) > 1e-12 * a[1:]))
    group = np.cumsum(starts) - 1
    merged_h = np.bincount(group, weights=h)
    merged_a = np.bincount(group, weights=a * h) / merged_h
    return merged_a, merged_h, scale


def _log_rho(u, a, h):
    return 0.25 * (np.log1p(np.square(np.multiply.outer(u, a))) @ h)


def _phase(u, a, h):
    """``phi(u) = 1/2 sum_k h_k arctan(a_k u)``, so ``theta(u) = phi(u) - q u / 2``."""
    return 0.5 * (np.arctan(np.multiply.outer(u, a)) @ h)


def _imhof_integral(qs, a, h, kind):
    """``int_0^inf`` of ``sin(theta)/(u rho)`` ('sf') or ``cos(theta)/rho`` ('pdf').

    Vectorised over the thresholds ``qs`` (1-D, > 0): the panels are set by the largest
    threshold, so ``phi(u)`` and ``rho(u)``, which do not depend on ``q``, are computed
    once.
    """
    qs = np.asarray(qs, dtype=float)
    power = 1.0 if kind == "sf" else 0.0  # the integrand carries u^(-power)
    # |theta'(u)| <= omega, and |d log rho / du| <= omega / 2: one panel is half an
    # oscillation.
    omega = 0.5 * max(float(a @ h), float(np.abs(qs).max())) + 1e-300
    panel = np.pi / omega

    def tail_bound(U):
        # log rho grows at least like slope_U log u beyond U (its log-slope increases),
        # so int_U^inf u^-power / rho(u) du
        #    <= U^(1-power) / (rho(U) (slope_U + power - 1)).
        slope = 0.5 * float(h @ (np.square(a * U) / (1 + np.square(a * U))))
        if slope + power - 1 <= 0:
            return np.inf
        return U ** (1 - power) * np.exp(-_log_rho(U, a, h)) / (slope + power - 1)

    U = panel
    while tail_bound(U) > TOLERANCE * np.pi and U < panel * _MAX_PANELS:
        U *= 2.0
    n_panels = int(min(np.ceil(U / panel), _MAX_PANELS))
    U = n_panels * panel
    total = np.zeros(qs.shape)
    # panels per block: about 8 MB of phases
    batch = max(16, 2**20 // (_NODES.size * qs.size))
    for start in range(0, n_panels, batch):
        stop = min(n_panels, start + batch)
        left = np.arange(start, stop) * panel
        u = (left[:, None] + 0.5 * panel * (_NODES + 1.0)[None, :]).ravel()
        amplitude = (np.tile(_WEIGHTS, stop - start) * np.exp(-_log_rho(u, a, h))
                     / u**power)
        theta = _phase(u, a, h)[None, :] - 0.5 * qs[:, None] * u[None, :]
        trig = np.sin(theta) if kind == "sf" else np.cos(theta)
        total += 0.5 * panel * (trig @ amplitude)
    if tail_bound(U) > TOLERANCE * np.pi:
        # Few degrees of freedom: the remainder decays slowly but is a Fourier integral.
        # sin(phi - q u / 2) = sin(phi) cos(q u / 2) - cos(phi) sin(q u / 2).
        def envelope(u, trig):
            phi = 0.5 * float(np.arctan(a * u) @ h)
            return trig(phi) * np.exp(-float(_log_rho(u, a, h))) / u**power

        if kind == "sf":
            parts = [(np.sin, "cos", 1.0), (np.cos, "sin", -1.0)]
        else:
            parts = [(np.cos, "cos", 1.0), (np.sin, "sin", 1.0)]
        for i, q in enumerate(qs):
            for trig, weight, sign in parts:
                value, _ = scipy.integrate.quad(
                    envelope, U, np.inf, args=(trig,), weight=weight, wvar=0.5 * q,
                    limlst=200, epsabs=TOLERANCE,
                )
                total[i] += sign * value
    return total


def _evaluate(q, weights, df, kind):
    """Survival function or density of the generalised chi-squared at every ``q``."""
    a, h, scale = _prepare(weights, df)
    qs = np.asarray(q, dtype=float)
    if not np.all(np.isfinite(qs)):
        raise ValueError("q must be finite")
    flat = qs.ravel() / scale
    out = np.empty(flat.shape)
    if a.size == 1:  # a single distinct weight: a scaled chi-squared, in closed form
        if kind == "sf":
            out[:] = scipy.stats.chi2.sf(flat / a[0], h[0])
        else:
            out[:] = scipy.stats.chi2.pdf(flat / a[0], h[0]) / a[0] / scale
        return out.reshape(qs.shape)[()]
    positive = flat > 0
    if kind == "sf":
        out[~positive] = 1.0
    else:
        out[~positive] = 0.0
    if positive.any():
        # One BLAS thread: the products here are small, and threads only add contention.
        with threadpool_limits(limits=1, user_api="blas"):
            integral = _imhof_integral(flat[positive], a, h, kind)
        if kind == "sf":
            out[positive] = np.clip(0.5 + integral / np.pi, 0.0, 1.0)
        else:
            out[positive] = np.clip(integral / (2 * np.pi) / scale, 0.0, None)
    return out.reshape(qs.shape)[()]


def gchisq_sf(q, weights, df):
    """Survival function ``P(Q > q)`` of ``Q = sum_k weights_k chi^2_{df_k}`` (Imhof).

    Parameters
    ----------
    q : float or array_like
        Thresholds.
    weights : array_like of float >= 0
        Non-negative weights (not all zero).
    df : float > 0 or array_like
        Degrees of freedom, one for all weights or one per weight.

    Returns
    -------
    sf : float or ndarray (shape of ``q``)

    Examples
    --------
    >>> import numpy as np, scipy.stats
    >>> from randfb import gchisq_sf
    >>> bool(np.isclose(gchisq_sf(3.0, [0.5, 0.5], 2), scipy.stats.chi2.sf(6.0, 4)))
    True
    """
    return _evaluate(q, weights, df, "sf")


def gchisq_pdf(q, weights, df):
    """Density of ``Q = sum_k weights_k chi^2_{df_k}`` at ``q`` (Imhof-type inversion).

    Parameters
    ----------
    q : float or array_like
    weights : array_like of float >= 0
    df : float > 0 or array_like

    Returns
    -------
    pdf : float or ndarray

    Examples
    --------
    >>> import numpy as np, scipy.stats
    >>> from randfb import gchisq_pdf
    >>> exact = 2 * scipy.stats.chi2.pdf(6.0, 4)
    >>> bool(np.isclose(gchisq_pdf(3.0, [0.5, 0.5], 2), exact))
    True
    """
    return _evaluate(q, weights, df, "pdf")


def _energy_law(x, J, T, sigma, stride=1):
    """Weights ``sigma^2 lambda_k``, degrees of freedom, mean and ``||x||^2``."""
    x = check_signal(x)
    J, T = check_filter_shape(J, T, x.size)
    stride = check_stride(stride, x.size)
    sigma = check_sigma(sigma, J, T, stride)
    lam = energy_eigenvalues(x, T, stride=stride)
    energy = float(x @ x)
    if stride == 1:
        mean = J * T * sigma**2 * energy
    else:
        mean = J * sigma**2 * _strided_trace(x, T, stride)
    return sigma**2 * lam, J, mean, energy


def energy_tail(x, J, T, alpha, sigma=None, *, stride=1):
    """Exact deviation probability ``P(||Phi_d x||^2 - E||Phi_d x||^2 >= alpha ||x||^2)``.

    From the generalised chi-squared law
    ``||Phi_d x||^2 = sigma^2 sum_k lambda_k(Q_{T,d}) chi^2_J``
    by Imhof's formula; absolute error below 1e-10.

    Parameters
    ----------
    x : array_like, shape (N,)
    J : int, >= 1
    T : int, 1 <= T <= N
    alpha : float or array_like
        Relative deviation; ``alpha <= -E/||x||^2`` gives probability 1.
    sigma : float > 0, optional
        Default ``sqrt(d / (J T))`` (``1 / sqrt(J T)`` at stride 1).
    stride : int, >= 1, dividing N
        Hop size ``d`` of the layer.

    Returns
    -------
    p : float or ndarray (shape of ``alpha``)

    Examples
    --------
    >>> import numpy as np, scipy.stats
    >>> from randfb import energy_tail, impulse
    >>> p = energy_tail(impulse(64), J=10, T=8, alpha=0.5)   # law: chi^2_80 / 80
    >>> bool(np.isclose(p, scipy.stats.chi2.sf(1.5 * 80, 80), rtol=1e-9))
    True
    """
    weights, J, mean, energy = _energy_law(x, J, T, sigma, stride)
    alpha = np.asarray(alpha, dtype=float)
    if not np.all(np.isfinite(alpha)):
        raise ValueError(f"alpha must be finite, got {alpha!r}")
    return gchisq_sf(mean + alpha * energy, weights, J)


def energy_pdf(x, J, T, q, sigma=None, *, stride=1):
    """Exact density of ``||Phi_d x||^2`` at ``q`` (generalised chi-squared).

    Parameters
    ----------
    x : array_like, shape (N,)
    J : int, >= 1
    T : int, 1 <= T <= N
    q : float or array_like
        Energy values (not deviations).
    sigma : float > 0, optional
        Default ``sqrt(d / (J T))`` (``1 / sqrt(J T)`` at stride 1).
    stride : int, >= 1, dividing N
        Hop size ``d`` of the layer.

    Returns
    -------
    pdf : float or ndarray

    Examples
    --------
    >>> import numpy as np, scipy.stats
    >>> from randfb import energy_pdf, impulse
    >>> exact = 80 * scipy.stats.chi2.pdf(80, 80)
    >>> bool(np.isclose(energy_pdf(impulse(64), 10, 8, 1.0), exact))
    True
    """
    weights, J, _, _ = _energy_law(x, J, T, sigma, stride)
    return gchisq_pdf(q, weights, J)


def energy_quantile(x, J, T, p, sigma=None, *, stride=1):
    """Exact deviation ``alpha`` with ``P(||Phi_d x||^2 - E >= alpha ||x||^2) = p``.

    Solved by Brent's method between ``-E/||x||^2`` (probability 1) and the proved
    Laurent-Massart bound :func:`randfb.chernoff_alpha` (probability <= p), so no
    starting guess is needed.

    Parameters
    ----------
    x : array_like, shape (N,)
    J : int, >= 1
    T : int, 1 <= T <= N
    p : float or array_like in (0, 1)
    sigma : float > 0, optional
        Default ``sqrt(d / (J T))`` (``1 / sqrt(J T)`` at stride 1).
    stride : int, >= 1, dividing N
        Hop size ``d`` of the layer.

    Returns
    -------
    alpha : float or ndarray (shape of ``p``)

    Examples
    --------
    >>> import numpy as np, scipy.stats
    >>> from randfb import energy_quantile, impulse
    >>> a = energy_quantile(impulse(1024), J=10, T=8, p=1e-3)
    >>> bool(np.isclose(a, scipy.stats.chi2.isf(1e-3, 80) / 80 - 1))
    True
    """
    from .deviations import chernoff_alpha

    ps = check_probability(p)
    weights, J, mean, energy = _energy_law(x, J, T, sigma, stride)
    flat = ps.ravel()
    lower = np.full(flat.shape, -mean / energy)  # energy >= 0: probability 1 here
    upper = np.asarray(chernoff_alpha(x, J, T, flat, sigma=sigma, stride=stride),
                       dtype=float).ravel()
    # Narrow every bracket at once on two grids (one vectorised tail evaluation each),
    # then finish each root with Brent's method inside its small bracket.
    fractions = np.linspace(0.0, 1.0, _BRACKET_GRID)
    for _ in range(2):
        alphas = lower[:, None] + (upper - lower)[:, None] * fractions[None, :]
        tails = gchisq_sf(mean + alphas * energy, weights, J)
        above = (tails >= flat[:, None]).sum(axis=1)  # tail decreases in alpha
        k = np.clip(above - 1, 0, _BRACKET_GRID - 2)
        rows = np.arange(flat.size)
        lower, upper = alphas[rows, k], alphas[rows, k + 1]
    out = np.empty(flat.shape)
    for i, prob in enumerate(flat):
        def excess(alpha, prob=prob):
            return gchisq_sf(mean + alpha * energy, weights, J) - prob

        out[i] = scipy.optimize.brentq(excess, lower[i], upper[i], xtol=1e-12,
                                       rtol=1e-12)
    out = out.reshape(ps.shape)
    return out[()] if out.ndim == 0 else out
