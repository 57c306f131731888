"""Optimal frame bounds and condition numbers of circular filterbanks.

The frame bounds of ``Phi`` are the best constants in
``A ||x||^2 <= ||Phi x||^2 <= B ||x||^2`` for all ``x``: the extreme eigenvalues of the
frame operator ``Phi^T Phi``.

* Stride 1: ``Phi^T Phi`` is a circulant, diagonal in the DFT, with eigenvalues the
  Littlewood-Paley sum ``LP[k] = sum_j |w_hat_j[k]|^2`` at the ``N`` DFT bins, so
  ``A = min_k LP[k]`` and ``B = max_k LP[k]``. For ``T << N`` these extremes are found
  without the ``N``-point transform (:mod:`randfb.lp_extremes`).
* Stride ``d`` dividing ``N``: ``Phi^T Phi`` commutes with shifts by ``d``; in the DFT it
  couples the ``d`` aliased bins ``m, m + N/d, ..., m + (d-1) N/d``, giving one ``d x d``
  Hermitian *polyphase matrix* per ``m = 0..N/d - 1``:
  ``P(m)[r, s] = (1/d) sum_j conj(w_hat_j[m + r N/d]) w_hat_j[m + s N/d]``;
  ``A`` and ``B`` are the extreme eigenvalues over all ``m``.

The condition number is ``kappa = B / A``. Used by the chapters on frame bounds,
condition numbers and strided filterbanks.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from ._validation import check_filter_shape, check_filters, check_int, check_stride
from .lp_extremes import lag_sums, lp_extremes_from_lags, use_fine_grid


def littlewood_paley(w, N) -> np.ndarray:
    """Littlewood-Paley sum ``LP[k] = sum_j |w_hat_j[k]|^2`` at the DFT bins ``k = 0..N/2``.

    ``w_hat_j`` is the length-``N`` DFT of filter ``j`` zero-padded to ``N``. Real filters give
    ``LP[N - k] = LP[k]``, so the bins ``0..N // 2`` hold every value. When ``2T - 1 < N``
    the sum is computed as the DFT of the summed filter autocorrelation (length ``2T - 1``),
    which costs FFTs of length about ``2T`` instead of ``N``.

    Parameters
    ----------
    w : array_like, shape (..., J, T)
        Filters (float32 is kept as float32).
    N : int, >= T
        Signal length (number of DFT bins).

    Returns
    -------
    lp : ndarray, shape (..., N // 2 + 1)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import littlewood_paley
    >>> littlewood_paley(np.array([[1.0, 1.0]]), 4).round(12)   # |1 + e^{-i pi k/2}|^2
    array([4., 2., 0.])
    """
    N = check_int(N, "N", minimum=1)
    w = check_filters(w, N)
    return _littlewood_paley(w, N)


def _lp_fft_length(T, N):
    """FFT length of the filter spectra: about ``2T`` if that is shorter than ``N``, else ``N``."""
    M = scipy.fft.next_fast_len(2 * T - 1, real=True)
    return M if M < N else N


def _lp_from_power(power, length, T, N):
    """Littlewood-Paley sum on bins ``0..N/2`` from summed power spectra of length ``length``.

    With ``length == N`` the power spectra are the sum already. Otherwise (``length >= 2T - 1``)
    their inverse FFT holds lags ``0..T-1`` of the summed linear autocorrelation, which is
    placed circularly (symmetric) on ``N`` points and transformed once more.
    """
    if length == N:
        return power
    r = scipy.fft.irfft(power, n=length, axis=-1)
    circular = np.zeros((*r.shape[:-1], N), dtype=r.dtype)
    circular[..., :T] = r[..., :T]
    circular[..., N - T + 1 :] = r[..., 1:T][..., ::-1]
    # Rounding can leave values a few ulps below zero where the true sum vanishes.
    return np.clip(scipy.fft.rfft(circular, axis=-1).real, 0.0, None)


def _littlewood_paley(w, N):
    T = w.shape[-1]
    length = _lp_fft_length(T, N)
    spectrum = scipy.fft.rfft(w, n=length, axis=-1)
    power = (spectrum.real**2 + spectrum.imag**2).sum(axis=-2)
    return _lp_from_power(power, length, T, N)


def polyphase_matrices(w, N, stride) -> np.ndarray:
    """The ``d x d`` polyphase matrices of a stride-``d`` filterbank, one per frequency.

    ``P(m)[r, s] = (1/d) sum_j conj(w_hat_j[m + r N/d]) w_hat_j[m + s N/d]`` for
    ``m = 0..N/d - 1``; ``||Phi x||^2 = (1/N) sum_m X_m^H P(m) X_m`` with
    ``X_m = (x_hat[m + r N/d])_r``, so the frame operator is unitarily equivalent to
    the block-diagonal matrix of the ``P(m)``.

    Parameters
    ----------
    w : array_like, shape (..., J, T)
    N : int, >= T
    stride : int, >= 1, dividing N

    Returns
    -------
    P : ndarray, shape (..., N // stride, stride, stride), complex Hermitian

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import polyphase_matrices
    >>> polyphase_matrices(np.array([[1.0]]), 4, 2).shape   # a Dirac: P(m) = I / 2
    (2, 2, 2)
    """
    N = check_int(N, "N", minimum=1)
    w = check_filters(w, N)
    stride = check_stride(stride, N)
    return _polyphase_matrices(w, N, stride, N // stride)


def _polyphase_matrices(w, N, stride, n_frequencies):
    """Polyphase matrices for ``m = 0..n_frequencies - 1`` (no argument checks)."""
    spectrum = scipy.fft.fft(w, n=N, axis=-1)  # (..., J, N), bin k = r N/d + m
    blocks = spectrum.reshape(*spectrum.shape[:-1], stride, N // stride)  # (..., J, r, m)
    V = np.moveaxis(blocks[..., :n_frequencies], -1, -3)  # (..., m, J, r)
    return (V.conj().swapaxes(-1, -2) @ V) / stride


def frame_bounds(w, N, stride=1):
    """Optimal lower and upper frame bounds ``(A, B)`` of a circular filterbank.

    Stride 1: ``A = min_k LP[k]``, ``B = max_k LP[k]`` over the Littlewood-Paley sum
    (:func:`littlewood_paley`). Stride ``d``: the extreme eigenvalues of the polyphase
    matrices (:func:`polyphase_matrices`); by the symmetry of real filters only
    ``m = 0..N/(2d)`` is needed. When ``J < d`` every ``P(m)`` has rank ``<= J < d``, and
    when ``T < d`` some input samples are never read (``x[n]`` with ``n mod d`` outside
    ``{-t mod d : t < T}``); in both cases ``A = 0`` exactly: the layer is not a frame.

    Parameters
    ----------
    w : array_like, shape (..., J, T)
        Filters; leading axes are a batch.
    N : int, >= T
        Signal length.
    stride : int, >= 1, dividing N
        Hop size ``d``.

    Returns
    -------
    A, B : ndarray, shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import frame_bounds
    >>> A, B = frame_bounds(np.array([[1.0, 1.0]]), 4)
    >>> float(A), float(B)
    (0.0, 4.0)
    """
    N = check_int(N, "N", minimum=1)
    w = check_filters(w, N)
    stride = check_stride(stride, N)
    return _frame_bounds(w, N, stride)


def _frame_bounds(w, N, stride):
    """:func:`frame_bounds` without argument checks (for the simulators).

    At stride 1 with ``N`` long enough for the cost rule
    (:func:`randfb.lp_extremes.use_fine_grid`), the extremes of the Littlewood-Paley sum
    come from a fine grid of ``O(T)`` points and a certified refinement
    (:mod:`randfb.lp_extremes`), at a cost independent of ``N``; otherwise from the
    ``N``-point transform.
    """
    J, T = w.shape[-2:]
    if stride == 1 and use_fine_grid(T, N):
        return _lp_extremes_from_lags(lag_sums(w, _lp_fft_length(T, N)), N)
    return _bounds_of_blocks(_frame_operator_blocks(w, N, stride), J, T, stride)


def _lp_extremes_from_lags(r, N):
    """``(A, B)`` at stride 1 from the summed lags, ``A`` clipped at 0 as the FFT path."""
    A, B = lp_extremes_from_lags(r, N)
    return np.clip(A, 0.0, None), B


def _frame_operator_blocks(w, N, stride):
    """The frame operator's diagonal blocks, additive over filters (no argument checks).

    Stride 1: the Littlewood-Paley sum at bins ``0..N/2``, shape ``(..., N//2 + 1)``.
    Stride ``d``: the polyphase matrices for ``m = 0..N/(2d)``, which by the symmetry of
    real filters hold every eigenvalue, shape ``(..., N//(2d) + 1, d, d)``.
    """
    if stride == 1:
        return _littlewood_paley(w, N)
    J, T = w.shape[-2:]
    if _use_correlation(J, T, N, stride):
        return _polyphase_blocks_by_correlation(w, N, stride)
    return _polyphase_component_grams(w, N, stride)


def _correlation_length(T, stride):
    """FFT length of the polyphase components' cross-correlations (``>= 2 ceil(T/d) - 1``)."""
    return scipy.fft.next_fast_len(2 * -(-T // stride) - 1, real=True)


def _use_correlation(J, T, N, stride):
    """Cost rule: polyphase blocks from cross-correlations (True) or per-filter Grams.

    Per layer, with ``M = N/d``, ``L = ceil(T/d)`` and ``K`` the correlation length
    (about ``2L``): the Grams cost ``J d`` FFTs of length ``M`` and ``J d^2 M / 2``
    complex products; the correlations ``J d`` FFTs of length ``K``, ``J d^2 K / 2``
    products, then ``d (d + 1) / 2`` FFTs of length ``M`` that do not grow with ``J``.
    """
    M = N // stride
    K = _correlation_length(T, stride)
    if K >= M:
        return False
    log_M, log_K = np.log2(max(M, 2)), np.log2(max(K, 2))
    grams = J * stride * M * log_M + 4 * J * stride**2 * M / 2
    correlations = (J * stride * K * log_K + 4 * J * stride**2 * K / 2
                    + stride * (stride + 1) / 2 * M * log_M)
    return correlations < grams


def _correlation_numbers(J, T, N, stride):
    """Numbers held per layer by :func:`_polyphase_blocks_by_correlation` and the bounds.

    Weights, the components' spectra (and a conjugate copy), the cross-spectra and
    cross-correlations, the ``d (d + 1) / 2`` length-``M`` transforms, the blocks (and
    the copies made to fill the lower triangle and for the eigensolver). In units of the
    weights' dtype; complex numbers count twice.
    """
    M = N // stride
    K = _correlation_length(T, stride)
    F = M // 2 + 1
    pairs = stride * (stride + 1) // 2
    return (J * T + 4 * J * stride * (K // 2 + 1) + 3 * stride**2 * (K // 2 + 1)
            + pairs * (M + 4 * F) + 6 * F * stride**2)


def _component_cross_correlations(w, stride):
    """Cross-correlations of the polyphase components, summed over the filters.

    ``R[r, s, tau] = sum_j sum_l w_j^(r)[l] w_j^(s)[l + tau]`` for ``|tau| < L``,
    ``L = ceil(T/d)``, stored circularly on ``K = _correlation_length(T, d)`` points
    (negative lags at the end). Shape ``(..., d, d, K)``, real. Additive over filters.
    """
    T = w.shape[-1]
    padded_T = -(-T // stride) * stride
    if padded_T != T:
        w = np.pad(w, [(0, 0)] * (w.ndim - 1) + [(0, padded_T - T)])
    components = w.reshape(*w.shape[:-1], padded_T // stride, stride)  # [..., j, l, c]
    K = _correlation_length(T, stride)
    F = scipy.fft.rfft(components, n=K, axis=-2)                      # (..., J, k, c)
    F = np.moveaxis(F, -3, -1)                                          # (..., k, c, J)
    cross = F.conj() @ F.swapaxes(-1, -2)                               # (..., k, r, s)
    return scipy.fft.irfft(np.moveaxis(cross, -3, -1), n=K, axis=-1)  # (..., r, s, K)


def _blocks_from_cross_correlations(R, T, N, stride):
    """The matrices ``H(m)``, ``m = 0..N/(2d)``, from :func:`_component_cross_correlations`.

    ``H(m)[r, s] = sum_j conj(g_j^(r)(m)) g_j^(s)(m) = sum_tau R[r, s, tau] e^{-2 pi i m tau / M}``
    with ``M = N/d``: one real FFT of length ``M`` per pair ``r <= s`` (the lower triangle
    is the conjugate), whatever the number of filters.
    """
    M = N // stride
    L = -(-T // stride)
    K = R.shape[-1]
    iu = np.triu_indices(stride)
    upper = R[..., iu[0], iu[1], :]                                     # (..., P, K)
    circular = np.zeros((*upper.shape[:-1], M), dtype=upper.dtype)
    if 2 * L - 1 <= M:
        circular[..., :L] = upper[..., :L]
        if L > 1:
            circular[..., M - L + 1:] = upper[..., K - L + 1:]
    else:  # lags fold onto M points (aliased): add them up
        tau = np.arange(1 - L, L)
        circular = np.moveaxis(circular, -1, 0)
        np.add.at(circular, tau % M, np.moveaxis(upper[..., tau % K], -1, 0))
        circular = np.moveaxis(circular, 0, -1)
    spectra = scipy.fft.rfft(circular, axis=-1)                         # (..., P, m)
    blocks = np.zeros((*R.shape[:-3], M // 2 + 1, stride, stride), dtype=spectra.dtype)
    spectra = np.moveaxis(spectra, -1, -2)                              # (..., m, P)
    blocks[..., iu[0], iu[1]] = spectra
    blocks[..., iu[1], iu[0]] = spectra.conj()
    return blocks


def _polyphase_blocks_by_correlation(w, N, stride):
    """:func:`_polyphase_component_grams` through summed cross-correlations (cheaper for
    many filters and ``T << N``: see :func:`_use_correlation`). No argument checks."""
    T = w.shape[-1]
    return _blocks_from_cross_correlations(_component_cross_correlations(w, stride), T, N,
                                           stride)


def _polyphase_component_grams(w, N, stride):
    """Matrices unitarily similar to ``P(m)``, ``m = 0..N/(2d)``, from short real FFTs.

    With ``M = N/d`` and the polyphase components ``w_j^(c)[l] = w_j[c + l d]``,
    ``w_hat_j[m + r M] = sum_c F[r, c] e^{-2 pi i m c / N} g_j(m)[c]``, where
    ``g_j(m)[c] = DFT_M(w_j^(c))[m]`` and ``F`` is the ``d``-point DFT matrix. Since
    ``F / sqrt(d)`` and the phases are unitary, ``P(m)`` is unitarily similar to
    ``H(m) = sum_j conj(g_j(m)) g_j(m)^T``: the same eigenvalues, and additive over
    filters. ``H`` costs ``J d`` real FFTs of length ``M`` per layer instead of ``J``
    complex FFTs of length ``N`` (about 2.5 times less work). Shape
    ``(..., N//(2d) + 1, d, d)``. No argument checks.
    """
    T = w.shape[-1]
    padded_T = -(-T // stride) * stride  # <= N, as d divides N and T <= N
    if padded_T != T:
        pad = [(0, 0)] * (w.ndim - 1) + [(0, padded_T - T)]
        w = np.pad(w, pad)
    components = w.reshape(*w.shape[:-1], padded_T // stride, stride)  # [..., l, c]
    g = scipy.fft.rfft(components, n=N // stride, axis=-2)  # (..., J, m, c)
    X = np.moveaxis(g, -3, -2)  # (..., m, J, c)
    return X.conj().swapaxes(-1, -2) @ X


def _bounds_of_blocks(blocks, J, T, stride):
    """``(A, B)``: the extreme eigenvalues of :func:`_frame_operator_blocks`' output."""
    if stride == 1:
        return blocks.min(axis=-1), blocks.max(axis=-1)
    if stride == 2:
        # 2 x 2 Hermitian blocks [[a, b], [conj(b), c]]: closed-form eigenvalues
        # (a + c)/2 -+ sqrt(((a - c)/2)^2 + |b|^2), no eigensolver call per block.
        a, c, b = blocks[..., 0, 0].real, blocks[..., 1, 1].real, blocks[..., 0, 1]
        half_sum, radius = (a + c) / 2, np.hypot((a - c) / 2, np.abs(b))
        A = np.clip((half_sum - radius).min(axis=-1), 0.0, None)
        B = (half_sum + radius).max(axis=-1)
    else:
        A, B = _extreme_eigenvalues(blocks)
        A = np.clip(A, 0.0, None)
    if not can_be_frame(J, T, stride):
        A = np.zeros_like(A)  # exactly: the eigensolver leaves round-off
    return A, B


def _extreme_eigenvalues(blocks):
    """Smallest and largest eigenvalue over the Hermitian ``d x d`` blocks of each layer.

    ``blocks`` has shape ``(..., F, d, d)``. Exact (the eigensolver's values), with the
    eigensolver run only where the extremes can be: the Wolkowicz-Styan bounds
    (Linear Algebra Appl. 29, 1980), from ``mu = tr H / d`` and
    ``s^2 = ||H||_F^2 / d - mu^2``,

        mu + s / sqrt(d - 1) <= lambda_max <= mu + s sqrt(d - 1),
        mu - s sqrt(d - 1)   <= lambda_min <= mu - s / sqrt(d - 1),

    give every block an interval for each extreme. The blocks with the best lower bound
    on ``lambda_max`` and the best upper bound on ``lambda_min`` are solved first; a
    block whose upper bound on ``lambda_max`` is below the first's value (and whose lower
    bound on ``lambda_min`` is above the second's), allowing for round-off, cannot hold
    an extreme and is skipped. Returns ``(A, B)`` of shape ``(...)``.
    """
    batch, (F, d) = blocks.shape[:-3], blocks.shape[-3:-1]
    H = blocks.reshape(-1, F, d, d)
    D = H.shape[0]
    eps = np.finfo(H.real.dtype).eps
    mu = np.einsum("...ii->...", H).real.astype(np.float64) / d
    fro2 = (np.einsum("...ij,...ij->...", H.real, H.real)
            + np.einsum("...ij,...ij->...", H.imag, H.imag)).astype(np.float64)
    spread = np.sqrt(np.maximum(fro2 / d - mu**2, 0.0))
    root = np.sqrt(d - 1.0)
    tol = 64 * d * eps * np.sqrt(fro2)  # round-off of the eigensolver and of the bounds
    layers = np.arange(D)
    i_max = (mu + spread / root).argmax(axis=-1)
    i_min = (mu - spread / root).argmin(axis=-1)
    first = np.linalg.eigvalsh(H[np.r_[layers, layers], np.r_[i_max, i_min]])
    B = np.maximum(first[:D, -1], first[D:, -1]).astype(np.float64)
    A = np.minimum(first[:D, 0], first[D:, 0]).astype(np.float64)
    keep = (mu + spread * root + tol >= B[:, None]) | (mu - spread * root - tol <= A[:, None])
    keep[layers, i_max] = keep[layers, i_min] = False
    layer, freq = np.nonzero(keep)
    if layer.size:
        eig = np.linalg.eigvalsh(H[layer, freq])
        np.maximum.at(B, layer, eig[:, -1])
        np.minimum.at(A, layer, eig[:, 0])
    return A.reshape(batch), B.reshape(batch)


def can_be_frame(J, T, stride) -> bool:
    """Whether a stride-``d`` layer of ``J`` filters of length ``T`` can be a frame at all.

    ``False`` when ``J < d`` (each polyphase matrix is a sum of ``J`` rank-one terms, so its
    rank is ``< d``) or when ``T < d`` (the outputs ``sum_t w_j[t] x[d m - t]`` never read the
    input samples ``x[n]`` with ``n mod d`` outside ``{0, -1, ..., 1 - T}``): then ``A = 0``
    for every choice of weights. ``True`` otherwise, and Gaussian filters are then a frame
    with probability one.

    Parameters
    ----------
    J, T : int, >= 1
    stride : int, >= 1

    Returns
    -------
    bool

    Examples
    --------
    >>> from randfb import can_be_frame
    >>> can_be_frame(4, 32, 4), can_be_frame(3, 32, 4), can_be_frame(8, 2, 4)
    (True, False, False)
    """
    J, T = check_filter_shape(J, T)
    stride = check_int(stride, "stride", minimum=1)
    return J >= stride and T >= stride


def kappa_moment_threshold(J, T, stride=1) -> float | None:
    """The order ``p*`` with ``E[kappa^p] < inf`` exactly when ``p < p*``, for Gaussian layers.

    For i.i.d. Gaussian weights (any variance) and a stride ``d`` that divides ``T`` with
    ``T >= 2d``, the condition number ``kappa = B / A`` has ``E[kappa^p] < inf`` if and only
    if ``J - d + 1 > 2p``, so ``p* = (J - d + 1) / 2``: the mean is infinite for
    ``J <= d + 1`` and the variance for ``J <= d + 3`` (at stride 1: ``J <= 2`` and
    ``J <= 4``). Proved in the chapters on condition numbers (stride 1) and strided
    filterbanks. When ``J < d`` or ``T < d`` the layer is never a frame (``kappa = inf``
    surely) and ``p* = 0``. At ``T = d >= 2`` the layer is a block transform whose
    ``kappa`` is that of the Wishart matrix ``W^T W`` (:mod:`randfb.block_transform`),
    and the same ``p* = (J - d + 1) / 2`` holds. Outside these hypotheses (``d`` does not
    divide ``T``, ``d < T < 2d``, or ``T = d = 1``, where ``kappa = 1`` surely) the book
    proves nothing here and ``None`` is returned.

    Parameters
    ----------
    J, T : int, >= 1
        Number of filters and filter length (samples).
    stride : int, >= 1
        The stride ``d``.

    Returns
    -------
    float or None

    Examples
    --------
    >>> from randfb import kappa_moment_threshold
    >>> kappa_moment_threshold(4, 64), kappa_moment_threshold(8, 64, 4)
    (2.0, 2.5)
    >>> kappa_moment_threshold(3, 64, 4), kappa_moment_threshold(8, 30, 4) is None
    (0.0, True)
    >>> kappa_moment_threshold(8, 4, 4)   # T = d: the Wishart matrix W^T W
    2.5
    """
    J, T = check_filter_shape(J, T)
    stride = check_int(stride, "stride", minimum=1)
    if not can_be_frame(J, T, stride):
        return 0.0
    if T == stride >= 2:  # a block transform: the Wishart matrix W^T W
        return (J - stride + 1) / 2
    if T % stride or T < 2 * stride:
        return None
    return (J - stride + 1) / 2


def kappa_from_bounds(A, B) -> np.ndarray:
    """Condition numbers ``kappa = B / A``, ``inf`` where ``A = 0`` (no division by zero).

    Parameters
    ----------
    A, B : array_like
        Lower and upper frame bounds, ``0 <= A <= B``, same shape.

    Returns
    -------
    kappa : ndarray

    Raises
    ------
    ValueError
        If the shapes differ, a bound is negative or not finite, or ``A > B``.

    Examples
    --------
    >>> from randfb import kappa_from_bounds
    >>> kappa_from_bounds([0.5, 0.0], [2.0, 3.0]).tolist()
    [4.0, inf]
    """
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    if A.shape != B.shape:
        raise ValueError(f"A and B must have the same shape, got {A.shape} and {B.shape}")
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
        raise ValueError("A and B must be finite")
    if np.any(A < 0) or np.any(A > B):
        raise ValueError("the bounds must satisfy 0 <= A <= B")
    positive = A > 0
    return np.where(positive, B / np.where(positive, A, 1.0), np.inf)


def condition_number(w, N, stride=1):
    """Condition number ``kappa = B / A`` of a circular filterbank (``inf`` where ``A = 0``).

    Parameters
    ----------
    w : array_like, shape (..., J, T)
    N : int, >= T
    stride : int, >= 1, dividing N

    Returns
    -------
    kappa : ndarray, shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb import condition_number
    >>> float(condition_number(np.array([[1.0], [0.5]]), 8))   # two scaled Diracs: tight
    1.0
    """
    A, B = frame_bounds(w, N, stride)
    return kappa_from_bounds(A, B)
