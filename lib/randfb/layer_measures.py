"""Measurements of a first layer on a task: its kappa, its input's kappa, how far it moved.

* :func:`bank_kappa`: the condition number ``B / A`` of a bank at stride 1 over the full
  band (:func:`randfb.frame_bounds`), at stride 1 within a band (the extremes of the
  Littlewood-Paley sum over the DFT bins of that band), or at stride ``d``.
* :func:`input_kappa`: ``kappa(Q_T)`` of a set of clips: the condition number of the
  ``T x T`` Toeplitz matrix of their summed circular autocorrelation, which the chapter
  on gradient descent shows sets the rates at which a first layer learns.
* :func:`relative_movement`: ``||W - W0||_F / ||W0||_F``.
* :func:`steps_to_threshold`: the first step at which a loss curve reaches a threshold.

Used by: book/downstream.ipynb.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.fft

from ._validation import check_filters, check_int, check_positive, check_stride
from .energy import symmetric_toeplitz_eigenvalues
from .frames import frame_bounds, kappa_from_bounds, littlewood_paley

__all__ = ["bank_kappa", "input_kappa", "relative_movement", "steps_to_threshold"]


def _band_bins(band, N, sr):
    """DFT bins ``k`` (0..N/2) of ``band``: Hz if ``sr`` is given, else bin indices."""
    try:
        low, high = (float(v) for v in band)
    except (TypeError, ValueError):
        raise TypeError(f"band must be a pair (low, high), got {band!r}") from None
    if sr is None:
        top = N // 2
        if not (0 <= low < high <= top):
            raise ValueError(f"band must be bins with 0 <= low < high <= N // 2 = {top}, "
                             f"got {band!r}")
        k_low, k_high = int(np.ceil(low)), int(np.floor(high))
    else:
        sr = check_positive(sr, "sr")
        if not (0 <= low < high <= sr / 2):
            raise ValueError(f"band must be frequencies in Hz with 0 <= low < high <= "
                             f"sr / 2 = {sr / 2}, got {band!r}")
        k_low, k_high = int(np.ceil(low * N / sr)), int(np.floor(high * N / sr))
    if k_high < k_low:
        raise ValueError(f"band {band!r} holds no DFT bin of an N = {N} grid")
    return k_low, k_high


def bank_kappa(W, *, N, stride=1, band=None, sr=None):
    """Condition number ``kappa = B / A`` of a bank on the ``N``-point grid.

    * ``band=None``: the frame bounds of :func:`randfb.frame_bounds` at ``stride``.
    * ``band=(low, high)`` (stride 1 only): ``max LP[k] / min LP[k]`` over the bins
      ``low <= k <= high`` (or over the frequencies ``low <= k sr / N <= high`` Hz if
      ``sr`` is given), ``LP`` the Littlewood-Paley sum: the conditioning of the layer
      on signals confined to that band.

    ``inf`` where the lower bound is 0.

    Parameters
    ----------
    W : array_like, shape (..., J, T)
    N : int >= T
    stride : int >= 1, dividing N
    band : pair of float, optional
    sr : float > 0, optional
        Sample rate, to give ``band`` in Hz.

    Returns
    -------
    kappa : float or ndarray, shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import bank_kappa
    >>> w = np.array([[1.0, 1.0]])           # LP[k] = 4 cos^2(pi k / N)
    >>> float(bank_kappa(w, N=8)), float(bank_kappa(w, N=8, band=(0, 2)))
    (inf, 2.0)
    """
    N = check_int(N, "N", minimum=1)
    W = check_filters(W, N, name="W")
    stride = check_stride(stride, N)
    if band is None:
        A, B = frame_bounds(W, N, stride)
        out = kappa_from_bounds(A, B)
    else:
        if stride != 1:
            raise ValueError(f"band needs stride = 1 (a band's kappa at stride > 1 mixes "
                             f"aliased bins), got stride = {stride}")
        k_low, k_high = _band_bins(band, N, sr)
        lp = littlewood_paley(W, N)[..., k_low : k_high + 1]
        out = kappa_from_bounds(lp.min(axis=-1), lp.max(axis=-1))
    return float(out) if np.ndim(out) == 0 else out


def input_kappa(x, T):
    """``kappa(Q_T)`` of clips: their summed autocorrelation's ``T x T`` Toeplitz matrix.

    ``Q_T = sum_c toeplitz(R_c(0), ..., R_c(T - 1))`` with ``R_c`` the circular
    autocorrelation of clip ``c`` (:func:`randfb.autocorrelation`), i.e. the sum over
    all frames ``X_n`` of all clips of ``X_n X_n^T``; computed as the inverse FFT of the
    summed power spectra, eigenvalues by :func:`randfb.energy.symmetric_toeplitz_eigenvalues`.
    Scaling the clips does not change it. ``inf`` if ``Q_T`` is singular (its smallest
    eigenvalue below ``1e-12`` times its largest).

    Parameters
    ----------
    x : array_like, shape (n_clips, N) or (N,)
    T : int, 1 <= T <= N

    Returns
    -------
    kappa : float

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import input_kappa, impulse
    >>> input_kappa(impulse(16), 4)         # white: Q_T = I
    1.0
    >>> round(input_kappa(np.array([[1.0, 1.0, 0.0, 0.0]]), 2), 12)   # [[2, 1], [1, 2]]
    3.0
    """
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"x must have shape (n_clips, N) or (N,), got {np.shape(x)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("x must contain only finite values (no NaN or inf)")
    if not np.any(arr):
        raise ValueError("x must not be all zeros")
    N = arr.shape[1]
    T = check_int(T, "T", minimum=1, maximum=N)
    spectrum = scipy.fft.rfft(arr, axis=1)
    power = np.sum(spectrum.real**2 + spectrum.imag**2, axis=0)
    r = scipy.fft.irfft(power, n=N)[:T]
    lam = symmetric_toeplitz_eigenvalues(r)
    if lam[0] <= 1e-12 * lam[-1]:
        return float("inf")
    return float(lam[-1] / lam[0])


def relative_movement(W, W0):
    """``||W - W0||_F / ||W0||_F`` over the last two axes (filters and taps).

    Parameters
    ----------
    W, W0 : array_like, shape (..., J, T), the same shape; ``W0`` not all zero

    Returns
    -------
    movement : float or ndarray, shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import relative_movement
    >>> relative_movement(np.array([[3.0, 4.0]]), np.array([[3.0, 0.0]]))
    1.3333333333333333
    """
    W = check_filters(W, name="W").astype(float)
    W0 = check_filters(W0, name="W0").astype(float)
    if W.shape != W0.shape:
        raise ValueError(f"W must have the shape of W0 {W0.shape}, got {W.shape}")
    norm0 = np.sqrt(np.sum(W0 * W0, axis=(-2, -1)))
    if np.any(norm0 == 0):
        raise ValueError("W0 must not be all zeros (the movement is relative to its norm)")
    out = np.sqrt(np.sum((W - W0) ** 2, axis=(-2, -1))) / norm0
    return float(out) if np.ndim(out) == 0 else out


def steps_to_threshold(loss_curve, threshold, *, window=1):
    """The first step at which a loss curve is ``<= threshold``, or ``None`` if never.

    ``loss_curve[i]`` is the loss after ``i`` updates (:attr:`FrontEnd.loss_curve_`: the
    minibatch loss before update ``i + 1``), so the answer is a number of updates. With
    ``window > 1`` the curve is first smoothed by a trailing moving average over
    ``window`` steps (minibatch losses are noisy); the first ``window - 1`` steps are
    then not tested.

    Parameters
    ----------
    loss_curve : array_like, shape (S,)
    threshold : float
    window : int >= 1, default 1

    Returns
    -------
    step : int or None

    Examples
    --------
    >>> from randfb import steps_to_threshold
    >>> steps_to_threshold([3.0, 2.0, 1.0, 0.5], 1.0), steps_to_threshold([3.0, 2.0], 1.0)
    (2, None)
    >>> steps_to_threshold([3.0, 1.0, 2.0, 0.0], 1.0, window=2)   # means 2, 1.5, 1
    3
    """
    curve = np.asarray(loss_curve, dtype=float)
    if curve.ndim != 1 or curve.size == 0:
        raise ValueError(f"loss_curve must be a non-empty 1-D array, got shape {curve.shape}")
    if not np.all(np.isfinite(curve)):
        raise ValueError("loss_curve must contain only finite values")
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) \
            or not np.isfinite(threshold):
        raise ValueError(f"threshold must be a finite real number, got {threshold!r}")
    window = check_int(window, "window", minimum=1, maximum=curve.size)
    if window > 1:
        smooth = np.convolve(curve, np.ones(window) / window, mode="valid")
        offset = window - 1
    else:
        smooth, offset = curve, 0
    hits = np.flatnonzero(smooth <= threshold)
    return int(hits[0] + offset) if hits.size else None
