"""How periodic, or how autocorrelated, a signal is at the scale of a filter length T.

The variance of the energy response is driven by the normalised autocorrelation
``rho(tau) = R_xx(tau) / R_xx(0)`` at the lags a filter of length ``T`` sees: with
``sigma^2 = 1 / (J T)`` (see :func:`randfb.energy_variance`),

    Var||Phi x||^2 = (2 / J) ||x||^4 * rho2_T,
    rho2_T = sum_{|tau| < T} (T - |tau|) rho(tau)^2 / T^2   in [1/T, 1].

:func:`autocorrelation_energy` computes ``rho2_T``: it is the variance restated, not an
independent measure. Two standard measures of periodicity that do not restate the
variance let the book *test* the claim that locally periodic signals are adversarial:

* :func:`autocorrelation_peak`, the height of the highest autocorrelation peak after the
  first zero crossing (the periodicity or "harmonicity" score of autocorrelation pitch
  trackers, Boersma 1993), over lags shorter than ``T``;
* :func:`spectral_flatness`, the ratio of the geometric to the arithmetic mean of the
  power spectrum at the resolution of ``T`` samples (Wiener entropy; Johnston 1988):
  near 1 for white noise, near 0 for a line spectrum.

Used by the chapter *Real-world signals*.
"""

from __future__ import annotations

import numpy as np
import scipy.signal

from ._validation import check_int, check_signal
from .energy import autocorrelation

__all__ = ["autocorrelation_energy", "autocorrelation_peak", "spectral_flatness"]


def _normalised_autocorrelation(x, T, minimum_T):
    x = check_signal(x)
    T = check_int(T, "T", minimum=minimum_T, maximum=x.size)
    R = autocorrelation(x)
    return R[:T] / R[0], T


def autocorrelation_energy(x, T) -> float:
    """Weighted mean of the squared normalised autocorrelation over lags ``|tau| < T``.

        rho2_T = (1 / T^2) sum_{|tau| < T} (T - |tau|) R_xx(tau)^2 / R_xx(0)^2
               = ||Q_T||_F^2 / (T^2 ||x||^4),

    so that ``Var||Phi x||^2 = (2 / J) ||x||^4 rho2_T`` for ``sigma^2 = 1 / (J T)``
    (the paper's first proposition). It lies between ``1 / T`` (an impulse) and ``1``
    (a constant or the Nyquist sine).

    Parameters
    ----------
    x : array_like, shape (N,)
        Real signal, not all zero.
    T : int, 1 <= T <= N
        Filter length in samples: the lags ``|tau| < T`` are used.

    Returns
    -------
    rho2 : float in [1/T, 1]

    Raises
    ------
    ValueError
        If ``T`` is out of range or ``x`` is empty, all zero or not finite.

    Examples
    --------
    >>> from randfb import impulse, nyquist_sine
    >>> from randfb.periodicity import autocorrelation_energy
    >>> autocorrelation_energy(impulse(64), 8)   # 1 / T
    0.125
    >>> round(autocorrelation_energy(nyquist_sine(64), 8), 12)
    1.0
    """
    rho, T = _normalised_autocorrelation(x, T, minimum_T=1)
    multiplicity = 2.0 * (T - np.arange(T, dtype=float))
    multiplicity[0] = T
    return float(multiplicity @ rho**2) / T**2


def autocorrelation_peak(x, T) -> float:
    """Highest autocorrelation peak after the first zero crossing, at lags below T.

    With ``rho(tau) = R_xx(tau) / R_xx(0)`` and ``tau_0`` the first lag ``>= 1`` with
    ``rho(tau_0) <= 0``,

        peak_T(x) = max(0, max_{tau_0 <= tau < T} rho(tau)),

    and ``0`` when ``rho`` stays positive on ``1 <= tau < T``. A signal that repeats
    with a period ``P < T`` scores close to 1 (``rho(P) ~ 1``), noise scores close to
    0. Skipping the lags before the first zero crossing keeps a signal that merely
    varies slowly (``rho(1) ~ 1`` for any low-pass signal) from counting as periodic.

    Parameters
    ----------
    x : array_like, shape (N,)
        Real signal, not all zero.
    T : int, 2 <= T <= N
        Filter length in samples: periods up to ``T - 1`` samples are detected.

    Returns
    -------
    peak : float in [0, 1]

    Raises
    ------
    ValueError
        If ``T`` is out of range or ``x`` is empty, all zero or not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import impulse, nyquist_sine
    >>> from randfb.periodicity import autocorrelation_peak
    >>> autocorrelation_peak(impulse(64), 8)
    0.0
    >>> round(autocorrelation_peak(nyquist_sine(64), 8), 12)   # rho(2) = 1
    1.0
    >>> n = np.arange(1000)
    >>> round(autocorrelation_peak(np.cos(2 * np.pi * n / 50), 64), 12)   # period 50
    1.0
    """
    rho, T = _normalised_autocorrelation(x, T, minimum_T=2)
    crossings = np.flatnonzero(rho[1:] <= 0)
    if crossings.size == 0:
        return 0.0
    start = 1 + int(crossings[0])
    return float(max(0.0, min(1.0, rho[start:].max())))


def spectral_flatness(x, T) -> float:
    """Spectral flatness (Wiener entropy) of ``x`` at a resolution of ``T`` samples.

    The power spectrum is Welch's estimate ``P[k]``, ``k = 0, ..., T - 1``, averaged
    over periodic-Hann windowed segments of ``T`` samples with half overlap, without
    detrending, over all ``T`` (two-sided) frequencies; then

        flatness_T(x) = exp(mean_k log P[k]) / mean_k P[k]   in [0, 1].

    It is 1 for a flat spectrum (an impulse) and close to 0 for a line spectrum (a
    periodic signal); white noise gives a value close to 1. Zero bins are floored at the
    smallest positive double, so a pure line spectrum gives a value near 0.

    Parameters
    ----------
    x : array_like, shape (N,)
        Real signal, not all zero.
    T : int, 2 <= T <= N
        Segment length in samples (the filter length).

    Returns
    -------
    flatness : float in [0, 1]

    Raises
    ------
    ValueError
        If ``T`` is out of range or ``x`` is empty, all zero or not finite.

    Examples
    --------
    >>> from randfb import impulse, nyquist_sine
    >>> from randfb.periodicity import spectral_flatness
    >>> round(spectral_flatness(impulse(64), 8), 12)
    1.0
    >>> spectral_flatness(nyquist_sine(64), 8) < 1e-3
    True
    """
    x = check_signal(x)
    T = check_int(T, "T", minimum=2, maximum=x.size)
    _, power = scipy.signal.welch(
        x,
        window="hann",
        nperseg=T,
        detrend=False,
        return_onesided=False,
        scaling="spectrum",
    )
    power = np.maximum(power, np.finfo(float).tiny)
    mean = power.mean()
    return float(min(1.0, np.exp(np.mean(np.log(power / mean)))))
