"""Tests for randfb.strided (the chapter on strided filterbanks).

Exact quantities are checked against oracles built from randfb's polyphase matrices and
the dense analysis operator on tiny cases; Monte Carlo statements use a fixed seed and a
tolerance of 5 standard errors.
"""

import warnings

import numpy as np
import pytest

import randfb
from randfb.strided import (
    can_be_frame,
    expected_polyphase_matrix,
    hill_tail_index,
    kappa_crossing,
    kappa_from_bounds,
    marchenko_pastur_edges,
    marchenko_pastur_kappa,
    marchenko_pastur_redundancy,
    median_interval,
    polyphase_tap_counts,
    simulate_mean_polyphase_matrix,
    simulate_stride_sweep,
)

N_SE = 5  # Monte Carlo tolerance in standard errors


def dirac_filters(T):
    """The T unit filters delta_t of length T, shape (T, 1, T)."""
    return np.eye(T)[:, None, :]


# ------------------------------------------------------------------ tap counts


@pytest.mark.parametrize(
    ("T", "d"), [(30, 4), (32, 4), (7, 3), (3, 8), (1, 1), (256, 8)]
)
def test_tap_counts_partition_the_filter(T, d):
    counts = polyphase_tap_counts(T, d)
    expected = [sum(1 for t in range(T) if t % d == c) for c in range(d)]
    assert counts.tolist() == expected
    assert counts.sum() == T


# ------------------------------------------------------- expected polyphase matrix


@pytest.mark.parametrize(
    ("N", "T", "d"),
    [(24, 8, 4), (24, 7, 4), (24, 10, 3), (24, 5, 6), (16, 16, 2), (12, 12, 1)],
)
def test_expected_polyphase_matrix_equals_the_sum_over_unit_filters(N, T, d):
    # P is quadratic in the weights and the weights are independent with variance
    # sigma^2, so E[P(m)] = J sigma^2 sum_t P_{delta_t}(m), exactly, at every m.
    J, sigma = 3, 0.7
    P_units = randfb.polyphase_matrices(dirac_filters(T), N, d)  # (T, N/d, d, d)
    oracle = J * sigma**2 * P_units.sum(axis=0)
    formula = expected_polyphase_matrix(J, T, d, sigma=sigma)
    np.testing.assert_allclose(
        oracle, np.broadcast_to(formula, oracle.shape), atol=1e-12
    )


@pytest.mark.parametrize(("N", "T", "d"), [(24, 7, 4), (24, 8, 4), (18, 5, 3)])
def test_expected_frame_operator_is_diagonal_with_the_tap_counts(N, T, d):
    # Time-domain oracle: E[Phi^T Phi] = J sigma^2 sum_t Phi_{delta_t}^T Phi_{delta_t}
    # is
    # diagonal with entry J sigma^2 n_{(-n) mod d}; its spectrum is that of E[P(m)],
    # each eigenvalue repeated N/d times.
    J, sigma = 2, 0.5
    S = (
        sum(
            (lambda Phi: Phi.T @ Phi)(randfb.filterbank_matrix(delta, N, d))
            for delta in dirac_filters(T)
        )
        * J
        * sigma**2
    )
    counts = polyphase_tap_counts(T, d)
    np.testing.assert_allclose(
        S, np.diag(J * sigma**2 * counts[(-np.arange(N)) % d]), atol=1e-12
    )
    P_mean = expected_polyphase_matrix(J, T, d, sigma=sigma)
    np.testing.assert_allclose(
        np.sort(np.tile(np.linalg.eigvalsh(P_mean), N // d)),
        np.linalg.eigvalsh(S),
        atol=1e-12,
    )


@pytest.mark.parametrize(("T", "d"), [(32, 4), (30, 4), (256, 8), (5, 2), (9, 1)])
def test_energy_preserving_scale_gives_identity_exactly_when_d_divides_T(T, d):
    J = 6
    P_mean = expected_polyphase_matrix(J, T, d)  # sigma^2 = d / (J T)
    np.testing.assert_allclose(np.diag(P_mean), 1.0, atol=1e-12)
    np.testing.assert_allclose(P_mean, P_mean.conj().T, atol=1e-12)
    np.testing.assert_allclose(
        np.sort(np.linalg.eigvalsh(P_mean)),
        np.sort(d * polyphase_tap_counts(T, d) / T),
        atol=1e-12,
    )
    assert np.allclose(P_mean, np.eye(d), atol=1e-12) == (T % d == 0)


def test_expected_polyphase_matrix_matches_simulation():
    # 5 standard errors of the mean over draws of the frequency-averaged P(m).
    J, T, d, N, n = 5, 30, 4, 120, 4000
    mean, se_re, se_im = simulate_mean_polyphase_matrix(J, T, N, d, n, rng=11)
    exact = expected_polyphase_matrix(J, T, d)
    assert np.all(np.abs(mean.real - exact.real) <= N_SE * se_re + 1e-12)
    assert np.all(np.abs(mean.imag - exact.imag) <= N_SE * se_im + 1e-12)
    assert np.abs(exact - np.eye(d)).max() > 10 * max(se_re.max(), se_im.max())  # not I


def test_simulated_mean_polyphase_matrix_is_the_average_of_the_draws():
    # Same generator, same draws: the estimator equals the plain average, chunked or
    # not.
    J, T, d, N, n = 3, 8, 2, 16, 9
    mean, se_re, _ = simulate_mean_polyphase_matrix(J, T, N, d, n, rng=7)
    w = randfb.random_filterbank(J, T, sigma=np.sqrt(d / (J * T)), size=n, rng=7)
    per_draw = randfb.polyphase_matrices(w, N, d).mean(axis=1)
    np.testing.assert_allclose(mean, per_draw.mean(axis=0), atol=1e-14)
    np.testing.assert_allclose(se_re, per_draw.real.std(axis=0, ddof=1) / 3, atol=1e-14)
    with pytest.raises(ValueError, match="n_draws"):
        simulate_mean_polyphase_matrix(J, T, N, d, 1)


def test_expected_polyphase_matrix_rejects_bad_input():
    with pytest.raises(ValueError, match="J"):
        expected_polyphase_matrix(0, 8, 2)
    with pytest.raises(ValueError, match="stride"):
        expected_polyphase_matrix(2, 8, 0)
    with pytest.raises(ValueError, match="sigma"):
        expected_polyphase_matrix(2, 8, 2, sigma=-1.0)


# ------------------------------------------------------------- frame or not


def test_zero_frequency_block_is_the_gram_matrix_of_the_polyphase_sums():
    # P(0) = U^H a^T a U with a_j[c] = sum_l w_j[c + l d] and U unitary (the proof that
    # the
    # mean condition number is infinite for J in {d, d + 1} rests on this).
    J, T, d, N = 5, 12, 4, 24
    w = randfb.random_filterbank(J, T, rng=3)
    a = w.reshape(J, T // d, d).sum(axis=1)
    np.testing.assert_allclose(
        np.linalg.eigvalsh(randfb.polyphase_matrices(w, N, d)[0]),
        np.linalg.eigvalsh(a.T @ a),
        atol=1e-12,
    )


@pytest.mark.parametrize("m", [0, 1, 2, 5])
def test_polyphase_matrix_is_unitarily_similar_to_the_gram_of_polyphase_spectra(m):
    # P(m) = U^H G(m)^H G(m) U, G(m)[j, c] = sum_l w_j[c + l d] e^{-2 pi i m (c + l d)
    # / N},
    # U = (e^{-2 pi i r c / d})_{c r} / sqrt(d) unitary: the Marchenko-Pastur remark.
    J, T, d, N = 6, 13, 3, 18
    w = randfb.random_filterbank(J, T, rng=8)
    t = np.arange(T)
    weighted = w * np.exp(-2j * np.pi * m * t / N)
    Bm = np.stack([weighted[:, t % d == c].sum(axis=1) for c in range(d)], axis=1)
    np.testing.assert_allclose(
        np.linalg.eigvalsh(randfb.polyphase_matrices(w, N, d)[m]),
        np.linalg.eigvalsh(Bm.conj().T @ Bm),
        atol=1e-12,
    )


@pytest.mark.parametrize(
    ("J", "T", "d"), [(3, 8, 4), (4, 8, 4), (6, 8, 4), (8, 5, 6), (5, 6, 6), (2, 12, 1)]
)
def test_can_be_frame_predicts_positive_lower_bound(J, T, d):
    N = 24
    w = randfb.random_filterbank(J, T, size=200, rng=5)
    A, B = randfb.frame_bounds(w, N, d)
    if can_be_frame(J, T, d):
        assert np.all(A > 1e-10 * B)
    else:
        assert J < d or T < d
        assert np.all(A <= 1e-12 * B)


def test_frame_bounds_is_zero_when_filters_are_shorter_than_the_stride():
    # Regression: round-off used to leave A ~ 3e-17 > 0 (kappa ~ 1e16) for this input.
    w = randfb.random_filterbank(4, 3, rng=1)  # J = 4 >= d = 4, but T = 3 < d
    A, _ = randfb.frame_bounds(w, 8, 4)
    assert A == 0.0
    assert np.isinf(randfb.condition_number(w, 8, 4))


# ----------------------------------------------------------------- kappa


def test_kappa_from_bounds_does_not_divide_by_zero():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kappa = kappa_from_bounds([[0.0, 0.5]], [[2.0, 1.0]])
    assert kappa.tolist() == [[np.inf, 2.0]]


@pytest.mark.parametrize(
    ("A", "B"),
    [([1.0], [0.5]), ([-0.1], [1.0]), ([np.nan], [1.0]), ([0.1, 0.2], [1.0])],
)
def test_kappa_from_bounds_rejects_bad_bounds(A, B):
    with pytest.raises(ValueError):
        kappa_from_bounds(A, B)


# ----------------------------------------------------------------- sweep


def test_sweep_is_reproducible_and_equals_the_simulator_on_spawned_streams():
    N, T, strides, Js, n = 64, 8, [1, 2, 4], [1, 3, 4, 6], 7
    A, B = simulate_stride_sweep(N, T, strides, Js, n, rng=2)
    A2, B2 = simulate_stride_sweep(N, T, strides, Js, n, rng=2)
    np.testing.assert_array_equal(A, A2)
    np.testing.assert_array_equal(B, B2)
    streams = np.random.default_rng(2).spawn(len(strides) * len(Js))
    for i, d in enumerate(strides):
        for k, J in enumerate(Js):
            a, b = randfb.simulate_frame_bounds(
                N, J, T, n, stride=d, rng=streams[i * len(Js) + k]
            )
            np.testing.assert_array_equal(A[i, k], a)
            np.testing.assert_array_equal(B[i, k], b)
            assert np.all(A[i, k] > 0) == (J >= d)
            assert np.all(A[i, k] == 0) == (J < d)


def test_sweep_reports_progress_over_the_whole_grid():
    calls = []
    simulate_stride_sweep(
        32,
        4,
        [1, 2],
        [2, 3],
        5,
        rng=0,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[-1] == (20, 20) and len(calls) == 4


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"strides": [3]}, "stride"),
        ({"J_values": [0]}, "J"),
        ({"T": 100}, "T"),
        ({"n_draws": 0}, "n_draws"),
        ({"strides": []}, "strides"),
    ],
)
def test_sweep_rejects_bad_input(kwargs, match):
    args = {"N": 64, "T": 8, "strides": [1, 2], "J_values": [2], "n_draws": 3} | kwargs
    with pytest.raises(ValueError, match=match):
        simulate_stride_sweep(**args)


# ----------------------------------------------------------------- crossing


def test_kappa_crossing_is_exact_for_a_power_law():
    J = np.array([2.0, 3.0, 5.0, 8.0, 13.0])
    kappa = 40.0 * J**-1.5
    J_star, _ = kappa_crossing(J, kappa, 4.0)
    assert J_star == pytest.approx(10.0 ** (2 / 3) * 1.0, rel=1e-12)  # 40 J^-1.5 = 4


def test_kappa_crossing_skips_infinite_values_before_the_crossing():
    J_star, _ = kappa_crossing([1, 2, 4, 8], [np.inf, 8.0, 4.0, 2.0], 3.0)
    assert 4 < J_star < 8


def test_kappa_crossing_standard_error_matches_finite_differences():
    J = np.array([4.0, 8.0, 16.0])
    kappa = np.array([9.0, 5.0, 3.0])
    se = np.array([0.0, 0.2, 0.1])
    J_star, J_se = kappa_crossing(J, kappa, 4.0, kappa_se=se)
    h = 1e-6
    grads = []
    for i in (1, 2):
        bumped = kappa.copy()
        bumped[i] *= np.exp(h)  # perturb log kappa_i by h
        grads.append((np.log(kappa_crossing(J, bumped, 4.0)[0]) - np.log(J_star)) / h)
    expected = J_star * np.hypot(
        grads[0] * se[1] / kappa[1], grads[1] * se[2] / kappa[2]
    )
    assert J_se == pytest.approx(expected, rel=1e-5)
    assert np.isnan(kappa_crossing(J, kappa, 4.0)[1])


@pytest.mark.parametrize(
    ("J", "kappa", "target"),
    [
        ([1, 2], [3.0, 2.0], 4.0),
        ([1, 2], [9.0, 8.0], 4.0),
        ([1, 2, 3], [9.0, np.inf, 2.0], 4.0),
        ([2, 1], [9.0, 2.0], 4.0),
        ([1, 2], [9.0, 2.0], 0.0),
        ([1, 2], [9.0, np.nan], 4.0),
    ],
)
def test_kappa_crossing_rejects_grids_that_do_not_bracket(J, kappa, target):
    with pytest.raises(ValueError):
        kappa_crossing(J, kappa, target)


# ----------------------------------------------------------------- Marchenko-Pastur


def test_marchenko_pastur_redundancy_inverts_kappa():
    rho = np.array([1.5, 4.0, 9.0, 40.0])
    np.testing.assert_allclose(
        marchenko_pastur_redundancy(marchenko_pastur_kappa(rho)), rho, rtol=1e-12
    )
    assert np.isinf(marchenko_pastur_kappa(1.0)) and np.isinf(
        marchenko_pastur_kappa(0.5)
    )
    lower, upper = marchenko_pastur_edges(np.array([0.5, 4.0]))
    assert lower.tolist() == [0.0, 0.25] and upper[1] == 2.25
    with pytest.raises(ValueError):
        marchenko_pastur_redundancy(1.0)
    with pytest.raises(ValueError):
        marchenko_pastur_edges(0.0)


def test_marchenko_pastur_edges_bound_a_large_polyphase_matrix():
    # One polyphase matrix of a wide layer (d = 128, J = 4 d) at sigma^2 = d / (J T):
    # its extreme eigenvalues sit near the edges (1 -+ 1/2)^2 (fluctuations ~ d^{-2/3}).
    d, J, T = 128, 512, 256
    N = 2 * d
    w = randfb.random_filterbank(J, T, sigma=np.sqrt(d / (J * T)), rng=4)
    P = randfb.polyphase_matrices(w, N, d)[1]  # m = 1: a complex block
    eig = np.linalg.eigvalsh(P)
    lower, upper = marchenko_pastur_edges(J / d)
    assert abs(eig[0] - lower) < 0.05 and abs(eig[-1] - upper) < 0.15


# ------------------------------------------------------------ tail index (Hill)


def test_hill_index_exact_value_and_scale_invariance():
    x = np.exp(np.array([0.0, 3.0, 1.0, 2.0]))
    # the 2 largest are e^3, e^2, threshold e^1: 1/alpha = mean(3, 2) - 1 = 1.5
    index, se = hill_tail_index(x, 2)
    assert index == pytest.approx(1 / 1.5, rel=1e-12)
    assert se == pytest.approx(index / np.sqrt(2), rel=1e-12)
    assert hill_tail_index(7.5 * x, 2)[0] == pytest.approx(index, rel=1e-12)


@pytest.mark.parametrize("alpha", [0.5, 2.0, 4.0])
def test_hill_index_recovers_a_pareto_tail(alpha):
    x = (
        np.random.default_rng(11).pareto(alpha, size=(3, 20000)) + 1.0
    )  # P(X > x) = x^-a
    index, se = hill_tail_index(x, 2000)
    assert index.shape == (3,)
    np.testing.assert_array_less(np.abs(index - alpha), N_SE * se)


def test_hill_standard_error_matches_the_spread_over_replicates():
    # 400 replicates; the sample sd of the estimates has a relative SE of 1/sqrt(800),
    # so 5 SE is 18 %.
    x = np.random.default_rng(12).pareto(1.0, size=(400, 2000)) + 1.0
    index, se = hill_tail_index(x, 200)
    assert index.std(ddof=1) == pytest.approx(se.mean(), rel=N_SE / np.sqrt(800))


@pytest.mark.parametrize(
    ("samples", "n_tail", "match"),
    [
        (np.ones(10), 10, "n_tail"),
        (np.ones(10), 0, "n_tail"),
        (np.array([1.0, -1.0, 2.0]), 1, "> 0"),
        (np.array([1.0, np.inf, 2.0]), 1, "finite"),
        (np.array([1.0]), 1, "at least 2"),
    ],
)
def test_hill_index_refuses_bad_input(samples, n_tail, match):
    with pytest.raises(ValueError, match=match):
        hill_tail_index(samples, n_tail)


@pytest.mark.parametrize(
    ("J", "T", "N", "d"), [(4, 8, 32, 4), (6, 8, 32, 4), (3, 4, 16, 2), (5, 4, 16, 1)]
)
def test_tail_of_one_over_A_has_the_moment_threshold_index(J, T, N, d):
    # prop-strided-kappa-moments: P(1/A > x) ~ x^(-(J - d + 1)/2); float64 layers, the
    # 1 % largest of 20000 draws, 5 SE.
    A, _ = randfb.simulate_frame_bounds(
        N, J, T, 20000, stride=d, rng=13, dtype=np.float64
    )
    index, se = hill_tail_index(1 / A, 200)
    predicted = randfb.kappa_moment_threshold(J, T, d)
    assert abs(index - predicted) < N_SE * se
    if d > 1:  # and not the stride-1 index J/2 of the same number of filters
        assert abs(index - J / 2) > N_SE * se


# --------------------------------------------------------- median and its interval


def test_median_interval_covers_the_median_as_the_binomial_law_says():
    import scipy.stats

    n, n_se, reps = 51, 2.0, 4000
    x = np.random.default_rng(14).standard_normal((reps, n))  # median 0
    low, median, high = median_interval(x, n_se=n_se)
    np.testing.assert_array_equal(median, np.median(x, axis=-1))
    covered = np.mean((low <= 0) & (0 <= high))
    l_rank = int(np.floor(n / 2 - n_se * np.sqrt(n) / 2))
    u_rank = int(np.ceil(n / 2 + n_se * np.sqrt(n) / 2)) + 1
    # covered iff at least l and fewer than u samples lie below the median
    exact = scipy.stats.binom(n, 0.5).cdf(u_rank - 1) - scipy.stats.binom(n, 0.5).cdf(
        l_rank - 1
    )
    se = np.sqrt(exact * (1 - exact) / reps)
    assert abs(covered - exact) < N_SE * se


def test_median_interval_allows_infinite_values_and_refuses_nan():
    low, median, high = median_interval([1.0, 2.0, 3.0, np.inf, np.inf], n_se=0.5)
    assert (low, median, high) == (1.0, 3.0, np.inf)  # ranks 1 and 5 of 5
    with pytest.raises(ValueError, match="NaN"):
        median_interval([1.0, np.nan])
    with pytest.raises(ValueError, match="n_se"):
        median_interval([1.0, 2.0], n_se=0)
