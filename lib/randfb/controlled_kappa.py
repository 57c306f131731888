"""Random filterbanks whose condition number is set: a ladder of kappa, all else random.

A Gaussian bank of ``J`` filters of length ``T`` has, at stride 1 on an ``N``-point
grid, a condition number ``kappa = max LP / min LP`` with a floor set by ``J`` and
``T``: at ``J = 32``, ``T = 128``, ``N = 8192`` its median over draws is about 2.7 (10%
and 90% quantiles about 2.3 and 3.1). Per-filter gains cannot move ``kappa`` in a way
the log-energy model of :mod:`randfb.frontend` sees (a gain only shifts a feature by a
constant, which standardisation removes), so both directions below change the *shape*
of the filters' spectra, on one scalar ``s``:

* ``s > 0`` (``kappa`` above the Gaussian floor): a random spectral shape. Each filter
  is ``w_j = sigma C_s^{1/2} g_j`` with ``g_j`` white Gaussian, ``sigma^2 = 1/(J T)``
  and ``C_s`` the circulant covariance on ``T`` taps with power spectrum
  ``S_s(omega_k) = exp(s u(omega_k)) / mean_k exp(s u(omega_k))`` at the ``T`` DFT
  frequencies: ``w_j`` is Gaussian, and ``E ||w_j||^2 = 1 / J`` whatever ``s``. The
  log-spectral shape ``u(omega) = sum_{m=1..3} a_m cos(m omega)``, ``a_m`` i.i.d.
  ``N(0, 1)``, is drawn once per bank and scaled to unit range (``max u - min u = 1``
  on ``[0, pi]``), so the expected Littlewood-Paley sum rises and falls by a factor
  ``e^s`` over a smooth, random profile (a tilt towards low or high frequencies, or a
  bump or a dip) shared by the bank's filters.
* ``-1 <= s < 0`` (below the floor, down to about 1.05): partial whitening of the
  Littlewood-Paley sum. From the white Gaussian bank ``G`` (``s = 0``), ``60`` steps of
  gradient descent on the tightness penalty ``mean_k (LP[k] - 1)^2`` of
  :mod:`randfb.training` (step ``0.1``, on ``2T`` bins, which fix a sum of ``T`` lags)
  give a nearly tight bank ``G*`` (median ``kappa`` about 1.01 at the size above,
  ``||G* - G|| / ||G||`` about 0.12); the bank is ``G + |s| (G* - G)``. It is random
  (a fixed map of a Gaussian draw) but no longer Gaussian.

The strength ``s`` for a target is found once per ``(J, T, N, kappa)`` (cached) by a
root search on the median ``kappa`` over ``128`` calibration banks drawn with a fixed
seed (common random numbers: the median is a continuous function of ``s``). A bank
drawn with that ``s`` has a median ``kappa`` equal to the target up to the calibration
sample's error (a few per cent; the tests allow a factor derived from it).

Used by: book/downstream.ipynb.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.fft
import scipy.optimize

from ._validation import (
    as_generator,
    check_filter_shape,
    check_filters,
    check_int,
    check_positive,
)
from .frames import frame_bounds, kappa_from_bounds
from .training import tightness_penalty_gradient

__all__ = [
    "KAPPA_MAX",
    "KAPPA_MIN",
    "controlled_kappa_filterbank",
    "controlled_kappa_strength",
    "shaped_filterbank",
]

#: Smallest target median kappa the whitening reaches reliably (its end point is ~1.01).
KAPPA_MIN = 1.05
#: Largest target median kappa (a spectral range of about 120 dB on T taps).
KAPPA_MAX = 1e6
#: Cosine terms of the random log-spectral shape u.
SHAPE_TERMS = 3
#: Tightness descent of the whitening direction: steps and step size (on 2T bins).
WHITENING_STEPS, WHITENING_STEP = 60, 0.1
#: Calibration banks and their seed (fixed: the strength for a target is a constant).
CALIBRATION_DRAWS, CALIBRATION_SEED = 128, 20250916


def _draw(gen, J, T, size=()):
    """White Gaussian filters (sigma^2 = 1/(J T)) and shape coefficients, in that order."""
    g = gen.standard_normal((*size, J, T)) / np.sqrt(J * T)
    a = gen.standard_normal((*size, SHAPE_TERMS))
    return g, a


def _unit_shape(a, T):
    """``u`` at the rfft frequencies of ``T`` taps, scaled to unit range on a fine grid."""
    m = np.arange(1, SHAPE_TERMS + 1)
    fine = np.linspace(0.0, np.pi, 512)
    u_fine = np.cos(np.multiply.outer(fine, m)) @ a[..., None]  # (..., 512, 1)
    span = np.ptp(u_fine[..., 0], axis=-1)
    omega = 2 * np.pi * np.arange(T // 2 + 1) / T
    u = (np.cos(np.multiply.outer(omega, m)) @ a[..., None])[..., 0]
    return u / np.where(span > 0, span, 1.0)[..., None]


def shaped_filterbank(g, a, s):
    """``w_j = C_s^{1/2} g_j``: white filters ``g`` given the power spectrum ``S_s``.

    ``S_s = exp(s u) / mean(exp(s u))`` over the ``T`` DFT bins, ``u`` from the shape
    coefficients ``a`` (module docstring); the product is circulant on ``T`` taps.

    Parameters
    ----------
    g : ndarray, shape (..., J, T)
    a : ndarray, shape (..., 3)
    s : float >= 0

    Returns
    -------
    w : ndarray, shape (..., J, T)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.controlled_kappa import shaped_filterbank
    >>> g = np.random.default_rng(0).standard_normal((2, 8))
    >>> bool(np.allclose(shaped_filterbank(g, np.ones(3), 0.0), g))
    True
    """
    g = check_filters(g, name="g").astype(np.float64)
    a = np.asarray(a, dtype=float)
    if a.shape != (*g.shape[:-2], SHAPE_TERMS) or not np.all(np.isfinite(a)):
        raise ValueError(f"a must hold {SHAPE_TERMS} finite shape coefficients per bank, "
                         f"shape {(*g.shape[:-2], SHAPE_TERMS)}, got {a.shape}")
    try:
        s = float(s)
    except (TypeError, ValueError):
        raise TypeError(f"s must be a real number >= 0, got {s!r}") from None
    if not np.isfinite(s) or s < 0:
        raise ValueError(f"s must be a finite number >= 0, got {s}")
    return _shaped(g, a, s)


def _shaped(g, a, s):
    T = g.shape[-1]
    u = _unit_shape(a, T)  # (..., T//2 + 1)
    weights = np.full(T // 2 + 1, 2.0)
    weights[0] = 1.0
    if T % 2 == 0:
        weights[-1] = 1.0
    power = np.exp(s * (u - u.max(axis=-1, keepdims=True)))
    power /= (power @ weights / T)[..., None]  # mean over all T bins = 1
    spectrum = scipy.fft.rfft(g, axis=-1) * np.sqrt(power)[..., None, :]
    return scipy.fft.irfft(spectrum, n=T, axis=-1)


def _whitened(g):
    """``G*``: ``WHITENING_STEPS`` steps of tightness descent from ``g`` (batched)."""
    T = g.shape[-1]
    w = g.copy()
    for _ in range(WHITENING_STEPS):
        w -= WHITENING_STEP * tightness_penalty_gradient(w, 2 * T)
    return w


def _bank(g, a, s, tight=None):
    if s >= 0:
        return _shaped(g, a, s)
    if tight is None:
        tight = _whitened(g)
    return g + (-s) * (tight - g)


def _kappa(w, N):
    A, B = frame_bounds(w, N)
    return kappa_from_bounds(A, B)


def _check_target(J, T, kappa, N):
    J, T = check_filter_shape(J, T)
    N = check_int(N, "N", minimum=T)
    if isinstance(kappa, (str, bytes)):
        raise TypeError(f"kappa must be a real number, got {kappa!r}")
    kappa = check_positive(kappa, "kappa")
    if not KAPPA_MIN <= kappa <= KAPPA_MAX:
        raise ValueError(
            f"kappa must be in [{KAPPA_MIN}, {KAPPA_MAX:g}] (the range this construction "
            f"reaches: its whitening ends near 1.01), got {kappa}")
    if J < 2:
        raise ValueError(f"J must be >= 2 for a controlled kappa (one filter's kappa is "
                         f"its own spectral range), got J = {J}")
    return J, T, kappa, N


@functools.lru_cache(maxsize=128)
def _calibrated_strength(J, T, kappa, N):
    gen = np.random.default_rng(np.random.SeedSequence(CALIBRATION_SEED))
    g, a = _draw(gen, J, T, (CALIBRATION_DRAWS,))
    target = np.log(kappa)

    def gap(s, tight=None):
        return float(np.median(np.log(_kappa(_bank(g, a, s, tight), N)))) - target

    at_zero = gap(0.0)
    if at_zero == 0:
        return 0.0
    if at_zero > 0:  # below the Gaussian floor: whiten
        tight = _whitened(g)
        if gap(-1.0, tight) > 0:
            raise ValueError(
                f"kappa = {kappa} is below what whitening reaches at J = {J}, T = {T}, "
                f"N = {N} (median {np.exp(gap(-1.0, tight) + target):.4g})")
        return scipy.optimize.brentq(gap, -1.0, 0.0, args=(tight,), xtol=1e-6)
    high = max(1.0, target)
    while gap(high) < 0:
        high *= 2
        if high > 1e3:  # pragma: no cover - exp(1000) overflows long before
            raise ValueError(f"kappa = {kappa} is not reached by the spectral shape")
    return scipy.optimize.brentq(gap, 0.0, high, xtol=1e-6)


def controlled_kappa_strength(J, T, kappa, *, N):
    """The strength ``s`` whose banks have median stride-1 ``kappa`` equal to ``kappa``.

    ``s > 0``: a random spectral shape of range ``e^s``; ``s < 0``: whitening by the
    fraction ``|s|``; ``s = 0``: white Gaussian (module docstring). Calibrated on 128
    banks with a fixed seed, cached per arguments.

    Parameters
    ----------
    J, T : int
        Filters (>= 2) and their length.
    kappa : float in [1.05, 1e6]
    N : int >= T
        Grid of the frame bounds.

    Returns
    -------
    s : float

    Examples
    --------
    >>> from randfb.controlled_kappa import controlled_kappa_strength
    >>> controlled_kappa_strength(8, 16, 100.0, N=64) > 0
    True
    >>> controlled_kappa_strength(8, 16, 1.2, N=64) < 0
    True
    """
    J, T, kappa, N = _check_target(J, T, kappa, N)
    return _calibrated_strength(J, T, kappa, N)


def controlled_kappa_filterbank(J, T, kappa, *, N, rng=None):
    """A random ``(J, T)`` bank whose stride-1 ``kappa`` on ``N`` bins has median ``kappa``.

    Draws white Gaussian filters and a random log-spectral shape from ``rng`` (always
    both, in that order, so a seed fixes the draw), then applies the calibrated strength
    of :func:`controlled_kappa_strength`: a spectral shape above the Gaussian floor,
    partial whitening below it (module docstring). The bank's own ``kappa`` varies
    around the median; measure it with :func:`randfb.bank_kappa`.

    Parameters
    ----------
    J : int >= 2
    T : int >= 1
    kappa : float in [1.05, 1e6]
        Target median condition number at stride 1.
    N : int >= T
        Number of DFT bins (the clip length).
    rng : int, numpy SeedSequence, Generator or None

    Returns
    -------
    w : ndarray, shape (J, T)

    Raises
    ------
    ValueError
        For ``kappa`` outside ``[1.05, 1e6]`` (naming the range), or below what the
        whitening reaches at this size.

    Examples
    --------
    >>> from randfb import controlled_kappa_filterbank, condition_number
    >>> w = controlled_kappa_filterbank(8, 16, 100.0, N=64, rng=0)
    >>> w.shape, 20 < float(condition_number(w, 64)) < 500
    ((8, 16), True)
    """
    J, T, kappa, N = _check_target(J, T, kappa, N)
    s = _calibrated_strength(J, T, kappa, N)
    g, a = _draw(as_generator(rng), J, T)
    return _bank(g, a, s)
