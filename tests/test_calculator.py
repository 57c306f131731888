"""The calculator's theory-aware summaries, its search start and its resource estimates.

What the book proves about the moments of kappa (randfb.kappa_moment_threshold) decides
what the calculator may report: no mean where E[kappa] = inf, no standard error where
Var[kappa] = inf or is not known to be finite. Layers that are frames almost surely are
never reported as "A = 0" from float32 round-off.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

import randfb
from randfb import calculator
from randfb.calculator import (
    InsufficientMemory,
    estimate_filterbank_bounds,
    estimate_simulation,
    expected_gain_range,
    filterbank_bounds,
    first_J_with_finite_mean,
    kappa_moments,
    random_layer_summary,
    smallest_J_for_kappa,
    summarize,
)
from randfb.lp_extremes import use_fine_grid
from randfb.strided import expected_polyphase_matrix


def test_summarize_drops_what_the_theory_forbids(rng):
    v = rng.exponential(size=100)
    assert summarize(v, mean_finite=False).mean == math.inf
    assert math.isnan(summarize(v, variance_finite=False).standard_error)
    assert math.isnan(summarize(v, variance_finite=None).standard_error)
    s = summarize(v, variance_finite=False)
    assert s.mean == pytest.approx(v.mean()) and s.median == pytest.approx(np.median(v))
    one = summarize([2.5])
    assert one.mean == 2.5 and math.isnan(one.standard_error) and one.count == 1


@pytest.mark.parametrize(("J", "T", "stride", "mean", "variance"), [
    (2, 64, 1, False, False),   # p* = 1
    (3, 64, 1, True, False),    # p* = 1.5
    (4, 64, 1, True, False),    # p* = 2
    (5, 64, 1, True, True),     # p* = 2.5
    (8, 64, 8, False, False),   # J = d: p* = 1/2
    (11, 64, 8, True, False),   # J = d + 3: p* = 2
    (12, 64, 8, True, True),
    (8, 30, 4, None, None),     # 4 does not divide 30: not proved
    (8, 6, 4, None, None),      # T < 2d: not proved
])
def test_kappa_moments_follow_the_threshold(J, T, stride, mean, variance):
    m = kappa_moments(J, T, stride)
    assert m.threshold == randfb.kappa_moment_threshold(J, T, stride)
    assert (m.mean_finite, m.variance_finite) == (mean, variance)


def test_first_J_with_finite_mean_is_the_threshold_crossing():
    for d in (1, 2, 4, 8):
        J = first_J_with_finite_mean(d)
        assert kappa_moments(J, 8 * d, d).mean_finite
        assert not kappa_moments(J - 1, 8 * d, d).mean_finite


@pytest.mark.parametrize(("J", "T", "stride"), [(5, 32, 4), (5, 30, 4), (3, 7, 3), (6, 64, 1)])
def test_expected_gain_range_is_the_spectrum_of_the_expected_polyphase_matrix(J, T, stride):
    eig = np.linalg.eigvalsh(expected_polyphase_matrix(J, T, stride))
    lo, hi = expected_gain_range(J, T, stride)
    assert (lo, hi) == pytest.approx((eig[0], eig[-1]), abs=1e-12)
    assert ((lo, hi) == (1.0, 1.0)) == (T % stride == 0)


def test_a_frame_at_J_equal_to_the_stride_is_never_reported_as_A_zero():
    # J = d = 8, T = 64, N = 1024: a frame almost surely, but kappa reaches ~1e9 and
    # float32 rounds some A to 0 (seed 0: 1 of 1000 draws). The calculator redoes it in
    # float64, and E[kappa] = inf (p* = 1/2): no mean.
    N, J, T, d, n = 1024, 8, 64, 8, 300
    A32, B32 = randfb.simulate_frame_bounds(N, J, T, n, stride=d, rng=0)
    assert np.any(A32 * calculator.FLOAT32_KAPPA_LIMIT < B32)  # near float32's resolution
    s = random_layer_summary(N, J, T, n, stride=d, seed=0)
    assert s.precision == "float64" and s.frame_fraction == 1.0
    A, B = randfb.simulate_frame_bounds(N, J, T, n, stride=d, rng=0, dtype=np.float64)
    assert s.A.median == pytest.approx(np.median(A), rel=1e-12)
    assert s.kappa.median == pytest.approx(np.median(B / A), rel=1e-12)
    assert s.kappa.mean == math.inf and math.isnan(s.kappa.standard_error)
    assert math.isfinite(s.kappa.q95)


def test_infinite_variance_keeps_the_sample_mean_without_standard_error():
    s = random_layer_summary(512, 4, 32, 200, seed=1)  # p* = 2
    A, B = randfb.simulate_frame_bounds(512, 4, 32, 200, rng=1)
    assert s.kappa.mean == pytest.approx(np.mean(B / A), rel=1e-12)
    assert math.isnan(s.kappa.standard_error) and s.precision == "float32"
    s = random_layer_summary(512, 6, 32, 200, seed=1)  # p* = 3: both finite
    assert math.isfinite(s.kappa.standard_error)


def test_never_a_frame_is_decided_exactly():
    s = random_layer_summary(64, 3, 8, 40, stride=4, seed=0)
    assert s.frame_fraction == 0.0 and s.A.q95 == 0.0 and s.kappa.median == math.inf
    assert s.moments.threshold == 0


def test_search_starts_where_the_mean_is_finite():
    r = smallest_J_for_kappa(256, 32, 4.0, stride=4, n_draws=40, seed=2)
    assert r.J_start == 6 == min(r.evaluations)
    assert all(J >= 6 for J in r.evaluations)
    assert r.evaluations[r.J].mean <= 4.0 < r.evaluations[r.J - 1].mean
    # Filters shorter than the stride: no J helps, nothing is simulated.
    r = smallest_J_for_kappa(64, 2, 3.0, stride=4, n_draws=10)
    assert r.J is None and r.evaluations == {}


def test_search_never_exceeds_a_known_passing_J():
    known = random_layer_summary(128, 40, 16, 200, seed=0).kappa
    assert known.mean <= 3.0
    r = smallest_J_for_kappa(128, 16, 3.0, n_draws=60, seed=0, J_max=10, known={40: known})
    assert r.J is not None and r.J <= 40 and r.J_max == 40
    assert max(r.evaluations) <= 40


def test_estimates_bound_the_measured_peak_memory():
    import tracemalloc

    # The fine-grid path (stride 1, T << N) holds a few MB of refinement temporaries
    # whose size depends on the draw: there the estimate may exceed 4 x peak by 8 MiB.
    slack = 8 * 2**20
    for N, J, T, d in [(2**16, 8, 64, 1), (2**16, 8, 2**15, 1), (2**15, 8, 64, 4),
                       (2**20, 40, 1024, 1), (10**9, 40, 8, 1)]:
        tracemalloc.start()
        randfb.simulate_frame_bounds(N, J, T, 2, stride=d, rng=0)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        extra = slack if d == 1 and use_fine_grid(T, N) else 0
        estimate = estimate_simulation(N, J, T, 2, d, np.float32).bytes
        assert peak <= estimate <= 4 * peak + extra
        w = np.random.default_rng(0).standard_normal((J, T))
        tracemalloc.start()
        filterbank_bounds(w, N, d)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak <= estimate_filterbank_bounds(N, J, T, d).bytes <= 4 * peak + extra


def test_huge_layers_are_refused_before_anything_is_allocated():
    start = time.perf_counter()
    # Strided layers hold arrays of length N (stride 1 with T << N does not).
    with pytest.raises(InsufficientMemory, match="would need about .* TB of memory"):
        random_layer_summary(10**12, 8, 64, 1000, stride=2)
    with pytest.raises(InsufficientMemory, match="would need about"):
        filterbank_bounds(np.ones((4, 8)), 10**12, stride=2)
    with pytest.raises(InsufficientMemory, match="the search over J"):
        smallest_J_for_kappa(10**12, 64, 3.0, stride=2)
    assert time.perf_counter() - start < 5


def test_search_lowers_J_max_to_what_fits(monkeypatch):
    one = estimate_simulation(1024, 12, 64, 20).bytes
    monkeypatch.setattr(calculator, "available_memory", lambda: one)
    r = smallest_J_for_kappa(1024, 64, 1.05, n_draws=20, seed=0, J_max=64)
    assert r.memory_limited and r.J is None and 3 <= r.J_max <= 12
    assert max(r.evaluations) == r.J_max


def test_zero_layer_is_neither_a_frame_nor_infinitely_conditioned():
    r = filterbank_bounds(np.zeros((4, 8)), 64, 2)
    assert r.A == r.B == 0 and r.is_zero and math.isnan(r.kappa)
    assert not filterbank_bounds(np.array([[1.0, 1.0]]), 4).is_zero


def test_filterbank_bounds_are_float64_for_float32_weights(rng):
    w = rng.standard_normal((6, 20)).astype(np.float32)
    r = filterbank_bounds(w, 64)
    A, B = randfb.frame_bounds(w.astype(np.float64), 64)
    assert (r.A, r.B) == pytest.approx((float(A), float(B)), rel=1e-12)


def test_library_progress_starts_before_the_first_chunk(capsys):
    from randfb._progress import Progress

    Progress(7, "work", True)
    assert capsys.readouterr().err.startswith("\rwork: 0/7 draws")
    randfb.simulate_frame_bounds(32, 4, 8, 20, rng=0, progress=True)
    err = capsys.readouterr().err
    assert err.index(": 0/20 draws") < err.index(": 20/20 draws")


# ------------------------------------------------ reporting choices that a mutant could flip


def test_unproved_finiteness_gives_the_sample_mean_without_standard_error():
    """d = 4 does not divide T = 10: the book proves nothing about E[kappa], so the mean is
    the sample mean (not inf, which only a proof of E[kappa] = inf allows) and there is
    no standard error."""
    N, J, T, d, n, seed = 64, 8, 10, 4, 60, 3
    assert kappa_moments(J, T, d).mean_finite is None
    s = random_layer_summary(N, J, T, n, stride=d, seed=seed)
    A, B = randfb.simulate_frame_bounds(N, J, T, n, stride=d, rng=seed)
    assert s.precision == "float32"
    assert s.kappa.mean == pytest.approx(np.mean(B / A), rel=1e-12)
    assert math.isnan(s.kappa.standard_error)
    v = np.array([1.0, 2.0, 4.0])
    assert summarize(v, mean_finite=None, variance_finite=None).mean == pytest.approx(7 / 3)
    assert math.isnan(summarize(v, mean_finite=None, variance_finite=None).standard_error)


@pytest.mark.parametrize(("J", "T", "d"), [(8, 16, 4), (6, 30, 4), (5, 9, 3)])
def test_sigma_at_stride_d_is_sqrt_d_over_JT(J, T, d):
    s = random_layer_summary(12 * d, J, T, 20, stride=d, seed=0)
    assert s.sigma == math.sqrt(d / (J * T))
    assert s.as_dict()["layer"]["sigma"] == math.sqrt(d / (J * T))


def test_filters_as_long_as_the_stride_can_be_a_frame_and_are_searched():
    """T = d: each filter has one tap per polyphase component, P(m) = W^T W / d is the
    same at every m, a frame once J >= d; the search must run (only T < d is hopeless)."""
    N, T, d = 64, 4, 4
    s = random_layer_summary(N, 8, T, 50, stride=d, seed=0)
    assert s.frame_fraction == 1.0 and math.isfinite(s.kappa.median)
    r = smallest_J_for_kappa(N, T, 10.0, stride=d, n_draws=40, seed=0, J_max=256)
    assert r.evaluations and r.J is not None
    assert r.evaluations[r.J].mean <= 10.0 < r.evaluations[r.J - 1].mean


def test_non_frames_are_never_recomputed_in_float64(monkeypatch):
    """J < d: A = 0 exactly in every draw; kappa = inf exceeds any limit, but there is
    nothing for float64 to resolve, so the draws are simulated once, in float32."""
    dtypes = []
    simulate = calculator.simulate_frame_bounds

    def recording(*args, **kwargs):
        dtypes.append(np.dtype(kwargs.get("dtype", np.float32)))
        return simulate(*args, **kwargs)

    monkeypatch.setattr(calculator, "simulate_frame_bounds", recording)
    s = random_layer_summary(64, 3, 8, 30, stride=4, seed=0)
    assert s.frame_fraction == 0.0 and s.precision == "float32"
    assert dtypes == [np.float32]


def _fake_simulator(kappa_of_one_draw, calls):
    def simulate(N, J, T, n_draws, *, stride=1, rng=None, progress=False, dtype=None):
        calls.append(np.dtype(dtype or np.float32))
        B = np.ones(n_draws)
        A = np.full(n_draws, 0.5)
        A[0] = 1 / kappa_of_one_draw
        return A, B
    return simulate


@pytest.mark.parametrize(("kappa", "precision"), [(1e5, "float64"), (2e4, "float64"),
                                                  (5e3, "float32"), (1e3, "float32")])
def test_the_float64_pass_starts_at_kappa_1e4(kappa, precision, monkeypatch):
    """The switch is pinned: one draw with kappa = 1e5 (or 2e4) forces the float64 pass,
    kappa = 5e3 does not. FLOAT32_KAPPA_LIMIT = 1e4 (float32 leaves ~1e-7 B on A)."""
    assert calculator.FLOAT32_KAPPA_LIMIT == 1e4
    calls = []
    monkeypatch.setattr(calculator, "simulate_frame_bounds", _fake_simulator(kappa, calls))
    s = random_layer_summary(64, 8, 16, 10, seed=0)
    assert s.precision == precision
    expected = [np.float32] + ([np.float64] if precision == "float64" else [])
    assert calls == [np.dtype(t) for t in expected]
