"""Tests of randfb.controlled_kappa: banks whose median kappa is set."""

import numpy as np
import pytest
import scipy.linalg

from randfb import condition_number, controlled_kappa_filterbank, controlled_kappa_strength
from randfb.controlled_kappa import (
    CALIBRATION_DRAWS,
    _draw,
    _unit_shape,
    _whitened,
    shaped_filterbank,
)

J, T, N = 16, 32, 1024
N_DRAWS = 200
N_SE = 5


def draws(kappa, n=N_DRAWS, seed=2024):
    seeds = np.random.SeedSequence(seed).spawn(n)
    return np.array([controlled_kappa_filterbank(J, T, kappa, N=N, rng=s) for s in seeds])


@pytest.mark.parametrize("kappa", [1.1, 1.5, 2.0, 10.0, 100.0, 1000.0])
def test_median_kappa_hits_the_target(kappa):
    log_kappa = np.log(condition_number(draws(kappa), N))
    # The strength makes the median of 128 calibration banks equal to the target; the
    # median of 200 fresh banks differs by sampling error in both. Standard error of a
    # median: sqrt(pi/2) sd / sqrt(n) (normal approximation), from each sample.
    se = np.sqrt(np.pi / 2) * log_kappa.std() * np.sqrt(1 / CALIBRATION_DRAWS + 1 / N_DRAWS)
    assert abs(np.median(log_kappa) - np.log(kappa)) <= N_SE * se, (
        np.exp(np.median(log_kappa)), np.exp(N_SE * se))
    assert N_SE * se < np.log(1.35)  # at this size, 5 SE is within a factor 1.35


def test_draws_are_reproducible_from_the_seed():
    a = controlled_kappa_filterbank(J, T, 10.0, N=N, rng=5)
    b = controlled_kappa_filterbank(J, T, 10.0, N=N, rng=np.random.default_rng(5))
    c = controlled_kappa_filterbank(J, T, 10.0, N=N, rng=6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # per-draw oracle: the same Gaussian draw, shaped by the calibrated strength
    g, shape = _draw(np.random.default_rng(5), J, T)
    s = controlled_kappa_strength(J, T, 10.0, N=N)
    np.testing.assert_array_equal(a, shaped_filterbank(g, shape, s))
    low = controlled_kappa_filterbank(J, T, 1.5, N=N, rng=5)
    s_low = controlled_kappa_strength(J, T, 1.5, N=N)
    assert -1 <= s_low < 0
    np.testing.assert_allclose(low, g + (-s_low) * (_whitened(g) - g), rtol=1e-12)


def test_shaping_is_the_circulant_square_root_covariance():
    rng = np.random.default_rng(1)
    g, a, s, t = rng.standard_normal((3, 12)), rng.standard_normal(3), 2.5, 12
    u = _unit_shape(a, t)
    full = np.concatenate([u, u[1 : t - t // 2][::-1]])  # all T bins (even spectrum)
    power = np.exp(s * full)
    power /= power.mean()
    F = np.fft.fft(np.eye(t))
    root = np.real(np.conj(F).T @ np.diag(np.sqrt(power)) @ F) / t  # C_s^(1/2), circulant
    np.testing.assert_allclose(shaped_filterbank(g, a, s), g @ root.T, atol=1e-12)
    # the covariance C_s = root^2 has unit mean diagonal: E||w_j||^2 does not depend on s
    assert np.trace(root @ root) / t == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(scipy.linalg.circulant(root[:, 0]), root, atol=1e-12)


def test_shape_has_unit_range():
    a = np.random.default_rng(2).standard_normal((50, 3))
    omega = np.linspace(0, np.pi, 512)
    u_fine = np.cos(np.multiply.outer(omega, [1, 2, 3])) @ a.T
    span = np.ptp(u_fine, axis=0)
    u = _unit_shape(a, 512 * 2 - 2)  # rfft frequencies of 1022 taps: the same fine grid
    np.testing.assert_allclose(np.ptp(u, axis=-1), 1.0, atol=1e-5)
    assert np.all(span > 0)


def test_strength_is_monotone_in_the_target():
    s = [controlled_kappa_strength(J, T, k, N=N) for k in (1.1, 2.0, 10.0, 100.0)]
    assert np.all(np.diff(s) > 0) and s[0] < 0 < s[2]


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((J, T, 1.0), dict(N=N), ValueError, r"kappa must be in \[1.05"),
    ((J, T, 2e6), dict(N=N), ValueError, "kappa must be in"),
    ((J, T, -3.0), dict(N=N), ValueError, "kappa"),
    ((J, T, np.inf), dict(N=N), ValueError, "kappa"),
    ((1, T, 10.0), dict(N=N), ValueError, "J must be >= 2"),
    ((0, T, 10.0), dict(N=N), ValueError, "J"),
    ((J, 0, 10.0), dict(N=N), ValueError, "T"),
    ((J, T, 10.0), dict(N=T - 1), ValueError, "N"),
    ((J, T, "10"), dict(N=N), TypeError, "kappa"),
    ((J, T, 10.0), dict(N=N, rng="seed"), TypeError, "rng"),
])
def test_refusals(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        controlled_kappa_filterbank(*args, **kwargs)


@pytest.mark.parametrize("g, a, s, error, match", [
    (np.ones((2, 4)), np.ones(2), 1.0, ValueError, "a must hold 3"),
    (np.ones((2, 4)), np.full(3, np.nan), 1.0, ValueError, "a must hold 3"),
    (np.ones((2, 4)), np.ones(3), -1.0, ValueError, "s must be"),
    (np.ones((2, 4)), np.ones(3), "big", TypeError, "s must be"),
    (np.ones(4), np.ones(3), 1.0, ValueError, "g must have shape"),
])
def test_shaped_filterbank_refusals(g, a, s, error, match):
    with pytest.raises(error, match=match):
        shaped_filterbank(g, a, s)
