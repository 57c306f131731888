"""Large-deviation curves against the filter length: simulation, exact quantile, bounds.

For a signal ``x`` and each filter length ``T``, the relative deviation of the energy
response is ``D = (||Phi x||^2 - E||Phi x||^2) / ||x||^2``. :func:`deviation_curves`
draws ``D`` for random filterbanks and puts next to each other, at a probability level
``p``:

* the empirical mean of ``D`` and its empirical ``(1 - p)`` quantile,
* the exact ``(1 - p)`` quantile ``alpha_p`` (:func:`randfb.energy_quantile`),
* Cantelli's and the Laurent-Massart (Chernoff) bounds on it
  (:func:`randfb.cantelli_alpha`, :func:`randfb.chernoff_alpha`),
* the fraction of draws with ``D >= alpha_p``, which is
  ``Binomial(n_draws, p) / n_draws`` when the exact quantile is right: the Monte Carlo
  check of the exact tail.

:func:`plot_deviation_curves` draws them as the paper's deviation figures do.
Used by the chapters *Large deviations of the energy response* and *Real-world signals*.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from ._validation import (
    as_generator,
    check_int,
    check_n_draws,
    check_probability,
    check_signal,
    check_stride,
)
from .deviations import cantelli_alpha, chernoff_alpha
from .energy import energy_mean
from .gchisq import energy_quantile
from .simulate import simulate_energy
from .strided_energy import simulate_strided_energy

__all__ = ["DeviationCurves", "deviation_curves", "plot_deviation_curves"]


@dataclass(frozen=True)
class DeviationCurves:
    """Deviation statistics of one signal at each filter length (indexed like ``T``).

    Attributes
    ----------
    T : ndarray of int, shape (n_T,)
        Filter lengths in samples.
    p : float
        Probability level.
    stride : int
        Hop size ``d`` of the layers (1: the paper's layers).
    draws : ndarray, shape (n_T, n_draws)
        Simulated relative deviations ``(||Phi x||^2 - E||Phi x||^2) / ||x||^2``.
    mean : ndarray, shape (n_T,)
        Empirical mean of the draws.
    empirical : ndarray, shape (n_T,)
        Empirical ``(1 - p)`` quantile of the draws (``numpy.quantile``, linear).
    exact : ndarray, shape (n_T,)
        Exact deviation ``alpha_p`` with ``P(D >= alpha_p) = p``.
    exceedance : ndarray, shape (n_T,)
        Fraction of draws with ``D >= alpha_p``.
    cantelli, chernoff : ndarray, shape (n_T,)
        Cantelli's and the Laurent-Massart bound on ``alpha_p``.
    """

    T: np.ndarray
    p: float
    draws: np.ndarray
    mean: np.ndarray
    empirical: np.ndarray
    exact: np.ndarray
    exceedance: np.ndarray
    cantelli: np.ndarray
    chernoff: np.ndarray
    stride: int = 1


def deviation_curves(
    x, J, T_values, p, n_draws, *, rng=None, method="convolution", progress=False,
    stride=1,
) -> DeviationCurves:
    """Simulated, exact and bounded large deviations of ``||Phi_d x||^2`` for each ``T``.

    For each ``T``: ``n_draws`` energy responses from :func:`randfb.simulate_energy`
    (``sigma^2 = 1 / (J T)``), turned into relative deviations
    ``D = (||Phi x||^2 - J T sigma^2 ||x||^2) / ||x||^2``; their mean and empirical
    ``(1 - p)`` quantile; the exact quantile ``alpha_p``; the fraction of draws
    ``>= alpha_p`` (expected ``p``, standard error ``sqrt(p (1 - p) / n_draws)``); and
    the Cantelli and Laurent-Massart bounds
    ``alpha_C = sqrt((1/p - 1) Var) / ||x||^2`` and
    ``alpha_LM = 2 sigma^2 (sqrt(J) ||lambda||_2 sqrt(L) + ||lambda||_inf L) / ||x||^2``
    with ``L = log(1 / p)``.

    At ``stride = d > 1`` the layers keep the outputs ``n = 0, d, 2d, ...``: the draws
    come from :func:`randfb.strided_energy.simulate_strided_energy` at
    ``sigma^2 = d / (J T)``, and the mean, exact quantile and bounds use the eigenvalues
    ``mu_k`` of ``Q_{T,d}`` (:func:`randfb.strided_energy_matrix`) in place of
    ``lambda_k``. The stride-1 results do not change.

    Parameters
    ----------
    x : array_like, shape (N,)
        Real signal, not all zero.
    J : int, >= 1
        Number of filters.
    T_values : sequence of int, each 1 <= T <= N
        Filter lengths in samples.
    p : float in (0, 1)
        Probability level.
    n_draws : int, >= 1
        Random filterbanks per filter length.
    rng : int, numpy.random.Generator or None
        Seed or generator; each ``T`` gets its own stream spawned from it, so the
        draws at one ``T`` do not depend on the other lengths.
    method : {"convolution", "spectral"}
        Passed to :func:`randfb.simulate_energy`: draw filterbanks and convolve, or draw
        from the same law through the eigenvalues of ``Q_T`` (faster for long signals).
    progress : bool
        Print one line per filter length on stderr.
    stride : int, >= 1, dividing N
        Hop size ``d`` of the layers; default 1.

    Returns
    -------
    DeviationCurves

    Raises
    ------
    ValueError
        If ``p`` is not in (0, 1), ``T_values`` is empty or holds a length outside
        ``[1, N]``, or another argument is out of range.

    Examples
    --------
    >>> from randfb import impulse
    >>> from randfb.deviation_curves import deviation_curves
    >>> curves = deviation_curves(impulse(256), J=10, T_values=[8, 16], p=0.05,
    ...                           n_draws=200, rng=0)
    >>> below = (curves.exact < curves.chernoff) & (curves.exact < curves.cantelli)
    >>> bool(below.all())
    True
    >>> curves.draws.shape
    (2, 200)
    """
    x = check_signal(x)
    T_list = np.atleast_1d(np.asarray(T_values))
    if T_list.ndim != 1 or T_list.size == 0:
        raise ValueError(
            f"T_values must be a non-empty sequence of filter lengths, got {T_values!r}"
        )
    T_list = np.array([check_int(T, "T", minimum=1, maximum=x.size) for T in T_list])
    p = float(check_probability(p))
    n_draws = check_n_draws(n_draws)
    stride = check_stride(stride, x.size)
    if method not in ("convolution", "spectral"):
        raise ValueError(f"method must be 'convolution' or 'spectral', got {method!r}")
    energy = float(x @ x)
    streams = as_generator(rng).spawn(T_list.size)
    n_T = T_list.size
    draws = np.empty((n_T, n_draws))
    exact, cantelli, chernoff = np.empty(n_T), np.empty(n_T), np.empty(n_T)
    # Imhof's integrals are many small matrix-vector products: on a busy two-core
    # machine OpenBLAS's own threads only get in the way (as in randfb.simulate).
    with threadpool_limits(limits=1, user_api="blas"):
        for k, T in enumerate(T_list):
            T = int(T)
            if stride == 1:
                energies = simulate_energy(x, J, T, n_draws, rng=streams[k],
                                           method=method)
            else:
                energies = simulate_strided_energy(x, J, T, n_draws, stride=stride,
                                                   rng=streams[k], method=method)
            draws[k] = (energies - energy_mean(x, J, T, stride=stride)) / energy
            exact[k] = energy_quantile(x, J, T, p, stride=stride)
            cantelli[k] = cantelli_alpha(x, J, T, p, stride=stride)
            chernoff[k] = chernoff_alpha(x, J, T, p, stride=stride)
            if progress:
                sys.stderr.write(f"deviation_curves: T = {T} done ({k + 1}/{n_T})\n")
    return DeviationCurves(
        T=T_list,
        p=p,
        draws=draws,
        mean=draws.mean(axis=1),
        empirical=np.quantile(draws, 1.0 - p, axis=1),
        exact=exact,
        exceedance=(draws >= exact[:, None]).mean(axis=1),
        cantelli=cantelli,
        chernoff=chernoff,
        stride=stride,
    )


def plot_deviation_curves(curves: DeviationCurves, *, ax=None, color=None, legend=True):
    """Draw deviation curves against ``T`` like the paper's figures, with the exact one.

    The empirical mean of the deviation (solid, in ``color``), a band from it up to the
    empirical ``(1 - p)`` quantile, the exact ``(1 - p)`` quantile (black dots and
    line), Cantelli's bound (grey, dashed) and the Laurent-Massart bound (grey,
    dash-dotted), on a base-2 axis of filter lengths. Uses the book's style
    (:mod:`randfb.plotting`).

    Parameters
    ----------
    curves : DeviationCurves
        From :func:`deviation_curves`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure by default.
    color : str, optional
        Colour of the mean and the band.
    legend : bool
        Label the lines (for ``ax.legend``); ``False`` leaves them unlabelled.

    Returns
    -------
    (fig, ax)

    Examples
    --------
    >>> from randfb import impulse
    >>> from randfb.deviation_curves import deviation_curves, plot_deviation_curves
    >>> curves = deviation_curves(impulse(64), 10, [8, 16], 0.05, 50, rng=0)
    >>> fig, ax = plot_deviation_curves(curves)
    >>> len(ax.lines), len(ax.collections)
    (4, 1)
    """
    from . import plotting

    if not isinstance(curves, DeviationCurves):
        raise TypeError(
            f"curves must be a DeviationCurves, got {type(curves).__name__}"
        )
    level = f"{1 - curves.p:.0%}"

    def label(text):
        return text if legend else None

    fig, ax = plotting.plot_band(
        curves.T,
        curves.mean,
        curves.empirical,
        ax=ax,
        color=color,
        label=label(f"empirical mean to {level} quantile"),
    )
    plotting.plot_against_T(
        curves.T,
        curves.mean,
        ax=ax,
        color=color,
        marker="",
        label=label("empirical mean"),
    )
    plotting.plot_against_T(
        curves.T,
        curves.exact,
        ax=ax,
        color=plotting.PALETTE["theory"],
        linewidth=1.0,
        label=label(f"exact {level} quantile"),
    )
    bound = plotting.PALETTE["bound"]
    plotting.plot_against_T(
        curves.T,
        curves.cantelli,
        ax=ax,
        color=bound,
        marker="",
        linestyle="--",
        label=label("Cantelli bound"),
    )
    plotting.plot_against_T(
        curves.T,
        curves.chernoff,
        ax=ax,
        color=bound,
        marker="",
        linestyle="-.",
        label=label("Chernoff bound (Laurent-Massart)"),
    )
    ax.set_ylabel(r"deviation $\alpha$")
    return fig, ax
