"""Bounds on large deviations of the energy response: Cantelli and Chernoff type.

Both return the relative deviation ``alpha`` that ``||Phi x||^2 - E||Phi x||^2`` exceeds
(in units of ``||x||^2``) with probability at most ``p``; :func:`deviation_validity`
computes the true probability of each claimed deviation with the exact law.

Used by: book/deviations.ipynb, book/real_signals.ipynb.
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    check_filter_shape,
    check_probability,
    check_sigma,
    check_signal,
    check_stride,
)
from .energy import energy_eigenvalues, energy_variance
from .gchisq import energy_tail

__all__ = [
    "cantelli_alpha",
    "chernoff_alpha",
    "notebook_chernoff_alpha",
    "deviation_validity",
]

#: The formulas :func:`deviation_validity` evaluates, by name.
DEVIATION_FORMULAS = ("cantelli", "chernoff", "notebook")


def cantelli_alpha(x, J, T, p, sigma=None, *, stride=1):
    """Deviation reached with probability at most ``p`` by Cantelli's inequality.

    Cantelli (one-sided Chebyshev): ``P(Z - E Z >= t) <= V / (V + t^2)`` with
    ``V = Var||Phi_d x||^2`` (:func:`randfb.energy_variance`, any stride ``d``).
    Setting the right side to ``p`` and ``t = alpha ||x||^2``,

        alpha = sqrt((1/p - 1) V) / ||x||^2.

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
    >>> from randfb import cantelli_alpha, impulse
    >>> alpha = cantelli_alpha(impulse(1024), J=10, T=8, p=0.05)  # sqrt(19 / 40)
    >>> round(float(alpha), 6)
    0.689202
    """
    x = check_signal(x)
    p = check_probability(p)
    V = energy_variance(x, J, T, sigma, stride=stride)
    out = np.sqrt((1.0 / p - 1.0) * V) / float(x @ x)
    return out[()] if out.ndim == 0 else out


def chernoff_alpha(x, J, T, p, sigma=None, *, stride=1):
    """Deviation reached with probability at most ``p``: a proved sub-exponential bound.

    The energy response is ``||Phi x||^2 - E = sum_i a_i (xi_i^2 - 1)`` with ``xi_i``
    i.i.d. standard normal and weights ``a = sigma^2 lambda_k(Q_T)`` (``Q_{T,d}`` at
    stride ``d``), each repeated ``J`` times. The Laurent-Massart (2000, Lemma 1)
    inequality, proved by a Chernoff
    argument, ``P(Z >= 2 ||a||_2 sqrt(t) + 2 ||a||_inf t) <= exp(-t)``, with ``t =
    log(1/p)`` gives

        alpha = 2 sigma^2 (sqrt(J) ||lambda||_2 sqrt(log(1/p))
                           + ||lambda||_inf log(1/p)) / ||x||^2.

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
    >>> from randfb import chernoff_alpha, impulse
    >>> round(float(chernoff_alpha(impulse(1024), J=10, T=8, p=1e-3)), 4)
    0.7604
    """
    x = check_signal(x)
    J, T = check_filter_shape(J, T, x.size)
    stride = check_stride(stride, x.size)
    sigma = check_sigma(sigma, J, T, stride)
    p = check_probability(p)
    lam = energy_eigenvalues(x, T, stride=stride)
    t = np.log(1.0 / p)
    norm2 = float(np.sqrt(J * (lam @ lam)))
    out = 2.0 * sigma**2 * (norm2 * np.sqrt(t) + lam.max() * t) / float(x @ x)
    return out[()] if out.ndim == 0 else out


def notebook_chernoff_alpha(x, J, T, p):
    """The Chernoff-type form of the paper's published notebooks (NOT a valid bound).

    Solves, for ``alpha > 0`` (a quadratic),
    ``p = exp(-alpha^2 J T^2 ||x||^4 / (2 alpha T ||lambda||_inf ||x||^2 + 2
    ||lambda||_2^2))`` with ``sigma^2 = 1 / (J T)``. It is shown only to compare: it
    falls below the exact quantile for small ``p`` (e.g. the impulse with ``J = 10``,
    ``T = 8``: 0.511 at ``p = 1e-3`` against the exact 0.5605).

    Parameters
    ----------
    x : array_like, shape (N,)
    J : int, >= 1
    T : int, 1 <= T <= N
    p : float or array_like in (0, 1)

    Returns
    -------
    alpha : float or ndarray (shape of ``p``)

    Examples
    --------
    >>> from randfb import notebook_chernoff_alpha, impulse
    >>> round(float(notebook_chernoff_alpha(impulse(1024), J=10, T=8, p=1e-3)), 3)
    0.511
    """
    x = check_signal(x)
    J, T = check_filter_shape(J, T, x.size)
    p = check_probability(p)
    lam = energy_eigenvalues(x, T)
    energy = float(x @ x)
    L = np.log(1.0 / p)
    a = J * T**2 * energy**2
    b = 2.0 * L * T * lam.max() * energy
    c = 2.0 * L * float(lam @ lam)
    out = (b + np.sqrt(b**2 + 4 * a * c)) / (2 * a)
    return out[()] if out.ndim == 0 else out


#: Below this, a tail probability is taken from the Laurent-Massart bound, not Imhof's
#: formula (whose absolute accuracy it is).
_TAIL_ACCURACY = 1e-10


def _true_level(x, J, T, alpha):
    """``P(D >= alpha)`` by Imhof's formula, or its Laurent-Massart bound if tinier."""
    x = check_signal(x)
    lam = energy_eigenvalues(x, T)
    sigma2 = 1.0 / (J * T)
    energy = float(x @ x)
    b = sigma2 * np.sqrt(J * float(lam @ lam))
    c = sigma2 * float(lam.max())
    z = np.maximum(np.asarray(alpha, dtype=float), 0.0) * energy
    u = (np.sqrt(b**2 + 2 * c * z) - b) / (2 * c)
    bound = np.exp(-(u**2))
    out = bound.copy()
    exact = bound >= _TAIL_ACCURACY
    if exact.any():
        out[exact] = energy_tail(x, J, T, np.asarray(alpha, dtype=float)[exact])
    return out


def deviation_validity(signals, J, T_values, p):
    """True level of each claimed deviation, divided by its nominal level ``p``.

    For a formula ``alpha_hat(p)`` (Cantelli's :func:`cantelli_alpha`, the
    Laurent-Massart :func:`chernoff_alpha`, the notebook form
    :func:`notebook_chernoff_alpha`) the ratio

        P(||Phi x||^2 - E||Phi x||^2 >= alpha_hat(p) ||x||^2) / p

    is at most 1 exactly when the formula is a valid bound at level ``p``. The
    probability is exact (Imhof's formula, :func:`randfb.energy_tail`, absolute error
    below 1e-10), at ``sigma^2 = 1 / (J T)``, except where the Laurent-Massart
    inequality already bounds it by less than that accuracy,
    ``P(D >= alpha) <= exp(-u^2)`` with ``u = (sqrt(b^2 + 2 c alpha) - b) / (2 c)``,
    ``b = sigma^2 sqrt(J) ||lambda||_2``, ``c = sigma^2 ||lambda||_inf`` (``||x|| = 1``
    units): there the proved bound is stored instead. Imhof's integral is slowest
    deep in the tail, where its value would be no more accurate than the bound.

    Parameters
    ----------
    signals : dict of str to array_like
        Named signals, each of shape (N,).
    J : int, >= 1
    T_values : sequence of int
        Filter lengths, each ``1 <= T <= N``.
    p : array_like
        Nominal levels in (0, 1).

    Returns
    -------
    list of dict
        One record per signal, filter length and level, with keys ``signal``, ``T``,
        ``p`` and one ratio per formula: ``cantelli``, ``chernoff``, ``notebook``
        (ready for ``pandas.DataFrame``).

    Examples
    --------
    >>> from randfb import impulse
    >>> from randfb.deviations import deviation_validity
    >>> rows = deviation_validity({"impulse": impulse(64)}, J=10, T_values=[8],
    ...                           p=[0.05, 1e-3])
    >>> round(rows[0]["chernoff"], 3), bool(rows[1]["notebook"] > 1)
    (0.089, True)
    """
    p = np.atleast_1d(check_probability(p))
    formulas = {
        "cantelli": cantelli_alpha,
        "chernoff": chernoff_alpha,
        "notebook": notebook_chernoff_alpha,
    }
    rows = []
    for name, x in signals.items():
        for T in T_values:
            # All formulas' deviations in one call: one law of the energy per (x, T).
            alphas = np.stack([alpha_of(x, J, T, p) for alpha_of in formulas.values()])
            levels = _true_level(x, J, T, alphas.ravel()).reshape(alphas.shape)
            ratios = dict(zip(formulas, levels / p, strict=True))
            rows.extend(
                {
                    "signal": name,
                    "T": int(T),
                    "p": float(level),
                    **{key: float(ratio[k]) for key, ratio in ratios.items()},
                }
                for k, level in enumerate(p)
            )
    return rows
