"""Tests for the benchmark's baselines (benchmarks/baseline.py) and its runner.

The baselines are checked against exact oracles of their own (a dense analysis matrix,
a time-domain convolution), then against randfb on identical weights, so that the
benchmark compares two implementations of the same computation.
"""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import randfb

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
_spec = importlib.util.spec_from_file_location("baseline", BENCHMARKS / "baseline.py")
baseline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(baseline)


def randfb_function(name):
    """``randfb.<name>``, or skip the test while randfb does not offer it yet."""
    if not hasattr(randfb, name):
        pytest.skip(f"randfb.{name} is not implemented yet")
    return getattr(randfb, name)


def dense_analysis_matrix(w, N):
    """Phi as a (J*N, N) matrix: (Phi x)[j*N + n] = sum_t w_j[t] x[(n - t) mod N]."""
    J, T = w.shape
    Phi = np.zeros((J, N, N))
    for j in range(J):
        for n in range(N):
            for t in range(T):
                Phi[j, n, (n - t) % N] += w[j, t]
    return Phi.reshape(J * N, N)


# ------------------------------------------------------------- exact oracles


@pytest.mark.parametrize(("N", "J", "T"), [(16, 3, 5), (15, 2, 15), (8, 4, 1)])
def test_littlewood_paley_sum_is_the_spectrum_of_the_frame_operator(N, J, T):
    # For stride 1, Phi^T Phi is circulant: its eigenvalues are the LP sum over the N bins.
    w = np.random.default_rng(0).standard_normal((J, T))
    Phi = dense_analysis_matrix(w, N)
    eigenvalues = np.linalg.eigvalsh(Phi.T @ Phi)
    lp = baseline.littlewood_paley_loop(w, N)
    np.testing.assert_allclose(np.sort(lp), eigenvalues, rtol=1e-10, atol=1e-12)
    A, B = baseline.frame_bounds_loop(w, N)
    np.testing.assert_allclose([A, B], eigenvalues[[0, -1]], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("N", "J", "T"), [(16, 3, 5), (15, 2, 15), (9, 1, 1)])
def test_energy_is_the_squared_norm_of_the_circular_convolutions(N, J, T):
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(N), rng.standard_normal((J, T))
    direct = sum(
        sum(sum(w[j, t] * x[(n - t) % N] for t in range(T)) ** 2 for n in range(N))
        for j in range(J)
    )
    np.testing.assert_allclose(baseline.filterbank_energy_loop(x, w), direct, rtol=1e-10)
    np.testing.assert_allclose(
        baseline.filterbank_energy_loop(x, w),
        np.sum((dense_analysis_matrix(w, N) @ x) ** 2),
        rtol=1e-10,
    )


def test_batched_weights_give_the_same_as_one_filterbank_at_a_time():
    rng = np.random.default_rng(2)
    w, x = rng.standard_normal((4, 3, 6)), rng.standard_normal(20)
    A, B = baseline.frame_bounds_loop(w, 20)
    energy = baseline.filterbank_energy_loop(x, w)
    assert A.shape == B.shape == energy.shape == (4,)
    for i in range(4):
        assert (A[i], B[i]) == baseline.frame_bounds_loop(w[i], 20)
        assert energy[i] == baseline.filterbank_energy_loop(x, w[i])


def test_simulators_draw_sigma_times_standard_normal_per_draw():
    # The simulators draw w = sigma * rng.standard_normal((J, T)) once per draw, in order.
    N, J, T, n, seed = 32, 5, 7, 6, 3
    rng, sigma = np.random.default_rng(seed), 1 / np.sqrt(J * T)
    w = np.stack([sigma * rng.standard_normal((J, T)) for _ in range(n)])
    A, B = baseline.simulate_frame_bounds_loop(N, J, T, n, rng=seed)
    A_given, B_given = baseline.frame_bounds_loop(w, N)
    np.testing.assert_array_equal(A, A_given)
    np.testing.assert_array_equal(B, B_given)
    x = np.random.default_rng(4).standard_normal(N)
    np.testing.assert_array_equal(
        baseline.simulate_energy_loop(x, J, T, n, rng=seed),
        baseline.filterbank_energy_loop(x, w),
    )


def test_simulated_energy_of_an_impulse_matches_its_chi_squared_law():
    # For a unit impulse ||Phi x||^2 = sigma^2 chi2_k with k = JT: mean 1, variance 2/k at
    # the default sigma. With n draws the sample mean has standard error sqrt(2/(k n)), and
    # the relative sample variance sqrt(2/(n-1) + 12/(k n)) (12/k: the excess kurtosis of
    # chi2_k). Both checks allow 5 standard errors.
    N, J, T, n = 64, 4, 8, 2000
    k = J * T
    x = np.zeros(N)
    x[0] = 1.0
    energy = baseline.simulate_energy_loop(x, J, T, n, rng=5)
    assert abs(energy.mean() - 1) < 5 * np.sqrt(2 / (k * n))
    assert abs(energy.var(ddof=1) / (2 / k) - 1) < 5 * np.sqrt(2 / (n - 1) + 12 / (k * n))


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="T = 9"):
        baseline.frame_bounds_loop(np.ones((2, 9)), 8)
    with pytest.raises(ValueError, match="T = 9"):
        baseline.simulate_energy_loop(np.ones(8), 2, 9, 3)
    with pytest.raises(ValueError, match="1-D"):
        baseline.filterbank_energy_loop(np.ones((2, 8)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="shape"):
        baseline.littlewood_paley_loop(np.ones((2, 2, 3)), 8)


# ------------------------------------------------------- agreement with randfb


@pytest.mark.parametrize(("N", "J", "T"), [(64, 5, 8), (63, 3, 63), (1024, 40, 16)])
def test_baseline_frame_bounds_equal_randfb_on_the_same_weights(N, J, T):
    frame_bounds = randfb_function("frame_bounds")
    w = np.random.default_rng(6).standard_normal((3, J, T)) / np.sqrt(J * T)
    A, B = baseline.frame_bounds_loop(w, N)
    A_randfb, B_randfb = frame_bounds(w, N)
    np.testing.assert_allclose(A_randfb, A, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(B_randfb, B, rtol=1e-10)


@pytest.mark.parametrize(("N", "J", "T"), [(64, 5, 8), (63, 3, 63), (22050, 10, 32)])
def test_baseline_energy_equals_randfb_on_the_same_weights(N, J, T):
    filterbank_energy = randfb_function("filterbank_energy")
    rng = np.random.default_rng(7)
    x = rng.standard_normal(N)
    w = rng.standard_normal((3, J, T)) / np.sqrt(J * T)
    np.testing.assert_allclose(
        filterbank_energy(x, w), baseline.filterbank_energy_loop(x, w), rtol=1e-10
    )


# ------------------------------------------------------------ benchmark runner


@pytest.mark.slow
def test_benchmark_quick_run_prints_the_table(tmp_path):
    # Six Python processes (the run and five memory probes): a few seconds.
    for name in ("simulate_frame_bounds", "simulate_energy", "brownian_noise"):
        randfb_function(name)
    report = tmp_path / "bench.json"
    command = [
        sys.executable,
        str(BENCHMARKS / "run.py"),
        "--quick",
        "--draws",
        "20",
        "--t-max",
        "32",
        "--json",
        str(report),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for text in (
        "Results",
        "frame bounds",
        "energy, spectral",
        "energy, convolution",
        "floor",
        "statistical agreement: ok",
    ):
        assert text in done.stdout
    results = json.loads(report.read_text())
    assert [row["workload"] for row in results["summary"]] == [
        "frame bounds",
        "energy, spectral",
        "energy, convolution",
    ]
    assert all(row["baseline_s"] > 0 and row["randfb_s"] > 0 for row in results["summary"])
    assert results["settings"]["T"] == [8, 16, 32]
    assert all("peak_mib" in m for m in results["memory_mib"].values())
