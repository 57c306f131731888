"""Tests for randfb.lpsum: the law of the Littlewood-Paley sum, the maximal bounds, and the
exact sampler of the frame bounds of full-length filters.

Exact statements are checked against independent oracles (direct sums, 2 x 2 covariance
matrices, closed forms); statistical ones with a fixed seed and a tolerance in standard
errors (the ``within_se`` fixture) or a Kolmogorov-Smirnov test against the exact law.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

import randfb
from randfb.lpsum import (
    lp_bin_correlation,
    lp_bin_variance,
    lp_bin_weights,
    lp_maximal_bounds,
    sample_full_length_bounds,
)

SHAPES = [(1, 1), (1, 8), (3, 8), (8, 8), (5, 16), (16, 64), (7, 7), (5, 9), (64, 1024)]


def rho_oracle(T, N):
    """``|sum_t exp(4 pi i k t / N)| / T`` by direct summation."""
    k = np.arange(N // 2 + 1)[:, None]
    t = np.arange(T)[None, :]
    return np.abs(np.exp(4j * np.pi * k * t / N).sum(axis=1)) / T


@pytest.mark.parametrize("T, N", SHAPES)
def test_correlation_matches_direct_sum(T, N):
    np.testing.assert_allclose(lp_bin_correlation(T, N), rho_oracle(T, N), atol=1e-12)


@pytest.mark.parametrize("N", [1, 2, 7, 8, 64])
def test_full_length_bins_are_real_or_circular(N):
    rho = lp_bin_correlation(N, N)
    k = np.arange(N // 2 + 1)
    real = (2 * k) % N == 0
    assert np.all(rho[real] == 1.0) and np.all(rho[~real] == 0.0)


@pytest.mark.parametrize("T, N", SHAPES)
def test_weights_are_the_eigenvalues_of_the_dft_covariance(T, N):
    """(1 +- rho)/(2J) are the eigenvalues of Cov(Re w_hat[k], Im w_hat[k]) at sigma^2 = 1/(JT)."""
    J = 3
    sigma2 = 1.0 / (J * T)
    a_plus, a_minus = lp_bin_weights(J, T, N)
    t = np.arange(T)
    for k in range(N // 2 + 1):
        basis = np.stack([np.cos(2 * np.pi * k * t / N), -np.sin(2 * np.pi * k * t / N)])
        eig = np.linalg.eigvalsh(sigma2 * basis @ basis.T)
        np.testing.assert_allclose(eig, [a_minus[k], a_plus[k]], atol=1e-13)


def test_variance_formula_and_range():
    J, T, N = 10, 16, 128
    var = lp_bin_variance(J, T, N)
    rho = lp_bin_correlation(T, N)
    np.testing.assert_allclose(var, (1 + rho**2) / J, rtol=1e-13)
    assert var[0] == pytest.approx(2 / J) and var.min() >= 1 / J - 1e-15


def test_simulated_bin_variance(rng, within_se):
    J, T, N, n = 6, 16, 128, 4000
    lp = randfb.littlewood_paley(randfb.random_filterbank(J, T, size=n, rng=rng), N)
    a_plus, a_minus = lp_bin_weights(J, T, N)
    kappa2 = 2 * J * (a_plus**2 + a_minus**2)
    kappa4 = 48 * J * (a_plus**4 + a_minus**4)
    for k in (0, 3, N // 8, N // 2):
        within_se(lp[:, k].mean(), 1.0, np.sqrt(kappa2[k] / n), what=f"mean LP[{k}]")
        within_se(lp[:, k].var(ddof=1), kappa2[k], np.sqrt((kappa4[k] + 2 * kappa2[k] ** 2) / n),
                  what=f"Var LP[{k}]")


def test_maximal_bounds_formula():
    lower, upper = lp_maximal_bounds(40, 1024)
    log_n = np.log(513)
    assert lower == pytest.approx(1 - 2 * np.sqrt(log_n / 40), rel=1e-14)
    assert upper == pytest.approx(1 + 2 * np.sqrt(log_n / 40) + 2 * log_n / 40, rel=1e-14)
    assert lp_maximal_bounds(7, 1) == (1.0, 1.0)


@pytest.mark.parametrize("J, T, N", [(2, 8, 64), (10, 64, 64), (40, 32, 512)])
def test_maximal_bounds_hold_in_simulation(J, T, N):
    lower, upper = lp_maximal_bounds(J, N)
    A, B = randfb.simulate_frame_bounds(N, J, T, 2000, rng=1)
    se_A, se_B = A.std(ddof=1) / np.sqrt(A.size), B.std(ddof=1) / np.sqrt(B.size)
    assert A.mean() + 5 * se_A >= lower and B.mean() - 5 * se_B <= upper
    assert A.mean() - 5 * se_A <= 1.0 <= B.mean() + 5 * se_B


@pytest.mark.parametrize("J, T", [(1, 1), (3, 2), (4, 5), (10, 64), (40, 1024), (7, 1001)])
def test_sampler_mean_matches_quadrature(J, T, within_se):
    A, B = sample_full_length_bounds(J, T, 20000, rng=2)
    e_A, e_B = randfb.lp_extremes_model(J, T, "real")
    within_se(A.mean(), e_A, A.std(ddof=1) / np.sqrt(A.size), what="mean A")
    within_se(B.mean(), e_B, B.std(ddof=1) / np.sqrt(B.size), what="mean B")
    assert np.all(A <= B) and np.all(A > 0)


def _group_cdfs(J, T):
    """CDFs of the real and the complex bins, and their counts, for T = N."""
    n_real, n_complex = (2 if T % 2 == 0 else 1), (T - 1) // 2

    def real(x):
        return scipy.stats.chi2.cdf(J * x, J)

    def complex_(x):
        return scipy.stats.chi2.cdf(2 * J * x, 2 * J)

    return real, n_real, complex_, n_complex


@pytest.mark.parametrize("J, T", [(5, 16), (40, 1024), (12, 9)])
def test_sampler_matches_exact_laws_of_min_and_max(J, T):
    real, n_real, complex_, n_complex = _group_cdfs(J, T)
    A, B = sample_full_length_bounds(J, T, 5000, rng=3)

    def cdf_max(x):
        return real(x) ** n_real * complex_(x) ** n_complex

    def cdf_min(x):
        return 1 - (1 - real(x)) ** n_real * (1 - complex_(x)) ** n_complex

    assert scipy.stats.kstest(B, cdf_max).pvalue > 1e-3
    assert scipy.stats.kstest(A, cdf_min).pvalue > 1e-3


@pytest.mark.parametrize("J, T", [(4, 16), (20, 64), (3, 15)])
def test_sampler_matches_direct_simulation(J, T):
    """Same joint law as simulating J Gaussian filters of length T = N (two-sample KS)."""
    A, B = sample_full_length_bounds(J, T, 4000, rng=4)
    A_sim, B_sim = randfb.simulate_frame_bounds(T, J, T, 4000, rng=5)
    assert scipy.stats.ks_2samp(A, A_sim).pvalue > 1e-3
    assert scipy.stats.ks_2samp(B, B_sim).pvalue > 1e-3
    assert scipy.stats.ks_2samp(B / A, B_sim / A_sim).pvalue > 1e-3


def test_sampler_reproducible_and_coupled_across_J():
    A1, B1 = sample_full_length_bounds(10, 256, 50, rng=7)
    A2, B2 = sample_full_length_bounds(10, 256, 50, rng=7)
    assert np.array_equal(A1, A2) and np.array_equal(B1, B2)
    # Same seed, different J: the same uniforms, hence strongly correlated draws.
    _, B3 = sample_full_length_bounds(11, 256, 2000, rng=7)
    _, B4 = sample_full_length_bounds(12, 256, 2000, rng=7)
    assert np.corrcoef(B3, B4)[0, 1] > 0.9


def test_sampler_handles_astronomical_lengths():
    A, B = sample_full_length_bounds(200, 2**62, 100, rng=8)
    assert np.all(np.isfinite(A)) and np.all(np.isfinite(B))
    assert np.all((0 < A) & (A < 1)) and np.all(B > 1)


@pytest.mark.parametrize("kwargs, match", [
    ({"J": 0, "T": 8, "n_draws": 10}, "J"),
    ({"J": 2, "T": 0, "n_draws": 10}, "T"),
    ({"J": 2, "T": 8, "n_draws": 0}, "n_draws"),
])
def test_sampler_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sample_full_length_bounds(**kwargs)


def test_correlation_rejects_bad_arguments():
    with pytest.raises(ValueError, match="T"):
        lp_bin_correlation(9, 8)
    with pytest.raises(ValueError, match="N"):
        lp_bin_correlation(1, 0)
    with pytest.raises(ValueError, match="J"):
        lp_maximal_bounds(0, 8)
