"""The smallest relative variance after a ReLU (randfb.relu_minimum_relative_variance).

Oracles: the exact moments of ``relu_energy_moments`` (lag sums) and
``relu_energy_variance_dense`` (dense double sum), per-draw identities of
``simulate_relu_energy``, and the kernel ``h`` of ``relu_square_covariance``.
"""

import numpy as np
import pytest

from randfb import energy_mean, energy_variance
from randfb.relu import (
    relu_energy_moments,
    relu_energy_variance_dense,
    relu_minimising_signal,
    relu_minimum_relative_variance,
    relu_square_covariance,
    simulate_relu_energy,
)

ODD_GAP = 3 - 8 / np.pi  # R(1) = h(1) - 8/pi


def nu_plus(x, J, T):
    mean, var = relu_energy_moments(x, J, T)
    return var / mean**2


def nu_linear(x, J, T):
    return energy_variance(x, J, T) / energy_mean(x, J, T) ** 2


def h(rho):
    """Odd part of the kernel, from the library: 4 (g(rho) - rho^2/2)."""
    rho = np.asarray(rho, dtype=float)
    return 4 * (relu_square_covariance(rho, 1.0, 1.0) - rho**2 / 2)


@pytest.mark.parametrize("N, T", [(2, 1), (16, 8), (64, 8), (256, 64), (1000, 3)])
def test_dipole_attains_the_linear_minimum(N, T):
    J = 7
    x = relu_minimising_signal(N, T)
    assert np.isclose(np.linalg.norm(x), 1.0, rtol=1e-14)
    assert relu_minimum_relative_variance(N, J, T) == 2 / (J * T)
    assert nu_plus(x, J, T) == pytest.approx(2 / (J * T), rel=1e-12)
    assert nu_linear(x, J, T) == pytest.approx(2 / (J * T), rel=1e-12)


def test_dipole_relu_energy_is_half_the_linear_one_for_every_draw():
    relu, linear = simulate_relu_energy(relu_minimising_signal(40, 10), J=5, T=10,
                                        n_draws=200, rng=3)
    np.testing.assert_allclose(relu, linear / 2, rtol=1e-12)
    # an overlapping dipole (N < 2T) does not have that identity
    x = np.zeros(15)
    x[0], x[10] = 1, -1
    relu, linear = simulate_relu_energy(x, J=5, T=10, n_draws=50, rng=3)
    assert np.max(np.abs(relu / linear - 0.5)) > 1e-3


@pytest.mark.parametrize("N", [1, 2, 3, 8, 48, 256])
def test_full_length_minimum_is_attained_by_the_zero_mean_impulse(N):
    J = 4
    floor = relu_minimum_relative_variance(N, J, N)
    if N == 1:
        assert floor == 5 / J
        return
    x = relu_minimising_signal(N, N)
    assert abs(x.sum()) < 1e-12
    assert nu_plus(x, J, N) == pytest.approx(floor, rel=1e-11)
    if N <= 48:
        mean = relu_energy_moments(x, J, N)[0]
        dense = relu_energy_variance_dense(x, J, N) / mean**2
        assert dense == pytest.approx(floor, rel=1e-11)


def test_full_length_minimum_limit_and_monotonicity():
    values = [relu_minimum_relative_variance(N, 1, N) * N for N in (3, 10, 100, 10**4)]
    assert np.all(np.diff(values) < 0)
    assert values[-1] == pytest.approx(5 - 8 / np.pi, abs=1e-3)
    assert values[-1] > 5 - 8 / np.pi


@pytest.mark.parametrize("N", [3, 4, 6, 12])
def test_full_length_lower_bound_holds_for_random_signals(N):
    rng = np.random.default_rng(N)
    J = 3
    floor = relu_minimum_relative_variance(N, J, N)
    for _ in range(300):
        x = rng.standard_normal(N) * rng.exponential(size=N)
        if rng.random() < 0.5:
            x -= x.mean()
        assert nu_plus(x, J, N) >= floor * (1 - 1e-12)


@pytest.mark.parametrize("N, T", [(8, 4), (20, 3), (64, 16)])
def test_lower_bound_two_over_JT_for_random_signals(N, T):
    rng = np.random.default_rng(N + T)
    J = 2
    for _ in range(100):
        x = rng.standard_normal(N) ** 3
        assert nu_plus(x, J, T) >= 2 / (J * T) * (1 - 1e-12)


def test_kernel_remainder_bounds():
    """R(rho) = h(rho) - (8/pi) rho: odd, and (4/(3 pi)) rho^3 <= R <= (3 - 8/pi) rho^3."""
    rho = np.linspace(1e-3, 1, 2000)
    ratio = (h(rho) - 8 / np.pi * rho) / rho**3
    assert np.all(np.diff(ratio) > 0)
    assert ratio[0] == pytest.approx(4 / (3 * np.pi), rel=1e-5)
    assert ratio[-1] == pytest.approx(ODD_GAP, rel=1e-12)
    np.testing.assert_allclose(h(-rho), -h(rho), rtol=1e-14)


def test_phi_is_convex_and_increasing():
    r = np.linspace(-1, 1, 4001)
    phi = 2 * r**2 + h(r)
    assert np.all(np.diff(phi) > 0)
    assert np.all(np.diff(phi, 2) >= -1e-12)


def test_flat_zero_mean_expansion_and_its_remainder_bound():
    """nu_+ = nu + (3 - 8/pi)/(J N) + sum R(rho)/(J N^2), |R| <= (3 - 8/pi)|rho|^3."""
    rng = np.random.default_rng(5)
    N, T, J = 128, 16, 6
    signs = np.repeat([1.0, -1.0], N // 2)
    x = rng.permutation(signs) / np.sqrt(N)  # flat local energy, zero mean
    frames = np.array([[x[(n - t) % N] for t in range(T)] for n in range(N)])  # X_n
    C = frames @ frames.T  # sigma^2 = 1: rho does not depend on sigma
    a = np.diag(C)
    assert np.allclose(a, a[0], rtol=1e-14)
    rho = C / a[0]
    off = ~np.eye(N, dtype=bool)
    remainder = np.sum(h(rho[off]) - 8 / np.pi * rho[off]) / (J * N**2)
    bound = ODD_GAP * np.sum(np.abs(rho[off]) ** 3) / (J * N**2)
    expansion = nu_linear(x, J, T) + ODD_GAP / (J * N)
    assert nu_plus(x, J, T) == pytest.approx(expansion + remainder, rel=1e-10)
    assert abs(nu_plus(x, J, T) - expansion) <= bound


@pytest.mark.parametrize("N, T", [(12, 8), (10, 6), (3, 2)])
def test_refuses_the_open_range(N, T):
    with pytest.raises(ValueError, match="T < N < 2 T is open"):
        relu_minimum_relative_variance(N, 1, T)
    with pytest.raises(ValueError, match="T < N < 2 T is open"):
        relu_minimising_signal(N, T)


@pytest.mark.parametrize("args, error", [
    ((0, 1, 1), ValueError), ((8, 0, 2), ValueError), ((8, 1, 9), ValueError),
    ((8.5, 1, 2), TypeError), ((8, 1, True), TypeError)])
def test_refuses_bad_arguments(args, error):
    with pytest.raises(error):
        relu_minimum_relative_variance(*args)


def test_minimising_signal_needs_two_samples():
    with pytest.raises(ValueError, match="N"):
        relu_minimising_signal(1, 1)
