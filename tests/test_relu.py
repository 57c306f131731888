"""Tests for randfb.relu and randfb.depth (the chapter after the first layer).

Exact quantities are checked against independent oracles (a one-dimensional quadrature
of the bivariate moment, the dense double sum over all pairs, closed forms for the
impulse, the constant and the Nyquist sine) to floating-point tolerance; Monte Carlo
statements use a fixed seed and 5 standard errors, the SE of a sample mean from the
sample's standard deviation and the SE of a sample variance from its fourth central
moment.
"""

import time

import numpy as np
import pytest
from scipy import integrate, stats

import randfb
from randfb import relu as relu_module
from randfb.bound_variance import sample_variance_se
from randfb.depth import STAGES, depth_energy_means, simulate_depth
from randfb.relu import (
    relu_energy_moments,
    relu_energy_variance_dense,
    relu_impulse_moments,
    relu_pooled_energy_mean,
    relu_square_covariance,
    relu_variance_parts,
    simulate_relu_energy,
)

N_SE = 5  # Monte Carlo tolerance in standard errors


def quadrature_moment(rho):
    """E[ReLU(u)^2 ReLU(v)^2] for unit normals of correlation rho, by 1-D quadrature.

    Given u, v ~ N(rho u, 1 - rho^2), and E[ReLU(m + s Z)^2] = (m^2 + s^2) Phi(m/s)
    + m s phi(m/s); integrate against u^2 phi(u) over u > 0.
    """
    s = np.sqrt(1.0 - rho**2)

    def integrand(u):
        m = rho * u
        inner = (m * m + s * s) * stats.norm.cdf(m / s) + m * s * stats.norm.pdf(m / s)
        return u * u * stats.norm.pdf(u) * inner

    return integrate.quad(integrand, 0.0, np.inf, epsabs=1e-13, epsrel=1e-13)[0]


@pytest.mark.parametrize("rho", [-0.95, -0.6, -0.2, 0.0, 0.3, 0.7, 0.99])
def test_bivariate_moment_matches_quadrature(rho):
    a, b = 0.7, 1.9
    c = rho * np.sqrt(a * b)
    expected = a * b * (quadrature_moment(rho) - 0.25)
    value = relu_square_covariance(c, a, b)
    assert value == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_bivariate_moment_end_points_and_zero_variance():
    assert relu_square_covariance(1.0, 1.0, 1.0) == pytest.approx(1.25, abs=1e-15)
    assert relu_square_covariance(-1.0, 1.0, 1.0) == pytest.approx(-0.25, abs=1e-15)
    assert relu_square_covariance(0.0, 1.0, 1.0) == pytest.approx(0.0, abs=1e-15)
    assert relu_square_covariance(0.0, 0.0, 3.0) == 0.0
    # even part rho^2/2, odd part h/4: g(rho) + g(-rho) = rho^2, g(rho) > g(-rho)
    r = np.linspace(0.05, 1, 20)
    g_plus = relu_square_covariance(r, 1.0, 1.0)
    g_minus = relu_square_covariance(-r, 1.0, 1.0)
    np.testing.assert_allclose(g_plus + g_minus, r**2, atol=1e-14)
    assert np.all(g_plus > g_minus)


def small_signals():
    rng = np.random.default_rng(3)
    return {
        "gaussian": rng.standard_normal(37),
        "impulse": randfb.impulse(24, at=5),
        "nyquist": randfb.nyquist_sine(24),
        "brownian": randfb.brownian_noise(48, rng=1),
        "sparse": np.r_[np.zeros(10), 1.0, -2.0, np.zeros(12)],
    }


# only the valid cases: T <= N and the stride divides N (the odd-length Gaussian
# signal is therefore tried at stride 1 only)
LAG_SUM_CASES = [
    (name, T, stride)
    for name, x in small_signals().items()
    for T, stride in [(1, 1), (3, 1), (8, 1), (24, 1), (4, 2), (6, 3)]
    if T <= x.size and x.size % stride == 0
]


@pytest.mark.parametrize(("name", "T", "stride"), LAG_SUM_CASES)
def test_lag_sum_equals_dense_sum_over_all_pairs(name, T, stride):
    x = small_signals()[name]
    J, sigma = 3, 0.4
    lag = relu_energy_moments(x, J, T, sigma, stride=stride)[1]
    dense = relu_energy_variance_dense(x, J, T, sigma, stride=stride)
    assert lag == pytest.approx(dense, rel=1e-11, abs=1e-14)


@pytest.mark.parametrize(("J", "T", "N", "at", "amplitude", "sigma"),
                         [(10, 8, 1024, 513, 1.0, None), (1, 1, 16, 0, 1.0, None),
                          (5, 64, 64, 63, 2.5, None), (3, 100, 256, 200, 0.3, 0.7)])
def test_impulse_closed_form(J, T, N, at, amplitude, sigma):
    x = amplitude * randfb.impulse(N, at=at)
    mean, var = relu_energy_moments(x, J, T, sigma)
    exact_mean, exact_var = relu_impulse_moments(J, T, sigma, amplitude)
    assert abs(mean - exact_mean) <= 1e-12 * exact_mean
    assert abs(var - exact_var) <= 1e-12 * exact_var
    if sigma is None:
        assert exact_var / exact_mean**2 == pytest.approx(5 / (J * T), rel=1e-14)


@pytest.mark.parametrize(("J", "T", "N"), [(10, 8, 1024), (4, 64, 64), (2, 33, 100)])
def test_constant_and_nyquist_separate_after_the_relu(J, T, N):
    # Linear layer: both have variance 2/J. After the ReLU: 5/(4J) and 1/(2J).
    constant = np.full(N, 1 / np.sqrt(N))
    nyquist = randfb.nyquist_sine(N)
    for x in (constant, nyquist):
        assert randfb.energy_variance(x, J, T) == pytest.approx(2 / J, rel=1e-12)
    mean_c, var_c = relu_energy_moments(constant, J, T)
    mean_n, var_n = relu_energy_moments(nyquist, J, T)
    assert mean_c == pytest.approx(0.5, rel=1e-12)
    assert mean_n == pytest.approx(0.5, rel=1e-12)
    assert var_c == pytest.approx(1.25 / J, rel=1e-11)
    assert var_n == pytest.approx(0.5 / J, rel=1e-11)


@pytest.mark.parametrize("T", [1, 7, 64, 300])
def test_even_part_is_a_quarter_of_the_linear_variance_and_mean_is_half(T):
    x = randfb.brownian_noise(300, rng=2)
    J, sigma = 6, 0.05
    even, odd = relu_variance_parts(x, J, T, sigma)
    assert 4 * even == pytest.approx(randfb.energy_variance(x, J, T, sigma), rel=1e-11)
    mean, var = relu_energy_moments(x, J, T, sigma)
    assert mean == pytest.approx(randfb.energy_mean(x, J, T, sigma) / 2, rel=1e-12)
    assert var == pytest.approx(even + odd, rel=1e-14)


def test_odd_part_is_a_variance_so_relu_never_lowers_the_relative_variance():
    rng = np.random.default_rng(12)
    for _ in range(50):
        N = int(rng.integers(4, 40))
        x = rng.standard_normal(N) * (rng.random(N) < 0.6)
        x[0] = 1.0
        T = int(rng.integers(1, N + 1))
        even, odd = relu_variance_parts(x, 3, T)
        assert odd >= -1e-12 * even
    # x = 1: every output is s ~ N(0, T sigma^2), so the odd part is
    # (J/4) Var(N s|s|) = (J/4) N^2 E s^4 = (3 J / 4) N^2 (T sigma^2)^2
    J, T, sigma, N = 4, 16, 0.3, 64
    _, odd = relu_variance_parts(np.ones(N), J, T, sigma)
    assert odd == pytest.approx(0.75 * J * N**2 * (T * sigma**2) ** 2, rel=1e-12)


def test_variance_scales_with_sigma_and_J():
    x = randfb.brownian_noise(128, rng=5)
    m1, v1 = relu_energy_moments(x, 2, 16, 1.0)
    m2, v2 = relu_energy_moments(x, 6, 16, 0.5)
    assert m2 == pytest.approx(m1 * 3 * 0.25, rel=1e-12)
    assert v2 == pytest.approx(v1 * 3 * 0.0625, rel=1e-12)


def simulation_signals():
    return {
        "impulse": randfb.impulse(256, at=129),
        "nyquist": randfb.nyquist_sine(256),
        "brownian": randfb.brownian_noise(256, rng=7),
        "gaussian": np.random.default_rng(8).standard_normal(256),
        "flute": randfb.load_recording("flute", duration=256 / 22050),
    }


@pytest.mark.parametrize("name", list(simulation_signals()))
@pytest.mark.parametrize(("T", "stride"), [(8, 1), (64, 1), (32, 4)])
def test_exact_moments_match_simulation(name, T, stride):
    x = simulation_signals()[name]
    J, n = 5, 20_000
    relu, linear = simulate_relu_energy(x, J, T, n, stride=stride, rng=11)
    mean, var = relu_energy_moments(x, J, T, stride=stride)
    se_mean = relu.std(ddof=1) / np.sqrt(n)
    assert abs(relu.mean() - mean) <= N_SE * se_mean, (relu.mean(), mean, se_mean)
    se_var = float(sample_variance_se(relu))
    assert abs(relu.var(ddof=1) - var) <= N_SE * se_var, (relu.var(ddof=1), var, se_var)
    if stride == 1:  # the paired linear energies follow the paper's formula
        se_lin = float(sample_variance_se(linear))
        lin_var = randfb.energy_variance(x, J, T)
        assert abs(linear.var(ddof=1) - lin_var) <= N_SE * se_lin


def test_simulation_is_reproducible_and_relu_below_linear():
    x = randfb.brownian_noise(64, rng=1)
    first = simulate_relu_energy(x, 3, 8, 50, rng=5)
    np.testing.assert_array_equal(first[0], simulate_relu_energy(x, 3, 8, 50, rng=5)[0])
    assert np.all(first[0] <= first[1])  # ReLU keeps a part of each squared output


@pytest.mark.parametrize("pool", [1, 2, 8, 32])
def test_pooled_mean_matches_dense_and_simulation(pool):
    x = randfb.brownian_noise(128, rng=9)
    J, T = 4, 16
    exact = relu_pooled_energy_mean(x, J, T, pool)
    # dense oracle: degree-1 kernel on every pair in the same block
    sigma = 1 / np.sqrt(J * T)
    C = relu_module._dense_covariance(x, T, sigma)
    a = np.diag(C)
    rho = np.clip(C / np.sqrt(np.outer(a, a)), -1, 1)
    k1 = np.sqrt(np.outer(a, a)) * (np.sqrt(1 - rho**2)
                                     + (np.pi - np.arccos(rho)) * rho) / (2 * np.pi)
    block = np.arange(128) // pool
    dense = J * k1[block[:, None] == block[None, :]].sum() / pool**2
    assert exact == pytest.approx(dense, rel=1e-11)
    if pool == 1:
        assert exact == pytest.approx(0.5, rel=1e-12)
    e = simulate_depth(x, J, T, 8000, pool=pool, J2=3, T2=4, rng=2)
    se = e.pooled.std(ddof=1) / np.sqrt(e.pooled.size)
    assert abs(e.pooled.mean() - exact) <= N_SE * se


@pytest.mark.parametrize("name", ["impulse", "nyquist", "brownian"])
def test_depth_means_match_simulation(name):
    x = simulation_signals()[name]
    kwargs = {"pool": 4, "J2": 4, "T2": 8}
    means = depth_energy_means(x, 5, 16, **kwargs)
    e = simulate_depth(x, 5, 16, 6000, rng=3, **kwargs)
    assert e.relu1.mean() <= e.linear1.mean()
    for stage in STAGES:
        draws = e.stage(stage)
        se = draws.std(ddof=1) / np.sqrt(draws.size)
        assert abs(draws.mean() - means[stage]) <= N_SE * se, (stage, draws.mean(),
                                                                means[stage], se)
    # the first two stages equal the single-layer simulator's law
    _, var = relu_energy_moments(x, 5, 16)
    assert abs(e.relu1.var(ddof=1) - var) <= N_SE * float(sample_variance_se(e.relu1))


def test_moments_are_fast_for_n_1024():
    x = randfb.brownian_noise(1024, rng=0)
    relu_energy_moments(x, 10, 64)  # warm up
    start = time.perf_counter()
    relu_energy_moments(x, 10, 1024)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(("call", "error", "word"), [
    (lambda: relu_energy_moments(np.zeros(8), 2, 4), ValueError, "x"),
    (lambda: relu_energy_moments(np.ones((2, 4)), 2, 2), ValueError, "x"),
    (lambda: relu_energy_moments([1.0, np.nan], 2, 2), ValueError, "x"),
    (lambda: relu_energy_moments("abc", 2, 2), TypeError, "x"),
    (lambda: relu_energy_moments(np.ones(8), 0, 4), ValueError, "J"),
    (lambda: relu_energy_moments(np.ones(8), 2, 9), ValueError, "T"),
    (lambda: relu_energy_moments(np.ones(8), 2, 0), ValueError, "T"),
    (lambda: relu_energy_moments(np.ones(8), 2.5, 4), TypeError, "J"),
    (lambda: relu_energy_moments(np.ones(8), 2, 4, -1.0), ValueError, "sigma"),
    (lambda: relu_energy_moments(np.ones(8), 2, 4, stride=3), ValueError, "stride"),
    (lambda: relu_energy_variance_dense(np.ones(5000), 2, 4), ValueError, "x"),
    (lambda: relu_impulse_moments(2, 4, amplitude=0), ValueError, "amplitude"),
    (lambda: relu_square_covariance(0.0, -1.0, 1.0), ValueError, "variances"),
    (lambda: relu_pooled_energy_mean(np.ones(8), 2, 4, 3), ValueError, "pool"),
    (lambda: simulate_relu_energy(np.ones(8), 2, 4, 0), ValueError, "n_draws"),
    (lambda: simulate_relu_energy(np.ones(8), 2, 4, 5, rng=-1), ValueError, "rng"),
    (lambda: simulate_depth(np.ones(8), 2, 4, 5, pool=2, T2=5), ValueError, "T2"),
    (lambda: simulate_depth(np.ones(8), 2, 4, 5, J2=0), ValueError, "J2"),
    (lambda: depth_energy_means(np.ones(8), 2, 4, sigma2=0.0), ValueError, "sigma"),
    (lambda: simulate_depth(np.ones(8), 2, 4, 5).stage("relu3"), ValueError, "name"),
])
def test_bad_input_names_the_parameter(call, error, word):
    with pytest.raises(error, match=word):
        call()
