"""Statistics over independent units (randfb.task_stats): exact small cases, per-draw
oracles for the bootstrap, Monte Carlo coverage with tolerances from the standard error,
and every refusal."""

import itertools

import numpy as np
import pytest
import scipy.stats

from randfb.task_stats import (
    Interval,
    _expanded_alpha,
    bootstrap_ci,
    equivalence_margin,
    group_means,
    holm,
    paired_difference,
    sign_flip_pvalue,
    slope_ci,
    steps_summary,
    unit_slopes,
)

N_SE = 4.5  # Monte Carlo tolerance, in standard errors


# --- group_means ---------------------------------------------------------------------

def test_group_means_exact():
    units, means = group_means([[1, 0], [0, 0], [1, 1], [1, 0], [0, 1]],
                               ["s2", "s1", "s1", "s2", "s3"])
    assert units.tolist() == ["s1", "s2", "s3"]
    np.testing.assert_allclose(means, [[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]], rtol=0,
                               atol=1e-15)


def test_group_means_refuses_mismatched_groups():
    with pytest.raises(ValueError, match="groups"):
        group_means([1, 0, 1], ["a", "b"])
    with pytest.raises(ValueError, match="values"):
        group_means([1, np.nan], ["a", "b"])


# --- bootstrap_ci --------------------------------------------------------------------

def test_expanded_alpha_matches_its_definition():
    for n in (2, 3, 6, 40):
        a = _expanded_alpha(0.05, n)
        z = scipy.stats.norm.isf(a / 2)
        assert z == pytest.approx(np.sqrt(n / (n - 1)) * scipy.stats.t.isf(0.025, n - 1),
                                  rel=1e-10)
    # expansion widens: alpha' < alpha, and tends to alpha for many units
    assert _expanded_alpha(0.05, 6) < _expanded_alpha(0.05, 40) < 0.05
    assert _expanded_alpha(0.05, 10**6) == pytest.approx(0.05, rel=1e-4)


def test_bootstrap_regenerates_its_resamples_from_the_seed():
    # Per-draw oracle: redraw the same resampling indices from the same seed and
    # compute the interval's order statistics by hand.
    values = np.array([0.3, 0.9, 0.5, 0.7, 0.1, 0.6, 0.8])
    n_boot, level = 500, 0.9
    ci = bootstrap_ci(values, level=level, n_boot=n_boot, expanded=False, rng=11)
    gen = np.random.default_rng(11)
    index = gen.integers(0, values.size, size=(n_boot, values.size))
    boot = np.sort(values[index].mean(axis=1))
    alpha = 1 - level
    # numpy's "lower"/"higher" quantiles: floor / ceil of q (n - 1)
    assert ci.low == boot[int(np.floor(alpha / 2 * (n_boot - 1)))]
    assert ci.high == boot[int(np.ceil((1 - alpha / 2) * (n_boot - 1)))]
    assert ci.estimate == pytest.approx(values.mean(), rel=1e-15)
    assert (ci.level, ci.n_units, ci.n_boot) == (level, 7, n_boot)


def test_bootstrap_spread_is_the_plug_in_standard_error():
    # For the mean, the resampled means have variance sigma_plug^2 / n exactly
    # (sigma_plug^2 = mean of squared deviations); their sample variance over B
    # resamples has SE about var * sqrt(2 / B).
    rng = np.random.default_rng(3)
    values = rng.exponential(size=12)
    n_boot = 20000
    gen = np.random.default_rng(4)
    index = gen.integers(0, values.size, size=(n_boot, values.size))
    boot = values[index].mean(axis=1)
    exact = values.var() / values.size
    se = exact * np.sqrt(2 / (n_boot - 1))
    assert abs(boot.var(ddof=1) - exact) <= N_SE * se


def test_bootstrap_of_constant_units_is_a_point():
    ci = bootstrap_ci([0.5] * 5, rng=0)
    assert ci.low == ci.high == ci.estimate == 0.5


def test_bootstrap_is_paired_over_trailing_axes():
    # Two columns resampled with the same units: column 1 = column 0 + 1 exactly,
    # so every resample keeps the offset and the ends differ by 1.
    values = np.array([[0.1, 1.1], [0.4, 1.4], [0.2, 1.2], [0.9, 1.9]])
    ci = bootstrap_ci(values, rng=5)
    np.testing.assert_allclose(ci.high[1] - ci.high[0], 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ci.low[1] - ci.low[0], 1.0, rtol=0, atol=1e-12)


def _student_coverage(n, level, expanded):
    # The percentile interval of the mean is mean +- z_{a/2} s_plug / sqrt(n) up to the
    # bootstrap's own noise, s_plug = s sqrt((n - 1) / n): for normal units it covers
    # P(|t_{n-1}| <= z_{a/2} sqrt((n - 1) / n)); expanded, that is ``level`` itself.
    alpha = 1 - level
    if expanded:
        alpha = _expanded_alpha(alpha, n)
    z = scipy.stats.norm.isf(alpha / 2)
    return 1 - 2 * scipy.stats.t.sf(z * np.sqrt((n - 1) / n), n - 1)


@pytest.mark.parametrize(("n", "expanded"), [(6, True), (6, False), (30, True)])
def test_bootstrap_coverage_for_normal_units(n, expanded):
    # Monte Carlo coverage over M data sets of n normal units. Tolerance: 4.5 SE of a
    # proportion, sqrt(c (1 - c) / M), plus the bootstrap quantiles' own noise, which
    # we bound by 0.02 (at B = 2000 the order statistic at alpha'/2 moves the end by
    # well under a tenth of the interval's width).
    M, level = 600, 0.95
    rng = np.random.default_rng(2024 + n)
    data = rng.standard_normal((M, n))
    covered = np.array([
        bootstrap_ci(row, level=level, n_boot=2000, expanded=expanded,
                     rng=rng).contains(0.0)
        for row in data])
    expected = _student_coverage(n, level, expanded)
    if expanded:
        assert expected == pytest.approx(level, abs=1e-9)
    se = np.sqrt(expected * (1 - expected) / M)
    assert abs(covered.mean() - expected) <= N_SE * se + 0.02, (
        f"coverage {covered.mean():.3f}, expected {expected:.3f}, SE {se:.3f}")


def test_plain_percentile_undercovers_with_six_units():
    # the reason for the default: about 0.87, not 0.95
    assert _student_coverage(6, 0.95, False) == pytest.approx(0.87, abs=0.01)


def test_median_bootstrap_accepts_censored_units():
    ci = bootstrap_ci([10, 12, np.inf, 11, 9, np.inf, 13], statistic="median", rng=0)
    assert ci.estimate == 12
    assert np.isinf(ci.high) and np.isfinite(ci.low)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"unit_values": [0.5]}, "at least 2 units"),
    ({"unit_values": [0.5, np.nan]}, "NaN"),
    ({"unit_values": [0.5, np.inf]}, "inf"),
    ({"unit_values": 0.5}, "scalar"),
    ({"unit_values": [1, 2], "level": 1.0}, "level"),
    ({"unit_values": [1, 2], "level": 0}, "level"),
    ({"unit_values": [1, 2], "n_boot": 10}, "n_boot"),
    ({"unit_values": [1, 2], "statistic": "mode"}, "statistic"),
])
def test_bootstrap_refusals(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bootstrap_ci(**kwargs)


def test_bootstrap_type_refusals():
    with pytest.raises(TypeError, match="unit_values"):
        bootstrap_ci("abc")
    with pytest.raises(TypeError, match="expanded"):
        bootstrap_ci([1, 2], expanded="yes")
    with pytest.raises(TypeError, match="level"):
        bootstrap_ci([1, 2], level="high")


# --- paired differences and the sign-flip test ---------------------------------------

def test_paired_difference_is_the_bootstrap_of_differences():
    a = np.array([0.9, 0.8, 0.95, 0.85, 0.7])
    b = np.array([0.7, 0.75, 0.8, 0.6, 0.72])
    d = paired_difference(a, b, rng=9)
    direct = bootstrap_ci(a - b, rng=9)
    assert d == direct
    with pytest.raises(ValueError, match="same shape"):
        paired_difference(a, b[:4])


def test_sign_flip_exact_by_enumeration():
    d = np.array([0.3, -0.1, 0.2, 0.25])
    means = np.array([np.dot(s, d) / 4
                      for s in itertools.product((1, -1), repeat=4)])
    obs = d.mean()
    assert sign_flip_pvalue(d) == pytest.approx(np.mean(means >= obs - 1e-12))
    assert sign_flip_pvalue(d, alternative="less") == pytest.approx(
        np.mean(means <= obs + 1e-12))
    assert sign_flip_pvalue(d, alternative="two-sided") == pytest.approx(
        np.mean(np.abs(means) >= abs(obs) - 1e-12))


def test_sign_flip_smallest_p_values():
    assert sign_flip_pvalue([1.0, 2.0]) == 0.25   # two units can never reach 5 %
    assert sign_flip_pvalue(np.ones(6)) == 1 / 64
    assert sign_flip_pvalue(np.zeros(5)) == 1.0   # no effect: every pattern ties


def test_sign_flip_random_patterns_match_exact_law():
    # n = 20 > 16 draws random sign patterns; the exact p-value by enumerating all
    # 2^20 patterns is the oracle. A p-value estimated from 100000 patterns has
    # SE sqrt(p (1 - p) / 100000).
    rng = np.random.default_rng(8)
    d = rng.normal(0.3, 1.0, size=20)
    p = sign_flip_pvalue(d, n_resamples=100_000, rng=1)
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=20)), dtype=np.int8)
    exact = np.mean(signs @ d / 20 >= d.mean() - 1e-12)
    se = np.sqrt(exact * (1 - exact) / 100_000)
    assert abs(p - exact) <= N_SE * se + 1e-5


def test_sign_flip_is_valid_under_the_null():
    # Under a symmetric null, P(p <= 0.05) <= 0.05 (the test is exact for n = 8:
    # P(p <= k/256) = k/256 up to ties); M = 2000 data sets, SE of a proportion.
    rng = np.random.default_rng(12)
    ps = np.array([sign_flip_pvalue(rng.standard_normal(8)) for _ in range(2000)])
    level = np.floor(0.05 * 256) / 256
    rate = np.mean(ps <= level + 1e-12)
    se = np.sqrt(level * (1 - level) / ps.size)
    assert abs(rate - level) <= N_SE * se


def test_sign_flip_refusals():
    with pytest.raises(ValueError, match="alternative"):
        sign_flip_pvalue([1.0], alternative="bigger")
    with pytest.raises(ValueError, match="1-D"):
        sign_flip_pvalue([[1.0, 2.0]])
    with pytest.raises(ValueError, match="n_resamples"):
        sign_flip_pvalue(np.ones(20), n_resamples=10)


# --- Holm ----------------------------------------------------------------------------

def test_holm_exact():
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(holm([0.2, 0.01, 0.9, 0.02]), [0.4, 0.04, 0.9, 0.06])
    np.testing.assert_allclose(holm([0.5]), [0.5])
    np.testing.assert_allclose(holm([0.6, 0.7]), [1.0, 1.0])  # capped at 1


def test_holm_controls_family_wise_error():
    # Three true nulls with uniform p-values: P(any adjusted <= 0.05) <= 0.05
    # (Bonferroni's 1 - 0.95^... bound; independent uniforms give 1 - (1 - 0.05/3)^3
    # ~ 0.0492 for the smallest). 4000 families; SE of a proportion.
    rng = np.random.default_rng(5)
    families = rng.uniform(size=(4000, 3))
    rate = np.mean([holm(p).min() <= 0.05 for p in families])
    expected = 1 - (1 - 0.05 / 3) ** 3
    se = np.sqrt(expected * (1 - expected) / 4000)
    assert abs(rate - expected) <= N_SE * se


def test_holm_refusals():
    for bad in ([], [1.2], [-0.1], [np.nan], [[0.1]]):
        with pytest.raises(ValueError, match="pvalues"):
            holm(bad)


# --- slopes and equivalence ----------------------------------------------------------

def test_unit_slopes_exact():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([[1.0, 3.0, 5.0, 7.0], [2.0, 2.0, 2.0, 2.0], [0.0, 1.0, 0.0, 1.0]])
    np.testing.assert_allclose(unit_slopes(x, y), [2.0, 0.0, 0.2], atol=1e-15)
    np.testing.assert_allclose(unit_slopes(x, y),
                               [np.polyfit(x, row, 1)[0] for row in y], atol=1e-12)


def test_slope_ci_resamples_slopes():
    x = [0.0, 1.0, 2.0]
    y = [[0.0, 1.0, 2.0], [0.0, 2.0, 4.0], [1.0, 1.0, 1.0], [3.0, 2.0, 1.0]]
    assert slope_ci(x, y, rng=2) == bootstrap_ci(unit_slopes(x, y), rng=2)


def test_unit_slopes_refusals():
    with pytest.raises(ValueError, match="x"):
        unit_slopes([1.0, 1.0], [[1.0, 2.0]])
    with pytest.raises(ValueError, match="x"):
        unit_slopes([1.0], [[1.0]])
    with pytest.raises(ValueError, match="y"):
        unit_slopes([0.0, 1.0], [[1.0, 2.0, 3.0]])


def test_equivalence_margin_is_the_largest_end_of_the_90_interval():
    values = np.array([0.01, -0.02, 0.0, 0.015, -0.005, 0.03])
    ci = bootstrap_ci(values, level=0.9, rng=4)
    assert equivalence_margin(values, rng=4) == max(abs(ci.low), abs(ci.high))


def test_equivalence_tost_size():
    # With a true slope exactly at the margin, TOST declares equivalence within that
    # margin at most about alpha of the time (here from the interval of n = 20 normal
    # units; size about 0.05, allow 4.5 SE of a proportion over 500 data sets).
    rng = np.random.default_rng(21)
    delta, n, M = 0.5, 20, 500
    margins = np.array([equivalence_margin(rng.normal(delta, 1.0, n), n_boot=1000,
                                           rng=rng) for _ in range(M)])
    rate = np.mean(margins < delta)
    se = np.sqrt(0.05 * 0.95 / M)
    assert rate <= 0.05 + N_SE * se


def test_equivalence_refusals():
    with pytest.raises(ValueError, match="alpha"):
        equivalence_margin([1.0, 2.0], alpha=0.6)
    with pytest.raises(ValueError, match="1-D"):
        equivalence_margin([[1.0, 2.0], [3.0, 4.0]])


# --- steps to threshold --------------------------------------------------------------

def test_steps_summary_exact_with_censoring():
    s = steps_summary([10, 20, None, 40, np.inf])
    assert s == {"median": 40.0, "low": 20.0, "high": np.inf, "reached": 0.6,
                 "n_runs": 5}
    s = steps_summary([5, 1, 3])
    assert (s["median"], s["low"], s["high"], s["reached"]) == (3.0, 1.0, 5.0, 1.0)


def test_steps_summary_refusals():
    with pytest.raises(ValueError, match="steps"):
        steps_summary([-1, 2])
    with pytest.raises(ValueError, match="quantiles"):
        steps_summary([1, 2], quantiles=(0.1,))
    with pytest.raises(ValueError, match="NaN"):
        steps_summary([1, np.nan])


def test_interval_is_frozen():
    ci = Interval(0.5, 0.4, 0.6, 0.95, 6, 2000)
    with pytest.raises(AttributeError):
        ci.low = 0.0


def test_sign_flip_random_patterns_regenerated_from_the_seed():
    """Per-draw oracle: the p-value counts the patterns drawn, chunk by chunk, from rng."""
    from randfb import task_stats

    d = np.random.default_rng(3).standard_normal(20) + 0.2
    n_resamples = 2 * task_stats._SIGN_FLIP_CHUNK + 17  # three chunks, the last short
    gen = np.random.default_rng(11)
    means = []
    for start in range(0, n_resamples, task_stats._SIGN_FLIP_CHUNK):
        rows = min(task_stats._SIGN_FLIP_CHUNK, n_resamples - start)
        signs = 1.0 - 2.0 * gen.integers(0, 2, size=(rows, d.size), dtype=np.int8)
        means.append(signs @ d / d.size)
    means = np.concatenate(means)
    tol = 1e-12 * max(1.0, float(np.abs(d).max()))
    for alternative, hits in [
        ("greater", np.count_nonzero(means >= d.mean() - tol)),
        ("less", np.count_nonzero(means <= d.mean() + tol)),
        ("two-sided", np.count_nonzero(np.abs(means) >= abs(d.mean()) - tol)),
    ]:
        p = sign_flip_pvalue(d, alternative=alternative, n_resamples=n_resamples,
                             rng=np.random.default_rng(11))
        assert p == pytest.approx((1 + hits) / (1 + n_resamples), abs=0, rel=1e-12)
