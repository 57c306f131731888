"""Argument checks shared by every public function.

Each check raises ``ValueError`` (or ``TypeError`` for the wrong kind of object) with a
message that names the parameter and states what is allowed, so that a bad call fails at
the door instead of deep inside NumPy.
"""

from __future__ import annotations

import numbers

import numpy as np


def check_int(value, name: str, *, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as a Python int, checking ``minimum <= value <= maximum``."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, got a bool ({value!r})")
    if not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f" and <= {maximum}"
        raise ValueError(f"{name} must be an integer >= {minimum}{upper}, got {value}")
    return value


def check_filter_shape(J, T, N=None) -> tuple[int, int]:
    """Check the number of filters ``J >= 1`` and their length ``1 <= T (<= N)``."""
    J = check_int(J, "J", minimum=1)
    T = check_int(T, "T", minimum=1)
    if N is not None and T > N:
        raise ValueError(f"T (filter length) must be <= N (signal length) = {N}, got T={T}")
    return J, T


def check_positive(value, name: str) -> float:
    """Return ``value`` as a float, checking that it is finite and > 0."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a positive real number, got {value!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return value


def check_nonnegative(value, name: str) -> float:
    """Return ``value`` as a float, checking that it is finite and >= 0."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number >= 0, got {value!r}") from None
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


def check_sigma(sigma, J: int, T: int, stride: int = 1) -> float:
    """Return the weight standard deviation, ``sqrt(stride / (J T))`` when ``sigma`` is None."""
    if sigma is None:
        return float(np.sqrt(stride / (J * T)))
    return check_positive(sigma, "sigma")


def check_probability(p, name: str = "p") -> np.ndarray:
    """Return ``p`` as a float array, checking ``0 < p < 1`` everywhere."""
    arr = np.asarray(p, dtype=float)
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0) or np.any(arr >= 1):
        raise ValueError(f"{name} must lie in the open interval (0, 1), got {p!r}")
    return arr


def check_signal(x, name: str = "x") -> np.ndarray:
    """Return ``x`` as a float64 1-D array, checking it is non-empty, finite and not all zero."""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a 1-D array of real numbers, got {type(x).__name__}")
    try:
        arr = np.asarray(x)
        is_complex = np.iscomplexobj(arr)
        arr = arr.astype(np.float64) if not is_complex else arr
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a 1-D array of real numbers") from None
    if is_complex:
        raise TypeError(f"{name} must be a 1-D array of real numbers, got complex values")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (a single signal), got an array of shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    if not np.any(arr):
        raise ValueError(f"{name} must not be all zeros (its energy would be 0)")
    return arr


def check_filters(w, N=None, name: str = "w") -> np.ndarray:
    """Return filters ``w`` as a real array of shape ``(..., J, T)``, checking ``T <= N``."""
    if isinstance(w, (str, bytes)) or w is None:
        raise TypeError(f"{name} must be an array of filters of shape (..., J, T)")
    arr = np.asarray(w)
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if arr.ndim < 2:
        raise ValueError(
            f"{name} must have shape (..., J, T) with at least 2 dimensions, got shape {arr.shape}"
        )
    if arr.shape[-1] == 0 or arr.shape[-2] == 0:
        raise ValueError(f"{name} must have J >= 1 filters of length T >= 1, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    if N is not None and arr.shape[-1] > N:
        raise ValueError(
            f"filter length T = {arr.shape[-1]} (last axis of {name}) must be <= N = {N}"
        )
    return arr


def check_stride(stride, N: int) -> int:
    """Check ``stride >= 1`` divides the signal length ``N``."""
    stride = check_int(stride, "stride", minimum=1)
    if N % stride:
        raise ValueError(f"stride must divide N = {N}, got stride = {stride}")
    return stride


def check_pool(pool, N: int) -> int:
    """Check the average-pooling size ``1 <= pool <= N`` divides the signal length ``N``."""
    pool = check_int(pool, "pool", minimum=1, maximum=N)
    if N % pool:
        raise ValueError(f"pool must divide N = {N}, got pool = {pool}")
    return pool


def check_n_draws(n_draws) -> int:
    """Check the number of Monte Carlo draws is an integer >= 1."""
    return check_int(n_draws, "n_draws", minimum=1)


def as_generator(rng) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a seed, a SeedSequence, a Generator or None."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (numbers.Integral, np.random.SeedSequence)):
        if isinstance(rng, bool):
            raise TypeError("rng must be a seed (int), a numpy Generator or None, got a bool")
        if isinstance(rng, numbers.Integral) and rng < 0:
            raise ValueError(f"rng seed must be a non-negative integer, got {rng}")
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a seed (int), a numpy Generator or None, got {rng!r}")
