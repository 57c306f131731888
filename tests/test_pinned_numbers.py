"""Numbers that the other tests do not pin: model bin counts, default grids, validation.

* the refined chi-squared model of the frame bounds (``model="real"``) at ``T = N``,
  where one complex bin more or less is visible, against an independent quadrature and
  against simulated frame bounds;
* the default frequency grid of :func:`randfb.filter_peak_frequencies`;
* :func:`randfb.strided.kappa_crossing`'s refusals;
* stride ``d`` layers whose polyphase matrices are singular (proportional filters): the
  lower frame bound is clipped at 0 and the condition number is infinite or huge.

Each of these changes to the code passes the modules' older tests and fails here
(checked by applying it, running both, and reverting): ``T // 2`` complex bins in the
refined model; an empty expectation accepted; a default grid of ``2^13`` points, of
``8 T``, or rounded down to a power of two; ``np.diff(J) < 0`` as the only refused
grid; the SE check on the crossing point alone, or without the finiteness check; no
clip of ``A`` at 0 at stride 2 (closed form) or above (eigensolver).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
import scipy.stats

from randfb import condition_number, filter_peak_frequencies, frame_bounds
from randfb.bound_variance import (
    chi2_extremes_variance,
    frame_bound_variance_bounds,
    lp_extremes_model_variance,
    sample_variance_se,
)
from randfb.simulate import simulate_frame_bounds
from randfb.strided import kappa_crossing

N_SE = 5.0  # Monte Carlo tolerance in standard errors

# --------------------------------------------------------------------------------------
# The refined chi-squared model at T = N
# --------------------------------------------------------------------------------------


def extremes_variance_by_quadrature(laws):
    """``Var[min]``, ``Var[max]`` of independent ``scale * chi^2_df`` (one per entry)."""

    def sf_min(x):
        return np.prod([scipy.stats.chi2.sf(x / s, df) for df, s in laws])

    def sf_max(x):
        return 1.0 - np.prod([scipy.stats.chi2.cdf(x / s, df) for df, s in laws])

    out = []
    for sf in (sf_min, sf_max):
        # E X = int sf, E X^2 = int 2 x sf, for X >= 0
        m1 = scipy.integrate.quad(sf, 0, np.inf, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
        m2 = scipy.integrate.quad(lambda x, sf=sf: 2 * x * sf(x), 0, np.inf, epsabs=1e-14,
                                  epsrel=1e-12, limit=200)[0]
        out.append(m2 - m1**2)
    return tuple(out)


@pytest.mark.parametrize(
    ("T", "laws"),
    [
        # T = N = 2: bins 0 and 1 are real, w0 + w1 and w0 - w1: two chi^2_J / J
        (2, lambda J: [(J, 1 / J)] * 2),
        # T = N = 4: bins 0 and 2 real, bin 1 (= bin 3) complex: one chi^2_2J / (2J)
        (4, lambda J: [(J, 1 / J)] * 2 + [(2 * J, 1 / (2 * J))]),
        # T = N = 5: bin 0 real, bins 1 and 2 complex
        (5, lambda J: [(J, 1 / J)] + [(2 * J, 1 / (2 * J))] * 2),
    ],
)
@pytest.mark.parametrize("J", [1, 3])
def test_real_model_counts_the_complex_bins(T, laws, J):
    expected = extremes_variance_by_quadrature(laws(J))
    np.testing.assert_allclose(lp_extremes_model_variance(J, T, "real"), expected,
                               rtol=1e-7)


@pytest.mark.parametrize("T", [2, 4])
def test_real_model_is_the_law_of_the_simulated_bounds_at_t_equal_n(T):
    J, n_draws = 3, 40_000
    A, B = simulate_frame_bounds(T, J, T, n_draws, rng=2024)
    var_A, var_B = lp_extremes_model_variance(J, T, "real")
    for sample, model in ((A, var_A), (B, var_B)):
        se = float(sample_variance_se(sample))
        assert abs(np.var(sample, ddof=1) - model) <= N_SE * se, (T, model, se)


@pytest.mark.parametrize(
    ("expected_A", "expected_B", "pattern"),
    [([], 1.0, "expected_A"), (1.0, [], "expected_B"), (np.array([]), np.array([]), "expected_A")],
)
def test_an_empty_expectation_is_refused(expected_A, expected_B, pattern):
    with pytest.raises(ValueError, match=pattern):
        frame_bound_variance_bounds(4, 8, expected_A, expected_B)


def test_empty_groups_are_refused():
    with pytest.raises(ValueError, match="groups"):
        chi2_extremes_variance([])


# --------------------------------------------------------------------------------------
# filter_peak_frequencies: the default grid
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("T", "n_fft", "k"),
    [
        (64, 2**14, 4097),  # 16 T = 1024 < 2^14: the grid of 16384 points
        (1500, 2**15, 12289),  # 16 T = 24000: the next power of two, 32768
        (2048, 2**15, 8193),  # 16 T = 32768 exactly
        (3000, 2**16, 30001),  # 16 T = 48000 -> 65536
    ],
)
def test_default_grid_is_the_power_of_two_at_least_16t_and_2_to_the_14(T, n_fft, k):
    fs = 16000.0
    frequency = k * (fs / n_fft)  # odd k: on this grid, between the points of half of it
    t = np.arange(T)
    w = (np.hanning(T) * np.cos(2 * np.pi * frequency * t / fs))[None, :]
    assert filter_peak_frequencies(w, fs).tolist() == [frequency]
    assert filter_peak_frequencies(w, fs, n_fft=n_fft).tolist() == [frequency]
    assert filter_peak_frequencies(w, fs, n_fft=n_fft // 2).tolist() != [frequency]


# --------------------------------------------------------------------------------------
# kappa_crossing: refusals
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("J_values", "mean_kappa"),
    [
        ([1, 4, 4, 16], [16.0, 4.0, 1.5, 1.0]),  # J repeated just at the crossing
        ([1, 4, 4, 16], [16.0, 8.0, 4.0, 1.0]),  # repeated before it
        ([1, 8, 4, 16], [16.0, 4.0, 1.5, 1.0]),  # decreasing
        ([0, 4, 16], [16.0, 4.0, 1.0]),  # not positive
    ],
)
def test_kappa_crossing_refuses_a_grid_that_is_not_strictly_increasing(J_values, mean_kappa):
    with pytest.raises(ValueError, match="J_values must be positive and strictly increasing"):
        kappa_crossing(J_values, mean_kappa, 2.0)


@pytest.mark.parametrize(
    "kappa_se",
    [
        [0.1, -0.1, 0.1],  # negative just before the crossing
        [0.1, 0.1, -0.1],  # negative at the crossing
        [0.1, np.nan, 0.1],
        [0.1, 0.1, np.inf],
        [0.1, 0.1],  # wrong shape
    ],
)
def test_kappa_crossing_refuses_bad_standard_errors(kappa_se):
    with pytest.raises(ValueError, match="kappa_se must have the shape of mean_kappa"):
        kappa_crossing([1, 4, 16], [16.0, 4.0, 1.0], 2.0, kappa_se=kappa_se)


def test_kappa_crossing_ignores_standard_errors_away_from_the_crossing():
    # Before the crossing the mean may be infinite, and its SE with it.
    J_star, se = kappa_crossing([1, 2, 4, 16], [np.inf, 16.0, 4.0, 1.0], 8.0,
                                kappa_se=[np.nan, 1.6, 0.4, -1.0])
    assert J_star == pytest.approx(2 * 2**0.5, rel=1e-12)  # kappa = 64 / J^2 -> J* = sqrt 8
    assert se > 0


# --------------------------------------------------------------------------------------
# Singular polyphase matrices: A clipped at 0, kappa infinite or huge
# --------------------------------------------------------------------------------------


def _rank_deficient_layers(rng, n_layers, J, T):
    """Layers of J filters spanning only J - 1 dimensions (last = combination of others)."""
    w = rng.standard_normal((n_layers, J, T))
    coefficients = rng.standard_normal((n_layers, J - 1, 1))
    w[:, -1] = np.sum(coefficients * w[:, :-1], axis=1)
    return w


@pytest.mark.parametrize("stride", [2, 3, 4])
def test_singular_layers_have_a_zero_lower_bound_and_a_huge_kappa(stride):
    # J = d filters, one a combination of the others (at d = 2: two proportional
    # filters): every polyphase matrix has rank < d, so A = 0 up to rounding, which must
    # not make A negative (kappa_from_bounds would then refuse it).
    rng = np.random.default_rng(64 + stride)
    N, T = 48, 12
    w = _rank_deficient_layers(rng, 300, stride, T)
    A, B = frame_bounds(w, N, stride)
    assert np.all(A >= 0.0)
    assert np.all(B > 0.0)
    assert np.all(A <= 1e-12 * B)
    kappa = condition_number(w, N, stride)
    assert np.all(kappa > 1e10)  # inf where A is exactly 0
