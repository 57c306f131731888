"""Strided layers with T = d: kappa is that of the Wishart matrix W^T W, at every N.

Per-draw identity against the library's strided frame bounds and the dense operator,
and a Monte Carlo check of the exact law at d = 2 with tolerances from the standard
error (5 SE).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
import scipy.stats

import randfb
from randfb import frame_bounds, kappa_moment_threshold, random_filterbank
from randfb.block_transform import (
    block_kappa_isf,
    block_kappa_sf,
    block_transform_bounds,
)


@pytest.mark.parametrize("J, d", [(2, 2), (5, 2), (4, 4), (7, 4), (8, 8), (3, 4)])
@pytest.mark.parametrize("M", [1, 2, 5, 16])
def test_frame_bounds_are_those_of_w_transpose_w(J, d, M, rng):
    N = M * d
    w = random_filterbank(J, d, size=6, rng=rng)
    A, B = frame_bounds(w, N, d)
    A_w, B_w = block_transform_bounds(w)
    assert np.allclose(A, A_w, rtol=0, atol=1e-12 * B_w.max())
    assert np.allclose(B, B_w, rtol=1e-12)
    if J < d:
        assert np.all(A_w == 0)


def test_dense_operator_is_block_diagonal(rng, dense_analysis):
    # Phi_d^T Phi_d = N/d copies of W^T W after reordering the samples by block
    J, d, N = 5, 4, 12
    w = random_filterbank(J, d, rng=rng)
    Phi = dense_analysis(w, N, d)
    frame_op = Phi.T @ Phi
    M = N // d
    for n_block in range(M):
        samples = (n_block * d - np.arange(d)) % N  # block b_n' = x[n' d - t], t < d
        assert np.allclose(frame_op[np.ix_(samples, samples)], w.T @ w, atol=1e-12)
        others = np.setdiff1d(np.arange(N), samples)
        assert np.allclose(frame_op[np.ix_(samples, others)], 0, atol=1e-12)


def test_threshold_at_T_equal_d():
    for d in (2, 3, 4, 8):
        for J in range(1, d + 6):
            expected = (J - d + 1) / 2 if J >= d else 0.0
            assert kappa_moment_threshold(J, d, d) == expected
    assert kappa_moment_threshold(5, 1, 1) is None  # kappa = 1 surely: not this claim


def test_law_at_d2_matches_the_wishart_eigenvalue_density():
    # density of kappa from the joint eigenvalue density, integrated numerically
    for J in (2, 3, 6):
        def density(k, J=J):
            return k ** ((J - 3) / 2) * (k - 1) * (1 + k) ** (-J)

        total = scipy.integrate.quad(density, 1, np.inf)[0]
        for x in (1.5, 4.0, 30.0):
            tail = scipy.integrate.quad(density, x, np.inf)[0] / total
            assert block_kappa_sf(x, J) == pytest.approx(tail, rel=1e-7)


def test_law_closed_forms_and_inverse():
    assert block_kappa_sf(3.0, 3) == pytest.approx(0.75, rel=1e-15)
    assert block_kappa_sf(0.5, 4) == 1.0 and block_kappa_sf(1.0, 4) == 1.0
    assert block_kappa_sf(np.inf, 4) == 0.0
    assert np.all(block_kappa_sf([2.0, 50.0], 1) == 1.0)  # J = 1: never a frame
    assert np.array_equal(block_kappa_sf([0.5, 1.0, 7.0], 5, stride=1), [1.0, 0.0, 0.0])
    p = np.array([0.9, 0.5, 1e-3])
    for J in (2, 3, 10):
        assert np.allclose(block_kappa_sf(block_kappa_isf(p, J), J), p, rtol=1e-12)
    # ((kappa - 1)/(kappa + 1))^2 ~ Beta(1, (J - 1)/2)
    x = block_kappa_isf(0.3, 7)
    beta = scipy.stats.beta(1, 3).sf(((x - 1) / (x + 1)) ** 2)
    assert beta == pytest.approx(0.3, rel=1e-12)


@pytest.mark.parametrize("J", [2, 3, 6])
def test_monte_carlo_law_at_d2(J, within_se):
    n, N = 20000, 16
    A, B = randfb.simulate_frame_bounds(N, J, 2, n, stride=2, rng=J,
                                        dtype=np.float64)
    kappa = B / A
    # probability integral transform: P(kappa > kappa_obs) ~ Uniform(0, 1)
    u = block_kappa_sf(kappa, J)
    within_se(u.mean(), 0.5, 1 / np.sqrt(12 * n), what=f"J={J}: mean of the PIT")
    for p in (0.5, 0.05):
        frac = np.mean(kappa > block_kappa_isf(p, J))
        within_se(frac, p, np.sqrt(p * (1 - p) / n), what=f"J={J}: P(kappa > x_{p})")


@pytest.mark.parametrize("bad, error, message", [
    (3, ValueError, "stride must be 1 or 2"),
    (0, ValueError, "stride must be an integer >= 1"),
    (1.5, TypeError, "stride must be an integer"),
])
def test_bad_stride_is_refused(bad, error, message):
    with pytest.raises(error, match=message):
        block_kappa_sf(2.0, 4, stride=bad)
    with pytest.raises(error, match=message):
        block_kappa_isf(0.5, 4, stride=bad)


def test_other_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="J must be an integer >= 1"):
        block_kappa_sf(2.0, 0)
    with pytest.raises(ValueError, match="J must be an integer >= 2"):
        block_kappa_isf(0.5, 1)
    with pytest.raises(ValueError, match="stride must be 2"):
        block_kappa_isf(0.5, 4, stride=1)
    with pytest.raises(ValueError, match="p must lie in the open interval"):
        block_kappa_isf(1.0, 4)
    with pytest.raises(ValueError, match="x must not contain NaN"):
        block_kappa_sf(np.nan, 4)
    with pytest.raises(ValueError, match="w must have shape"):
        block_transform_bounds(np.ones(3))
