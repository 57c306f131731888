"""Tests for randfb.training (gradient descent towards a target filterbank).

The closed forms are checked against plain iterated descent to floating-point precision,
SGD's mean trajectory against the closed form within 5 standard errors (fixed seed), the
penalty's gradient against central finite differences.
"""

import numpy as np
import pytest
import scipy.linalg

import randfb
from randfb.handcrafted import gammatone_filterbank
from randfb.training import (
    autocorrelation_eigensystem,
    best_fixed_step,
    descent_curves,
    filterbank_fit_loss,
    gradient_descent_filters,
    penalised_descent_filters,
    preconditioned_descent_filters,
    sgd_filters,
    signal_autocorrelation,
    tightness_penalty,
    tightness_penalty_gradient,
    white_noise_autocorrelation,
)

N_SE = 5  # Monte Carlo tolerance in standard errors


@pytest.fixture(scope="module")
def problem():
    """Brownian noise (N = 512), J = 4 random filters of length T = 16 and a target."""
    J, T = 4, 16
    x = randfb.brownian_noise(512, rng=3)
    rng = np.random.default_rng(7)
    w0 = rng.normal(0.0, np.sqrt(1 / (J * T)), (J, T))
    target = gammatone_filterbank(J, T, 16000, fmin=500.0, fmax=6000.0)
    return x, signal_autocorrelation(x, T), w0, target


def iterate(r, w0, target, n_steps, eta, preconditioner=None):
    Q = scipy.linalg.toeplitz(r[: w0.shape[1]])
    M = Q if preconditioner is None else Q @ preconditioner
    w, out = w0.copy(), [w0.copy()]
    for _ in range(n_steps):
        w = w - eta * (w - target) @ M
        out.append(w.copy())
    return np.array(out)


@pytest.mark.parametrize("eta_factor", [0.3, 1.0, 1.9])
def test_closed_form_equals_iterated_descent(problem, eta_factor):
    _, r, w0, target = problem
    lam, _ = autocorrelation_eigensystem(r, w0.shape[1])
    eta = eta_factor / lam[-1]
    iterated = iterate(r, w0, target, 300, eta)
    closed = gradient_descent_filters(r, w0, target, np.arange(301), eta=eta)
    np.testing.assert_allclose(closed, iterated, rtol=0, atol=1e-12)


def test_default_step_is_one_over_lambda_max(problem):
    _, r, w0, target = problem
    lam, _ = autocorrelation_eigensystem(r, w0.shape[1])
    np.testing.assert_allclose(gradient_descent_filters(r, w0, target, 7),
                               iterate(r, w0, target, 7, 1 / lam[-1])[-1], atol=1e-13)


def test_scalar_and_array_steps_and_huge_step_counts(problem):
    _, r, w0, target = problem
    assert gradient_descent_filters(r, w0, target, 3).shape == w0.shape
    assert gradient_descent_filters(r, w0, target, [0, 3]).shape == (2, *w0.shape)
    np.testing.assert_allclose(gradient_descent_filters(r, w0, target, 0), w0, atol=1e-15)
    far = gradient_descent_filters(r, w0, target, 10**12)
    assert np.all(np.isfinite(far))
    # Brownian noise of length 512 excites every direction a little: Q_T invertible.
    np.testing.assert_allclose(far, target, rtol=0, atol=1e-12)


def test_white_noise_converges_in_one_step(problem):
    _, _, w0, target = problem
    r = white_noise_autocorrelation(w0.shape[1])
    np.testing.assert_allclose(gradient_descent_filters(r, w0, target, 1), target,
                               atol=1e-15)
    curves = descent_curves(r, w0, target, [1])
    assert curves.loss[0] == 0 and curves.distance[0] == 0


def test_curves_agree_with_the_filters(problem):
    _, r, w0, target = problem
    steps = np.array([0, 1, 5, 50, 500])
    W = gradient_descent_filters(r, w0, target, steps)
    curves = descent_curves(r, w0, target, steps)
    np.testing.assert_allclose(curves.loss, filterbank_fit_loss(r, W, target), rtol=1e-10)
    np.testing.assert_allclose(curves.distance,
                               np.linalg.norm(W - target, axis=(1, 2)), rtol=1e-10)
    np.testing.assert_array_equal(curves.steps, steps)


def test_curves_of_a_batch_of_starts(problem):
    _, r, w0, target = problem
    starts = np.stack([w0, 2 * w0, target])
    curves = descent_curves(r, starts, target, [0, 9])
    assert curves.loss.shape == (3, 2)
    for i in range(3):
        one = descent_curves(r, starts[i], target, [0, 9])
        np.testing.assert_allclose(curves.loss[i], one.loss, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(curves.distance[i], one.distance, rtol=1e-12)
    assert np.all(curves.distance[2] == 0)


def test_fit_loss_is_half_the_output_error_energy(problem):
    x, r, w0, target = problem
    direct = 0.5 * (randfb.filterbank_energy(x, w0 - target))
    np.testing.assert_allclose(filterbank_fit_loss(r, w0, target), direct, rtol=1e-10)


@pytest.mark.parametrize("eta_factor", [0.5, 1.0, 2.0])
def test_loss_does_not_increase_for_eta_at_most_two_over_lambda_max(problem, eta_factor):
    _, r, w0, target = problem
    lam, _ = autocorrelation_eigensystem(r, w0.shape[1])
    loss = descent_curves(r, w0, target, np.arange(200), eta=eta_factor / lam[-1]).loss
    assert np.all(np.diff(loss) <= 1e-15 * loss[0])


def test_loss_grows_beyond_two_over_lambda_max(problem):
    _, r, w0, target = problem
    lam, _ = autocorrelation_eigensystem(r, w0.shape[1])
    loss = descent_curves(r, w0, target, [0, 100], eta=2.2 / lam[-1]).loss
    assert loss[1] > loss[0]


def test_best_fixed_step_rate(problem):
    _, r, _, _ = problem
    T = 16
    eta, rate, kappa = best_fixed_step(r, T)
    lam, _ = autocorrelation_eigensystem(r, T)
    np.testing.assert_allclose(kappa, lam[-1] / lam[0])
    np.testing.assert_allclose(rate, np.max(np.abs(1 - eta * lam)), rtol=1e-10)
    # any other step is slower in its worst direction
    for other in eta * np.array([0.9, 1.1]):
        assert np.max(np.abs(1 - other * lam)) > rate


def test_preconditioned_equals_iterated(problem):
    _, r, w0, target = problem
    T = w0.shape[1]
    damping = 0.01
    Q = scipy.linalg.toeplitz(r[:T])
    P = np.linalg.inv(Q + damping * r[0] * np.eye(T))
    closed = preconditioned_descent_filters(r, w0, target, np.arange(51), damping=damping,
                                            eta=0.8)
    np.testing.assert_allclose(closed, iterate(r, w0, target, 50, 0.8, P), atol=1e-12)
    curves = descent_curves(r, w0, target, np.arange(51), damping=damping, eta=0.8)
    np.testing.assert_allclose(curves.distance, np.linalg.norm(closed - target, axis=(1, 2)),
                               rtol=1e-10, atol=1e-15)
    exact = preconditioned_descent_filters(r, w0, target, 1, damping=0.0)
    np.testing.assert_allclose(exact, target, atol=1e-8)


def test_sgd_mean_matches_the_closed_form(problem):
    x, r, w0, target = problem
    T = w0.shape[1]
    lam, U = autocorrelation_eigensystem(r, T)
    eta, steps, n_runs = 0.5 / lam[-1], np.array([5, 20, 60]), 400
    W = sgd_filters(x, w0, target, steps, eta=eta, batch_size=8, n_runs=n_runs, rng=11)
    closed = gradient_descent_filters(r, w0, target, steps, eta=eta)
    mean = W.mean(axis=1)
    se = W.std(axis=1, ddof=1) / np.sqrt(n_runs)
    # a few hundred entries: the max |z| of Gaussian errors is about 3.5 here
    assert np.all(np.abs(mean - closed) <= N_SE * se + 1e-15)
    assert np.any(se > 0)


def test_sgd_records_the_sorted_steps():
    x = randfb.impulse(32)
    w0, target = np.zeros((2, 4)), np.ones((2, 4))
    W = sgd_filters(x, w0, target, [3, 0], eta=0.1, batch_size=2, n_runs=3, rng=0)
    assert W.shape == (2, 3, 2, 4)
    np.testing.assert_array_equal(W[0], 0.0)  # sorted: step 0 first


def test_sgd_seeded():
    x = randfb.brownian_noise(64, rng=0)
    args = (x, np.zeros((2, 4)), np.ones((2, 4)), [4])
    a = sgd_filters(*args, eta=0.1, batch_size=3, n_runs=2, rng=5)
    b = sgd_filters(*args, eta=0.1, batch_size=3, n_runs=2, rng=5)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("n_bins", [16, 17, 64])
def test_penalty_gradient_matches_finite_differences(n_bins):
    rng = np.random.default_rng(2)
    w = rng.normal(0.0, 0.3, (3, 16))
    grad = tightness_penalty_gradient(w, n_bins)
    h = 1e-6
    numeric = np.empty_like(w)
    for j in range(w.shape[0]):
        for t in range(w.shape[1]):
            step = np.zeros_like(w)
            step[j, t] = h
            numeric[j, t] = (tightness_penalty(w + step, n_bins)
                             - tightness_penalty(w - step, n_bins)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_penalty_is_mean_over_all_bins():
    rng = np.random.default_rng(4)
    w = rng.normal(0.0, 0.3, (2, 3, 8))
    for M in (8, 9, 20):
        lp = np.sum(np.abs(np.fft.fft(w, n=M, axis=-1)) ** 2, axis=-2)
        np.testing.assert_allclose(tightness_penalty(w, M), np.mean((lp - 1) ** 2, axis=-1))
    diracs = np.eye(8)[[0, 3]] / np.sqrt(2)  # LP = 1/2 + 1/2 at every bin
    assert tightness_penalty(diracs, 32) < 1e-30


def test_penalised_descent_reduces_to_plain_descent_and_lowers_the_penalty(problem):
    _, r, w0, target = problem
    lam, _ = autocorrelation_eigensystem(r, w0.shape[1])
    eta = 1 / (lam[-1] + 8 * 1.0 * 3)
    W = penalised_descent_filters(r, w0, target, [0, 50, 400], beta=[0.0, 1.0],
                                  n_bins=64, eta=eta)
    np.testing.assert_allclose(W[:, 0], gradient_descent_filters(r, w0, target,
                                                                 [0, 50, 400], eta=eta),
                               atol=1e-12)
    objective = (filterbank_fit_loss(r, W[:, 1], target)
                 + tightness_penalty(W[:, 1], 64))
    assert np.all(np.diff(objective) < 0)
    assert tightness_penalty(W[-1, 1], 64) < tightness_penalty(W[-1, 0], 64)


@pytest.mark.parametrize(("call", "exc", "word"), [
    (lambda p: gradient_descent_filters(p[1], p[2], p[3], -1), ValueError, "steps"),
    (lambda p: gradient_descent_filters(p[1], p[2], p[3], 2.5), TypeError, "steps"),
    (lambda p: gradient_descent_filters(p[1], p[2], p[3], [[1]]), ValueError, "steps"),
    (lambda p: gradient_descent_filters(p[1], p[2], p[3], [1.5]), TypeError, "steps"),
    (lambda p: gradient_descent_filters(p[1], p[2], p[3], 1, eta=0), ValueError, "eta"),
    (lambda p: gradient_descent_filters(p[1][:5], p[2], p[3], 1), ValueError, "r"),
    (lambda p: gradient_descent_filters(p[1], p[2], p[3][:, :5], 1), ValueError,
     "target"),
    (lambda p: gradient_descent_filters(p[1], p[2][None], p[3], 1), ValueError, "w0"),
    (lambda p: gradient_descent_filters(-p[1], p[2], p[3], 1), ValueError,
     "autocorrelation"),
    (lambda p: gradient_descent_filters("r", p[2], p[3], 1), TypeError, "r"),
    (lambda p: preconditioned_descent_filters(p[1], p[2], p[3], 1, damping=-1),
     ValueError, "damping"),
    (lambda p: preconditioned_descent_filters(p[1], p[2], p[3], 1, damping=0.1, eta=2),
     ValueError, "eta"),
    (lambda p: sgd_filters(p[0], p[2], p[3], [1], eta=0.1, batch_size=0, n_runs=1),
     ValueError, "batch_size"),
    (lambda p: sgd_filters(p[0], p[2], p[3], [1], eta=0.1, batch_size=1, n_runs=0),
     ValueError, "n_runs"),
    (lambda p: sgd_filters(p[0][:8], p[2], p[3], [1], eta=0.1, batch_size=1, n_runs=1),
     ValueError, "T"),
    (lambda p: tightness_penalty(p[2], 8), ValueError, "n_bins"),
    (lambda p: tightness_penalty_gradient(p[2], 0), ValueError, "n_bins"),
    (lambda p: penalised_descent_filters(p[1], p[2], p[3], [1], beta=[-1.0], n_bins=32,
                                         eta=0.1), ValueError, "beta"),
    (lambda p: filterbank_fit_loss(p[1], p[2], p[3][:2]), ValueError, "target"),
])
def test_bad_input(problem, call, exc, word):
    with pytest.raises(exc, match=word):
        call(problem)


def test_singular_q_needs_damping():
    r = np.ones(4)  # constant signal: Q_T = all ones, rank 1
    with pytest.raises(ValueError, match="damping"):
        preconditioned_descent_filters(r, np.zeros((1, 4)), np.ones((1, 4)), 1, damping=0)
    assert best_fixed_step(r, 4)[1] == 1.0


def test_sgd_one_frame_per_step_is_the_rank_one_update():
    # With B = 1 and a known seed, replay the drawn position and apply the update by hand.
    x = randfb.brownian_noise(40, rng=1)
    N, T = x.size, 5
    w0, target = np.full((2, T), 0.3), np.zeros((2, T))
    eta = 0.05
    W = sgd_filters(x, w0, target, [1], eta=eta, batch_size=1, n_runs=1, rng=9)
    n = np.random.default_rng(9).integers(0, N, size=(1, 1))[0, 0]
    frame = np.array([x[(n - t) % N] for t in range(T)])
    expected = w0 - eta * N * np.outer((w0 - target) @ frame, frame)
    np.testing.assert_allclose(W[0, 0], expected, rtol=1e-13)


@pytest.mark.parametrize(("J", "T", "n_bins"), [(1, 3, 8), (4, 8, 8), (16, 64, 8192),
                                                (3, 5, 17)])
def test_penalty_and_gradient_together_match_the_separate_functions(J, T, n_bins):
    from randfb.training import (
        penalty_and_gradient,
        tightness_penalty,
        tightness_penalty_gradient,
    )

    w = np.random.default_rng(J * T).standard_normal((J, T)) / np.sqrt(J * T)
    penalty, gradient = penalty_and_gradient(w, n_bins)
    assert penalty == pytest.approx(float(tightness_penalty(w, n_bins)), rel=1e-12)
    np.testing.assert_allclose(gradient, tightness_penalty_gradient(w, n_bins),
                               rtol=1e-9, atol=1e-12 * np.abs(gradient).max())
