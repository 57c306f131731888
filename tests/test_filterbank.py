"""Random filterbanks, the dense operator and the energy response (randfb.filterbank).

Every exact check compares against oracles written here, independently of randfb: the
analysis operator built column by column from ``numpy.convolve`` on basis vectors (see
``conftest.py``) and the paper's defining triple sum.
"""

import numpy as np
import pytest
import scipy.stats

from randfb import filterbank_energy, filterbank_matrix, impulse, random_filterbank

# (N, J, T, stride): stride 1 and > 1; J below, at and above the stride; T = 1, T < N, T = N.
SHAPES = [
    (8, 1, 1, 1),
    (16, 3, 5, 1),
    (15, 2, 15, 1),
    (12, 4, 12, 1),
    (16, 3, 5, 2),
    (16, 1, 7, 2),
    (12, 2, 12, 3),
    (12, 3, 4, 3),
    (12, 5, 7, 3),
    (16, 3, 6, 4),
    (16, 4, 16, 4),
    (16, 6, 9, 4),
    (10, 2, 10, 10),
]


@pytest.mark.parametrize(("N", "J", "T", "stride"), SHAPES)
def test_filterbank_matrix_equals_the_convolution_oracle(N, J, T, stride, rng, dense_analysis):
    w = rng.standard_normal((J, T))
    Phi = filterbank_matrix(w, N, stride)
    assert Phi.shape == (J * N // stride, N)
    np.testing.assert_allclose(Phi, dense_analysis(w, N, stride), rtol=0, atol=1e-14)


def test_filterbank_matrix_is_the_papers_definition(rng):
    # (Phi x)[n, j] = sum_{t < T} w_j[t] x[(n - t) mod N], written as a literal triple loop.
    N, J, T = 9, 2, 4
    w, x = rng.standard_normal((J, T)), rng.standard_normal(N)
    direct = np.array(
        [[sum(w[j, t] * x[(n - t) % N] for t in range(T)) for n in range(N)] for j in range(J)]
    )
    np.testing.assert_allclose(filterbank_matrix(w, N) @ x, direct.ravel(), rtol=1e-12)


@pytest.mark.parametrize(("N", "J", "T", "stride"), SHAPES)
def test_filterbank_energy_equals_the_dense_oracle(N, J, T, stride, rng, dense_analysis):
    w, x = rng.standard_normal((J, T)), rng.standard_normal(N)
    expected = np.sum((dense_analysis(w, N, stride) @ x) ** 2)
    np.testing.assert_allclose(filterbank_energy(x, w, stride), expected, rtol=1e-10)


@pytest.mark.parametrize(("N", "J", "T", "stride"), [(64, 5, 8, 1), (63, 3, 63, 1),
                                                     (1024, 10, 100, 1), (64, 5, 8, 4),
                                                     (60, 3, 60, 5)])
def test_filterbank_energy_equals_explicit_circular_convolution_on_the_same_weights(
    N, J, T, stride, rng, convolve_circular
):
    # Batched weights of shape (2, 3, J, T): the result has shape (2, 3), entry by entry
    # sum_j ||(x * w_j)[::stride]||^2 with the circular convolution done by np.convolve.
    w, x = rng.standard_normal((2, 3, J, T)), rng.standard_normal(N)
    expected = np.array(
        [[sum(np.sum(convolve_circular(x, f)[::stride] ** 2) for f in bank) for bank in row]
         for row in w]
    )
    energy = filterbank_energy(x, w, stride)
    assert energy.shape == (2, 3)
    np.testing.assert_allclose(energy, expected, rtol=1e-10)


def test_filterbank_energy_of_one_filterbank_is_a_scalar_array(rng):
    energy = filterbank_energy(rng.standard_normal(16), rng.standard_normal((3, 4)))
    assert np.shape(energy) == ()


def test_filterbank_energy_of_an_impulse_is_the_sum_of_squared_weights(rng):
    # Each shifted copy of an impulse is a filter: ||Phi delta||^2 = sum_j ||w_j||^2.
    w = rng.standard_normal((7, 4, 16))
    np.testing.assert_allclose(filterbank_energy(impulse(64, at=5), w), np.sum(w**2, axis=(-2, -1)),
                               rtol=1e-12)


def test_filterbank_energy_accepts_float32_weights(rng, convolve_circular):
    x = rng.standard_normal(128)
    w = rng.standard_normal((6, 20)).astype(np.float32)
    expected = sum(np.sum(convolve_circular(x, f.astype(np.float64)) ** 2) for f in w)
    np.testing.assert_allclose(filterbank_energy(x, w), expected, rtol=1e-5)


# ------------------------------------------------------------------ random_filterbank


@pytest.mark.parametrize(("size", "shape"), [(None, (4, 6)), (3, (3, 4, 6)), ((2, 5), (2, 5, 4, 6)),
                                             (0, (0, 4, 6))])
def test_random_filterbank_shape_and_dtype(size, shape):
    w = random_filterbank(4, 6, size=size, rng=0)
    assert w.shape == shape
    assert w.dtype == np.float64
    assert random_filterbank(4, 6, size=size, rng=0, dtype=np.float32).dtype == np.float32


def test_random_filterbank_sigma_scales_the_same_normals():
    J, T = 5, 7
    unit = random_filterbank(J, T, sigma=1.0, size=4, rng=3)
    np.testing.assert_allclose(random_filterbank(J, T, size=4, rng=3), unit / np.sqrt(J * T),
                               rtol=1e-15)
    np.testing.assert_allclose(random_filterbank(J, T, sigma=2.5, size=4, rng=3), 2.5 * unit,
                               rtol=1e-15)


def test_random_filterbank_weights_are_iid_gaussian_with_the_default_sigma():
    # n = 4000 * 10 * 8 = 320000 weights of N(0, sigma^2), sigma^2 = 1/(J T) = 1/80.
    # SE of the mean: sigma / sqrt(n); SE of the sample variance: sigma^2 sqrt(2 / (n - 1)).
    J, T, draws = 10, 8, 4000
    w = random_filterbank(J, T, size=draws, rng=11)
    n, var = w.size, 1.0 / (J * T)
    assert abs(w.mean()) <= 5 * np.sqrt(var / n)
    assert abs(w.var(ddof=1) - var) <= 5 * var * np.sqrt(2 / (n - 1))
    # Shape of the law (a fixed-seed KS test) and no correlation between neighbouring taps:
    # the sample correlation of n pairs has SE 1 / sqrt(n).
    assert scipy.stats.kstest(w.ravel()[:20000] / np.sqrt(var), "norm").pvalue > 1e-3
    pairs = w.reshape(-1, T)
    assert abs(np.corrcoef(pairs[:, 0], pairs[:, 1])[0, 1]) <= 5 / np.sqrt(pairs.shape[0])


def test_energy_preserved_on_average_at_stride_one_and_at_a_stride_dividing_T(rng):
    # E||Phi x||^2 = J T sigma^2 ||x||^2 at stride 1; at stride d with d | T and
    # sigma^2 = d / (J T) every residue class of x is hit T/d times: again ||x||^2.
    # SE of the mean of n draws: std(energy) / sqrt(n), estimated from the draws.
    N, J, T, n = 48, 4, 12, 3000
    x = rng.standard_normal(N)
    for stride in (1, 2, 3, 4):
        w = random_filterbank(J, T, sigma=np.sqrt(stride / (J * T)), size=n, rng=stride)
        energy = filterbank_energy(x, w, stride)
        se = energy.std(ddof=1) / np.sqrt(n)
        assert abs(energy.mean() - x @ x) <= 5 * se, stride
