"""Expected chi-squared extremes and the frame-bound models (randfb.extremes).

Exact small cases (n = 1; df = 2, where chi^2_2 is exponential with mean 2), large
simulations with 5-standard-error tolerances, and the paper's models against simulated
frame bounds at N = 1024, J = 40.
"""

import numpy as np
import pytest
import scipy.integrate
import scipy.stats

from randfb import (
    asymptotic_bounds,
    chi2_extremes,
    independent_chi2_extremes,
    kappa_tilde,
    lp_extremes_model,
    simulate_frame_bounds,
)

N_PAPER, J_PAPER = 1024, 40
DRAWS = 1000


@pytest.fixture(scope="module")
def simulated_bounds():
    """``simulated_bounds(T)``: 1000 draws of (A, B) at N = 1024, J = 40, cached per T."""
    cache = {}

    def get(T, N=N_PAPER, J=J_PAPER):
        if (T, N, J) not in cache:
            cache[T, N, J] = simulate_frame_bounds(N, J, T, DRAWS, rng=4000 + T)
        return cache[T, N, J]

    return get


# ---------------------------------------------------------------- exact small cases


@pytest.mark.parametrize("df", [1, 2.5, 10, 40])
def test_one_variable_has_the_mean_df(df):
    e_min, e_max = chi2_extremes(df, 1)
    assert e_min == pytest.approx(df, rel=1e-10)
    assert e_max == pytest.approx(df, rel=1e-10)


@pytest.mark.parametrize("n", [1, 2, 5, 64, 1024])
def test_exponential_extremes(n):
    # chi^2_2 is exponential with mean 2: E[max of n] = 2 H_n, E[min of n] = 2 / n.
    e_min, e_max = chi2_extremes(2, n)
    harmonic = np.sum(1.0 / np.arange(1, n + 1))
    assert e_max == pytest.approx(2 * harmonic, rel=1e-10)
    assert e_min == pytest.approx(2 / n, rel=1e-10)


def test_two_independent_exponentials_with_different_means():
    # a chi^2_2 and b chi^2_2: the minimum is exponential with rate 1/(2a) + 1/(2b), and
    # min + max = sum, so E[max] = 2a + 2b - E[min].
    a, b = 0.7, 3.0
    e_min, e_max = independent_chi2_extremes([(2, 1, a), (2, 1, b)])
    expected_min = 1 / (1 / (2 * a) + 1 / (2 * b))
    assert e_min == pytest.approx(expected_min, rel=1e-10)
    assert e_max == pytest.approx(2 * a + 2 * b - expected_min, rel=1e-10)


@pytest.mark.parametrize(("df", "n", "m"), [(10, 64, 20000), (40, 1024, 3000), (1, 8, 20000)])
def test_chi2_extremes_against_simulation(df, n, m, within_se):
    # m replications of n i.i.d. chi^2_df; SE of each mean: sample std / sqrt(m).
    sample = np.random.default_rng(df * 1000 + n).chisquare(df, size=(m, n))
    e_min, e_max = chi2_extremes(df, n)
    lows, highs = sample.min(axis=1), sample.max(axis=1)
    within_se(lows.mean(), e_min, lows.std(ddof=1) / np.sqrt(m), what="E[min]")
    within_se(highs.mean(), e_max, highs.std(ddof=1) / np.sqrt(m), what="E[max]")
    assert e_min < df < e_max


# ------------------------------------------------------------- frame-bound models


def test_real_model_at_T_equal_N_reproduces_the_checked_numbers():
    e_A, e_B = lp_extremes_model(J_PAPER, N_PAPER, "real")
    assert round(e_A, 3) == 0.585
    assert round(e_B, 3) == 1.556


def test_real_model_is_exact_at_T_equal_N(simulated_bounds, within_se):
    # For T = N the DFT bins of white Gaussian filters are independent: the model is the law.
    # SE of the simulated means: sample std / sqrt(1000).
    A, B = simulated_bounds(N_PAPER)
    e_A, e_B = lp_extremes_model(J_PAPER, N_PAPER, "real")
    within_se(A.mean(), e_A, A.std(ddof=1) / np.sqrt(DRAWS), what="mean A")
    within_se(B.mean(), e_B, B.std(ddof=1) / np.sqrt(DRAWS), what="mean B")


def extremes_by_quadrature(laws):
    """E[min], E[max] of independent variables given as frozen scipy laws (own quadrature)."""

    def all_above(v):
        return np.prod([law.sf(v) for law in laws])

    def not_all_below(v):
        return 1 - np.prod([law.cdf(v) for law in laws])

    upper = max(law.isf(1e-16) for law in laws)
    e_min = scipy.integrate.quad(all_above, 0, upper, limit=200, epsabs=1e-13)[0]
    e_max = scipy.integrate.quad(not_all_below, 0, upper, limit=200, epsabs=1e-13)[0]
    return e_min, e_max


@pytest.mark.parametrize(("J", "T"), [(2, 1), (2, 2), (3, 3), (2, 4), (5, 5)])
def test_real_model_bins_for_small_lengths(J, T):
    # Bins of a real length-T filter: DC always real (chi^2_J / J); Nyquist real when T is
    # even; the floor((T - 1) / 2) others complex (chi^2_{2J} / (2J)). T = 2, J = 2: two
    # Exp(1) variables, E[min] = 1/2, E[max] = 3/2.
    real = scipy.stats.chi2(J, scale=1 / J)
    complex_bin = scipy.stats.chi2(2 * J, scale=1 / (2 * J))
    n_real = 1 + (T % 2 == 0)
    laws = [real] * n_real + [complex_bin] * ((T - 1) // 2)
    expected = extremes_by_quadrature(laws)
    np.testing.assert_allclose(lp_extremes_model(J, T, "real"), expected, rtol=1e-8)
    if (J, T) == (2, 2):
        np.testing.assert_allclose(expected, (0.5, 1.5), rtol=1e-8)


@pytest.mark.parametrize(("N", "J"), [(15, 5), (16, 3)])
def test_real_model_for_odd_and_even_lengths(N, J, within_se):
    # Odd T = N: one real bin (DC) and (T - 1)/2 complex ones; even: DC and Nyquist real.
    A, B = simulate_frame_bounds(N, J, N, 4000, rng=N)
    e_A, e_B = lp_extremes_model(J, N, "real")
    within_se(A.mean(), e_A, A.std(ddof=1) / np.sqrt(4000), what="mean A")
    within_se(B.mean(), e_B, B.std(ddof=1) / np.sqrt(4000), what="mean B")


@pytest.mark.parametrize("T", [8, 64, 1024])
def test_paper_model_lies_outside_the_simulated_means(T, simulated_bounds):
    # The chi^2_J-over-T model gives valid but loose outer values: E[A]_model < mean A and
    # E[B]_model > mean B, each by more than 5 SE (SE = sample std / sqrt(1000)).
    A, B = simulated_bounds(T)
    e_A, e_B = lp_extremes_model(J_PAPER, T, "paper")
    assert e_A < A.mean() - 5 * A.std(ddof=1) / np.sqrt(DRAWS)
    assert e_B > B.mean() + 5 * B.std(ddof=1) / np.sqrt(DRAWS)
    # The asymptotic formula 1 -/+ 2 sqrt(log T / J) lies outside the simulated means too,
    # and its lower value below the model's (its upper one is not always above: T = 1024).
    lower, upper = asymptotic_bounds(J_PAPER, T)
    assert lower < e_A and upper > B.mean() + 5 * B.std(ddof=1) / np.sqrt(DRAWS)


def test_paper_model_is_the_extremes_of_T_scaled_chi_squared():
    for T in (8, 64):
        e_min, e_max = chi2_extremes(J_PAPER, T)
        np.testing.assert_allclose(lp_extremes_model(J_PAPER, T, "paper"),
                                   (e_min / J_PAPER, e_max / J_PAPER), rtol=1e-10)


# ------------------------------------------------------------ asymptotics, kappa tilde


def test_asymptotic_bounds_formula():
    J = np.array([5.0, 10.0, 40.0])
    T = np.array([8.0, 64.0, 1024.0])
    lower, upper = asymptotic_bounds(J[:, None], T[None, :])
    r = 2 * np.sqrt(np.log(T)[None, :] / J[:, None])
    np.testing.assert_allclose(lower, 1 - r, rtol=1e-14)
    np.testing.assert_allclose(upper, 1 + r, rtol=1e-14)


def test_kappa_tilde_is_nan_exactly_where_J_is_at_most_4_log_T():
    J = np.arange(1, 121, dtype=float)[:, None]
    T = 2.0 ** np.arange(0, 13)[None, :]
    kappa = kappa_tilde(J, T)
    assert kappa.shape == (120, 13)
    undefined = J <= 4 * np.log(T)
    assert np.all(np.isnan(kappa[undefined]))
    assert np.all(np.isfinite(kappa[~undefined])) and np.all(kappa[~undefined] >= 1)
    # On the boundary J = 4 log T itself (1 - 2 sqrt(1/4) = 0): NaN, not inf.
    assert np.isnan(kappa_tilde(4 * np.log(64.0), 64.0))
    r = np.sqrt(np.log(T) / J)
    np.testing.assert_allclose(kappa[~undefined], ((1 + 2 * r) / (1 - 2 * r))[~undefined],
                               rtol=1e-12)


@pytest.mark.parametrize("c", [5.0, 6.0, 16.0])
def test_kappa_tilde_is_constant_along_J_proportional_to_log_T(c):
    T = 2.0 ** np.arange(1, 16)
    kappa = kappa_tilde(c * np.log(T), T)
    expected = (1 + 2 / np.sqrt(c)) / (1 - 2 / np.sqrt(c))
    np.testing.assert_allclose(kappa, expected, rtol=1e-12)
    # ... and grows with T at fixed J.
    assert np.all(np.diff(kappa_tilde(80.0, T)) > 0)
