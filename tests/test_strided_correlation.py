"""Strided frame bounds through summed cross-correlations and pruned eigensolves, against
the per-filter Gram path and full eigvalsh (kept as oracles) and dense matrices."""

import numpy as np
import pytest

import randfb.frames as frames
from randfb import frame_bounds, polyphase_matrices, simulate_frame_bounds
from randfb.calculator import filterbank_bounds
from randfb.frames import (
    _extreme_eigenvalues,
    _polyphase_blocks_by_correlation,
    _polyphase_component_grams,
    _use_correlation,
)

RTOL = 1e-12


def _divisors(N):
    return [d for d in range(2, N + 1) if N % d == 0]


@pytest.mark.parametrize("N", [12, 30, 45, 64, 81])
def test_blocks_equal_the_grams_for_every_stride_and_T(N):
    rng = np.random.default_rng(N)
    for d in _divisors(N):
        for T in sorted({1, 2, d - 1, d, d + 1, N // 2, N - 1, N} - {0}):
            if not 1 <= T <= N:
                continue
            w = rng.standard_normal((2, int(rng.integers(1, 6)), T))
            G = _polyphase_component_grams(w, N, d)
            C = _polyphase_blocks_by_correlation(w, N, d)
            np.testing.assert_allclose(C, G, rtol=0, atol=RTOL * np.abs(G).max())


def _full_eig_bounds(blocks):
    eig = np.linalg.eigvalsh(blocks)
    return eig[..., 0].min(axis=-1), eig[..., -1].max(axis=-1)


@pytest.mark.parametrize("seed", range(4))
def test_pruned_eigensolves_equal_full_eigvalsh(seed):
    rng = np.random.default_rng(seed)
    for _ in range(6):
        d = int(rng.integers(3, 9))
        N = d * int(rng.integers(2, 60))
        T = int(rng.integers(1, N + 1))
        J = int(rng.integers(1, 3 * d))
        w = rng.standard_normal((5, J, T))
        H = _polyphase_component_grams(w, N, d)
        A, B = _extreme_eigenvalues(H)
        A0, B0 = _full_eig_bounds(H)
        np.testing.assert_array_equal(A, A0)  # the eigensolver's own values
        np.testing.assert_array_equal(B, B0)


def test_pruning_with_equal_and_near_equal_blocks():
    """All blocks equal (Diracs) or within 1e-9: no block may be skipped wrongly."""
    rng = np.random.default_rng(3)
    base = rng.standard_normal((1, 4, 4)) + 1j * rng.standard_normal((1, 4, 4))
    base = base @ base.conj().swapaxes(-1, -2)
    blocks = np.repeat(base[None], 3, axis=0).repeat(50, axis=1)  # (3, 50, 4, 4)
    noise = 1e-9 * rng.standard_normal(blocks.shape)
    blocks = blocks + (noise + noise.swapaxes(-1, -2)) / 2
    A, B = _extreme_eigenvalues(blocks)
    A0, B0 = _full_eig_bounds(blocks)
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(B, B0)
    w = np.zeros((2, 4, 8))
    w[:, np.arange(4), np.arange(4)] = 1.0  # Diracs at 0..3, stride 4: Phi^T Phi = I
    A, B = frame_bounds(w, 64, 4)
    np.testing.assert_allclose([A, B], 1.0, rtol=1e-12)


def test_frame_bounds_against_a_dense_frame_operator():
    rng = np.random.default_rng(11)
    N, J, T, d = 36, 5, 7, 3
    w = rng.standard_normal((J, T))
    rows = []
    for j in range(J):
        h = np.zeros(N)
        h[:T] = w[j]
        conv = np.stack([np.roll(h, n) for n in range(N)])  # (Phi_j x)[n] = row n . x
        rows.append(conv[::d])
    Phi = np.concatenate(rows)
    eig = np.linalg.eigvalsh(Phi.T @ Phi)
    assert _use_correlation(J, T, N, d)
    A, B = frame_bounds(w, N, d)
    np.testing.assert_allclose([A, B], [eig[0], eig[-1]], rtol=1e-10, atol=1e-12)


def test_simulator_per_draw_equals_the_gram_path(monkeypatch):
    N, J, T, d = 1024, 40, 8, 4
    assert _use_correlation(J, T, N, d)
    A, B = simulate_frame_bounds(N, J, T, 60, stride=d, rng=5, dtype=np.float64)
    monkeypatch.setattr(frames, "_use_correlation", lambda *args: False)
    A0, B0 = simulate_frame_bounds(N, J, T, 60, stride=d, rng=5, dtype=np.float64)
    np.testing.assert_allclose(A, A0, rtol=RTOL)
    np.testing.assert_allclose(B, B0, rtol=RTOL)


def test_filterbank_bounds_by_correlation_equal_frame_bounds():
    rng = np.random.default_rng(2)
    w = rng.standard_normal((128, 64))
    N, d = 4000, 4
    assert _use_correlation(128, 64, N, d)
    r = filterbank_bounds(w, N, d)
    P = polyphase_matrices(w, N, d)
    eig = np.linalg.eigvalsh(P)
    assert r.A == pytest.approx(eig[..., 0].min(), rel=1e-11)
    assert r.B == pytest.approx(eig[..., -1].max(), rel=1e-11)


def test_cost_rule():
    assert _use_correlation(128, 512, 16000, 4)  # CREPE-sized
    assert not _use_correlation(40, 1024, 1024, 4)  # T = N: correlations as long as M
    assert not _use_correlation(40, 1000, 1024, 8)
