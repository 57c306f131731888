"""Strided layers whose filters are as long as the stride: non-overlapping block transforms.

With ``T = d`` the output ``n'`` of every filter reads the block
``b_n' = (x[(n' d - t) mod N])_{t < d}``, and these ``N/d`` blocks partition the input:
the layer is the ``J x d`` weight matrix ``W`` applied block by block, and its frame
operator is, up to a permutation of the samples, ``N/d`` copies of ``W^T W``. So

    A = lambda_min(W^T W),   B = lambda_max(W^T W),   kappa = kappa(W^T W)

at every ``N`` (:func:`block_transform_bounds`). For i.i.d. ``N(0, sigma^2)`` weights
``W^T W`` is a real Wishart matrix with ``J`` degrees of freedom. At ``d = 2`` the law of
its condition number is explicit (:func:`block_kappa_sf`, :func:`block_kappa_isf`):

    P(kappa > x) = (4 x / (1 + x)^2)^((J - 1)/2),   x >= 1,

that is ``((kappa - 1)/(kappa + 1))^2 ~ Beta(1, (J - 1)/2)``. Proofs in the chapter
*Strided filterbanks*; the exact distributions of condition numbers of ``2 x n``
Gaussian matrices go back to Edelman (1988).
"""

from __future__ import annotations

import numpy as np

from ._validation import check_filters, check_int, check_probability

__all__ = ["block_kappa_isf", "block_kappa_sf", "block_transform_bounds"]


def block_transform_bounds(w):
    """Frame bounds ``(A, B)`` of a layer with ``T = d``: the extreme eigenvalues of ``W^T W``.

    Valid at every signal length ``N`` that the stride ``d = T`` divides (the bounds do not
    depend on ``N``). ``A = 0`` exactly when ``J < d`` (``W^T W`` has rank ``J``).

    Parameters
    ----------
    w : array_like, shape (..., J, d)
        Filters of length equal to the stride; leading axes are a batch.

    Returns
    -------
    A, B : ndarray, shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.block_transform import block_transform_bounds
    >>> A, B = block_transform_bounds(np.array([[1.0, 0.0], [1.0, 1.0]]))
    >>> round(float(A), 12), round(float(B), 12)   # eigenvalues of [[2, 1], [1, 1]]
    (0.38196601125, 2.61803398875)
    """
    w = check_filters(w).astype(np.float64, copy=False)
    J, d = w.shape[-2:]
    eig = np.linalg.eigvalsh(w.swapaxes(-1, -2) @ w)  # ascending, (..., d)
    A = np.zeros(eig.shape[:-1]) if J < d else np.clip(eig[..., 0], 0.0, None)
    return A, eig[..., -1]


def _check_stride_law(J, stride):
    J = check_int(J, "J", minimum=1)
    stride = check_int(stride, "stride", minimum=1)
    if stride > 2:
        raise ValueError(f"stride must be 1 or 2 (the exact law of kappa at T = d is "
                         f"implemented for d <= 2), got {stride}")
    return J, stride


def block_kappa_sf(x, J, stride=2):
    """Exact ``P(kappa > x)`` for ``J`` Gaussian filters of length ``T = d``, ``d <= 2``.

    ``d = 2``: ``(4 x / (1 + x)^2)^((J - 1)/2)`` for ``x >= 1`` and 1 below; ``J = 1``
    gives 1 (``kappa = inf``: not a frame). ``d = 1``: ``kappa = 1`` surely.

    Parameters
    ----------
    x : float or array_like
        Thresholds.
    J : int, >= 1
        Number of filters.
    stride : {1, 2}
        The stride ``d = T``.

    Returns
    -------
    sf : float or ndarray (shape of ``x``)

    Examples
    --------
    >>> from randfb.block_transform import block_kappa_sf
    >>> round(float(block_kappa_sf(3.0, J=3)), 12)   # 4 * 3 / 16
    0.75
    """
    J, stride = _check_stride_law(J, stride)
    x = np.asarray(x, dtype=float)
    if np.any(np.isnan(x)):
        raise ValueError("x must not contain NaN")
    if stride == 1:
        out = np.where(x < 1.0, 1.0, 0.0)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(np.isinf(x), 0.0, 4.0 * x / (1.0 + x) ** 2)
        out = np.where(x < 1.0, 1.0, ratio ** ((J - 1) / 2))
    return out[()] if out.ndim == 0 else out


def block_kappa_isf(p, J, stride=2):
    """The ``x`` with ``P(kappa > x) = p`` at ``T = d = 2`` (inverse of :func:`block_kappa_sf`).

    With ``c = p^(2/(J - 1))``, ``4 x / (1 + x)^2 = c`` has the root
    ``x = (2 - c + 2 sqrt(1 - c)) / c >= 1``. The median is ``p = 1/2``.

    Parameters
    ----------
    p : float or array_like in (0, 1)
    J : int, >= 2
    stride : {2}

    Returns
    -------
    x : float or ndarray (shape of ``p``)

    Examples
    --------
    >>> from randfb.block_transform import block_kappa_isf
    >>> round(float(block_kappa_isf(0.75, J=3)), 12)
    3.0
    """
    J, stride = _check_stride_law(J, stride)
    if stride != 2:
        raise ValueError(f"stride must be 2 (at stride 1 kappa = 1 surely), got {stride}")
    if J < 2:
        raise ValueError(f"J must be an integer >= 2 (J = 1 < d is never a frame), got {J}")
    p = check_probability(p)
    c = p ** (2.0 / (J - 1))
    out = (2.0 - c + 2.0 * np.sqrt(1.0 - c)) / c
    return out[()] if out.ndim == 0 else out
