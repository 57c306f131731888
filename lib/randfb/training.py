"""Fitting the first layer to a target filterbank by gradient descent, in closed form.

Setting (stride 1, circular convolution, a signal ``x`` of length ``N``). Output sample
``n`` of filter ``j`` is ``(Phi x)[n, j] = w_j . X_n`` with the frame
``X_n[t] = x[(n - t) mod N]``, ``t < T``. The squared error to a target bank ``Psi`` is

    L(W) = 1/2 ||Phi x - Psi x||^2 = 1/2 sum_n sum_j ((w_j - psi_j) . X_n)^2
         = 1/2 sum_j (w_j - psi_j)^T Q_T (w_j - psi_j),

because ``sum_n X_n X_n^T = Q_T``, the ``T x T`` Toeplitz matrix of the circular
autocorrelation ``r(tau) = R_xx(tau)`` (:func:`randfb.autocorrelation_matrix`). With the
error ``E = W - Psi`` (rows are filters) the gradient is ``E Q_T``, so gradient descent
with step ``eta`` is ``E(t+1) = E(t) (I - eta Q_T)``, i.e.

    W(t) = Psi + (W(0) - Psi) U diag((1 - eta lambda_k)^t) U^T,   Q_T = U diag(lambda) U^T.

This module evaluates that closed form (one eigendecomposition, whatever the number of
steps), the loss and distance along it, its preconditioned variant, stochastic gradient
descent on mini-batches of frames ``X_n``, and the tightness penalty
``beta mean_k (LP[k] - 1)^2`` with its gradient by FFT.

Used by: book/gradient_descent.ipynb.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import scipy.fft
import scipy.linalg

from ._threads import single_thread
from ._validation import (
    as_generator,
    check_filters,
    check_int,
    check_nonnegative,
    check_positive,
    check_signal,
)
from .energy import autocorrelation, symmetric_toeplitz_eigenvalues
from .frames import littlewood_paley

__all__ = [
    "DescentCurves",
    "autocorrelation_eigensystem",
    "best_fixed_step",
    "descent_curves",
    "filterbank_fit_loss",
    "gradient_descent_filters",
    "penalised_descent_filters",
    "preconditioned_descent_filters",
    "sgd_filters",
    "signal_autocorrelation",
    "tightness_penalty",
    "tightness_penalty_gradient",
    "white_noise_autocorrelation",
]

#: Relative size of a negative eigenvalue of Q_T still taken as rounding (then set to 0).
PSD_TOLERANCE = 1e-10


@dataclass(frozen=True)
class DescentCurves:
    """Loss and distance to the target along gradient descent.

    Attributes
    ----------
    steps : ndarray of int, shape (S,)
    loss : ndarray, shape (S,)
        ``L(W(t)) = 1/2 sum_j e_j^T Q_T e_j``.
    distance : ndarray, shape (S,)
        ``||W(t) - Psi||_F``.
    """

    steps: np.ndarray
    loss: np.ndarray
    distance: np.ndarray


def _check_autocorrelation(r, T):
    """``r`` as a float 1-D array with at least ``T`` lags."""
    r = check_signal(r, "r")
    if r.size < T:
        raise ValueError(f"r must hold at least T = {T} lags (0..T-1), got {r.size}")
    return r[:T]


def _toeplitz_eigenvalues(r, T):
    """Ascending eigenvalues of ``Q_T`` (no eigenvectors), checked as below."""
    T = check_int(T, "T", minimum=1)
    lam = symmetric_toeplitz_eigenvalues(_check_autocorrelation(r, T))
    return _check_spectrum(lam)


def _check_spectrum(lam):
    top = lam[-1]
    if top <= 0 or lam[0] < -PSD_TOLERANCE * top:
        raise ValueError(
            "r must be an autocorrelation (Q_T positive semidefinite and nonzero); its "
            f"Toeplitz matrix has eigenvalues from {lam[0]:.3g} to {top:.3g}")
    return np.clip(lam, 0.0, None)


def autocorrelation_eigensystem(r, T):
    """Eigenvalues (ascending) and eigenvectors of ``Q_T = toeplitz(r[0], ..., r[T-1])``.

    Parameters
    ----------
    r : array_like, shape (>= T,)
        Autocorrelation at lags ``0, 1, ...``; only lags ``0..T-1`` are used.
    T : int, >= 1

    Returns
    -------
    lam : ndarray, shape (T,), ascending, >= 0
    U : ndarray, shape (T, T), orthogonal; ``Q_T = U diag(lam) U^T``

    Raises
    ------
    ValueError
        If ``Q_T`` is not positive semidefinite (an eigenvalue below
        ``-1e-10 lambda_max``) or is zero: ``r`` is then no autocorrelation.

    Examples
    --------
    >>> from randfb.training import autocorrelation_eigensystem
    >>> lam, U = autocorrelation_eigensystem([2.0, 1.0], 2)
    >>> lam.tolist()
    [1.0, 3.0]
    """
    T = check_int(T, "T", minimum=1)
    r = _check_autocorrelation(r, T)
    lam, U = scipy.linalg.eigh(scipy.linalg.toeplitz(r))
    return _check_spectrum(lam), U


def best_fixed_step(r, T):
    """Best constant step ``eta* = 2 / (lambda_min + lambda_max)`` and its rate.

    With ``eta*`` the slowest error direction shrinks per step by
    ``max_k |1 - eta* lambda_k| = (kappa - 1) / (kappa + 1)``, ``kappa = lambda_max /
    lambda_min`` the condition number of ``Q_T``; no other constant step does better.

    Parameters
    ----------
    r : array_like, shape (>= T,)
    T : int, >= 1

    Returns
    -------
    eta : float
    rate : float in [0, 1]
    kappa : float (inf when ``Q_T`` is singular)

    Examples
    --------
    >>> from randfb.training import best_fixed_step
    >>> best_fixed_step([2.0, 1.0], 2)
    (0.5, 0.5, 3.0)
    """
    lam = _toeplitz_eigenvalues(r, T)
    low, high = float(lam[0]), float(lam[-1])
    kappa = high / low if low > 0 else np.inf
    rate = (kappa - 1) / (kappa + 1) if np.isfinite(kappa) else 1.0
    return 2.0 / (low + high), float(rate), float(kappa)


def _check_pair(w0, target, batch=False):
    w0 = check_filters(w0, name="w0").astype(np.float64)
    target = check_filters(target, name="target").astype(np.float64)
    if w0.ndim != 2 and not batch:
        raise ValueError(f"w0 must have shape (J, T), got {w0.shape}")
    if target.shape != w0.shape[-2:]:
        raise ValueError(
            f"target must have the shape (J, T) = {w0.shape[-2:]} of w0, got {target.shape}")
    return w0, target


def _check_steps(steps):
    """``steps`` as a 1-D int array (and whether a scalar was given)."""
    scalar = np.ndim(steps) == 0
    if scalar:
        if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
            raise TypeError(f"steps must be an int >= 0 or a 1-D array of them, got {steps!r}")
    arr = np.atleast_1d(np.asarray(steps))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"steps must be an int or a non-empty 1-D array, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"steps must hold integers, got dtype {arr.dtype}")
    if np.any(arr < 0):
        raise ValueError(f"steps must be >= 0, got {arr.min()}")
    return arr.astype(np.int64), scalar


def _check_eta(eta, default):
    return default if eta is None else check_positive(eta, "eta")


def _trajectory(w0, U, factor, steps, target):
    """``target + (w0 - target) U diag(factor^t) U^T`` for every ``t`` in ``steps``.

    At ``t = 0`` the product ``U U^T`` is the identity only up to rounding, so the
    formula would return ``w0`` with errors of order ``1e-16 max|w0 - target|``; those
    rows are set to ``w0`` itself (a zero start stays exactly zero, so its frame bounds
    are exactly 0 rather than rounding noise).
    """
    coefficients = (w0 - target) @ U  # (J, T): the error in the eigenbasis
    powers = np.power.outer(factor, steps).T  # (S, T); float64 ** int keeps the sign
    out = target + (coefficients[None] * powers[:, None, :]) @ U.T
    out[steps == 0] = w0
    return out


def gradient_descent_filters(r, w0, target, steps, *, eta=None):
    """Filters after ``t`` steps of gradient descent on ``L(W) = 1/2 sum_j e_j^T Q_T e_j``.

    Closed form (module docstring): with ``Q_T = U diag(lambda) U^T``,

        W(t) = Psi + (W(0) - Psi) U diag((1 - eta lambda_k)^t) U^T,

    the same as iterating ``W <- W - eta (W - Psi) Q_T`` ``t`` times (up to rounding). It
    costs one eigendecomposition of ``Q_T`` (``O(T^3)``) and ``O(J T^2)`` per requested
    step count, independent of the step counts themselves. For ``eta < 2 / lambda_max``
    every factor has ``|1 - eta lambda_k| < 1`` where ``lambda_k > 0``, and the loss does
    not increase; for ``eta > 2 / lambda_max`` the descent diverges.

    Parameters
    ----------
    r : array_like, shape (>= T,)
        Autocorrelation of the training signal at lags ``0..T-1`` (more are ignored), e.g.
        :func:`randfb.autocorrelation` of a recording.
    w0 : array_like, shape (J, T)
        Initial filters ``W(0)``.
    target : array_like, shape (J, T)
        Target filters ``Psi``.
    steps : int >= 0, or 1-D array of int >= 0
        Numbers of steps ``t``.
    eta : float > 0, optional
        Step size; default ``1 / lambda_max(Q_T)``.

    Returns
    -------
    W : ndarray, shape (len(steps), J, T), or (J, T) for an int ``steps``
        At ``t = 0`` this is ``w0`` exactly (not the formula's rounding of it).

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.training import gradient_descent_filters
    >>> r = np.array([1.0, 0.5, 0.0])
    >>> w = gradient_descent_filters(r, np.zeros((1, 3)), np.ones((1, 3)), [0, 1, 1000])
    >>> w.shape, bool(np.allclose(w[-1], 1.0))
    ((3, 1, 3), True)
    >>> w1 = np.zeros((1, 3)) - (np.zeros((1, 3)) - 1.0) @ np.array(
    ...     [[1.0, 0.5, 0.0], [0.5, 1.0, 0.5], [0.0, 0.5, 1.0]]) / (1 + np.sqrt(0.5))
    >>> bool(np.allclose(w[1], w1))     # one step with eta = 1 / lambda_max
    True
    """
    w0, target = _check_pair(w0, target)
    steps, scalar = _check_steps(steps)
    lam, U = autocorrelation_eigensystem(r, w0.shape[1])
    eta = _check_eta(eta, 1.0 / lam[-1])
    out = _trajectory(w0, U, 1.0 - eta * lam, steps, target)
    return out[0] if scalar else out


def preconditioned_descent_filters(r, w0, target, steps, *, damping, eta=1.0):
    """Gradient descent preconditioned by ``(Q_T + epsilon I)^{-1}``, in closed form.

    The update ``W <- W - eta (W - Psi) Q_T (Q_T + epsilon I)^{-1}`` (whitening the
    gradient by the data's own autocorrelation) has the same eigenvectors as plain
    descent and the factors ``1 - eta lambda_k / (lambda_k + epsilon)``, so

        W(t) = Psi + (W(0) - Psi) U diag((1 - eta lambda_k / (lambda_k + epsilon))^t) U^T.

    With ``eta = 1`` each direction shrinks by ``epsilon / (lambda_k + epsilon)``: every
    direction with ``lambda_k >> epsilon`` converges at once, whatever ``kappa(Q_T)``;
    ``epsilon = 0`` (allowed when ``Q_T`` is invertible) converges in one step.

    Parameters
    ----------
    r, w0, target, steps
        As in :func:`gradient_descent_filters`.
    damping : float >= 0
        ``epsilon``, in units of the mean eigenvalue ``r[0] = tr(Q_T) / T``.
    eta : float in (0, 2), default 1

    Returns
    -------
    W : ndarray, shape (len(steps), J, T), or (J, T) for an int ``steps``
        At ``t = 0`` this is ``w0`` exactly (not the formula's rounding of it).

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.training import preconditioned_descent_filters
    >>> w = preconditioned_descent_filters([1.0, 0.5], np.zeros((2, 2)), np.ones((2, 2)),
    ...                                    1, damping=0.0)
    >>> bool(np.allclose(w, 1.0))
    True
    """
    w0, target = _check_pair(w0, target)
    steps, scalar = _check_steps(steps)
    lam, U = autocorrelation_eigensystem(r, w0.shape[1])
    damping = _check_damping(damping)
    eta = check_positive(eta, "eta")
    if eta >= 2:
        raise ValueError(f"eta must be in (0, 2) for preconditioned descent, got {eta}")
    epsilon = damping * float(np.mean(lam))
    if epsilon == 0 and lam[0] == 0:
        raise ValueError("damping must be > 0 when Q_T is singular")
    out = _trajectory(w0, U, 1.0 - eta * lam / (lam + epsilon), steps, target)
    return out[0] if scalar else out


def _check_damping(damping):
    return check_nonnegative(damping, "damping")


def descent_curves(r, w0, target, steps, *, eta=None, damping=None) -> DescentCurves:
    """Loss and distance to the target along (preconditioned) gradient descent.

    In the eigenbasis of ``Q_T``, with ``c_{jk} = (w_j(0) - psi_j) . u_k`` and the
    per-step factors ``f_k`` (``1 - eta lambda_k``, or ``1 - eta lambda_k / (lambda_k +
    epsilon)`` with ``damping``),

        L(t) = 1/2 sum_k lambda_k f_k^{2t} sum_j c_{jk}^2,
        ||W(t) - Psi||_F^2 = sum_k f_k^{2t} sum_j c_{jk}^2,

    at a cost of ``O(T)`` per step count after one eigendecomposition.

    Parameters
    ----------
    r, target, steps, eta
        As in :func:`gradient_descent_filters` (``eta`` defaults to 1 with ``damping``).
    w0 : array_like, shape (..., J, T)
        Initial filters; leading axes are a batch of starts (one eigendecomposition).
    damping : float >= 0, optional
        Use the preconditioned descent of :func:`preconditioned_descent_filters`, with
        the same curves as its filters; ``damping = 0`` is refused when ``Q_T`` is
        singular, as there (the preconditioner ``Q_T^{-1}`` does not exist).

    Returns
    -------
    DescentCurves
        ``loss`` and ``distance`` of shape ``(..., S)``.

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.training import descent_curves
    >>> c = descent_curves([1.0, 0.0], np.zeros((1, 2)), np.ones((1, 2)), [0, 1])
    >>> c.loss.tolist(), c.distance.round(6).tolist()    # white: one step
    ([1.0, 0.0], [1.414214, 0.0])
    """
    w0, target = _check_pair(w0, target, batch=True)
    steps, _ = _check_steps(steps)
    lam, U = autocorrelation_eigensystem(r, w0.shape[-1])
    if damping is None:
        eta = _check_eta(eta, 1.0 / lam[-1])
        factor = 1.0 - eta * lam
    else:
        damping = _check_damping(damping)
        eta = _check_eta(eta, 1.0)
        epsilon = damping * float(np.mean(lam))
        if epsilon == 0 and lam[0] == 0:  # as preconditioned_descent_filters
            raise ValueError("damping must be > 0 when Q_T is singular")
        factor = 1.0 - eta * lam / (lam + epsilon) if epsilon > 0 else 1.0 - eta * (lam > 0)
    energy = np.sum(((w0 - target) @ U) ** 2, axis=-2)  # (..., T)
    powers = np.power.outer(factor, 2 * steps)  # (T, S)
    return DescentCurves(steps=steps, loss=0.5 * (lam * energy) @ powers,
                         distance=np.sqrt(energy @ powers))


def filterbank_fit_loss(r, w, target):
    """``L(W) = 1/2 sum_j (w_j - psi_j)^T Q_T (w_j - psi_j)`` for a batch of filterbanks.

    Parameters
    ----------
    r : array_like, shape (>= T,)
    w : array_like, shape (..., J, T)
    target : array_like, shape (J, T)

    Returns
    -------
    loss : ndarray, shape (...)

    Notes
    -----
    ``r`` is not checked for positive semidefiniteness (that would cost an
    eigendecomposition per call): the quadratic form is evaluated as given, and it is a
    loss (``>= 0``) only when ``r`` is an autocorrelation.

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.training import filterbank_fit_loss
    >>> float(filterbank_fit_loss([1.0, 0.5], np.array([[1.0, 1.0]]), np.zeros((1, 2))))
    1.5
    """
    w = check_filters(w, name="w").astype(np.float64)
    target = check_filters(target, name="target").astype(np.float64)
    if target.shape != w.shape[-2:]:
        raise ValueError(f"target must have shape {w.shape[-2:]}, got {target.shape}")
    Q = scipy.linalg.toeplitz(_check_autocorrelation(r, w.shape[-1]))
    error = w - target
    return 0.5 * np.sum((error @ Q) * error, axis=(-2, -1))


def sgd_filters(x, w0, target, steps, *, eta, batch_size, n_runs, rng=None):
    """Stochastic gradient descent on mini-batches of frames of a signal, ``n_runs`` at once.

    At each step every run draws ``batch_size`` positions ``n`` uniformly from ``0..N-1``
    (with replacement, independently across runs and steps), forms the frames
    ``X_n[t] = x[(n - t) mod N]`` and takes the step

        W <- W - eta (N / B) sum_{n in batch} (W - Psi) X_n X_n^T,

    an unbiased estimate of the full gradient ``(W - Psi) Q_T`` because
    ``sum_n X_n X_n^T = Q_T``. The batch matrix is independent of the current ``W``, so
    ``E[W(t)] - Psi = (W(0) - Psi)(I - eta Q_T)^t``: the mean trajectory is exactly the
    closed form of :func:`gradient_descent_filters`. The loop runs over steps only;
    runs, filters and frames are vectorised.

    Parameters
    ----------
    x : array_like, shape (N,)
        Training signal.
    w0, target : array_like, shape (J, T), T <= N
    steps : 1-D array of int >= 0
        Step counts at which the filters are recorded (sorted internally).
    eta : float > 0
    batch_size : int >= 1
        Frames per step, ``B``.
    n_runs : int >= 1
        Independent runs.
    rng : int, numpy.random.Generator or None

    Returns
    -------
    W : ndarray, shape (len(steps), n_runs, J, T), in the order of the sorted ``steps``

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import impulse
    >>> from randfb.training import sgd_filters
    >>> w = sgd_filters(impulse(8), np.zeros((1, 2)), np.ones((1, 2)), [0, 3], eta=0.1,
    ...                 batch_size=4, n_runs=5, rng=0)
    >>> w.shape
    (2, 5, 1, 2)
    """
    x = check_signal(x)
    w0, target = _check_pair(w0, target)
    N, (J, T) = x.size, w0.shape
    if T > N:
        raise ValueError(f"filter length T = {T} must be <= N = {N} (length of x)")
    steps, _ = _check_steps(steps)
    steps = np.sort(steps)
    eta = check_positive(eta, "eta")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    n_runs = check_int(n_runs, "n_runs", minimum=1)
    gen = as_generator(rng)
    error = np.broadcast_to(w0 - target, (n_runs, J, T)).copy()
    out = np.empty((steps.size, n_runs, J, T))
    # X_n[t] = x[(n - t) mod N] = y[N - 1 - n + t] with y[m] = x[(N - 1 - m) mod N]: every
    # frame is a contiguous window of y (no index arithmetic in the loop)
    y = x[(N - 1 - np.arange(N + T - 1)) % N]
    windows = np.lib.stride_tricks.sliding_window_view(y, T)  # (N, T), windows[m]
    scale = eta * N / batch_size
    done = 0
    with single_thread():  # small matrix products: threads cost more than they give
        for i, stop in enumerate(steps):
            for _ in range(stop - done):
                n = gen.integers(0, N, size=(n_runs, batch_size))
                frames = windows[N - 1 - n]  # (runs, B, T): the frames X_n
                outputs = error @ frames.transpose(0, 2, 1)  # (runs, J, B)
                error -= scale * (outputs @ frames)
            done = stop
            out[i] = target + error
    return out


def _check_bins(n_bins, T):
    n_bins = check_int(n_bins, "n_bins", minimum=1)
    if n_bins < T:
        raise ValueError(f"n_bins must be >= T = {T}, got {n_bins}")
    return n_bins


def tightness_penalty(w, n_bins):
    """Mean squared deviation of the Littlewood-Paley sum from 1, ``mean_k (LP[k] - 1)^2``.

    ``LP[k] = sum_j |w_hat_j[k]|^2`` over the ``n_bins`` DFT bins (zero-padded filters).
    It is 0 exactly for a tight frame with bound 1 (``A = B = 1``, ``kappa = 1``). The
    chapter's regulariser is ``beta`` times it (the family of Haider et al., "Hold me
    tight", Interspeech 2024): the sum over bins normalised by their number, so that
    ``beta`` does not depend on ``n_bins``.

    Parameters
    ----------
    w : array_like, shape (..., J, T)
    n_bins : int >= T

    Returns
    -------
    penalty : ndarray, shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.training import tightness_penalty
    >>> float(tightness_penalty(np.eye(4)[:1], 8))   # a Dirac: LP = 1 everywhere
    0.0
    """
    w = check_filters(w, name="w").astype(np.float64)
    n_bins = _check_bins(n_bins, w.shape[-1])
    lp = littlewood_paley(w, n_bins)  # bins 0..n_bins // 2
    weight = np.full(lp.shape[-1], 2.0)
    weight[0] = 1.0
    if n_bins % 2 == 0:
        weight[-1] = 1.0
    return np.sum(weight * (lp - 1.0) ** 2, axis=-1) / n_bins


def _penalty_gradient(w, n_bins):
    spectrum = scipy.fft.rfft(w, n=n_bins, axis=-1)
    lp = np.sum(spectrum.real**2 + spectrum.imag**2, axis=-2, keepdims=True)
    return 4.0 * scipy.fft.irfft((lp - 1.0) * spectrum, n=n_bins, axis=-1)[..., : w.shape[-1]]


def penalty_and_gradient(w, n_bins):
    """:func:`tightness_penalty` and :func:`tightness_penalty_gradient` of one bank, at once.

    The gradient ``4 IDFT_M(g w_hat_j)[t]`` is a circular convolution of ``w_j`` with
    ``c = IDFT_M(g)``, ``g[k] = LP[k] - 1`` (real and even), so for ``t < T``

        d/d w_j[t] = 4 sum_{s < T} w_j[s] c[(t - s) mod M],

    one product of the bank with a ``T x T`` Toeplitz matrix. Cost: the ``J`` forward
    FFTs the penalty needs anyway and one inverse FFT, instead of ``J`` more
    (:func:`tightness_penalty_gradient`); the model of :mod:`randfb.frontend` calls it
    at every step.

    Parameters
    ----------
    w : ndarray, shape (J, T), float64 (not checked: a private fast path)
    n_bins : int >= T

    Returns
    -------
    penalty : float
    gradient : ndarray, shape (J, T)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.training import penalty_and_gradient, tightness_penalty_gradient
    >>> w = np.array([[0.6, 0.3, -0.2], [0.1, -0.4, 0.2]])
    >>> p, g = penalty_and_gradient(w, 8)
    >>> bool(np.allclose(g, tightness_penalty_gradient(w, 8)))
    True
    """
    T = w.shape[-1]
    spectrum = scipy.fft.rfft(w, n=n_bins, axis=-1)
    g = np.sum(spectrum.real**2 + spectrum.imag**2, axis=0) - 1.0  # LP - 1, (bins,)
    weight = np.full(g.shape[-1], 2.0)
    weight[0] = 1.0
    if n_bins % 2 == 0:
        weight[-1] = 1.0
    penalty = float(np.sum(weight * g**2) / n_bins)
    c = scipy.fft.irfft(g, n=n_bins)
    lags = (np.arange(T)[None, :] - np.arange(T)[:, None]) % n_bins  # [s, t]: t - s
    return penalty, 4.0 * (w @ c[lags])


def tightness_penalty_gradient(w, n_bins):
    """Gradient of :func:`tightness_penalty` with respect to the filter taps, by FFT.

    With ``g[k] = LP[k] - 1`` and ``w_hat_j = DFT_{n_bins}(w_j)``,
    ``d LP[k] / d w_j[t] = 2 Re(conj(w_hat_j[k]) e^{-2 pi i k t / M})`` (``M = n_bins``), so

        d/d w_j[t] (1/M) sum_k g[k]^2 = (4/M) sum_k g[k] Re(w_hat_j[k] e^{2 pi i k t / M})
                                     = 4 IDFT_M(g w_hat_j)[t],   t < T,

    real because ``g`` is real and even. Cost: two FFTs of length ``M`` per filter.

    Parameters
    ----------
    w : array_like, shape (..., J, T)
    n_bins : int >= T

    Returns
    -------
    gradient : ndarray, shape (..., J, T)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.training import tightness_penalty, tightness_penalty_gradient
    >>> w = np.array([[0.6, 0.3, -0.2]])
    >>> h = 1e-6 * np.array([[0.0, 1.0, 0.0]])
    >>> numeric = (tightness_penalty(w + h, 8) - tightness_penalty(w - h, 8)) / 2e-6
    >>> bool(np.isclose(numeric, tightness_penalty_gradient(w, 8)[0, 1]))
    True
    """
    w = check_filters(w, name="w").astype(np.float64)
    n_bins = _check_bins(n_bins, w.shape[-1])
    return _penalty_gradient(w, n_bins)


def penalised_descent_filters(r, w0, target, steps, *, beta, n_bins, eta):
    """Gradient descent on ``L(W) + beta mean_k (LP[k] - 1)^2`` for several ``beta`` at once.

    The update is ``W <- W - eta ((W - Psi) Q_T + beta grad P(W))`` with ``grad P`` from
    :func:`tightness_penalty_gradient`; there is no closed form, so it loops over steps
    (vectorised over ``beta`` and filters). ``beta = 0`` is plain descent. A safe step is
    ``eta <= 1 / (lambda_max(Q_T) + 8 beta B)`` with ``B`` the upper frame bound along
    the way (``8 B`` bounds the penalty's curvature near a tight frame).

    Parameters
    ----------
    r, w0, target
        As in :func:`gradient_descent_filters`.
    steps : 1-D array of int >= 0
        Step counts at which the filters are recorded (sorted internally).
    beta : array_like of finite float >= 0, shape (P,)
    n_bins : int >= T
        DFT bins of the penalty.
    eta : float > 0, or array_like of them, shape (P,)
        Step size, one for all ``beta`` or one each (finite, > 0: ``eta = 0`` would
        return ``W(0)`` at every step).

    Raises
    ------
    ValueError
        If ``r`` is no autocorrelation (``Q_T`` not positive semidefinite, or zero: the
        data term would be unbounded below and the descent diverge), a ``beta`` is
        negative or not finite, an ``eta`` is not a finite number > 0 or ``eta`` has
        neither one entry nor one per ``beta``, or as in
        :func:`gradient_descent_filters`.

    Returns
    -------
    W : ndarray, shape (len(steps), P, J, T)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.training import penalised_descent_filters, gradient_descent_filters
    >>> r, w0, psi = [1.0, 0.3], np.zeros((1, 2)), np.ones((1, 2))
    >>> w = penalised_descent_filters(r, w0, psi, [5], beta=[0.0, 1.0], n_bins=4, eta=0.1)
    >>> bool(np.allclose(w[0, 0], gradient_descent_filters(r, w0, psi, 5, eta=0.1)))
    True
    """
    w0, target = _check_pair(w0, target)
    T = w0.shape[1]
    _toeplitz_eigenvalues(r, T)  # r must be an autocorrelation: Q_T PSD and nonzero
    Q = scipy.linalg.toeplitz(_check_autocorrelation(r, T))
    steps, _ = _check_steps(steps)
    steps = np.sort(steps)
    beta = np.atleast_1d(np.asarray(beta, dtype=float))
    if beta.ndim != 1 or not np.all(np.isfinite(beta)) or np.any(beta < 0):
        raise ValueError(f"beta must be a 1-D array of finite numbers >= 0, got {beta!r}")
    n_bins = _check_bins(n_bins, T)
    eta = np.asarray(eta, dtype=float)
    if eta.ndim > 1 or (eta.ndim == 1 and eta.shape != beta.shape):
        raise ValueError(f"eta must be a number or one per beta ({beta.size}), got shape "
                         f"{eta.shape}")
    eta = np.broadcast_to(eta, beta.shape)
    if not np.all(np.isfinite(eta)) or np.any(eta <= 0):
        raise ValueError(f"eta must be a number > 0 or one per beta, got {eta!r}")
    w = np.broadcast_to(w0, (beta.size, *w0.shape)).copy()
    out = np.empty((steps.size, beta.size, *w0.shape))
    J = w0.shape[0]
    eta_rows, beta_rows = eta[:, None, None], beta[:, None, None]
    done = 0
    with single_thread():  # small matrix products: threads cost more than they give
        for i, stop in enumerate(steps):
            for _ in range(stop - done):
                data = ((w - target).reshape(-1, T) @ Q).reshape(beta.size, J, T)
                w -= eta_rows * (data + beta_rows * _penalty_gradient(w, n_bins))
            done = stop
            out[i] = w
    return out


def white_noise_autocorrelation(T):
    """Autocorrelation of unit-variance white noise at lags ``0..T-1``: ``(1, 0, ..., 0)``.

    Examples
    --------
    >>> from randfb.training import white_noise_autocorrelation
    >>> white_noise_autocorrelation(3).tolist()
    [1.0, 0.0, 0.0]
    """
    T = check_int(T, "T", minimum=1)
    r = np.zeros(T)
    r[0] = 1.0
    return r


def signal_autocorrelation(x, T):
    """Circular autocorrelation of ``x`` at lags ``0..T-1`` (:func:`randfb.autocorrelation`).

    Examples
    --------
    >>> from randfb.training import signal_autocorrelation
    >>> signal_autocorrelation([1.0, 2.0, 0.0], 2).round(12).tolist()
    [5.0, 2.0]
    """
    x = check_signal(x)
    T = check_int(T, "T", minimum=1, maximum=x.size)
    return autocorrelation(x)[:T]
