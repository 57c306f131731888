"""Per-draw oracles and argument checks for the ReLU, depth and training simulators.

A Monte Carlo check compares a simulator's distribution with the theory, so it cannot
see a bug that keeps the law: ``min`` instead of ``max`` in a ReLU (``ReLU(-y)`` has the
law of ``ReLU(y)`` for a symmetric ``y``), a correlation instead of a convolution, SGD
positions drawn from a shifted range. Here every draw is regenerated from the seed and
recomputed by an explicit, slow network (``np.roll`` convolutions, loops over filters),
and compared to floating-point precision. Then the argument checks that no other test
exercised: each refusal with its own message.

Each of these changes to the code passes the module's older tests and fails here
(checked by applying it, running both, and reverting): ``np.minimum`` for the ReLU of
``simulate_relu_energy``; a correlation instead of a convolution in either layer of
``simulate_depth``; SGD positions from ``0..N-2``; no check of ``b`` (or of NaN) in
``relu_square_covariance``; no pool check in ``simulate_depth``; only ``lambda_max <= 0``
refused as "no autocorrelation"; no such check in ``penalised_descent_filters``; NaN
``beta``, ``eta = 0`` or a misshaped ``eta`` accepted there; plain-descent factors in
``descent_curves(damping=0)``, or ``damping = 0`` accepted there on a singular ``Q_T``.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

import randfb
from randfb import depth
from randfb.depth import depth_energy_means, simulate_depth
from randfb.relu import relu_square_covariance, simulate_relu_energy
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
)

RTOL = 1e-12  # FFT convolutions against explicit sums: rounding only


def explicit_convolutions(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``y[j, n] = sum_t w[j, t] x[(n - t) mod N]`` with ``np.roll``, filter by filter."""
    out = np.zeros((w.shape[0], x.size))
    for j in range(w.shape[0]):
        for t in range(w.shape[1]):
            out[j] += w[j, t] * np.roll(x, t)  # np.roll(x, t)[n] = x[n - t]
    return out


@pytest.fixture(scope="module")
def signal():
    return np.random.default_rng(31).standard_normal(24)


# --------------------------------------------------------------------------------------
# simulate_relu_energy: per-draw oracle
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("sigma", [None, 0.3])
def test_relu_energy_per_draw_oracle(signal, stride, sigma):
    J, T, n_draws, seed = 3, 5, 7, 123
    relu, linear = simulate_relu_energy(signal, J, T, n_draws, sigma=sigma, stride=stride,
                                        rng=seed)
    scale = 1 / np.sqrt(J * T) if sigma is None else sigma  # the documented default
    weights = scale * np.random.default_rng(seed).standard_normal((n_draws, J, T))
    for d in range(n_draws):
        y = explicit_convolutions(signal, weights[d])[:, ::stride]
        assert linear[d] == pytest.approx(np.sum(y**2), rel=RTOL)
        assert relu[d] == pytest.approx(np.sum(np.maximum(y, 0.0) ** 2), rel=RTOL)


def test_relu_energy_oracle_across_chunks(signal, monkeypatch):
    # One draw per chunk: the draws still come in order from the same stream.
    from randfb import relu as relu_module

    monkeypatch.setattr(relu_module, "CHUNK_BUDGET_BYTES", 1)
    J, T, n_draws = 2, 4, 5
    relu, _ = simulate_relu_energy(signal, J, T, n_draws, rng=8)
    weights = np.random.default_rng(8).standard_normal((n_draws, J, T)) / np.sqrt(J * T)
    for d in range(n_draws):
        y = explicit_convolutions(signal, weights[d])
        assert relu[d] == pytest.approx(np.sum(np.maximum(y, 0.0) ** 2), rel=RTOL)


# --------------------------------------------------------------------------------------
# simulate_depth: per-draw oracle of the whole network
# --------------------------------------------------------------------------------------


def explicit_network(x, w, v, pool):
    """Energies at every stage of x -> conv -> ReLU -> pool -> conv -> ReLU, by loops."""
    y = explicit_convolutions(x, w)
    r = np.maximum(y, 0.0)
    J, N = r.shape
    M = N // pool
    q = np.array([[r[j, m * pool : (m + 1) * pool].mean() for m in range(M)]
                  for j in range(J)])
    z = np.zeros((v.shape[0], M))
    for k in range(v.shape[0]):
        for j in range(J):
            for t in range(v.shape[2]):
                z[k] += v[k, j, t] * np.roll(q[j], t)  # convolution: q_j[(m - t) mod M]
    return {
        "linear1": np.sum(y**2),
        "relu1": np.sum(r**2),
        "pooled": np.sum(q**2),
        "linear2": np.sum(z**2),
        "relu2": np.sum(np.maximum(z, 0.0) ** 2),
    }


def regenerate_depth_weights(seed, n_draws, chunk, shapes, scales):
    """The weights of simulate_depth: per chunk of draws, first w, then v."""
    gen = np.random.default_rng(seed)
    ws, vs = [], []
    for start in range(0, n_draws, chunk):
        count = min(chunk, n_draws - start)
        ws.append(scales[0] * gen.standard_normal((count, *shapes[0])))
        vs.append(scales[1] * gen.standard_normal((count, *shapes[1])))
    return np.concatenate(ws), np.concatenate(vs)


@pytest.mark.parametrize("pool", [1, 2, 4])
@pytest.mark.parametrize("one_per_chunk", [False, True])
def test_depth_per_draw_oracle(signal, pool, one_per_chunk, monkeypatch):
    J, T, J2, T2, n_draws, seed = 3, 5, 2, 3, 4, 77
    if one_per_chunk:
        monkeypatch.setattr(depth, "CHUNK_BUDGET_BYTES", 1)
    energies = simulate_depth(signal, J, T, n_draws, pool=pool, J2=J2, T2=T2, rng=seed)
    chunk = 1 if one_per_chunk else n_draws  # the default budget holds all 4 draws
    w, v = regenerate_depth_weights(
        seed, n_draws, chunk, [(J, T), (J2, J, T2)],
        [1 / np.sqrt(J * T), 1 / np.sqrt(J2 * T2)],  # the documented default scales
    )
    for d in range(n_draws):
        expected = explicit_network(signal, w[d], v[d], pool)
        for stage in depth.STAGES:
            assert energies.stage(stage)[d] == pytest.approx(expected[stage], rel=RTOL), (
                stage, d)


def test_depth_oracle_with_explicit_scales(signal):
    J, T, J2, T2, seed = 2, 4, 3, 2, 5
    energies = simulate_depth(signal, J, T, 3, pool=3, J2=J2, T2=T2, sigma=0.7,
                              sigma2=1.3, rng=seed)
    w, v = regenerate_depth_weights(seed, 3, 3, [(J, T), (J2, J, T2)], [0.7, 1.3])
    for d in range(3):
        expected = explicit_network(signal, w[d], v[d], 3)
        assert energies.relu2[d] == pytest.approx(expected["relu2"], rel=RTOL)
        assert energies.linear2[d] == pytest.approx(expected["linear2"], rel=RTOL)


# --------------------------------------------------------------------------------------
# sgd_filters: a multi-step, mini-batch, multi-run replay
# --------------------------------------------------------------------------------------


def test_sgd_multi_step_mini_batch_replay():
    x = randfb.brownian_noise(40, rng=1)
    N, J, T = x.size, 2, 5
    rng = np.random.default_rng(3)
    w0, target = rng.normal(0, 0.3, (J, T)), rng.normal(0, 0.3, (J, T))
    eta, batch, runs, seed = 0.02, 3, 2, 9
    steps = [0, 2, 5]
    W = sgd_filters(x, w0, target, steps, eta=eta, batch_size=batch, n_runs=runs,
                    rng=seed)
    gen = np.random.default_rng(seed)
    error = np.array([w0 - target] * runs)
    expected = {0: target + error}
    for step in range(1, 6):
        positions = gen.integers(0, N, size=(runs, batch))  # uniform on 0..N-1
        for run in range(runs):
            gradient = np.zeros((J, T))
            for n in positions[run]:
                frame = np.array([x[(n - t) % N] for t in range(T)])  # X_n[t] = x[n - t]
                gradient += np.outer(error[run] @ frame, frame)
            error[run] = error[run] - eta * (N / batch) * gradient
        expected[step] = target + error
    for i, step in enumerate(steps):
        np.testing.assert_allclose(W[i], expected[step], rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("c", "a", "b", "pattern"),
    [
        (0.0, 1.0, -1.0, "variances"),  # b alone negative
        (0.0, [1.0, 2.0], [1.0, -0.5], "variances"),  # one entry of b, broadcast
        (0.0, -1.0, 1.0, "variances"),
        (np.nan, 1.0, 1.0, "c must be finite"),
        (0.0, np.nan, 1.0, "a must be finite"),
        (0.0, 1.0, np.inf, "b must be finite"),
    ],
)
def test_relu_square_covariance_refuses(c, a, b, pattern):
    with pytest.raises(ValueError, match=pattern):
        relu_square_covariance(c, a, b)


@pytest.mark.parametrize(
    ("pool", "error", "pattern"),
    [
        (2.5, TypeError, "pool must be an integer"),  # would truncate N / pool silently
        (3, ValueError, "pool must divide N = 8"),  # would fail in a reshape
        (0, ValueError, "pool must be an integer >= 1"),  # would divide by zero
        (16, ValueError, "pool must be an integer >= 1 and <= 8"),
    ],
)
def test_depth_refuses_a_bad_pool(pool, error, pattern):
    x = np.ones(8)
    with pytest.raises(error, match=pattern):
        simulate_depth(x, 2, 4, 5, pool=pool, T2=1)
    with pytest.raises(error, match=pattern):
        depth_energy_means(x, 2, 4, pool=pool, T2=1)


NOT_AN_AUTOCORRELATION = np.array([1.0, 2.0])  # Toeplitz eigenvalues -1 and 3


@pytest.mark.parametrize(
    "call",
    [
        lambda r, w, t: autocorrelation_eigensystem(r, 2),
        lambda r, w, t: best_fixed_step(r, 2),
        lambda r, w, t: gradient_descent_filters(r, w, t, 3),
        lambda r, w, t: preconditioned_descent_filters(r, w, t, 3, damping=0.1),
        lambda r, w, t: descent_curves(r, w, t, [0, 3]),
        lambda r, w, t: descent_curves(r, w, t, [0, 3], damping=0.1),
        lambda r, w, t: penalised_descent_filters(r, w, t, [3], beta=[0.5], n_bins=4,
                                                  eta=0.1),
    ],
)
def test_indefinite_autocorrelation_with_a_positive_top_eigenvalue_is_refused(call):
    assert scipy.linalg.eigvalsh(scipy.linalg.toeplitz(NOT_AN_AUTOCORRELATION))[-1] > 0
    with pytest.raises(ValueError, match="r must be an autocorrelation"):
        call(NOT_AN_AUTOCORRELATION, np.zeros((1, 2)), np.ones((1, 2)))


@pytest.fixture(scope="module")
def problem():
    x = randfb.brownian_noise(256, rng=4)
    J, T = 3, 8
    rng = np.random.default_rng(5)
    return signal_autocorrelation(x, T), rng.normal(0, 0.3, (J, T)), rng.normal(0, 0.3, (J, T))


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"beta": [np.nan]}, "beta must be a 1-D array of finite numbers >= 0"),
        ({"beta": [0.0, np.nan]}, "beta must be a 1-D array of finite numbers >= 0"),
        ({"beta": [np.inf]}, "beta must be a 1-D array of finite numbers >= 0"),
        ({"eta": 0.0}, "eta must be a number > 0"),
        ({"eta": [0.1, 0.0]}, "eta must be a number > 0"),
        ({"eta": np.nan}, "eta must be a number > 0"),
        ({"eta": [0.1, 0.1, 0.1]}, "eta must be a number or one per beta"),
        ({"eta": [[0.1, 0.1]]}, "eta must be a number or one per beta"),
    ],
)
def test_penalised_descent_refuses(problem, kwargs, pattern):
    r, w0, target = problem
    arguments = {"beta": [0.0, 1.0], "n_bins": 16, "eta": 0.05} | kwargs
    with pytest.raises(ValueError, match=pattern):
        penalised_descent_filters(r, w0, target, [2], **arguments)


def test_descent_curves_without_damping_are_those_of_the_preconditioned_filters(problem):
    r, w0, target = problem
    steps = np.arange(6)
    for eta in (0.3, 1.0, 1.7):
        W = preconditioned_descent_filters(r, w0, target, steps, damping=0.0, eta=eta)
        curves = descent_curves(r, w0, target, steps, damping=0.0, eta=eta)
        np.testing.assert_allclose(curves.loss, filterbank_fit_loss(r, W, target),
                                   rtol=1e-9, atol=1e-300)
        np.testing.assert_allclose(curves.distance,
                                   np.linalg.norm(W - target, axis=(1, 2)),
                                   rtol=1e-9, atol=1e-300)
        # every direction shrinks by |1 - eta| per step, whatever kappa(Q_T)
        np.testing.assert_allclose(curves.distance, curves.distance[0] * abs(1 - eta) ** steps,
                                   rtol=1e-9, atol=1e-12 * curves.distance[0])


def test_zero_damping_on_a_singular_q_is_refused_by_both():
    r = np.ones(4)  # a constant signal: Q_T = all ones, rank 1
    w0, target = np.zeros((1, 4)), np.ones((1, 4))
    for call in (preconditioned_descent_filters, descent_curves):
        with pytest.raises(ValueError, match="damping must be > 0 when Q_T is singular"):
            call(r, w0, target, [1], damping=0)
    assert descent_curves(r, w0, target, [1], damping=1e-3).loss.shape == (1,)
