"""Tests of randfb.layer_measures: bank and input kappa, movement, steps to threshold."""

import numpy as np
import pytest
import scipy.linalg

from randfb import (
    bank_kappa,
    condition_number,
    input_kappa,
    relative_movement,
    steps_to_threshold,
)


def dense_lp(W, N):
    """|DFT|^2 summed over filters at every bin, from an explicit DFT matrix."""
    F = np.exp(-2j * np.pi * np.outer(np.arange(N), np.arange(W.shape[-1])) / N)
    return np.sum(np.abs(W @ F.T) ** 2, axis=-2)


def test_bank_kappa_full_band_and_stride_equal_condition_number():
    W = np.random.default_rng(0).standard_normal((3, 8, 16))
    np.testing.assert_allclose(bank_kappa(W, N=64), condition_number(W, 64), rtol=1e-12)
    np.testing.assert_allclose(bank_kappa(W, N=64, stride=4), condition_number(W, 64, 4),
                               rtol=1e-12)
    lp = dense_lp(W[0], 64)
    assert bank_kappa(W[0], N=64) == pytest.approx(lp.max() / lp.min(), rel=1e-10)


def test_bank_kappa_in_a_band_in_bins_and_in_hz():
    W = np.random.default_rng(1).standard_normal((5, 12))
    lp = dense_lp(W, 96)
    expected = lp[10:31].max() / lp[10:31].min()
    assert bank_kappa(W, N=96, band=(10, 30)) == pytest.approx(expected, rel=1e-10)
    # sr = 96 Hz on 96 bins: bin k is k Hz
    assert bank_kappa(W, N=96, band=(9.5, 30.2), sr=96.0) == pytest.approx(expected, rel=1e-10)


def test_input_kappa_is_that_of_the_summed_toeplitz_matrix():
    rng = np.random.default_rng(2)
    x = np.cumsum(rng.standard_normal((4, 64)), axis=1)
    T = 10
    Q = sum(scipy.linalg.toeplitz([x[c] @ np.roll(x[c], tau) for tau in range(T)])
            for c in range(4))
    lam = np.linalg.eigvalsh(Q)
    assert input_kappa(x, T) == pytest.approx(lam[-1] / lam[0], rel=1e-9)
    assert input_kappa(7.0 * x, T) == pytest.approx(input_kappa(x, T), rel=1e-12)
    assert input_kappa(np.ones(16), 4) == np.inf  # a constant: Q_T of rank one


def test_relative_movement_and_steps_to_threshold():
    W0 = np.ones((2, 3, 4))
    W = W0.copy()
    W[1, 0, 0] = 3.0
    np.testing.assert_allclose(relative_movement(W, W0), [0.0, 2 / np.sqrt(12)])
    curve = np.array([5.0, 4.0, 1.0, 3.0, 0.5])
    assert steps_to_threshold(curve, 1.0) == 2
    assert steps_to_threshold(curve, 0.1) is None
    assert steps_to_threshold(curve, 2.0, window=2) == 3  # means 4.5, 2.5, 2, 1.75 at 1..4
    assert steps_to_threshold(curve, 6.0) == 0


@pytest.mark.parametrize("call, error, match", [
    (lambda: bank_kappa(np.ones((2, 4)), N=8, band=(0, 2), stride=2), ValueError, "stride"),
    (lambda: bank_kappa(np.ones((2, 4)), N=8, band=(3, 2)), ValueError, "band"),
    (lambda: bank_kappa(np.ones((2, 4)), N=8, band=(0, 5)), ValueError, "N // 2"),
    (lambda: bank_kappa(np.ones((2, 4)), N=8, band=(0, 5), sr=8.0), ValueError, "sr / 2"),
    (lambda: bank_kappa(np.ones((2, 4)), N=8, band=(1.1, 1.9)), ValueError, "no DFT bin"),
    (lambda: bank_kappa(np.ones((2, 4)), N=8, band=3), TypeError, "band"),
    (lambda: bank_kappa(np.ones((2, 4)), N=8, band=(0, 1), sr=0.0), ValueError, "sr"),
    (lambda: bank_kappa(np.ones((2, 4)), N=8, stride=3), ValueError, "stride"),
    (lambda: bank_kappa(np.ones((2, 16)), N=8), ValueError, "N"),
    (lambda: input_kappa(np.zeros((2, 8)), 4), ValueError, "all zeros"),
    (lambda: input_kappa(np.ones((2, 8)), 9), ValueError, "T"),
    (lambda: input_kappa(np.full(8, np.nan), 2), ValueError, "finite"),
    (lambda: input_kappa(np.ones((2, 2, 8)), 2), ValueError, "shape"),
    (lambda: relative_movement(np.ones((2, 3)), np.ones((3, 2))), ValueError, "shape"),
    (lambda: relative_movement(np.ones((2, 3)), np.zeros((2, 3))), ValueError, "all zeros"),
    (lambda: steps_to_threshold([], 1.0), ValueError, "non-empty"),
    (lambda: steps_to_threshold([1.0, np.nan], 1.0), ValueError, "finite"),
    (lambda: steps_to_threshold([1.0], np.inf), ValueError, "threshold"),
    (lambda: steps_to_threshold([1.0], "1"), ValueError, "threshold"),
    (lambda: steps_to_threshold([1.0, 2.0], 1.0, window=3), ValueError, "window"),
])
def test_refusals(call, error, match):
    with pytest.raises(error, match=match):
        call()
