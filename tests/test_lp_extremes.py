"""The fine-grid extremes of the Littlewood-Paley sum against the N-point FFT and dense
oracles (randfb.lp_extremes)."""

import numpy as np
import pytest

import randfb.frames as frames
import randfb.lp_extremes as lpx
from randfb import frame_bounds, simulate_frame_bounds
from randfb.calculator import estimate_filterbank_bounds, estimate_simulation, filterbank_bounds
from randfb.frames import _littlewood_paley
from randfb.lp_extremes import (
    fine_grid_length,
    lag_sums,
    lp_extremes_from_lags,
    use_fine_grid,
)

RTOL = 1e-12  # relative to B; float64 throughout


def _oracle(w, N):
    """The N-point path: LP on every bin 0..N/2, then min and max."""
    lp = _littlewood_paley(np.asarray(w, dtype=np.float64), N)
    return lp.min(axis=-1), lp.max(axis=-1)


def _assert_equal_extremes(w, N):
    A, B = lp_extremes_from_lags(lag_sums(np.asarray(w, dtype=np.float64)), N)
    A0, B0 = _oracle(w, N)
    np.testing.assert_allclose(A, A0, rtol=0, atol=RTOL * B0.max())
    np.testing.assert_allclose(B, B0, rtol=0, atol=RTOL * B0.max())
    return np.max(np.abs(A - A0) / B0), np.max(np.abs(B - B0) / B0)


@pytest.mark.parametrize("seed", range(6))
def test_random_filterbanks_match_the_fft_path(seed):
    rng = np.random.default_rng(seed)
    for _ in range(4):
        T = int(rng.integers(1, 200))
        J = int(rng.integers(1, 50))
        L = fine_grid_length(T)
        N = int(rng.integers(L + 1, 30 * L))  # odd and even N, fine grid always shorter
        w = rng.standard_normal((5, J, T)) / np.sqrt(J * T)
        _assert_equal_extremes(w, N)


@pytest.mark.parametrize("N", [9001, 10000, 2**15 + 1, 123457])
def test_odd_and_even_N_with_one_and_two_filters(N):
    rng = np.random.default_rng(N)
    for J in (1, 2):
        _assert_equal_extremes(rng.standard_normal((8, J, 40)), N)


def test_T_equal_one_is_a_constant():
    w = np.random.default_rng(0).standard_normal((4, 3, 1))
    A, B = lp_extremes_from_lags(lag_sums(w), 10**6)
    np.testing.assert_allclose(A, (w**2).sum(axis=(-1, -2)), rtol=1e-15)
    np.testing.assert_array_equal(A, B)


@pytest.mark.parametrize("T", [2, 3, 7, 16])
def test_T_close_to_N_with_a_coarse_fine_grid(monkeypatch, T):
    """A coarse grid (2 pi n / L < 1 still) forces refinement with T close to N."""
    monkeypatch.setattr(lpx, "OVERSAMPLE", 7)
    rng = np.random.default_rng(T)
    for N in range(fine_grid_length(T) + 1, fine_grid_length(T) + 40, 3):
        _assert_equal_extremes(rng.standard_normal((6, 2, T)), N)


def test_L_not_shorter_than_N_falls_back_to_the_fft():
    w = np.random.default_rng(1).standard_normal((3, 4, 30))
    _assert_equal_extremes(w, 64)
    _assert_equal_extremes(w, 31)


@pytest.mark.parametrize("m", [5, 12, 33])
def test_several_near_equal_maxima_and_minima(m):
    """Two Diracs m apart: LP = 2 + 2 cos(m theta) has m equal maxima and minima; a
    perturbation of 1e-9 makes them differ by about 1e-9, on bins that may or may not hit
    the peaks exactly. The refinement must find the right one every time."""
    rng = np.random.default_rng(m)
    for N in (m * 10007, m * 10007 + 1, 999983):
        base = np.zeros((8, 2, m + 1))
        base[:, 0, 0] = base[:, 0, m] = 1.0
        base[:, 1, 0] = 1.0
        w = base + 1e-9 * rng.standard_normal(base.shape)
        _assert_equal_extremes(w, N)


def test_dense_frame_operator_oracle():
    """Small case: eigenvalues of Phi^T Phi built as a dense matrix."""
    rng = np.random.default_rng(5)
    J, T = 3, 5
    N = 4 * fine_grid_length(T) + 3
    assert use_fine_grid(T, N)
    w = rng.standard_normal((J, T))
    rows = []
    for j in range(J):
        h = np.zeros(N)
        h[:T] = w[j]
        rows.append(np.stack([np.roll(h, n) for n in range(N)]))  # circular convolution
    Phi = np.concatenate(rows)
    eig = np.linalg.eigvalsh(Phi.T @ Phi)
    A, B = frame_bounds(w, N)
    np.testing.assert_allclose([A, B], [eig[0], eig[-1]], rtol=1e-10, atol=1e-12)


def test_simulator_per_draw_equals_the_fft_path(monkeypatch):
    """Same seed, float64: the fine-grid simulator and the N-point one agree draw by draw."""
    N, J, T = 2**16 + 1, 6, 64
    assert use_fine_grid(T, N)
    A, B = simulate_frame_bounds(N, J, T, 40, rng=3, dtype=np.float64)
    monkeypatch.setattr(frames, "use_fine_grid", lambda T, N: False)
    A0, B0 = simulate_frame_bounds(N, J, T, 40, rng=3, dtype=np.float64)
    np.testing.assert_allclose(A, A0, rtol=0, atol=RTOL * B0.max())
    np.testing.assert_allclose(B, B0, rtol=0, atol=RTOL * B0.max())


def test_filterbank_bounds_uses_the_fine_grid_and_agrees():
    rng = np.random.default_rng(7)
    w = rng.standard_normal((40, 100))
    N = 10**6 + 1
    r = filterbank_bounds(w, N)
    A0, B0 = _oracle(w, N)
    assert abs(r.A - A0) <= RTOL * B0 and abs(r.B - B0) <= RTOL * B0


def test_batch_shapes_are_kept():
    w = np.random.default_rng(0).standard_normal((2, 3, 4, 8))
    A, B = lp_extremes_from_lags(lag_sums(w), 5000)
    assert A.shape == B.shape == (2, 3)


def test_cost_rule_and_estimates_do_not_grow_with_N():
    assert not use_fine_grid(1024, 2**16) and use_fine_grid(1024, 2**20)
    assert use_fine_grid(8, 4 * fine_grid_length(8))
    assert not use_fine_grid(8, 4 * fine_grid_length(8) - 1)
    small = estimate_simulation(2**20, 40, 1024, 1000, dtype=np.float32)
    huge = estimate_simulation(10**9, 40, 1024, 1000, dtype=np.float32)
    assert huge.bytes == small.bytes < 2**30 and huge.seconds == small.seconds
    assert estimate_filterbank_bounds(10**12, 40, 1024).bytes < 2**30


def test_flat_and_zero_sums_are_not_refined_to_every_bin():
    """A Dirac (LP = 1 everywhere) and zero filters at N = 10**9: every cell ties with
    the best bin; only cells that could beat it by more than round-off are refined."""
    N = 10**9
    dirac = np.zeros((1, 3, 64))
    dirac[0, 0, 5] = 1.0
    A, B = lp_extremes_from_lags(lag_sums(dirac), N)
    np.testing.assert_allclose([A[0], B[0]], 1.0, rtol=1e-13)
    A, B = lp_extremes_from_lags(lag_sums(np.zeros((2, 3, 64))), N)
    np.testing.assert_array_equal(A, 0.0)
    np.testing.assert_array_equal(B, 0.0)
    r = filterbank_bounds(dirac[0], N)
    assert r.kappa == pytest.approx(1.0, rel=1e-13)
    assert filterbank_bounds(np.zeros((2, 64)), N).is_zero
