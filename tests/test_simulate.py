"""The Monte Carlo simulators (randfb.simulate): reproducibility, threads, chunks, progress.

Statistical checks use fixed seeds and 5 standard errors; reproducibility checks compare
arrays exactly.
"""

import numpy as np
import pytest
import scipy.stats

import randfb.simulate
from randfb import (
    brownian_noise,
    energy_mean,
    energy_variance,
    filterbank_energy,
    frame_bounds,
    impulse,
    random_filterbank,
    simulate_energy,
    simulate_frame_bounds,
)

X = brownian_noise(256, rng=5)

# Every seeded generator of randfb, as a function of the seed.
GENERATORS = {
    "random_filterbank": lambda seed: random_filterbank(6, 16, size=50, rng=seed),
    "brownian_noise": lambda seed: brownian_noise(512, rng=seed),
    "energy_convolution": lambda seed: simulate_energy(X, 6, 16, 300, rng=seed),
    "energy_spectral": lambda seed: simulate_energy(X, 6, 16, 300, rng=seed, method="spectral"),
    "frame_bounds_stride_1": lambda seed: np.stack(simulate_frame_bounds(64, 6, 16, 300,
                                                                         rng=seed)),
    "frame_bounds_stride_2": lambda seed: np.stack(simulate_frame_bounds(64, 6, 16, 300, stride=2,
                                                                         rng=seed)),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_numbers_other_seed_other_numbers(name):
    make = GENERATORS[name]
    first = make(123)
    np.testing.assert_array_equal(make(123), first)
    np.testing.assert_array_equal(make(np.random.default_rng(123)), first)
    assert not np.array_equal(make(124), first)
    assert np.all(np.isfinite(first))


def test_a_generator_passed_in_is_advanced():
    # Two calls with the same Generator object draw different numbers.
    gen = np.random.default_rng(0)
    assert not np.array_equal(simulate_energy(X, 4, 8, 50, rng=gen),
                              simulate_energy(X, 4, 8, 50, rng=gen))


def test_unseeded_runs_differ():
    assert not np.array_equal(simulate_energy(X, 4, 8, 50), simulate_energy(X, 4, 8, 50))


@pytest.mark.parametrize("name", [n for n in GENERATORS if n not in ("random_filterbank",
                                                                       "brownian_noise")])
def test_results_do_not_depend_on_the_number_of_threads(name, monkeypatch):
    # Many small chunks, so that the thread pool has work to interleave.
    monkeypatch.setattr(randfb.simulate, "CHUNK_BUDGET_BYTES", 20_000)
    monkeypatch.setattr(randfb.simulate, "N_THREADS", 2)
    two = GENERATORS[name](7)
    monkeypatch.setattr(randfb.simulate, "N_THREADS", 1)
    np.testing.assert_array_equal(GENERATORS[name](7), two)


# ----------------------------------------------------------------------- chunking


def chunk_sizes(calls):
    done = [d for d, _ in calls]
    return np.diff([0, *done])


@pytest.mark.parametrize("method", ["convolution", "spectral"])
def test_tiny_chunks_give_correct_energy_statistics(method, monkeypatch, within_se):
    # n = 2003 (prime) draws in chunks that cannot divide it; mean and variance of the
    # energy within 5 SE of the exact values. SE of the mean: sqrt(V / n); SE of the sample
    # variance: sqrt(V^2 (2/(n-1) + kurt / n)) with the excess kurtosis kurt estimated as
    # below (generous: the exact fourth cumulant is tested in test_energy.py).
    monkeypatch.setattr(randfb.simulate, "CHUNK_BUDGET_BYTES", 30_000)
    J, T, n = 8, 32, 2003
    calls = []
    energy = simulate_energy(X, J, T, n, rng=3, method=method,
                             progress=lambda done, total: calls.append((done, total)))
    assert energy.shape == (n,) and energy.dtype == np.float64
    sizes = chunk_sizes(calls)
    assert len(sizes) > 5 and sizes.sum() == n and calls[-1] == (n, n)
    assert sizes[-1] < sizes.max()  # a last, partial chunk
    mean, variance = energy_mean(X, J, T), energy_variance(X, J, T)
    within_se(energy.mean(), mean, np.sqrt(variance / n))
    kurt = scipy.stats.kurtosis(energy)
    within_se(energy.var(ddof=1), variance, variance * np.sqrt(2 / (n - 1) + abs(kurt) / n))


@pytest.mark.parametrize("stride", [1, 2])
def test_tiny_chunks_give_correct_frame_bound_statistics(stride, monkeypatch):
    # Chunked A and B against the same statistics of unchunked draws (independent seeds):
    # two-sample KS tests at a fixed seed.
    N, J, T, n = 64, 6, 16, 1201
    reference = simulate_frame_bounds(N, J, T, n, stride=stride, rng=1)
    monkeypatch.setattr(randfb.simulate, "CHUNK_BUDGET_BYTES", 50_000)
    calls = []
    A, B = simulate_frame_bounds(N, J, T, n, stride=stride, rng=2,
                                 progress=lambda done, total: calls.append((done, total)))
    sizes = chunk_sizes(calls)
    assert len(sizes) > 5 and sizes[-1] < sizes.max() and calls[-1] == (n, n)
    assert A.shape == B.shape == (n,)
    assert scipy.stats.ks_2samp(A, reference[0]).pvalue > 1e-3
    assert scipy.stats.ks_2samp(B, reference[1]).pvalue > 1e-3


def test_one_draw_per_chunk(monkeypatch):
    monkeypatch.setattr(randfb.simulate, "CHUNK_BUDGET_BYTES", 1)
    energy = simulate_energy(X, 4, 8, 37, rng=0)
    A, B = simulate_frame_bounds(32, 4, 8, 37, rng=0)
    assert energy.shape == A.shape == B.shape == (37,)
    assert np.all(np.isfinite(energy)) and np.all(A <= B)


# ------------------------------------------------------------------------ progress


@pytest.mark.parametrize("simulate", [
    lambda progress: simulate_energy(X, 4, 8, 250, rng=0, progress=progress),
    lambda progress: simulate_energy(X, 4, 8, 250, rng=0, method="spectral", progress=progress),
    lambda progress: simulate_frame_bounds(32, 4, 8, 250, rng=0, progress=progress),
    lambda progress: simulate_frame_bounds(32, 4, 8, 250, stride=2, rng=0, progress=progress),
])
def test_progress_reports(simulate, capsys):
    calls = []
    simulate(lambda done, total: calls.append((done, total)))
    assert calls[-1] == (250, 250)
    assert all(total == 250 for _, total in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    capsys.readouterr()
    simulate(True)
    captured = capsys.readouterr()
    assert "250/250" in captured.err and captured.out == ""
    simulate(False)
    assert capsys.readouterr().err == ""


# ----------------------------------------------- exactness on the weights drawn (white box)
# The module documents how weights are drawn: chunk i of the draws uses the i-th stream
# spawned from rng, and draws sigma * standard_normal((count, J, T)) in float32. Rebuilding
# those weights here checks the simulators exactly against filterbank_energy and
# frame_bounds, which statistical checks cannot (a 5 % error in the variance is ~3 SE at
# 4000 draws). If the drawing scheme changes on purpose, update weights_drawn below.


def weights_drawn(seed, chunk_sizes, J, T, sigma):
    streams = np.random.default_rng(seed).spawn(len(chunk_sizes))
    return np.concatenate([
        stream.standard_normal((count, J, T), dtype=np.float32) * np.float32(sigma)
        for stream, count in zip(streams, chunk_sizes, strict=True)
    ])


@pytest.mark.parametrize("budget", [None, 30_000])
def test_simulated_energy_is_the_energy_of_the_weights_drawn(budget, monkeypatch):
    if budget is not None:
        monkeypatch.setattr(randfb.simulate, "CHUNK_BUDGET_BYTES", budget)
    J, T, n = 7, 24, 601
    calls = []
    energy = simulate_energy(X, J, T, n, rng=31, progress=lambda d, t: calls.append(d))
    w = weights_drawn(31, chunk_sizes([(d, n) for d in calls]), J, T, 1 / np.sqrt(J * T))
    np.testing.assert_allclose(energy, filterbank_energy(X, w), rtol=1e-4)


@pytest.mark.parametrize(("stride", "budget"), [(1, None), (1, 50_000), (2, None), (4, 50_000)])
def test_simulated_frame_bounds_are_those_of_the_weights_drawn(stride, budget, monkeypatch):
    if budget is not None:
        monkeypatch.setattr(randfb.simulate, "CHUNK_BUDGET_BYTES", budget)
    N, J, T, n = 64, 6, 16, 301
    calls = []
    A, B = simulate_frame_bounds(N, J, T, n, stride=stride, rng=32,
                                 progress=lambda d, t: calls.append(d))
    w = weights_drawn(32, chunk_sizes([(d, n) for d in calls]), J, T, np.sqrt(stride / (J * T)))
    A_exact, B_exact = frame_bounds(w.astype(np.float64), N, stride)
    np.testing.assert_allclose(B, B_exact, rtol=1e-4)
    np.testing.assert_allclose(A, A_exact, rtol=1e-4, atol=1e-5 * B_exact.max())


# ------------------------------------------------------------------ the laws drawn


@pytest.mark.parametrize(("N", "J", "T", "stride"), [(64, 5, 8, 1), (64, 5, 64, 1),
                                                     (64, 5, 8, 2), (60, 7, 12, 3)])
def test_simulated_frame_bounds_follow_the_law_of_frame_bounds_of_drawn_filters(N, J, T, stride):
    # simulate_frame_bounds (float32, chunked, threaded) against frame_bounds applied to
    # float64 filterbanks drawn with random_filterbank at sigma^2 = stride / (J T):
    # independent samples, two-sample KS tests at fixed seeds.
    n = 1500
    A, B = simulate_frame_bounds(N, J, T, n, stride=stride, rng=10)
    w = random_filterbank(J, T, sigma=np.sqrt(stride / (J * T)), size=n, rng=11)
    A_ref, B_ref = frame_bounds(w, N, stride)
    assert scipy.stats.ks_2samp(A, A_ref).pvalue > 1e-3
    assert scipy.stats.ks_2samp(B, B_ref).pvalue > 1e-3
    assert np.all(A >= 0) and np.all(A <= B)


def test_simulated_frame_bounds_bracket_one():
    # With sigma^2 = 1/(J T) the LP sum has mean 1 at every bin, so A <= 1 <= B on average
    # and, for these sizes, in every draw.
    A, B = simulate_frame_bounds(256, 10, 32, 500, rng=3)
    assert np.all(A < 1) and np.all(B > 1)


def test_simulated_energy_of_the_impulse_is_chi_squared(within_se):
    # ||Phi delta||^2 = chi^2_{J T} / (J T): KS test against the exact law.
    J, T, n = 4, 8, 3000
    for method in ("convolution", "spectral"):
        energy = simulate_energy(impulse(64), J, T, n, rng=8, method=method)
        assert scipy.stats.kstest(energy * J * T, "chi2", args=(J * T,)).pvalue > 1e-3


def test_sigma_scales_the_simulated_energy():
    # Same seed, same normals: sigma twice as large gives energies four times as large
    # (up to float32 rounding of the weights).
    base = simulate_energy(X, 5, 8, 200, rng=4, sigma=0.1)
    np.testing.assert_allclose(simulate_energy(X, 5, 8, 200, rng=4, sigma=0.2), 4 * base,
                               rtol=1e-5)


def test_simulated_frame_bounds_use_float64_weights_when_asked():
    # dtype=np.float64 must draw the weights in float64: the bounds then equal, to float64
    # rounding, those of sigma * standard_normal(..., dtype=float64) from the same stream.
    # float32 draws come from another algorithm (different values, and 1e-7 rounding), so
    # a simulator that ignored dtype would miss this by far more than the tolerance.
    N, J, T, n = 64, 6, 16, 40
    A, B = simulate_frame_bounds(N, J, T, n, rng=33, dtype=np.float64)
    stream = np.random.default_rng(33).spawn(1)[0]
    w = stream.standard_normal((n, J, T), dtype=np.float64) * (1 / np.sqrt(J * T))
    A_exact, B_exact = frame_bounds(w, N)
    np.testing.assert_allclose(A, A_exact, rtol=1e-12)
    np.testing.assert_allclose(B, B_exact, rtol=1e-12)
    A32, _ = simulate_frame_bounds(N, J, T, n, rng=33)
    assert np.max(np.abs(A32 - A_exact) / A_exact) > 1e-6
