"""Tests for randfb.periodicity: exact values on the paper's extreme signals, the
identity
with the variance formula, invariances, and argument checks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import scipy.signal

import randfb
from randfb.periodicity import (
    autocorrelation_energy,
    autocorrelation_peak,
    spectral_flatness,
)

MEASURES = (autocorrelation_energy, autocorrelation_peak, spectral_flatness)


@pytest.fixture
def rng():
    return np.random.default_rng(20240101)


# ------------------------------------------------------------- autocorrelation_energy


@pytest.mark.parametrize("T", [1, 2, 7, 64])
def test_autocorrelation_energy_extremes(T):
    assert autocorrelation_energy(randfb.impulse(64), T) == pytest.approx(
        1 / T, rel=1e-12
    )
    assert autocorrelation_energy(randfb.nyquist_sine(64), T) == pytest.approx(
        1.0, rel=1e-12
    )
    assert autocorrelation_energy(np.ones(64), T) == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize(
    ("N", "J", "T"), [(50, 3, 1), (50, 10, 17), (64, 4, 64), (33, 1, 5)]
)
def test_autocorrelation_energy_restates_the_variance(rng, N, J, T):
    # Var||Phi x||^2 = (2 / J) ||x||^4 rho2_T at sigma^2 = 1 / (J T).
    x = rng.standard_normal(N) * 3.0
    rho2 = autocorrelation_energy(x, T)
    variance = randfb.energy_variance(x, J, T)
    assert variance == pytest.approx(2.0 / J * float(x @ x) ** 2 * rho2, rel=1e-12)


def test_autocorrelation_energy_is_the_normalised_frobenius_norm(rng):
    x, T = rng.standard_normal(40), 11
    Q = randfb.autocorrelation_matrix(x, T)
    expected = np.sum(Q**2) / (T**2 * float(x @ x) ** 2)
    assert autocorrelation_energy(x, T) == pytest.approx(expected, rel=1e-12)


def test_autocorrelation_energy_lies_between_its_extremes(rng):
    for _ in range(20):
        N = int(rng.integers(2, 80))
        T = int(rng.integers(1, N + 1))
        value = autocorrelation_energy(rng.standard_normal(N), T)
        assert 1 / T - 1e-12 <= value <= 1 + 1e-12


# --------------------------------------------------------------- autocorrelation_peak


def test_autocorrelation_peak_extremes():
    assert autocorrelation_peak(randfb.impulse(64), 8) == 0.0
    assert autocorrelation_peak(randfb.nyquist_sine(64), 8) == pytest.approx(
        1.0, abs=1e-12
    )


@pytest.mark.parametrize("period", [5, 20, 50])
def test_autocorrelation_peak_finds_a_period_shorter_than_T(period):
    n = np.arange(100 * period)
    x = np.cos(2 * np.pi * n / period) + 0.5 * np.cos(6 * np.pi * n / period + 1.0)
    assert autocorrelation_peak(x, period + 1) == pytest.approx(1.0, abs=1e-9)
    # Lags shorter than one period cannot show the repetition.
    assert autocorrelation_peak(x, period) < 0.99


def test_autocorrelation_peak_ignores_slow_variation():
    # A cosine of period 4T is positively correlated at every lag below T: no period
    # seen.
    T = 32
    n = np.arange(40 * 4 * T)
    assert autocorrelation_peak(np.cos(2 * np.pi * n / (4 * T)), T) == 0.0


def test_autocorrelation_peak_of_white_noise_is_small(rng):
    # For i.i.d. noise rho(tau) ~ N(0, 1/N): the maximum of 63 such values is <
    # 5/sqrt(N).
    N = 2**14
    assert autocorrelation_peak(rng.standard_normal(N), 64) < 5 / np.sqrt(N)


# ------------------------------------------------------------------ spectral_flatness


def test_spectral_flatness_extremes():
    assert spectral_flatness(randfb.impulse(64), 8) == pytest.approx(1.0, abs=1e-12)
    assert spectral_flatness(randfb.nyquist_sine(64), 8) < 1e-3


def test_spectral_flatness_of_a_line_spectrum_is_near_zero():
    n, T = np.arange(4096), 64
    assert spectral_flatness(np.cos(2 * np.pi * 4 * n / T), T) < 1e-3


def test_spectral_flatness_of_white_noise_is_near_one(rng):
    # Welch averages K ~ 2N/T segments: E log of a bin ~ log mean - 1/(2K); flatness ~ 1
    # - 1/(2K).
    assert spectral_flatness(rng.standard_normal(2**14), 64) > 0.95


def test_spectral_flatness_uses_welch_with_hann_segments_of_length_T(rng):
    x, T = rng.standard_normal(300), 20
    window = scipy.signal.get_window("hann", T)
    starts = range(0, x.size - T + 1, T // 2)
    power = np.mean(
        [np.abs(np.fft.fft(window * x[s : s + T])) ** 2 for s in starts], axis=0
    )
    expected = np.exp(np.mean(np.log(power))) / np.mean(power)
    assert spectral_flatness(x, T) == pytest.approx(expected, rel=1e-10)


# --------------------------------------------------------------------- all measures


@pytest.mark.parametrize("measure", MEASURES)
def test_measures_are_scale_invariant_and_in_range(rng, measure):
    x = rng.standard_normal(256)
    value = measure(x, 32)
    assert 0.0 <= value <= 1.0
    assert measure(17.0 * x, 32) == pytest.approx(value, rel=1e-10, abs=1e-15)


@pytest.mark.parametrize("measure", MEASURES)
def test_measures_reject_bad_T(measure):
    with pytest.raises(ValueError, match="T"):
        measure(np.ones(16), 17)
    with pytest.raises(ValueError, match="T"):
        measure(np.ones(16), 0)


@pytest.mark.parametrize("measure", (autocorrelation_peak, spectral_flatness))
def test_measures_that_need_two_lags_reject_T_1(measure):
    with pytest.raises(ValueError, match="T must be an integer >= 2"):
        measure(np.ones(16), 1)


@pytest.mark.parametrize("measure", MEASURES)
def test_measures_reject_a_silent_signal(measure):
    with pytest.raises(ValueError, match="all zeros"):
        measure(np.zeros(16), 4)
