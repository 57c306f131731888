"""The stability calculator: frame-bound statistics of a layer, and the J that keeps it stable.

The engine behind the command line ``randfb`` (:mod:`randfb.cli`) and the book page
"A stability calculator". Three questions a practitioner asks of a first convolutional
layer of ``J`` filters of length ``T`` on signals of ``N`` samples with stride ``d``:

* *At initialisation*, how stable is it? :func:`random_layer_summary` simulates
  ``A``, ``B`` and ``kappa = B / A`` at the energy-preserving ``sigma = sqrt(d / (J T))``
  and summarises them (mean, median, 5 % and 95 % quantiles). ``kappa = inf`` when
  ``A = 0`` (not a frame), which is certain when ``J < d`` or ``T < d``.
* *How many filters* does it take to bring the mean condition number down to a target?
  :func:`smallest_J_for_kappa` searches over ``J`` by simulation, doubling then bisecting.
  It relies on the mean of ``kappa`` decreasing in ``J``, which the chapters on condition
  numbers and strided filterbanks show numerically.
* *After training*, what are the frame bounds of my filters? :func:`conv1d_filters` turns a
  ``(J, T)`` or PyTorch ``Conv1d`` weight ``(J, 1, T)`` into a filterbank and
  :func:`filterbank_bounds` computes its exact ``A``, ``B`` and ``kappa`` (the same numbers
  as :func:`randfb.frame_bounds`, accumulated over chunks of filters to bound memory).
"""

from __future__ import annotations

import functools
import math
import sys
from dataclasses import dataclass, field

import numpy as np

from ._validation import (
    check_filter_shape,
    check_filters,
    check_int,
    check_n_draws,
    check_positive,
    check_stride,
)
from .extremes import kappa_tilde
from .frames import _bounds_of_blocks, _frame_operator_blocks, kappa_from_bounds
from .simulate import CHUNK_BUDGET_BYTES, simulate_frame_bounds

#: The quantile levels reported next to the mean and the median.
QUANTILE_LEVELS = (0.05, 0.95)


# ----------------------------------------------------------------------------- summaries


@dataclass(frozen=True)
class Summary:
    """Mean, median and the 5 % and 95 % quantiles of a sample (``inf`` allowed).

    ``standard_error`` is the Monte Carlo standard error of the mean, ``std / sqrt(n)``
    (``inf`` when the mean is infinite).
    """

    mean: float
    median: float
    q05: float
    q95: float
    standard_error: float

    def as_dict(self) -> dict:
        return {"mean": self.mean, "median": self.median, "q05": self.q05, "q95": self.q95,
                "mean_standard_error": self.standard_error}


def quantile(values, q) -> float:
    """Linear-interpolation quantile (NumPy's default) that also handles ``+inf`` values.

    ``numpy.quantile`` returns NaN where it interpolates between two infinite values
    (``inf - inf``); here the quantile is ``inf`` as soon as it reaches an infinite value.

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.calculator import quantile
    >>> quantile([1.0, 2.0, np.inf, np.inf], 0.5), quantile([1.0, 2.0, 3.0], 0.25)
    (inf, 1.5)
    """
    s = np.sort(np.asarray(values, dtype=float).ravel())
    if s.size == 0 or np.isnan(s).any():
        raise ValueError("values must be a non-empty sample without NaN")
    h = (s.size - 1) * float(q)
    lo, hi = math.floor(h), math.ceil(h)
    frac = h - lo
    if frac == 0.0:
        return float(s[lo])
    if np.isinf(s[hi]):
        return math.inf
    return float(s[lo] + frac * (s[hi] - s[lo]))


def summarize(values) -> Summary:
    """:class:`Summary` of a sample of non-negative numbers, some possibly ``+inf``.

    Examples
    --------
    >>> from randfb.calculator import summarize
    >>> s = summarize([1.0, 2.0, 3.0, 4.0, 5.0])
    >>> s.mean, s.median, s.q05, s.q95
    (3.0, 3.0, 1.2, 4.8)
    """
    v = np.asarray(values, dtype=float).ravel()
    finite = bool(np.isfinite(v).all())
    mean = float(v.mean()) if finite else math.inf
    se = float(v.std(ddof=1) / np.sqrt(v.size)) if finite and v.size > 1 else (
        0.0 if finite else math.inf)
    lo, hi = QUANTILE_LEVELS
    return Summary(mean, quantile(v, 0.5), quantile(v, lo), quantile(v, hi), se)


@dataclass(frozen=True)
class LayerSummary:
    """Frame-bound statistics of random Gaussian layers of one shape (see
    :func:`random_layer_summary`)."""

    N: int
    J: int
    T: int
    stride: int
    sigma: float
    n_draws: int
    seed: int | None
    A: Summary
    B: Summary
    kappa: Summary
    frame_fraction: float
    kappa_tilde: float

    def as_dict(self) -> dict:
        return {
            "layer": {"N": self.N, "J": self.J, "T": self.T, "stride": self.stride,
                      "sigma": self.sigma},
            "draws": self.n_draws, "seed": self.seed,
            "A": self.A.as_dict(), "B": self.B.as_dict(), "kappa": self.kappa.as_dict(),
            "frame_fraction": self.frame_fraction, "kappa_tilde": self.kappa_tilde,
        }


def random_layer_summary(N, J, T, n_draws, *, stride=1, seed=0, progress=False) -> LayerSummary:
    """Distribution of ``A``, ``B`` and ``kappa`` of random Gaussian layers of one shape.

    Draws ``n_draws`` filterbanks of ``J`` filters of length ``T`` with i.i.d.
    ``N(0, sigma^2)`` weights at the energy-preserving ``sigma = sqrt(stride / (J T))``
    (the default of :func:`randfb.simulate_frame_bounds`, for which the expected frame
    operator is the identity), computes their optimal frame bounds exactly, and summarises
    them. ``kappa = inf`` for a draw with ``A = 0``, which is certain when ``J < stride``
    or ``T < stride`` (:func:`randfb.can_be_frame`; ``A`` is then set to 0 exactly rather than left
    at round-off); ``frame_fraction`` is the fraction of draws with ``A > 0``.
    ``kappa_tilde`` is the paper's stride-1 prediction ``(1 + 2 r) / (1 - 2 r)``,
    ``r = sqrt(log T / J)``, NaN where ``J <= 4 log T``.

    Parameters
    ----------
    N : int, >= T
        Signal length in samples.
    J : int, >= 1
        Number of filters.
    T : int, 1 <= T <= N
        Filter length in samples.
    n_draws : int, >= 1
        Number of random layers.
    stride : int, >= 1, dividing N
    seed : int >= 0 or None
    progress : bool or callable
        As in :func:`randfb.simulate_frame_bounds`.

    Returns
    -------
    LayerSummary

    Examples
    --------
    >>> from randfb.calculator import random_layer_summary
    >>> s = random_layer_summary(256, J=16, T=16, n_draws=200, seed=0)
    >>> bool(s.A.q05 <= s.A.median <= s.A.q95 < 1 < s.B.q05 <= s.B.median <= s.B.q95)
    True
    """
    N = check_int(N, "N", minimum=1)
    J, T = check_filter_shape(J, T, N)
    n_draws = check_n_draws(n_draws)
    stride = check_stride(stride, N)
    # frame_bounds sets A = 0 exactly where the layer cannot be a frame (can_be_frame).
    A, B = simulate_frame_bounds(N, J, T, n_draws, stride=stride, rng=seed, progress=progress)
    kappa = kappa_from_bounds(A, B)
    return LayerSummary(
        N=N, J=J, T=T, stride=stride, sigma=float(np.sqrt(stride / (J * T))),
        n_draws=n_draws, seed=seed, A=summarize(A), B=summarize(B), kappa=summarize(kappa),
        frame_fraction=float(np.mean(A > 0)), kappa_tilde=float(kappa_tilde(J, T)),
    )


# ------------------------------------------------------------------ the search over J


@dataclass(frozen=True)
class JSearch:
    """Result of :func:`smallest_J_for_kappa`.

    ``J`` is the smallest number of filters found whose simulated mean ``kappa`` is at most
    ``target_kappa`` (None if ``J_max`` does not reach it); ``evaluations`` maps every ``J``
    simulated during the search to the :class:`Summary` of its ``kappa``.
    """

    target_kappa: float
    J: int | None
    J_max: int
    n_draws: int
    evaluations: dict = field(default_factory=dict)

    @property
    def mean_kappa(self) -> float | None:
        return None if self.J is None else self.evaluations[self.J].mean

    def as_dict(self) -> dict:
        return {
            "target_kappa": self.target_kappa, "J": self.J, "J_max": self.J_max,
            "draws": self.n_draws,
            "evaluations": [{"J": J, "mean_kappa": s.mean, "mean_standard_error": s.standard_error}
                            for J, s in sorted(self.evaluations.items())],
        }


def smallest_J_for_kappa(N, T, target_kappa, *, stride=1, n_draws=200, seed=0, J_max=4096,
                         progress=False) -> JSearch:
    """Smallest number of filters ``J`` whose simulated mean condition number is ``<= target``.

    The mean of ``kappa`` over random layers at ``sigma = sqrt(stride / (J T))`` decreases
    with ``J`` (more filters average the Littlewood-Paley sum over more chi-squared terms;
    the chapters on condition numbers and strided filterbanks show it), so the search
    first doubles ``J`` from ``stride`` (fewer filters than the stride are never a frame)
    until the target is met, then bisects between the last failure and the first success.
    That costs about ``2 log2(J / stride)`` simulations of ``n_draws`` layers each. Every
    ``J`` gets its own random stream derived from ``(seed, J)``, so the estimate at a given
    ``J`` does not depend on the path of the search. Near the answer the Monte Carlo error
    of the mean (reported per evaluation) can move it by a filter or two; raise ``n_draws``
    to sharpen it.

    Parameters
    ----------
    N : int, >= T
        Signal length.
    T : int, 1 <= T <= N
        Filter length.
    target_kappa : float > 1
        Largest acceptable mean condition number.
    stride : int, >= 1, dividing N
    n_draws : int, >= 1
        Random layers simulated at each ``J`` visited.
    seed : int >= 0 or None
    J_max : int, >= stride
        Largest ``J`` tried; ``J`` is None in the result if the target is not met there.
    progress : bool or callable
        ``True`` prints the simulators' progress on stderr; a callable is called as
        ``progress(J, done, total)`` while simulating at ``J``.

    Returns
    -------
    JSearch

    Examples
    --------
    >>> from randfb.calculator import smallest_J_for_kappa
    >>> r = smallest_J_for_kappa(128, 16, 3.0, n_draws=100, seed=0)
    >>> r.evaluations[r.J].mean <= 3.0 < r.evaluations[r.J - 1].mean
    True
    """
    N = check_int(N, "N", minimum=1)
    T = check_int(T, "T", minimum=1)
    check_filter_shape(1, T, N)
    target = check_positive(target_kappa, "target_kappa")
    if target <= 1:
        raise ValueError(f"target_kappa must be > 1 (kappa = B / A >= 1 always), got {target}")
    stride = check_stride(stride, N)
    n_draws = check_n_draws(n_draws)
    J_max = check_int(J_max, "J_max", minimum=stride)
    if seed is not None:
        seed = check_int(seed, "seed", minimum=0)
    evaluations: dict[int, Summary] = {}

    def passes(J):
        if J not in evaluations:
            entropy = None if seed is None else [seed, J]
            rng = np.random.default_rng(np.random.SeedSequence(entropy))
            report = functools.partial(progress, J) if callable(progress) else progress
            A, B = simulate_frame_bounds(N, J, T, n_draws, stride=stride, rng=rng,
                                         progress=report)
            evaluations[J] = summarize(kappa_from_bounds(A, B))
        return evaluations[J].mean <= target

    return JSearch(target, _smallest_passing(passes, stride, J_max), J_max, n_draws, evaluations)


def _smallest_passing(passes, start, maximum):
    """Smallest integer ``n`` in ``start..maximum`` with ``passes(n)``, or None.

    ``passes`` must be monotone (false, then true from some ``n`` on). Doubling from
    ``start`` finds a passing ``n`` in ``O(log n)`` calls, then bisection between the last
    failing value and it finds the smallest.
    """
    lo, hi = start - 1, start  # lo fails (or lies below the range), hi is to be tried
    while not passes(hi):
        if hi >= maximum:
            return None
        lo, hi = hi, min(2 * hi, maximum)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if passes(mid):
            hi = mid
        else:
            lo = mid
    return hi


# ------------------------------------------------------------- a user's own filters


def conv1d_filters(weights) -> np.ndarray:
    """A filterbank of shape ``(J, T)`` from filters ``(J, T)`` or a Conv1d weight ``(J, 1, T)``.

    PyTorch stores the weight of ``torch.nn.Conv1d(1, J, T)`` as
    ``(out_channels, in_channels, kernel_size) = (J, 1, T)``; the singleton input-channel
    axis is dropped. Other shapes are rejected: a layer with several input channels is not
    a filterbank applied to one signal.

    Note that PyTorch's ``Conv1d`` computes a cross-correlation, ``sum_t w[t] x[n + t]``,
    while the book's filterbank convolves, ``sum_t w[t] x[n - t]``. Reversing every filter
    maps one onto the other and does not change ``|w_hat|``, hence not the frame bounds.

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.calculator import conv1d_filters
    >>> conv1d_filters(np.zeros((8, 1, 5))).shape
    (8, 5)
    """
    arr = np.asarray(weights)
    if arr.ndim == 3 and arr.shape[1] == 1:
        arr = arr[:, 0, :]
    elif arr.ndim != 2:
        if arr.ndim == 3:
            hint = (f" (a Conv1d weight with in_channels = {arr.shape[1]} > 1 is not a "
                    "filterbank of one signal)")
        elif arr.ndim == 1:
            hint = " (one filter of length T: give it the shape (1, T))"
        else:
            hint = ""
        raise ValueError(
            f"weights must have shape (J, T) or (J, 1, T), got shape {arr.shape}{hint}")
    return check_filters(arr, name="weights")


def _filter_progress(progress):
    """A ``report(done, total)`` callable for ``progress`` (None when it is False)."""
    if callable(progress):
        return progress
    if not isinstance(progress, bool):
        raise TypeError("progress must be True, False or a callable progress(done, total)")
    if not progress:
        return None

    def report(done, total):
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\rframe bounds: {done}/{total} filters{end}")
        sys.stderr.flush()

    return report


@dataclass(frozen=True)
class FilterbankBounds:
    """Frame bounds of one filterbank (see :func:`filterbank_bounds`)."""

    N: int
    J: int
    T: int
    stride: int
    A: float
    B: float

    @property
    def kappa(self) -> float:
        return float(kappa_from_bounds(self.A, self.B))

    @property
    def is_frame(self) -> bool:
        return self.A > 0

    def as_dict(self) -> dict:
        return {"filters": {"N": self.N, "J": self.J, "T": self.T, "stride": self.stride},
                "A": self.A, "B": self.B, "kappa": self.kappa, "is_frame": self.is_frame}


def filterbank_bounds(w, N, stride=1, *, progress=False) -> FilterbankBounds:
    """Optimal frame bounds ``A``, ``B`` of a filterbank, accumulated over chunks of filters.

    Equal to :func:`randfb.frame_bounds` (to round-off): the Littlewood-Paley sum
    ``sum_j |w_hat_j[k]|^2`` (stride 1) and the polyphase matrices
    ``P(m) = (1/d) sum_j conj(V_j(m)) V_j(m)^T`` (stride ``d``) are both sums over the
    filters, so they are accumulated over chunks of filters whose FFTs fit in
    :data:`randfb.simulate.CHUNK_BUDGET_BYTES`, with progress reported per chunk. When
    ``J < d`` or ``T < d`` the layer is not a frame and ``A = 0`` exactly
    (:func:`randfb.can_be_frame`).

    Parameters
    ----------
    w : array_like, shape (J, T)
    N : int, >= T
        Signal length.
    stride : int, >= 1, dividing N
    progress : bool or callable
        ``True`` reports on stderr; a callable receives ``progress(done, total)`` in filters.

    Returns
    -------
    FilterbankBounds

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.calculator import filterbank_bounds
    >>> r = filterbank_bounds(np.array([[1.0, 0.0, 0.0]]), N=16)   # a unit Dirac: tight
    >>> r.A, r.B, r.kappa
    (1.0, 1.0, 1.0)
    """
    N = check_int(N, "N", minimum=1)
    w = check_filters(w, N)
    if w.ndim != 2:
        raise ValueError(f"w must have shape (J, T), got shape {w.shape}")
    stride = check_stride(stride, N)
    J, T = w.shape
    bytes_per_filter = 16 * N * (2 if stride > 1 else 1)
    chunk = max(1, CHUNK_BUDGET_BYTES // bytes_per_filter)
    report = _filter_progress(progress)
    total, done = None, 0
    for start in range(0, J, chunk):
        part = w[start:start + chunk]
        term = _frame_operator_blocks(part, N, stride)  # additive over filters
        total = term if total is None else total + term
        done += part.shape[0]
        if report is not None:
            report(done, J)
    A, B = (float(v) for v in _bounds_of_blocks(total, J, T, stride))
    return FilterbankBounds(N=N, J=J, T=T, stride=stride, A=A, B=B)
