"""The stability calculator: frame-bound statistics of a layer, and the J that keeps it stable.

The engine behind the command line ``randfb`` (:mod:`randfb.cli`) and the book page
"A stability calculator". Three questions a practitioner asks of a first convolutional
layer of ``J`` filters of length ``T`` on signals of ``N`` samples with stride ``d``:

* *At initialisation*, how stable is it? :func:`random_layer_summary` simulates
  ``A``, ``B`` and ``kappa = B / A`` at ``sigma = sqrt(d / (J T))`` and summarises them
  (mean, median, 5 % and 95 % quantiles). ``kappa = inf`` when ``A = 0`` (not a frame),
  which is certain when ``J < d`` or ``T < d`` and has probability 0 otherwise. Where the
  book proves ``E[kappa] = inf`` or ``Var[kappa] = inf`` (:func:`kappa_moments`) the
  summary carries no mean, or no standard error of the mean.
* *How many filters* does it take to bring the mean condition number down to a target?
  :func:`smallest_J_for_kappa` searches over ``J`` by simulation, doubling then bisecting,
  from the smallest ``J`` whose mean is finite.
* *After training*, what are the frame bounds of my filters? :func:`conv1d_filters` turns a
  ``(J, T)`` or PyTorch ``Conv1d`` weight ``(J, 1, T)`` into a filterbank and
  :func:`filterbank_bounds` computes its exact ``A``, ``B`` and ``kappa`` (the same numbers
  as :func:`randfb.frame_bounds`, accumulated over chunks of filters to bound memory).

Before computing, each estimates its memory (:func:`estimate_simulation`,
:func:`estimate_filterbank_bounds`) and raises :class:`InsufficientMemory` when that
exceeds the memory available on the machine, rather than failing after hours or being
killed.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from dataclasses import dataclass, field

import numpy as np
import scipy.fft

from ._validation import (
    check_filter_shape,
    check_filters,
    check_int,
    check_n_draws,
    check_positive,
    check_stride,
)
from .extremes import kappa_tilde
from .frames import (
    _blocks_from_cross_correlations,
    _bounds_of_blocks,
    _component_cross_correlations,
    _correlation_length,
    _correlation_numbers,
    _lp_fft_length,
    _lp_from_power,
    _polyphase_component_grams,
    _use_correlation,
    can_be_frame,
    kappa_from_bounds,
    kappa_moment_threshold,
)
from .lp_extremes import (
    evaluation_bytes,
    fine_grid_length,
    lp_extremes_from_lags,
    use_fine_grid,
)
from .simulate import (
    CHUNK_BUDGET_BYTES,
    N_THREADS,
    _frame_bounds_chunk_draws,
    simulate_frame_bounds,
)
from .strided import polyphase_tap_counts

#: The quantile levels reported next to the mean and the median.
QUANTILE_LEVELS = (0.05, 0.95)
#: A draw with ``kappa`` above this is recomputed in float64. Measured here: float32
#: spectra leave an absolute error of about ``1e-7 B`` on ``A``, so beyond ``kappa = 1e4``
#: the relative error of ``A`` exceeds ``1e-3`` and near ``1e7`` ``A`` rounds to 0.
FLOAT32_KAPPA_LIMIT = 1e4


# ----------------------------------------------------------------------------- summaries


@dataclass(frozen=True)
class Summary:
    """Mean, median and the 5 % and 95 % quantiles of a sample (``inf`` allowed).

    ``standard_error`` is the Monte Carlo standard error of the mean, ``std / sqrt(n)``;
    NaN where it means nothing: one draw, an infinite mean, or a quantity whose variance
    is infinite or not known to be finite. ``count`` is the sample size.
    """

    mean: float
    median: float
    q05: float
    q95: float
    standard_error: float
    count: int = 0

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


def summarize(values, *, mean_finite=True, variance_finite=True) -> Summary:
    """:class:`Summary` of a sample of non-negative numbers, some possibly ``+inf``.

    ``mean_finite=False`` declares the population mean infinite (``mean = inf`` whatever
    the sample); ``variance_finite`` False or None (not known) leaves the standard error
    undefined (NaN), as does a sample of one.

    Examples
    --------
    >>> from randfb.calculator import summarize
    >>> s = summarize([1.0, 2.0, 3.0, 4.0, 5.0])
    >>> s.mean, s.median, s.q05, s.q95
    (3.0, 3.0, 1.2, 4.8)
    >>> summarize([2.0, 9.0], mean_finite=False).mean, summarize([3.0]).standard_error
    (inf, nan)
    """
    v = np.asarray(values, dtype=float).ravel()
    finite = bool(np.isfinite(v).all())
    mean = float(v.mean()) if finite and mean_finite is not False else math.inf
    if math.isfinite(mean) and variance_finite is True and v.size > 1:
        se = float(v.std(ddof=1) / np.sqrt(v.size))
    else:
        se = math.nan
    lo, hi = QUANTILE_LEVELS
    return Summary(mean, quantile(v, 0.5), quantile(v, lo), quantile(v, hi), se, int(v.size))


# ------------------------------------------------------- what the theory says of a shape


@dataclass(frozen=True)
class KappaMoments:
    """Which moments of ``kappa`` are finite for Gaussian layers of one shape.

    ``threshold`` is :func:`randfb.kappa_moment_threshold`'s ``p*`` (``E[kappa^p] < inf``
    exactly when ``p < p*``), None where the book proves nothing (``d`` does not divide
    ``T``, or ``d < T < 2d``; ``T = d >= 2`` is proved); ``mean_finite`` and
    ``variance_finite`` are ``p* > 1`` and ``p* > 2``, None when ``p*`` is None. A shape
    that is never a frame has ``p* = 0``.
    """

    J: int
    T: int
    stride: int
    threshold: float | None

    @property
    def mean_finite(self) -> bool | None:
        return None if self.threshold is None else self.threshold > 1

    @property
    def variance_finite(self) -> bool | None:
        return None if self.threshold is None else self.threshold > 2

    def as_dict(self) -> dict:
        return {"threshold": self.threshold, "mean_finite": self.mean_finite,
                "variance_finite": self.variance_finite}


def kappa_moments(J, T, stride=1) -> KappaMoments:
    """:class:`KappaMoments` of the shape ``(J, T, stride)``.

    Examples
    --------
    >>> from randfb.calculator import kappa_moments
    >>> m = kappa_moments(4, 64)           # p* = 2: mean finite, variance infinite
    >>> m.threshold, m.mean_finite, m.variance_finite
    (2.0, True, False)
    >>> kappa_moments(8, 30, 4).mean_finite is None   # 4 does not divide 30: not proved
    True
    """
    J, T = check_filter_shape(J, T)
    stride = check_int(stride, "stride", minimum=1)
    return KappaMoments(J, T, stride, kappa_moment_threshold(J, T, stride))


def first_J_with_finite_mean(stride) -> int:
    """``d + 2``: the smallest ``J`` with ``E[kappa] < inf`` (``p* = (J - d + 1)/2 > 1``).

    Proved for ``d | T`` and ``T >= 2d``, and for ``T = d >= 2``; for every
    ``J <= d + 1`` the mean is infinite there, so no ``J`` below ``d + 2`` meets any
    finite target on the mean.

    Examples
    --------
    >>> from randfb.calculator import first_J_with_finite_mean
    >>> first_J_with_finite_mean(1), first_J_with_finite_mean(4)
    (3, 6)
    """
    return check_int(stride, "stride", minimum=1) + 2


def expected_gain_range(J, T, stride=1) -> tuple[float, float]:
    """Range of ``E||Phi x||^2 / ||x||^2`` over signals ``x``, at ``sigma^2 = d / (J T)``.

    The expected frame operator is block-diagonal with blocks ``E[P(m)]``, whose
    eigenvalues are ``J sigma^2 n_c = d n_c / T`` (the chapter on strided filterbanks,
    :func:`randfb.strided.expected_polyphase_matrix`), with ``n_c`` the polyphase tap
    counts (:func:`randfb.strided.polyphase_tap_counts`). When ``d`` divides ``T`` every
    ``n_c = T / d`` and the range is ``(1, 1)``: ``E||Phi x||^2 = ||x||^2`` for every
    ``x``, the sense in which this ``sigma`` is energy-preserving. Otherwise the gains
    span ``(d floor(T/d) / T, d ceil(T/d) / T)``, equal to 1 only on average over ``x``
    (the mean of the ``n_c`` is ``T / d``); the lower end is 0 when ``T < d``.

    Examples
    --------
    >>> from randfb.calculator import expected_gain_range
    >>> expected_gain_range(8, 32, 4), tuple(round(g, 4) for g in expected_gain_range(8, 30, 4))
    ((1.0, 1.0), (0.9333, 1.0667))
    """
    J, T = check_filter_shape(J, T)
    stride = check_int(stride, "stride", minimum=1)
    counts = polyphase_tap_counts(T, stride)
    return float(stride * counts.min() / T), float(stride * counts.max() / T)


# ----------------------------------------------------------- memory and time, beforehand


class InsufficientMemory(MemoryError):
    """A computation would need more memory than the machine has available."""


@dataclass(frozen=True)
class ResourceEstimate:
    """Peak memory (bytes) and rough run time (seconds) of a computation, estimated.

    Memory is an upper estimate of the temporaries (modelled on the arrays the code
    allocates, checked against ``tracemalloc`` peaks at N up to 2**22); the time comes from
    a cost model of the FFTs and eigenvalue problems at a rate measured on a 2-core
    machine, good to a factor of a few.
    """

    bytes: int
    seconds: float


def available_memory() -> int:
    """Bytes of memory available now: ``MemAvailable`` of ``/proc/meminfo`` on Linux,
    otherwise the physical memory (``os.sysconf``), otherwise 4 GiB."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 4 * 2**30


def format_bytes(n) -> str:
    """``n`` bytes in B, kB, MB, GB, TB... (powers of 1000), three significant digits.

    Examples
    --------
    >>> from randfb.calculator import format_bytes
    >>> format_bytes(512), format_bytes(2.5e9), format_bytes(3e15)
    ('512 B', '2.50 GB', '3.00 PB')
    """
    n = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            text = f"{n:#.3g}"
            return f"{n:.0f} {unit}" if unit == "B" else f"{text.rstrip('.')} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def format_seconds(s) -> str:
    """A duration, rounded: ``'0.3 s'``, ``'42 s'``, ``'7 min'``, ``'3.2 h'``, ``'12 days'``.

    Examples
    --------
    >>> from randfb.calculator import format_seconds
    >>> format_seconds(0.31), format_seconds(420), format_seconds(3e6)
    ('0.3 s', '7 min', '35 days')
    """
    s = float(s)
    if s < 10:
        return f"{s:.1f} s"
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 3 * 86400:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.0f} days"


# Seconds per unit of work (one butterfly of an FFT, one flop of a small eigenproblem),
# single thread, float64; measured on the book's 2-core machine.
_SECONDS_PER_UNIT = {"stride 1": 2e-9, "strided": 4e-9}


#: Exact evaluations per layer by the fine-grid method (measured: about 200-900 at
#: T = 8..1024, N up to 10**9, J = 3..40), and the work of one, in units per tap.
_FINE_GRID_POINTS = 1000
_FINE_GRID_UNITS_PER_TAP = 4


def _per_draw_bytes(N, J, T, stride, itemsize):
    """Temporaries of one draw of :func:`randfb.simulate_frame_bounds` (bytes)."""
    if stride == 1 and use_fine_grid(T, N):
        L = _lp_fft_length(T, N)
        return itemsize * (J * T + 2.5 * J * L) + 40 * fine_grid_length(T)
    if stride == 1:
        L = _lp_fft_length(T, N)
        return itemsize * (J * T + 2.5 * J * L + 3 * N)
    if _use_correlation(J, T, N, stride):  # nothing of size J N (frames._use_correlation)
        return itemsize * _correlation_numbers(J, T, N, stride) + 4 * 8 * (N // stride)
    return itemsize * (J * T + 3.5 * J * N + 2 * N * stride + 4 * N)


def _simulate_chunk_draws(N, J, T, stride):
    """Draws per chunk, as :func:`randfb.simulate_frame_bounds` sizes them."""
    return _frame_bounds_chunk_draws(N, J, T, stride)


def _per_draw_seconds(N, J, T, stride):
    log2 = math.log2
    if stride == 1:
        L = _lp_fft_length(T, N)
        units = J * L * log2(max(L, 2))
        if use_fine_grid(T, N):
            F = fine_grid_length(T)
            units += 2 * F * log2(F) + _FINE_GRID_POINTS * _FINE_GRID_UNITS_PER_TAP * T
        else:
            units += 2 * N * log2(max(N, 2))
        return units * _SECONDS_PER_UNIT["stride 1"]
    n_freq = N // (2 * stride) + 1
    if _use_correlation(J, T, N, stride):
        K = _correlation_length(T, stride)
        M = N // stride
        units = (J * stride * K * log2(max(K, 2)) + 4 * J * stride**2 * K / 2
                 + stride * (stride + 1) / 2 * M * log2(max(M, 2)) + n_freq * 10 * stride**3)
        return units * _SECONDS_PER_UNIT["strided"]
    units = J * N * log2(max(N, 2)) + n_freq * (J * stride**2 + 10 * stride**3)
    return units * _SECONDS_PER_UNIT["strided"]


def estimate_simulation(N, J, T, n_draws, stride=1, dtype=np.float64) -> ResourceEstimate:
    """Memory and time of :func:`randfb.simulate_frame_bounds` with these arguments.

    The simulator holds ``N_THREADS`` chunks of draws at once, each of
    ``max(1, CHUNK_BUDGET_BYTES // cost)`` draws, plus the sample of ``A`` and ``B`` (and
    the calculator's ``kappa`` and sorted copies). One draw of ``J`` filters needs about
    ``(J T + 2.5 J L + 3 N)`` numbers at stride 1 (``L`` the FFT length, ``~2T`` or ``N``)
    and ``(J T + 3.5 J N + 2 N d + 4 N)`` at stride ``d``. When the cost rule of
    :func:`randfb.lp_extremes.use_fine_grid` picks the fine grid at stride 1, nothing has
    length ``N``: about ``J T + 2.5 J L`` numbers and ``40`` bytes per fine-grid point.

    Examples
    --------
    >>> from randfb.calculator import estimate_simulation
    >>> estimate_simulation(10**12, J=8, T=64, n_draws=1000, stride=2).bytes > 10**13
    True
    >>> estimate_simulation(10**12, J=8, T=64, n_draws=1000).bytes < 10**9   # fine grid
    True
    """
    itemsize = np.dtype(dtype).itemsize
    per_draw = _per_draw_bytes(N, J, T, stride, itemsize)
    draws = min(n_draws, _simulate_chunk_draws(N, J, T, stride))
    concurrent = min(N_THREADS, math.ceil(n_draws / draws))
    memory = concurrent * draws * per_draw + 6 * 8 * n_draws
    if stride == 1 and use_fine_grid(T, N):
        memory += concurrent * evaluation_bytes(T, draws)
    seconds = n_draws * _per_draw_seconds(N, J, T, stride) / concurrent
    return ResourceEstimate(int(memory), float(seconds))


def _bounds_chunk_filters(N, T, stride):
    per_filter = 16 * _lp_fft_length(T, N) if stride == 1 else 32 * N
    return max(1, CHUNK_BUDGET_BYTES // per_filter)


def estimate_filterbank_bounds(N, J, T, stride=1) -> ResourceEstimate:
    """Memory and time of :func:`filterbank_bounds` for ``J`` filters of length ``T``.

    Chunks of filters are transformed in turn; at stride 1 their power spectra (length
    ``L``) are summed and one transform of length ``N`` follows; at stride ``d`` the
    ``N / (2d) + 1`` polyphase matrices (``d x d``, complex) are summed and diagonalised.

    Examples
    --------
    >>> from randfb.calculator import estimate_filterbank_bounds
    >>> estimate_filterbank_bounds(10**9, J=128, T=512, stride=4).bytes > 10**11
    True
    """
    c = min(J, _bounds_chunk_filters(N, T, stride))
    if stride == 1 and use_fine_grid(T, N):  # the fine grid: no array of length N
        memory = 8 * J * T + 24 * c * _lp_fft_length(T, N) + 40 * fine_grid_length(T)
        memory += evaluation_bytes(T, 1)
    elif stride == 1:
        memory = 8 * J * T + 24 * c * _lp_fft_length(T, N) + 32 * N
    elif _use_correlation(J, T, N, stride):
        memory = 8 * _correlation_numbers(c, T, N, stride) + 8 * J * T + 32 * (N // stride)
    else:
        memory = 8 * J * T + 24 * c * N + 24 * N * stride + 8 * N
    # The same transforms as one simulated draw of J filters, hence the same time.
    seconds = _per_draw_seconds(N, J, T, stride)
    return ResourceEstimate(int(memory), float(seconds))


def check_memory(estimate, what, *, available=None) -> None:
    """Raise :class:`InsufficientMemory` if ``estimate`` exceeds the available memory.

    The message says what would not fit and how much it would need, in one line.
    """
    available = available_memory() if available is None else available
    if estimate.bytes > available:
        raise InsufficientMemory(
            f"{what} would need about {format_bytes(estimate.bytes)} of memory, more than "
            f"the {format_bytes(available)} available on this machine")


# ------------------------------------------------------------------ simulating a layer


def _simulate(N, J, T, n_draws, stride, entropy, progress):
    """``(A, B, dtype)``: float32 draws, redone in float64 if any draw is near-singular.

    ``entropy`` (an int, a list of ints, or None for fresh entropy) seeds both attempts
    through a new :class:`numpy.random.SeedSequence` each (spawning changes a sequence),
    so a seed gives the same result every time. A layer that can be a frame is one almost surely;
    float32 could still round a tiny ``A`` to 0, hence the float64 pass wherever
    ``kappa > FLOAT32_KAPPA_LIMIT`` in some draw.
    """
    if entropy is None:
        entropy = np.random.SeedSequence().entropy

    def generator():
        return np.random.default_rng(np.random.SeedSequence(entropy))

    A, B = simulate_frame_bounds(N, J, T, n_draws, stride=stride, rng=generator(),
                                 progress=progress)
    if can_be_frame(J, T, stride) and np.any(A * FLOAT32_KAPPA_LIMIT < B):
        check_memory(estimate_simulation(N, J, T, n_draws, stride, np.float64),
                     f"recomputing {n_draws} draws in float64")
        A, B = simulate_frame_bounds(N, J, T, n_draws, stride=stride,
                                     rng=generator(), progress=progress,
                                     dtype=np.float64)
        return A, B, "float64"
    return A, B, "float32"


def _kappa_summary(A, B, moments):
    """:class:`Summary` of ``kappa = B / A`` with what ``moments`` proves of its mean and
    variance (no mean where it is infinite, no standard error where the variance is)."""
    return summarize(kappa_from_bounds(A, B), mean_finite=moments.mean_finite,
                     variance_finite=moments.variance_finite)


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
    moments: KappaMoments = None
    gain_range: tuple = (1.0, 1.0)
    precision: str = "float32"

    @property
    def energy_preserving(self) -> bool:
        """``E||Phi x||^2 = ||x||^2`` for every ``x`` (true exactly when ``d | T``)."""
        return self.gain_range == (1.0, 1.0)

    def as_dict(self) -> dict:
        return {
            "layer": {"N": self.N, "J": self.J, "T": self.T, "stride": self.stride,
                      "sigma": self.sigma},
            "draws": self.n_draws, "seed": self.seed,
            "A": self.A.as_dict(), "B": self.B.as_dict(), "kappa": self.kappa.as_dict(),
            "frame_fraction": self.frame_fraction, "kappa_tilde": self.kappa_tilde,
            "kappa_moments": self.moments.as_dict(),
            "energy_preserving": self.energy_preserving,
            "expected_gain_range": list(self.gain_range), "precision": self.precision,
        }


def random_layer_summary(N, J, T, n_draws, *, stride=1, seed=0, progress=False) -> LayerSummary:
    """Distribution of ``A``, ``B`` and ``kappa`` of random Gaussian layers of one shape.

    Draws ``n_draws`` filterbanks of ``J`` filters of length ``T`` with i.i.d.
    ``N(0, sigma^2)`` weights at ``sigma = sqrt(stride / (J T))`` (the default of
    :func:`randfb.simulate_frame_bounds`; energy-preserving, ``E||Phi x||^2 = ||x||^2`` for
    every ``x``, when the stride divides ``T``: see :func:`expected_gain_range`), computes
    their optimal frame bounds exactly, and summarises them.

    * ``A = 0`` is decided exactly: when ``J < stride`` or ``T < stride`` the layer is never
      a frame (:func:`randfb.can_be_frame`; ``kappa = inf`` in every draw), otherwise it is
      one almost surely, and the draws are redone in float64 if float32 leaves some ``A``
      near its resolution (``kappa > FLOAT32_KAPPA_LIMIT``).
    * The summary of ``kappa`` follows :func:`kappa_moments`: its ``mean`` is ``inf`` where
      ``E[kappa] = inf`` (``J <= d + 1`` with ``d | T``, ``T >= 2d`` or ``T = d``), and its
      standard error NaN where ``Var[kappa]`` is infinite (``J <= d + 3``) or not known to
      be finite; the median and quantiles are then the summary to read.
    * ``frame_fraction`` is the fraction of draws with ``A > 0``; ``kappa_tilde`` the
      paper's stride-1 prediction ``(1 + 2 r) / (1 - 2 r)``, ``r = sqrt(log T / J)``, NaN
      where ``J <= 4 log T``.

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

    Raises
    ------
    InsufficientMemory
        If the simulation would need more memory than is available (checked first).

    Examples
    --------
    >>> from randfb.calculator import random_layer_summary
    >>> s = random_layer_summary(256, J=16, T=16, n_draws=200, seed=0)
    >>> bool(s.A.q05 <= s.A.median <= s.A.q95 < 1 < s.B.q05 <= s.B.median <= s.B.q95)
    True
    >>> random_layer_summary(256, J=2, T=16, n_draws=50, seed=0).kappa.mean   # E = inf
    inf
    """
    N = check_int(N, "N", minimum=1)
    J, T = check_filter_shape(J, T, N)
    n_draws = check_n_draws(n_draws)
    stride = check_stride(stride, N)
    if seed is not None:
        seed = check_int(seed, "seed", minimum=0)
    check_memory(estimate_simulation(N, J, T, n_draws, stride, np.float32),
                 f"simulating {n_draws} random layers of J = {J} filters at N = {N}")
    A, B, precision = _simulate(N, J, T, n_draws, stride, seed, progress)
    moments = kappa_moments(J, T, stride)
    return LayerSummary(
        N=N, J=J, T=T, stride=stride, sigma=float(np.sqrt(stride / (J * T))),
        n_draws=n_draws, seed=seed, A=summarize(A), B=summarize(B),
        kappa=_kappa_summary(A, B, moments),
        frame_fraction=float(np.mean(A > 0)), kappa_tilde=float(kappa_tilde(J, T)),
        moments=moments, gain_range=expected_gain_range(J, T, stride), precision=precision,
    )


# ------------------------------------------------------------------ the search over J


@dataclass(frozen=True)
class JSearch:
    """Result of :func:`smallest_J_for_kappa`.

    ``J`` is the smallest number of filters found whose simulated mean ``kappa`` is at most
    ``target_kappa`` (None if ``J_max`` does not reach it, or no ``J`` can: ``T < d``);
    ``evaluations`` maps every ``J`` simulated during the search to the :class:`Summary`
    of its ``kappa``. ``J_start`` is where the search began (the smallest ``J`` with a
    finite mean); ``memory_limited`` says that ``J_max`` was lowered to what fits in memory.
    """

    target_kappa: float
    J: int | None
    J_max: int
    n_draws: int
    evaluations: dict = field(default_factory=dict)
    J_start: int = 1
    memory_limited: bool = False

    @property
    def mean_kappa(self) -> float | None:
        return None if self.J is None else self.evaluations[self.J].mean

    def as_dict(self) -> dict:
        return {
            "target_kappa": self.target_kappa, "J": self.J, "J_max": self.J_max,
            "J_start": self.J_start, "draws": self.n_draws,
            "memory_limited": self.memory_limited,
            "evaluations": [{"J": J, "draws": s.count, "mean_kappa": s.mean,
                             "mean_standard_error": s.standard_error}
                            for J, s in sorted(self.evaluations.items())],
        }


def _largest_J_that_fits(N, T, n_draws, stride, J_max, available):
    """Largest ``J <= J_max`` whose simulation fits in ``available`` bytes (0 if none)."""
    def too_big(J):  # monotone in J, as _smallest_passing needs
        return estimate_simulation(N, J, T, n_draws, stride).bytes > available

    first_too_big = _smallest_passing(too_big, 1, J_max)
    return J_max if first_too_big is None else first_too_big - 1


def smallest_J_for_kappa(N, T, target_kappa, *, stride=1, n_draws=200, seed=0, J_max=4096,
                         progress=False, known=None) -> JSearch:
    """Smallest number of filters ``J`` whose simulated mean condition number is ``<= target``.

    The mean of ``kappa`` over random layers at ``sigma = sqrt(stride / (J T))`` decreases
    with ``J`` (more filters average the Littlewood-Paley sum over more chi-squared terms;
    the chapters on condition numbers and strided filterbanks show it numerically). It is
    infinite for ``J <= d + 1`` (proved for ``d | T`` with ``T >= 2d`` or ``T = d``:
    :func:`randfb.kappa_moment_threshold`), so no smaller ``J`` can meet a finite target
    and a sample mean there means nothing: the search starts at ``J = d + 2``
    (:func:`first_J_with_finite_mean`), doubles ``J`` until the target is met, then bisects
    between the last failure and the first success, about ``2 log2(J / (d + 2))``
    simulations of ``n_draws`` layers each. Every ``J`` gets its own random stream from
    ``(seed, J)``, so the estimate at a given ``J`` does not depend on the path of the
    search. Near the answer the Monte Carlo error of the mean can move it by a filter or
    two; for ``J <= d + 3`` the variance of ``kappa`` is infinite and the sample mean
    converges slowly. ``J_max`` is lowered to the largest ``J`` whose simulation fits in
    memory.

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
    J_max : int, >= stride + 2
        Largest ``J`` tried; ``J`` is None in the result if the target is not met there.
    progress : bool or callable
        ``True`` prints the simulators' progress on stderr; a callable is called as
        ``progress(J, done, total)`` while simulating at ``J``.
    known : dict, optional
        ``{J: Summary}`` of ``kappa`` already simulated (e.g. the layer the user asked
        about); used instead of simulating at those ``J``. The doubling stops at the
        smallest known ``J`` that meets the target, and ``J_max`` is raised to it, so the
        answer never exceeds it.

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
    start = first_J_with_finite_mean(stride)
    J_max = check_int(J_max, "J_max", minimum=start)
    if seed is not None:
        seed = check_int(seed, "seed", minimum=0)
    evaluations: dict[int, Summary] = {}
    ceiling = None
    for J, s in (known or {}).items():
        J = check_int(J, "known J", minimum=1)
        if J >= start:
            evaluations[J] = s
            if s.mean <= target and (ceiling is None or J < ceiling):
                ceiling = J
    if ceiling is not None:
        J_max = max(J_max, ceiling)
    if T < stride:  # never a frame, whatever J
        return JSearch(target, None, J_max, n_draws, evaluations, start)
    available = available_memory()
    fitting = _largest_J_that_fits(N, T, n_draws, stride, J_max, available)
    if fitting < start:
        check_memory(estimate_simulation(N, start, T, n_draws, stride),
                     f"the search over J (from J = {start}, {n_draws} draws each)",
                     available=available)
    memory_limited = fitting < J_max
    if memory_limited:
        J_max = fitting
        if ceiling is not None and ceiling > J_max:
            J_max = ceiling  # known: nothing beyond it is simulated

    def passes(J):
        if J not in evaluations:
            entropy = None if seed is None else [seed, J]
            report = functools.partial(progress, J) if callable(progress) else progress
            A, B, _ = _simulate(N, J, T, n_draws, stride, entropy, report)
            evaluations[J] = _kappa_summary(A, B, kappa_moments(J, T, stride))
        return evaluations[J].mean <= target

    found = _smallest_passing(passes, start, J_max, ceiling)
    return JSearch(target, found, J_max, n_draws, evaluations, start, memory_limited)


def _smallest_passing(passes, start, maximum, ceiling=None):
    """Smallest integer ``n`` in ``start..maximum`` with ``passes(n)``, or None.

    ``passes`` must be monotone (false, then true from some ``n`` on). Doubling from
    ``start`` finds a passing ``n`` in ``O(log n)`` calls, then bisection between the last
    failing value and it finds the smallest. A ``ceiling`` known to pass caps the doubling.
    """
    top = maximum if ceiling is None else min(maximum, ceiling)
    lo, hi = start - 1, min(start, top)  # lo fails (or lies below the range)
    while not passes(hi):
        if hi >= top:
            return None
        lo, hi = hi, min(2 * hi, top)
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


#: Above this condition number ``A`` is at round-off level relative to ``B``: float64
#: spectra of ``J`` filters carry an absolute error of order ``1e-16 J T B`` on ``A``, so
#: an ``A`` below ``1e-12 B`` cannot be told from 0 (e.g. float32 filters whose mean was
#: removed, where ``A`` at frequency 0 is the rounding of a sum that is exactly 0).
NUMERICALLY_SINGULAR = 1e12


@dataclass(frozen=True)
class FilterbankBounds:
    """Frame bounds of one filterbank (see :func:`filterbank_bounds`).

    ``kappa`` is ``B / A``, ``inf`` when ``A = 0 < B`` (not a frame) and NaN for the zero
    layer (``A = B = 0``: ``0 / 0``). ``A_bin`` and ``B_bin`` say where the bounds are
    reached: at stride 1 the DFT bin ``k`` (``0 <= k <= N/2``, frequency ``k / N`` cycles
    per sample) where the Littlewood-Paley sum is smallest or largest; at stride ``d`` the
    polyphase frequency ``m`` (``0 <= m <= N/(2d)``) whose matrix ``P(m)`` has the
    smallest or largest eigenvalue, which mixes the input bins ``m + r N/d``,
    ``r = 0..d-1`` (:meth:`aliased_bins`). None where not computed.

    :attr:`verdict` is the one reading of the numbers that the table and the JSON share:
    ``"zero layer"``, ``"not a frame"`` (``A = 0``), ``"numerically not a frame"``
    (``kappa > NUMERICALLY_SINGULAR``: ``A`` at round-off level) or ``"frame"``;
    :attr:`is_frame` is true only for the last.
    """

    N: int
    J: int
    T: int
    stride: int
    A: float
    B: float
    A_bin: int | None = None
    B_bin: int | None = None

    @property
    def is_zero(self) -> bool:
        return self.B == 0

    @property
    def kappa(self) -> float:
        if self.is_zero:
            return math.nan
        return float(kappa_from_bounds(self.A, self.B))

    @property
    def verdict(self) -> str:
        if self.is_zero:
            return "zero layer"
        if not self.A > 0:
            return "not a frame"
        if self.kappa > NUMERICALLY_SINGULAR:
            return "numerically not a frame"
        return "frame"

    @property
    def is_frame(self) -> bool:
        return self.verdict == "frame"

    def aliased_bins(self, m) -> list[int]:
        """The input DFT bins ``m + r N/d`` that the polyphase frequency ``m`` mixes."""
        M = self.N // self.stride
        return [m + r * M for r in range(self.stride)]

    def _where(self, k, sample_rate) -> dict | None:
        if k is None:
            return None
        where = {"bin": k, "cycles_per_sample": k / self.N,
                 "hz": None if sample_rate is None else k * sample_rate / self.N}
        if self.stride > 1:
            where["aliased_bins"] = self.aliased_bins(k)
        return where

    def as_dict(self, sample_rate=None) -> dict:
        """JSON-ready fields; ``sample_rate`` (Hz) adds the frequencies in Hz."""
        return {"filters": {"N": self.N, "J": self.J, "T": self.T, "stride": self.stride},
                "A": self.A, "B": self.B, "kappa": self.kappa, "verdict": self.verdict,
                "is_frame": self.is_frame, "is_zero": self.is_zero,
                "numerically_singular_above": NUMERICALLY_SINGULAR,
                "A_at": self._where(self.A_bin, sample_rate),
                "B_at": self._where(self.B_bin, sample_rate)}


def _extreme_bins(total, stride):
    """``(A_bin, B_bin)``: where the smallest and the largest eigenvalue are reached."""
    if stride == 1:
        return int(np.argmin(total)), int(np.argmax(total))
    eig = np.linalg.eigvalsh(total)  # (frequencies, d), ascending
    return int(np.argmin(eig[:, 0])), int(np.argmax(eig[:, -1]))


def bound_curves(w, N, stride=1):
    """``(frequencies, curves)``: the curves whose extremes are ``A`` and ``B``, to plot.

    Stride 1: the Littlewood-Paley sum ``sum_j |w_hat_j|^2`` at the frequencies
    ``k / N``, ``k = 0..N/2`` (cycles per sample), shape ``(N//2 + 1, 1)``; when ``T << N``
    (:func:`randfb.lp_extremes.use_fine_grid`) on a grid of
    :func:`randfb.lp_extremes.fine_grid_length` points instead, about ``32 T``, which
    samples the same trigonometric polynomial finely without an array of length ``N``.
    Stride ``d``: the ``d`` eigenvalues of the polyphase matrices ``P(m)`` at
    ``m / N``, ``m = 0..N/(2d)``, ascending, shape ``(N//(2d) + 1, d)``. ``A`` is the
    minimum of the first column over the ``N``-grid, ``B`` the maximum of the last.

    Examples
    --------
    >>> import numpy as np
    >>> from randfb.calculator import bound_curves
    >>> f, lp = bound_curves(np.array([[1.0, 1.0]]), 8)     # |1 + e^{-i w}|^2
    >>> f.tolist(), lp[:, 0].round(3).tolist()
    ([0.0, 0.125, 0.25, 0.375, 0.5], [4.0, 3.414, 2.0, 0.586, 0.0])
    """
    N = check_int(N, "N", minimum=1)
    w = np.asarray(check_filters(w, N), dtype=np.float64)
    stride = check_stride(stride, N)
    J, T = w.shape
    if stride == 1:
        grid = fine_grid_length(T) if use_fine_grid(T, N) else N
        L = _lp_fft_length(T, grid)
        spectrum = scipy.fft.rfft(w, n=L, axis=-1)
        power = (spectrum.real**2 + spectrum.imag**2).sum(axis=0)
        lp = _lp_from_power(power, L, T, grid)
        return np.arange(lp.size) / grid, lp[:, None]
    eig = np.clip(np.linalg.eigvalsh(_polyphase_component_grams(w, N, stride)), 0.0, None)
    return np.arange(eig.shape[0]) / N, eig


def filterbank_bounds(w, N, stride=1, *, progress=False) -> FilterbankBounds:
    """Optimal frame bounds ``A``, ``B`` of a filterbank, accumulated over chunks of filters.

    Equal to :func:`randfb.frame_bounds` (to round-off), computed in float64 whatever the
    dtype of ``w``. Stride 1: the power spectra ``|w_hat_j|^2`` of chunks of filters, on
    ``L ~ 2T`` points (or ``N`` if shorter), are summed, and one transform of length ``N``
    gives the Littlewood-Paley sum ``sum_j |w_hat_j[k]|^2`` on all ``N`` bins; for
    ``T << N`` its extremes come instead from a fine grid of ``O(T)`` points and a
    certified refinement (:mod:`randfb.lp_extremes`), without any array of length ``N``.
    Stride ``d``:
    the polyphase matrices ``P(m) = (1/d) sum_j conj(V_j(m)) V_j(m)^T`` are summed over
    chunks. Chunks fit in :data:`randfb.simulate.CHUNK_BUDGET_BYTES`; progress is reported
    per chunk. When ``J < d`` or ``T < d`` the layer is not a frame and ``A = 0`` exactly
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

    Raises
    ------
    InsufficientMemory
        If the computation would need more memory than is available (checked first).

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
    check_memory(estimate_filterbank_bounds(N, J, T, stride),
                 f"the frame bounds of J = {J} filters at N = {N}, stride {stride}")
    w = np.asarray(w, dtype=np.float64)
    chunk = _bounds_chunk_filters(N, T, stride)
    report = _filter_progress(progress)
    L = _lp_fft_length(T, N)
    correlate = stride > 1 and _use_correlation(J, T, N, stride)
    total, done = None, 0
    for start in range(0, J, chunk):
        part = w[start:start + chunk]
        if stride == 1:
            spectrum = scipy.fft.rfft(part, n=L, axis=-1)
            term = (spectrum.real**2 + spectrum.imag**2).sum(axis=0)
        elif correlate:
            term = _component_cross_correlations(part, stride)
        else:
            term = _polyphase_component_grams(part, N, stride)
        total = term if total is None else total + term  # additive over filters
        done += part.shape[0]
        if report is not None:
            report(done, J)
    if stride == 1 and use_fine_grid(T, N):
        r = scipy.fft.irfft(total, n=L)[:T]
        A, B, A_bin, B_bin = lp_extremes_from_lags(r, N, return_bins=True)
        return FilterbankBounds(N=N, J=J, T=T, stride=stride, A=max(float(A), 0.0),
                                B=float(B), A_bin=int(A_bin), B_bin=int(B_bin))
    if stride == 1:
        total = _lp_from_power(total, L, T, N)
    elif correlate:
        total = _blocks_from_cross_correlations(total, T, N, stride)
    A, B = (float(v) for v in _bounds_of_blocks(total, J, T, stride))
    A_bin, B_bin = _extreme_bins(total, stride)
    if not can_be_frame(J, T, stride):
        A_bin = None  # A = 0 at every frequency: no place to point at
    return FilterbankBounds(N=N, J=J, T=T, stride=stride, A=A, B=B, A_bin=A_bin,
                            B_bin=B_bin)
