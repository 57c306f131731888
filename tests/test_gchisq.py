"""The exact law of the energy: generalised chi-squared tail, density, quantile.

Independent references: scipy.stats.chi2 (the impulse, and equal weights), the closed
form of a sum of exponentials with distinct means (df = 2), a numerical convolution of
two chi-squared densities (df = 1), numerical integration and differentiation, and a
Monte Carlo exceedance frequency with its binomial standard error.
"""

import numpy as np
import pytest
import scipy.integrate
import scipy.stats

from randfb import (
    brownian_noise,
    energy_eigenvalues,
    energy_pdf,
    energy_quantile,
    energy_tail,
    gchisq_pdf,
    gchisq_sf,
    impulse,
    simulate_energy,
)

P_GRID = np.logspace(np.log10(0.5), -6, 12)  # 0.5 down to 1e-6


@pytest.fixture(scope="module")
def brownian():
    return brownian_noise(1024, rng=7)


# ------------------------------------------------------------------------ impulse


@pytest.mark.parametrize(("J", "T"), [(1, 1), (10, 8), (3, 64), (40, 256), (10, 1024)])
def test_energy_tail_of_the_impulse_is_a_scaled_chi_squared(J, T):
    # ||Phi delta||^2 = sigma^2 chi^2_{J T} with sigma^2 = 1/(J T): at the deviation
    # alpha,
    # P = chi2.sf((1 + alpha) J T, J T). Checked to 1e-8 absolute and 1e-4 relative.
    k = J * T
    alpha = scipy.stats.chi2.isf(P_GRID, k) / k - 1
    p = energy_tail(impulse(1024), J, T, alpha)
    assert p.shape == P_GRID.shape
    np.testing.assert_allclose(p, P_GRID, rtol=1e-4, atol=0)
    np.testing.assert_allclose(p, P_GRID, rtol=0, atol=1e-8)


@pytest.mark.parametrize(("J", "T"), [(1, 2), (2, 3), (10, 8), (3, 64), (10, 512)])
def test_imhof_inversion_on_nearly_equal_weights_matches_chi_squared(J, T):
    # The impulse law merges equal weights into one chi-squared and skips the inversion.
    # Split them by 1e-9 (relative, mean-preserving, so the law moves by O(1e-18)) to
    # force
    # the Imhof integral, including its slowly decaying case of few degrees of freedom.
    k = J * T
    t = np.arange(T)
    weights = (1 + 1e-9 * (t - t.mean())) / k
    q = scipy.stats.chi2.isf(P_GRID, k) / k
    p = gchisq_sf(q, weights, J)
    np.testing.assert_allclose(p, P_GRID, rtol=1e-4, atol=0)
    np.testing.assert_allclose(p, P_GRID, rtol=0, atol=1e-8)


def test_equal_weights_are_merged_into_one_chi_squared():
    np.testing.assert_allclose(
        gchisq_sf([0.5, 3.0, 9.0], [0.5, 0.5, 0.5], 2),
        scipy.stats.chi2.sf(np.array([0.5, 3.0, 9.0]) / 0.5, 6),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        gchisq_pdf(3.0, [0.5, 0.5], [1, 3]),
        scipy.stats.chi2.pdf(6.0, 4) / 0.5,
        rtol=1e-12,
    )


# ---------------------------------------------------------------- closed forms


@pytest.mark.parametrize(("a", "b"), [(1.0, 2.5), (0.01, 1.0), (3.0, 2.9)])
def test_two_exponentials_closed_form(a, b):
    # a chi^2_2 + b chi^2_2 = Exp(mean 2a) + Exp(mean 2b), a != b:
    # P(Q > q) = (a e^{-q/(2a)} - b e^{-q/(2b)}) / (a - b),
    # f(q) = (e^{-q/(2a)} - e^{-q/(2b)}) / (2 (a - b)).
    q_max = 2 * max(a, b) * np.log(1e6) * 1.2  # out to probabilities below 1e-6
    q = np.linspace(0.0, q_max, 7)[1:]
    sf = (a * np.exp(-q / (2 * a)) - b * np.exp(-q / (2 * b))) / (a - b)
    pdf = (np.exp(-q / (2 * a)) - np.exp(-q / (2 * b))) / (2 * (a - b))
    np.testing.assert_allclose(gchisq_sf(q, [a, b], 2), sf, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(
        gchisq_pdf(q, [a, b], 2), pdf, rtol=1e-8, atol=1e-12 / max(a, b)
    )


def test_sum_of_exponentials_with_distinct_means():
    # Hypoexponential law: sum_i a_i chi^2_2, P(Q > q) = sum_i prod_{j != i} a_i/(a_i -
    # a_j)
    # e^{-q / (2 a_i)} (distinct a_i).
    a = np.array([0.3, 1.0, 2.5, 4.0, 7.0])
    coefficients = np.array(
        [np.prod([ai / (ai - aj) for aj in a if aj != ai]) for ai in a]
    )
    q = np.array([0.5, 2.0, 10.0, 40.0, 100.0, 200.0])
    sf = np.exp(-q[:, None] / (2 * a)) @ coefficients
    assert sf[-1] < 1e-5
    np.testing.assert_allclose(gchisq_sf(q, a, 2), sf, rtol=1e-8)


@pytest.mark.parametrize(("a", "b"), [(1.0, 0.3), (2.0, 0.02)])
def test_two_weights_of_one_degree_of_freedom_by_numerical_convolution(a, b):
    # P(a X + b Y > q), X, Y ~ chi^2_1: condition on u = a X, substitute u = s^2 to
    # remove
    # the u^(-1/2) singularity: P = P(a X > q) + int_0^sqrt(q) 2 f_{aX}(s^2) s P(bY > q
    # - s^2) ds,
    # with 2 s f_{aX}(s^2) = 2 exp(-s^2 / (2a)) / sqrt(2 pi a).
    def reference(q):
        def integrand(s):
            density = 2 * np.exp(-s * s / (2 * a)) / np.sqrt(2 * np.pi * a)
            return density * scipy.stats.chi2.sf((q - s * s) / b, 1)

        value, _ = scipy.integrate.quad(
            integrand, 0, np.sqrt(q), epsabs=1e-14, epsrel=1e-12, limit=200
        )
        return scipy.stats.chi2.sf(q / a, 1) + value

    for q in [0.05, 0.5, 2.0, 8.0, 25.0]:
        assert gchisq_sf(q, [a, b], 1) == pytest.approx(
            reference(q), rel=1e-7, abs=1e-12
        )


# ------------------------------------------------------------- density and quantile


def test_gchisq_pdf_integrates_to_one_and_is_minus_the_derivative_of_the_sf(brownian):
    # Brownian walk, J = 10, T = 32: 32 distinct weights, one of them dominant. (Few
    # degrees
    # of freedom are covered by the closed forms above: each density evaluation is
    # slower.)
    J, T = 10, 32
    weights = energy_eigenvalues(brownian, T) / (J * T)
    # Integrate on [0, q_max] with P(Q > q_max) tiny (Gauss-Legendre on 8 panels of 24
    # nodes).
    q_max = 1.0
    while gchisq_sf(q_max, weights, J) > 1e-12:
        q_max *= 1.5
    nodes, node_weights = np.polynomial.legendre.leggauss(24)
    edges = np.linspace(0, q_max, 9)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        q = lo + (hi - lo) * (nodes + 1) / 2
        total += (hi - lo) / 2 * node_weights @ gchisq_pdf(q, weights, J)
    assert total == pytest.approx(1.0, abs=1e-9)
    # Central difference with h = 1e-4: truncation error h^2 f''' / 6, below 1e-7 here.
    q = np.array([0.3, 0.8, 1.0, 1.5, 2.5])
    h = 1e-4
    derivative = -(gchisq_sf(q + h, weights, J) - gchisq_sf(q - h, weights, J)) / (
        2 * h
    )
    np.testing.assert_allclose(
        gchisq_pdf(q, weights, J), derivative, rtol=1e-5, atol=1e-7
    )
    assert gchisq_pdf(-0.5, weights, J) == 0.0
    assert gchisq_sf(0.0, weights, J) == 1.0


def test_energy_pdf_of_the_impulse():
    # ||Phi delta||^2 = chi^2_{J T} / (J T): density J T f_{chi2_{JT}}(J T q).
    J, T = 10, 8
    q = np.array([0.5, 1.0, 1.7])
    np.testing.assert_allclose(
        energy_pdf(impulse(64), J, T, q),
        J * T * scipy.stats.chi2.pdf(J * T * q, J * T),
        rtol=1e-10,
    )


@pytest.mark.parametrize(("J", "T"), [(10, 8), (10, 64), (40, 256)])
def test_energy_quantile_inverts_energy_tail(J, T, brownian):
    p = np.array([0.5, 0.05, 1e-3, 1e-6])
    alpha = energy_quantile(brownian, J, T, p)
    assert alpha.shape == p.shape
    assert np.all(np.diff(alpha) > 0)  # smaller p, larger deviation
    np.testing.assert_allclose(energy_tail(brownian, J, T, alpha), p, rtol=1e-8)
    assert energy_quantile(brownian, J, T, 0.05) == pytest.approx(alpha[1], rel=1e-12)


def test_energy_quantile_of_the_impulse_is_the_chi_squared_quantile():
    for J, T in [(10, 8), (1, 1), (4, 128)]:
        k = J * T
        expected = scipy.stats.chi2.isf(P_GRID, k) / k - 1
        np.testing.assert_allclose(
            energy_quantile(impulse(1024), J, T, P_GRID),
            expected,
            rtol=1e-9,
            atol=1e-12,
        )


def test_energy_tail_basic_properties(brownian, rng):
    J, T = 10, 64
    alpha = np.linspace(-0.5, 2.0, 11)
    p = energy_tail(brownian, J, T, alpha)
    assert np.all(np.diff(p) < 0) and np.all((p >= 0) & (p <= 1))
    # At or below alpha = -E / ||x||^2 = -1 the energy (>= 0) exceeds it surely.
    assert energy_tail(brownian, J, T, -1.0) == 1.0
    assert energy_tail(brownian, J, T, -3.0) == 1.0
    # alpha is in units of ||x||^2: scaling the signal changes nothing.
    np.testing.assert_allclose(
        energy_tail(3.7 * brownian, J, T, alpha), p, rtol=1e-10, atol=1e-15
    )
    # A non-default sigma: alpha measured from the mean J T sigma^2 ||x||^2.
    x = rng.standard_normal(128)
    k = 5 * 4
    np.testing.assert_allclose(
        energy_tail(impulse(128), 5, 4, 0.3, sigma=2.0),
        scipy.stats.chi2.sf((4.0 * k + 0.3) / 4.0, k),
        rtol=1e-10,
    )
    assert np.isfinite(energy_tail(x, 5, 4, 0.3, sigma=0.1))


def test_energy_tail_against_monte_carlo_for_a_brownian_walk(brownian):
    # Empirical exceedance frequency of n draws vs the exact probability p:
    # binomial SE sqrt(p (1 - p) / n), 5 SE allowed.
    J, T, n = 10, 64, 4000
    energy = simulate_energy(brownian, J, T, n, rng=21)
    alpha = np.array([-0.3, 0.0, 0.2, 0.5, 0.8])
    p = energy_tail(brownian, J, T, alpha)
    frequency = np.mean(energy[:, None] - 1.0 >= alpha, axis=0)
    se = np.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(frequency - p) <= 5 * se), (frequency, p, se)
