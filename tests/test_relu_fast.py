"""The fast lag loop of relu_variance_parts against the previous NumPy implementation
(kept here, verbatim in its arithmetic, as the reference) and the dense oracle."""

import numpy as np
import pytest

from randfb.relu import (
    _check_inputs,
    _odd_kernel,
    _window_sums,
    relu_energy_moments,
    relu_energy_variance_dense,
    relu_variance_parts,
)

RTOL = 1e-11


def reference_variance_parts(x, J, T, sigma=None, *, stride=1):
    """The previous implementation: fancy indexing, masked divide, arcsin of rho."""
    x, N, J, T, sigma, stride = _check_inputs(x, J, T, sigma, stride)
    kept = np.arange(0, N, stride)
    a = sigma**2 * _window_sums(x * x, T)[kept]
    lags = np.arange(0, N // 2 + 1, stride)
    weights = np.where((lags == 0) | (2 * lags == N), 1.0, 2.0)
    step = max(1, 32 * 2**20 // (10 * 8 * N))
    x3 = np.concatenate((x[N - T + 1:], x, x))
    head = x3[:N + T - 1]
    x3_windows = np.lib.stride_tricks.sliding_window_view(x3, N + T - 1)
    a_windows = np.lib.stride_tricks.sliding_window_view(np.concatenate((a, a)), a.size)
    even = odd = 0.0
    for start in range(0, lags.size, step):
        chunk = lags[start:start + step]
        products = x3_windows[chunk]
        products *= head
        cs = np.zeros((chunk.size, N + T))
        np.cumsum(products, axis=1, out=cs[:, 1:])
        c = cs[:, T:][:, kept] - cs[:, :N][:, kept]
        c *= sigma**2
        ab = a_windows[chunk // stride] * a
        rho = np.divide(c, np.sqrt(ab), out=np.zeros_like(c), where=ab > 0)
        w = weights[start:start + step]
        even += float(w @ np.einsum("ln,ln->l", c, c))
        odd += float(w @ np.einsum("ln,ln->l", ab, _odd_kernel(rho)))
    return 0.5 * J * even, 0.25 * J * odd


def _assert_parts_equal(x, J, T, stride=1, sigma=None):
    new = relu_variance_parts(x, J, T, sigma, stride=stride)
    old = reference_variance_parts(x, J, T, sigma, stride=stride)
    np.testing.assert_allclose(new, old, rtol=RTOL, atol=0)
    return max(abs(n / o - 1) for n, o in zip(new, old, strict=True) if o)


@pytest.mark.parametrize("seed", range(5))
def test_random_signals_every_stride(seed):
    rng = np.random.default_rng(seed)
    N = int(rng.choice([60, 63, 64, 90, 105]))
    x = rng.standard_normal(N) * rng.uniform(0.1, 10)
    for stride in [d for d in range(1, N + 1) if N % d == 0]:
        T = int(rng.integers(1, N + 1))
        _assert_parts_equal(x, int(rng.integers(1, 9)), T, stride)


@pytest.mark.parametrize("N", [31, 64, 257])
def test_T_one_T_equal_N_and_T_close_to_N(N):
    x = np.random.default_rng(N).standard_normal(N)
    for T in (1, 2, N - 1, N):
        _assert_parts_equal(x, 3, T)


def test_silences_constant_and_impulse_signals():
    rng = np.random.default_rng(2)
    x = rng.standard_normal(200)
    x[20:120] = 0.0  # a_n = 0 on long stretches: rho undefined, the term is 0
    for T in (5, 50):
        _assert_parts_equal(x, 4, T)
    _assert_parts_equal(np.ones(128), 2, 16)  # ab = c^2 everywhere: |rho| = 1
    _assert_parts_equal(np.r_[1.0, np.zeros(99)], 5, 8)
    _assert_parts_equal(-np.ones(90), 2, 7, stride=3)


def test_custom_sigma_and_stride():
    x = np.random.default_rng(9).standard_normal(150)
    _assert_parts_equal(x, 3, 20, stride=5, sigma=0.3)


@pytest.mark.parametrize("loud", [1e3, 1e6])
def test_running_sums_do_not_drift_after_a_loud_start(loud):
    # The lag sums are updated output by output over the whole signal: a loud start
    # must not leave round-off that swamps the quiet rest (dense oracle, 1e-12).
    x = np.random.default_rng(3).standard_normal(1500)
    x[:150] *= loud
    for T, stride in ((16, 1), (200, 1), (30, 3)):
        _assert_parts_equal(x, 4, T, stride)
        dense = relu_energy_variance_dense(x, 4, T, stride=stride)
        _, variance = relu_energy_moments(x, 4, T, stride=stride)
        assert variance == pytest.approx(dense, rel=1e-12)


def test_long_signal_against_the_reference():
    x = np.cumsum(np.random.default_rng(4).standard_normal(3000))
    assert _assert_parts_equal(x, 10, 512) < RTOL


@pytest.mark.parametrize("stride", [1, 2, 3, 6])
def test_dense_oracle(stride):
    x = np.random.default_rng(stride).standard_normal(72)
    dense = relu_energy_variance_dense(x, 3, 10, stride=stride)
    _, variance = relu_energy_moments(x, 3, 10, stride=stride)
    assert variance == pytest.approx(dense, rel=1e-12)
