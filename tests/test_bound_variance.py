"""Variances of the frame bounds: the Poincare bounds, the chi-squared model by quadrature,
and the standard error of a sample variance."""

import numpy as np
import pytest

from randfb import simulate_frame_bounds
from randfb.bound_variance import (
    chi2_extremes_variance,
    frame_bound_variance_bounds,
    lp_extremes_model_variance,
    sample_variance_se,
)

N_SE = 4.5  # Monte Carlo tolerance, in standard errors


@pytest.mark.parametrize("n", [1, 2, 7, 50, 1000])
def test_exponential_extremes_have_closed_form_variances(n):
    # chi^2_2 is exponential with mean 2: min of n is exponential with mean 2/n
    # (variance 4/n^2), and Var max = 4 sum_{i<=n} 1/i^2 (Renyi's representation).
    var_min, var_max = chi2_extremes_variance([(2, n, 1.0)])
    assert var_min == pytest.approx(4 / n**2, rel=1e-9)
    assert var_max == pytest.approx(4 * np.sum(1.0 / np.arange(1, n + 1) ** 2), rel=1e-9)


@pytest.mark.parametrize(("df", "scale"), [(1, 1.0), (5, 0.2), (80, 1 / 80)])
def test_one_variable_has_the_chi_squared_variance(df, scale):
    var_min, var_max = chi2_extremes_variance([(df, 1, scale)])
    assert var_min == pytest.approx(2 * df * scale**2, rel=1e-9)
    assert var_max == pytest.approx(2 * df * scale**2, rel=1e-9)


def test_model_variance_matches_sampled_extremes():
    # The paper's model for J = 10, T = 16 against 200000 sampled sets of 16 chi^2_10 / 10.
    rng = np.random.default_rng(5)
    y = rng.chisquare(10, size=(200_000, 16)) / 10
    var_A, var_B = lp_extremes_model_variance(10, 16, "paper")
    for model, draws in ((var_A, y.min(axis=1)), (var_B, y.max(axis=1))):
        assert abs(draws.var(ddof=1) - model) <= N_SE * sample_variance_se(draws)


@pytest.mark.parametrize(("J", "T"), [(5, 8), (5, 64), (12, 16), (12, 64)])
def test_simulated_variances_lie_below_the_poincare_bounds(J, T):
    N, n = 64, 3000
    A, B = simulate_frame_bounds(N, J, T, n, rng=J * T, dtype=np.float64)
    bounds = frame_bound_variance_bounds(J, T, A.mean(), B.mean())
    bound_se = {"A": 4 / J * A.std(ddof=1) / np.sqrt(n), "B": 4 / J * B.std(ddof=1) / np.sqrt(n)}
    for name, draws in (("A", A), ("B", B)):
        se = np.hypot(sample_variance_se(draws), bound_se[name])
        assert draws.var(ddof=1) <= bounds[f"var_{name}"] + N_SE * se
        root = np.sqrt(draws)
        assert root.var(ddof=1) <= bounds["var_sqrt"] + N_SE * sample_variance_se(root)


def test_refined_model_variance_is_exact_at_full_length():
    # T = N: the bins are independent, so the refined model is the law of (A, B).
    N = J = 32
    A, B = simulate_frame_bounds(N, J, N, 20_000, rng=7, dtype=np.float64)
    var_A, var_B = lp_extremes_model_variance(J, N, "real")
    assert abs(A.var(ddof=1) - var_A) <= N_SE * sample_variance_se(A)
    assert abs(B.var(ddof=1) - var_B) <= N_SE * sample_variance_se(B)


def test_poincare_bounds_formulae():
    out = frame_bound_variance_bounds(10, 8, [0.5, 0.6], 1.5)
    np.testing.assert_allclose(out["var_A"], [0.2, 0.24], rtol=1e-15)
    assert out["var_B"] == pytest.approx(0.6, rel=1e-15)
    assert out["var_sqrt"] == pytest.approx(0.1, rel=1e-15)
    scaled = frame_bound_variance_bounds(10, 8, 0.5, 1.5, sigma=0.5)
    assert scaled["var_sqrt"] == pytest.approx(0.25 * 8, rel=1e-15)
    assert scaled["var_B"] == pytest.approx(4 * 0.25 * 8 * 1.5, rel=1e-15)


def test_sample_variance_se_against_the_exact_formula():
    # For N(0, s^2): Var(s^2) = 2 s^4 / (n - 1); the estimate is consistent.
    n = 200_000
    x = np.random.default_rng(1).normal(scale=3.0, size=(4, n))
    se = sample_variance_se(x, axis=1)
    # The estimate of mu_4 - sigma^4 = 2 sigma^4 has influence function
    # (sigma^4 units) z^4 - 2 z^2 - 1, of variance 105 - 60 + 6 + 4 + 1 = 56, so its
    # relative SE is sqrt(14 / n) and that of its square root, the SE, sqrt(3.5 / n).
    rtol = N_SE * np.sqrt(3.5 / n)
    np.testing.assert_allclose(se, np.sqrt(2 * 81 / (n - 1)), rtol=rtol)
    exact = np.array([1.0, 2.0, 3.0, 4.0])
    c = exact - exact.mean()
    s2, m4 = c @ c / 3, np.mean(c**4)
    assert sample_variance_se(exact) == pytest.approx(np.sqrt((m4 - s2**2 / 3) / 4), rel=1e-14)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: frame_bound_variance_bounds(0, 8, 1.0, 1.0), "J"),
    (lambda: frame_bound_variance_bounds(5, 8, -1.0, 1.0), "expected_A"),
    (lambda: frame_bound_variance_bounds(5, 8, 1.0, np.nan), "expected_B"),
    (lambda: frame_bound_variance_bounds(5, 8, 1.0, 1.0, sigma=-1), "sigma"),
    (lambda: chi2_extremes_variance([]), "groups"),
    (lambda: chi2_extremes_variance([(0, 2, 1.0)]), "df"),
    (lambda: chi2_extremes_variance([(2, 0, 1.0)]), "count"),
    (lambda: lp_extremes_model_variance(5, 8, "complex"), "model"),
    (lambda: sample_variance_se([1.0, 2.0, 3.0]), "at least 4"),
    (lambda: sample_variance_se(1.0), "scalar"),
])
def test_bad_input_is_refused_by_name(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_relative_variance_se_is_vectorised_over_an_axis():
    from randfb.bound_variance import relative_variance_se

    x = np.random.default_rng(3).gamma(2.0, size=(5, 400))
    rows = np.array([relative_variance_se(row) for row in x])
    np.testing.assert_allclose(relative_variance_se(x, axis=-1), rows, rtol=1e-12)
    np.testing.assert_allclose(relative_variance_se(x.T, axis=0), rows, rtol=1e-12)


def test_relative_variance_se_matches_the_spread_over_repeated_samples():
    from randfb.bound_variance import relative_variance_se

    # R independent samples of n gamma(20) draws: the delta-method SE of s^2/mean^2
    # against the standard deviation of s^2/mean^2 over the R samples. The empirical SD
    # has a relative standard error of about 1/sqrt(2 (R - 1)) = 1.6 % at R = 2000 (for a
    # nearly normal statistic); the check allows 4.5 of them.
    R, n = 2000, 2000
    draws = np.random.default_rng(7).gamma(20.0, size=(R, n))
    g = draws.var(axis=1, ddof=1) / draws.mean(axis=1) ** 2
    empirical = g.std(ddof=1)
    predicted = np.median(relative_variance_se(draws, axis=1))
    tolerance = 4.5 / np.sqrt(2 * (R - 1))
    assert abs(predicted / empirical - 1) < tolerance, (predicted, empirical, tolerance)


def test_relative_variance_se_needs_four_draws():
    from randfb.bound_variance import relative_variance_se

    with pytest.raises(ValueError, match="4 draws"):
        relative_variance_se([1.0, 2.0, 3.0])
