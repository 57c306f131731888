"""Tests for randfb.scaling: nested filterbanks, the covariance identity, the search for
the number of filters, the fit of J = c log T and the large-deviation limit.
"""

from __future__ import annotations

import numpy as np
import pytest

import randfb
from randfb.lpsum import sample_full_length_bounds
from randfb.scaling import (
    condition_summary,
    filters_for_condition,
    fit_log_constant,
    large_deviation_limit,
    log_constant_for_limit,
    nested_frame_bounds,
    simulate_frame_bounds_nested,
)


@pytest.mark.parametrize("T, N", [(8, 64), (16, 16), (32, 40), (5, 7), (1, 4)])
def test_nested_bounds_equal_bounds_of_prefixes(T, N, rng):
    """Exact oracle: each row is frame_bounds of the first J filters scaled by 1/sqrt(J T)."""
    z = rng.standard_normal((4, 9, T))
    J_values = [1, 2, 5, 9]
    A, B = nested_frame_bounds(z, N, J_values)
    assert A.shape == B.shape == (len(J_values), 4)
    for i, J in enumerate(J_values):
        A_ref, B_ref = randfb.frame_bounds(z[:, :J] / np.sqrt(J * T), N)
        np.testing.assert_allclose(A[i], A_ref, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(B[i], B_ref, rtol=1e-10)


@pytest.mark.parametrize("T", [8, 512])
def test_nested_simulation_has_the_law_of_independent_simulations(T, within_se):
    N, n = 1024, 3000
    A, B = simulate_frame_bounds_nested(N, [5, 20], T, n, rng=11)
    for i, J in enumerate([5, 20]):
        A_ref, B_ref = randfb.simulate_frame_bounds(N, J, T, n, rng=12 + i)
        for name, x, y in (("A", A[i], A_ref), ("B", B[i], B_ref)):
            se = np.hypot(x.std(ddof=1), y.std(ddof=1)) / np.sqrt(n)
            within_se(x.mean(), y.mean(), se, what=f"J={J}, T={T}: mean {name}")


def test_nested_simulation_is_reproducible():
    first = simulate_frame_bounds_nested(128, [3, 6], 16, 40, rng=3)
    second = simulate_frame_bounds_nested(128, [3, 6], 16, 40, rng=3)
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


@pytest.mark.parametrize("J_values", [[], [3, 3], [4, 2], [0, 2]])
def test_nested_rejects_bad_grids(J_values):
    with pytest.raises(ValueError, match="J_values"):
        simulate_frame_bounds_nested(64, J_values, 8, 10)


def test_nested_rejects_too_many_filters(rng):
    with pytest.raises(ValueError, match="J_values"):
        nested_frame_bounds(rng.standard_normal((3, 8)), 16, [2, 4])


def test_identity_holds_exactly_on_samples(rng):
    A = rng.uniform(0.2, 1.0, size=(3, 500))
    B = A + rng.exponential(1.0, size=(3, 500))
    s = condition_summary(A, B)
    np.testing.assert_allclose(s["mean_kappa"], s["ratio_of_means"] - s["correction"],
                               rtol=1e-13)
    kappa = B / A
    expected = [np.cov(a, k, ddof=0)[0, 1] for a, k in zip(A, kappa, strict=True)]
    np.testing.assert_allclose(s["cov_A_kappa"], expected, rtol=1e-12)
    np.testing.assert_allclose(s["se_kappa"], kappa.std(axis=1, ddof=1) / np.sqrt(500))


def test_covariance_standard_error_is_calibrated():
    """Over repeated samples, the spread of cov(A, kappa) matches its reported SE."""
    gen = np.random.default_rng(5)
    covs, ses = [], []
    for _ in range(300):
        A = gen.uniform(0.5, 1.0, 400)
        B = A * (1 + gen.exponential(1.0, 400))
        s = condition_summary(A, B)
        covs.append(float(s["cov_A_kappa"]))
        ses.append(float(s["se_cov"]))
    ratio = np.std(covs, ddof=1) / np.mean(ses)
    assert 0.85 < ratio < 1.15  # the SE of a standard deviation over 300 repeats is ~4 %


@pytest.mark.parametrize("A, B, match", [
    (np.ones(3), np.ones(4), "same shape"),
    (np.ones(1), np.ones(1), "at least 2"),
    (np.array([0.0, 1.0]), np.ones(2), "A must be > 0"),
])
def test_summary_rejects_bad_input(A, B, match):
    with pytest.raises(ValueError, match=match):
        condition_summary(A, B)


@pytest.mark.parametrize("T, target", [(64, 3.0), (4096, 2.5)])
def test_search_agrees_with_a_scan_over_J(T, target):
    """The bisection finds the smallest J of a full scan with the same (coupled) draws."""
    found = filters_for_condition(T, target, n_draws=500, rng=21)
    means = [(sample_full_length_bounds(J, T, 500, rng=21)[1]
              / sample_full_length_bounds(J, T, 500, rng=21)[0]).mean()
             for J in range(1, found.J + 1)]
    assert means[-1] == pytest.approx(found.mean_kappa)
    assert means[-1] <= target < means[-2] == pytest.approx(found.mean_kappa_fewer)
    passing = [J for J, m in enumerate(means, start=1) if m <= target]
    assert passing[0] == found.J


def test_search_with_a_longer_signal_needs_at_least_as_many_filters():
    short = filters_for_condition(16, 4.0, n_draws=400, rng=0)
    long = filters_for_condition(16, 4.0, N=256, n_draws=400, rng=0)
    assert long.J >= short.J and long.mean_kappa <= 4.0 < long.mean_kappa_fewer


@pytest.mark.parametrize("kwargs, match", [
    ({"T": 16, "kappa_target": 1.0}, "kappa_target"),
    ({"T": 16, "kappa_target": 2.0, "N": 8}, "N"),
    ({"T": 16, "kappa_target": 1.01, "J_max": 4, "n_draws": 50}, "J_max"),
    ({"T": 16, "kappa_target": 1.01, "N": 32, "J_max": 4, "n_draws": 50}, "J_max"),
])
def test_search_rejects_impossible_requests(kwargs, match):
    with pytest.raises(ValueError, match=match):
        filters_for_condition(**kwargs)


def test_fit_recovers_exact_lines():
    T = 2.0 ** np.arange(3, 15)
    assert fit_log_constant(T, 7.5 * np.log(T)) == pytest.approx(7.5, rel=1e-13)
    c, b = fit_log_constant(T, 7.5 * np.log(T) - 3.0, intercept=True)
    assert c == pytest.approx(7.5, rel=1e-12) and b == pytest.approx(-3.0, rel=1e-11)


@pytest.mark.parametrize("T, J, kwargs, match", [
    ([8, 16], [1.0], {}, "equal length"),
    ([1, 16], [1.0, 2.0], {}, "T_values"),
    ([8, 16], [1.0, -2.0], {}, "J_values"),
    ([8], [3.0], {"intercept": True}, "at least 2"),
])
def test_fit_rejects_bad_input(T, J, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fit_log_constant(T, J, **kwargs)


@pytest.mark.parametrize("c", [0.5, 2.0, 6.0, 40.0])
def test_limit_solves_the_rate_equations(c):
    A, B, kappa = large_deviation_limit(c)
    x_plus, x_minus = B - 1, 1 - A
    assert x_plus - np.log1p(x_plus) == pytest.approx(1 / c, rel=1e-10)
    assert -x_minus - np.log1p(-x_minus) == pytest.approx(1 / c, rel=1e-10)
    assert 0 < A < 1 < B and kappa == pytest.approx(B / A)


def test_limit_decreases_to_one_and_inverts():
    kappas = [large_deviation_limit(c)[2] for c in (1, 2, 4, 8, 16, 1e4)]
    assert all(a > b for a, b in zip(kappas, kappas[1:], strict=False))
    assert kappas[-1] == pytest.approx(1.0, abs=0.05)
    for kappa in (1.5, 2.0, 4.0, 20.0):
        assert large_deviation_limit(log_constant_for_limit(kappa))[2] == pytest.approx(kappa,
                                                                                       rel=1e-9)


def test_exact_sampler_approaches_the_limit():
    """Along J = c log T the mean kappa moves towards kappa_inf(c) as T grows."""
    c = 6.0
    limit = large_deviation_limit(c)[2]
    gaps, ses = [], []
    for log2_T in (10, 40, 160):
        J = int(np.ceil(c * np.log(2.0) * log2_T))
        A, B = sample_full_length_bounds(J, 2**log2_T, 4000, rng=log2_T)
        kappa = B / A
        gaps.append(limit - kappa.mean())
        ses.append(kappa.std(ddof=1) / np.sqrt(kappa.size))  # SE of the mean kappa
    # Each step closes the gap by more than 5 standard errors of the difference, and the
    # last gap is still positive by 5 SE (the limit is approached from below).
    for k in range(2):
        assert gaps[k] - gaps[k + 1] > 5 * np.hypot(ses[k], ses[k + 1])
    assert gaps[2] > 5 * ses[2]
    assert gaps[2] < 0.05 * limit


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_limit_rejects_bad_constants(bad):
    with pytest.raises(ValueError, match="c"):
        large_deviation_limit(bad)


def test_inverse_rejects_kappa_at_most_one():
    with pytest.raises(ValueError, match="kappa"):
        log_constant_for_limit(1.0)


def test_fit_through_the_origin_is_least_squares_off_the_line():
    # Points off any line through the origin: the fit without intercept must minimise
    # sum_i (J_i - c log T_i)^2, i.e. c = <J, log T> / <log T, log T>, with the residual
    # orthogonal to log T; neither the affine fit's slope nor the mean of J / log T.
    T = np.exp(np.array([1.0, 2.0, 4.0]))
    J = np.array([5.0, 3.0, 9.0])
    c = fit_log_constant(T, J)
    assert c == pytest.approx((5 + 6 + 36) / (1 + 4 + 16), rel=1e-13)
    reference, *_ = np.linalg.lstsq(np.log(T)[:, None], J, rcond=None)
    assert c == pytest.approx(float(reference[0]), rel=1e-12)
    assert abs((J - c * np.log(T)) @ np.log(T)) < 1e-12
    for other in (c + 1e-3, c - 1e-3):
        assert np.sum((J - other * np.log(T)) ** 2) > np.sum((J - c * np.log(T)) ** 2)
    assert c != pytest.approx(fit_log_constant(T, J, intercept=True)[0], rel=1e-3)
    assert c != pytest.approx(float(np.mean(J / np.log(T))), rel=1e-3)


def test_running_mean_of_ratios_is_the_cumulative_mean_of_the_ratio():
    from randfb.scaling import running_mean_of_ratios

    mean_A = np.array([[0.8, 0.6, 0.5, 0.4], [0.9, 0.9, 0.9, 0.9]])
    mean_B = np.array([[1.2, 1.5, 1.6, 1.8], [1.8, 0.9, 2.7, 1.8]])
    ratio = mean_B / mean_A
    expected = np.array([[ratio[r, : i + 1].mean() for i in range(4)] for r in range(2)])
    np.testing.assert_allclose(running_mean_of_ratios(mean_A, mean_B), expected, rtol=1e-15)
    # An increasing ratio: the running mean lies strictly below it after the first length.
    running = running_mean_of_ratios(mean_A[0], mean_B[0])
    assert running[0] == ratio[0, 0] and np.all(running[1:] < ratio[0, 1:])
    with pytest.raises(ValueError, match="same non-empty shape"):
        running_mean_of_ratios([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="mean_A"):
        running_mean_of_ratios([0.0, 1.0], [1.0, 2.0])
