"""Frame bounds, Littlewood-Paley sums and polyphase matrices (randfb.frames).

The oracle: the optimal frame bounds are the extreme eigenvalues of ``Phi^T Phi`` with
``Phi`` built as a dense matrix from ``numpy.convolve`` (``conftest.py``); checked to 1e-10
relative, for stride 1 and strides 2, 3, 4 with J < d, J = d, J > d, T < N and T = N.
"""

import numpy as np
import pytest

from randfb import (
    condition_number,
    filterbank_energy,
    frame_bounds,
    littlewood_paley,
    polyphase_matrices,
)

STRIDE_CASES = [
    # (N, J, T, stride)
    (16, 3, 5, 1),
    (15, 2, 15, 1),
    (32, 1, 32, 1),
    (16, 1, 6, 2),  # J < d
    (16, 2, 6, 2),  # J = d
    (16, 5, 6, 2),  # J > d
    (16, 5, 16, 2),  # T = N
    (24, 2, 7, 3),
    (24, 3, 7, 3),
    (24, 6, 7, 3),
    (24, 6, 24, 3),
    (24, 4, 2, 3),  # T < d: rank <= T < d at every frequency, A = 0
    (32, 3, 9, 4),
    (32, 4, 9, 4),
    (32, 9, 9, 4),
    (32, 9, 32, 4),
    (12, 8, 12, 4),  # N / d = 3 is odd
    (20, 3, 5, 5),
]


def oracle_bounds(Phi):
    eigenvalues = np.linalg.eigvalsh(Phi.T @ Phi)
    return eigenvalues[0], eigenvalues[-1], eigenvalues


@pytest.mark.parametrize(("N", "J", "T", "stride"), STRIDE_CASES)
def test_frame_bounds_are_the_extreme_eigenvalues_of_the_frame_operator(
    N, J, T, stride, rng, dense_analysis
):
    w = rng.standard_normal((J, T))
    A_oracle, B_oracle, _ = oracle_bounds(dense_analysis(w, N, stride))
    A, B = frame_bounds(w, N, stride)
    np.testing.assert_allclose(B, B_oracle, rtol=1e-10)
    # A may be 0 (J < d, T < d): compare relative to the scale B of the operator.
    np.testing.assert_allclose(A, max(A_oracle, 0.0), rtol=1e-10, atol=1e-10 * B_oracle)
    if J < stride or T < stride:
        assert A == 0.0
    else:
        assert A > 1e-8 * B


@pytest.mark.parametrize(("N", "J", "T", "stride"), STRIDE_CASES)
def test_polyphase_matrices_are_hermitian_psd_and_diagonalise_the_frame_operator(
    N, J, T, stride, rng, dense_analysis
):
    w, x = rng.standard_normal((J, T)), rng.standard_normal(N)
    P = polyphase_matrices(w, N, stride)
    assert P.shape == (N // stride, stride, stride)
    np.testing.assert_allclose(P, np.conj(np.swapaxes(P, -1, -2)), rtol=0, atol=1e-12)
    eigenvalues = np.linalg.eigvalsh(P)
    scale = eigenvalues.max()
    assert eigenvalues.min() >= -1e-12 * scale
    # Unitary equivalence: the N eigenvalues of all P(m) are the spectrum of Phi^T Phi.
    *_, spectrum = oracle_bounds(dense_analysis(w, N, stride))
    np.testing.assert_allclose(np.sort(eigenvalues.ravel()), spectrum, rtol=0, atol=1e-10 * scale)
    # ||Phi x||^2 = (1/N) sum_m X_m^H P(m) X_m with X_m = (x_hat[m + r N/d])_r.
    X = np.fft.fft(x).reshape(stride, N // stride).T  # (m, r)
    quadratic = np.einsum("mr,mrs,ms->", X.conj(), P, X).real / N
    np.testing.assert_allclose(quadratic, filterbank_energy(x, w, stride), rtol=1e-10)


@pytest.mark.parametrize(("N", "J", "T"), [(64, 4, 8), (64, 4, 32), (64, 4, 33), (63, 2, 63),
                                           (1024, 10, 100), (7, 3, 1)])
def test_littlewood_paley_is_the_sum_of_squared_dft_moduli(N, J, T, rng):
    # Both code paths: 2T - 1 < N (autocorrelation route) and 2T - 1 >= N (direct FFT).
    w = rng.standard_normal((3, J, T))
    explicit = np.sum(np.abs(np.fft.fft(w, n=N, axis=-1)) ** 2, axis=-2)
    lp = littlewood_paley(w, N)
    assert lp.shape == (3, N // 2 + 1)
    np.testing.assert_allclose(lp, explicit[..., : N // 2 + 1], rtol=1e-10, atol=1e-10 * lp.max())
    # The bins above N/2 mirror the ones below (real filters).
    np.testing.assert_allclose(explicit[..., 1:], explicit[..., :0:-1], rtol=1e-10)


def test_littlewood_paley_in_float32(rng):
    w = rng.standard_normal((5, 16)).astype(np.float32)
    explicit = np.sum(np.abs(np.fft.fft(w.astype(np.float64), n=256, axis=-1)) ** 2, axis=-2)
    np.testing.assert_allclose(littlewood_paley(w, 256), explicit[:129], rtol=1e-4,
                               atol=1e-5 * explicit.max())


@pytest.mark.parametrize(("N", "J", "T"), [(16, 3, 5), (15, 2, 15), (64, 1, 1)])
def test_stride_one_spectrum_is_the_littlewood_paley_sum(N, J, T, rng, dense_analysis):
    w = rng.standard_normal((J, T))
    *_, spectrum = oracle_bounds(dense_analysis(w, N))
    lp = littlewood_paley(w, N)
    full = np.concatenate([lp, lp[1 : (N + 1) // 2][::-1]])  # bins 0..N-1
    np.testing.assert_allclose(np.sort(full), spectrum, rtol=1e-10, atol=1e-10 * spectrum[-1])
    # The 1 x 1 polyphase matrices of stride 1 are the LP sum itself.
    np.testing.assert_allclose(polyphase_matrices(w, N, 1)[: N // 2 + 1, 0, 0].real, lp,
                               rtol=1e-10, atol=1e-10 * lp.max())


@pytest.mark.parametrize("stride", [1, 2, 4])
def test_frame_bounds_and_condition_number_are_batched(stride, rng):
    w = rng.standard_normal((2, 3, 6, 8))
    A, B = frame_bounds(w, 32, stride)
    kappa = condition_number(w, 32, stride)
    assert A.shape == B.shape == kappa.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            a, b = frame_bounds(w[i, j], 32, stride)
            np.testing.assert_allclose([A[i, j], B[i, j]], [a, b], rtol=1e-12)
            np.testing.assert_allclose(kappa[i, j], b / a, rtol=1e-12)
    assert np.all(kappa >= 1)


def test_condition_number_is_infinite_without_a_frame(rng):
    # Fewer filters than the stride: not injective, A = 0, kappa = inf.
    assert condition_number(rng.standard_normal((1, 8)), 32, 2) == np.inf
    # A filter whose DFT vanishes at one bin: [1, 1] kills the Nyquist bin.
    assert condition_number(np.array([[1.0, 1.0]]), 8) == np.inf


def test_exact_small_cases():
    # A Dirac filter is a unitary convolution: J scaled Diracs give a tight frame sum c_j^2.
    A, B = frame_bounds(np.array([[1.0], [2.0]]), 8)
    assert (float(A), float(B)) == pytest.approx((5.0, 5.0), rel=1e-12)
    # Stride 2 with the two-tap Haar pair: an orthonormal basis, A = B = 1.
    haar = np.array([[1.0, 1.0], [1.0, -1.0]]) / np.sqrt(2)
    A, B = frame_bounds(haar, 16, 2)
    assert (float(A), float(B)) == pytest.approx((1.0, 1.0), rel=1e-12)
    assert float(condition_number(haar, 16, 2)) == pytest.approx(1.0, rel=1e-12)
    # [1, 1]: |1 + e^{-2 pi i k / N}|^2 = 2 + 2 cos(2 pi k / N), between 0 and 4.
    A, B = frame_bounds(np.array([[1.0, 1.0]]), 10)
    assert float(A) == pytest.approx(0.0, abs=1e-12)
    assert float(B) == pytest.approx(4.0, rel=1e-12)
