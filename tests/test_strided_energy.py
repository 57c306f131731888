"""The exact law of the strided energy ``||Phi_d x||^2`` and its simulator.

Oracles: the dense analysis operator of ``conftest`` (built column by column from
``numpy.convolve``, independently of the library), regenerated per-draw weights, and
closed forms (the impulse at stride ``d`` is a scaled chi-squared). Monte Carlo checks
use a fixed seed and 5 standard errors.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

import randfb
from randfb import (
    cantelli_alpha,
    chernoff_alpha,
    energy_eigenvalues,
    energy_mean,
    energy_pdf,
    energy_quantile,
    energy_tail,
    energy_variance,
    impulse,
    sample_variance_se,
    simulate_strided_energy,
    strided_energy_matrix,
)
from randfb.deviation_curves import deviation_curves
from randfb.strided_energy import strided_chunk_draws

# (N, J, T, d): d | T, d not dividing T, d > T, d = T, d = N
CASES = [(24, 3, 8, 4), (24, 2, 7, 3), (24, 2, 3, 6), (20, 4, 5, 5), (12, 2, 5, 12)]


def _weight_map(x, J, T, d, dense_analysis):
    """The dense matrix B with Phi_d x = B w (w the J T weights, row-major), an oracle."""
    N = x.size
    columns = []
    for j in range(J):
        for t in range(T):
            w = np.zeros((J, T))
            w[j, t] = 1.0
            columns.append(dense_analysis(w, N, d) @ x)
    return np.column_stack(columns)


@pytest.mark.parametrize("N, J, T, d", CASES)
def test_law_matches_the_dense_operator(N, J, T, d, rng, dense_analysis):
    x = rng.standard_normal(N)
    B = _weight_map(x, J, T, d, dense_analysis)
    gram = B.T @ B  # ||Phi_d x||^2 = w^T gram w, w ~ N(0, sigma^2 I_{JT})
    sigma = 0.7
    mean = sigma**2 * np.trace(gram)
    var = 2 * sigma**4 * np.sum(gram * gram)
    assert energy_mean(x, J, T, sigma, stride=d) == pytest.approx(mean, rel=1e-12)
    assert energy_variance(x, J, T, sigma, stride=d) == pytest.approx(var, rel=1e-12)
    # the J T eigenvalues of the dense form are those of Q_{T,d}, each J times
    dense_eig = np.sort(np.clip(np.linalg.eigvalsh(gram), 0, None))
    ours = np.sort(np.repeat(energy_eigenvalues(x, T, stride=d), J))
    assert np.allclose(ours, dense_eig, rtol=0, atol=1e-12 * dense_eig.max())
    # Q_{T,d} = X_d^T X_d with the kept frames built by index
    n_kept = np.arange(0, N, d)
    X_d = x[(n_kept[:, None] - np.arange(T)[None, :]) % N]
    assert np.allclose(strided_energy_matrix(x, T, d), X_d.T @ X_d, rtol=0,
                       atol=1e-12 * np.abs(X_d).max() ** 2 * N)


def test_default_sigma_is_energy_preserving_when_d_divides_T(rng):
    x = rng.standard_normal(64)
    for d, T in ((2, 8), (4, 8), (8, 16), (4, 4)):
        assert energy_mean(x, 5, T, stride=d) == pytest.approx(x @ x, rel=1e-12)
    # d does not divide T: J sigma^2 sum_t e[(-t) mod d], e the energy of each phase
    phase_energy = np.array([np.sum(x[c::4] ** 2) for c in range(4)])
    expected = 5 * (4 / (5 * 7)) * sum(phase_energy[(-t) % 4] for t in range(7))
    assert energy_mean(x, 5, 7, stride=4) == pytest.approx(expected, rel=1e-12)


def test_stride_one_is_the_toeplitz_form(rng):
    x = rng.standard_normal(50)
    assert np.allclose(strided_energy_matrix(x, 9, 1),
                       randfb.autocorrelation_matrix(x, 9), rtol=0,
                       atol=1e-12 * (x @ x))
    for f in (energy_mean, energy_variance):
        assert f(x, 4, 9, stride=1) == f(x, 4, 9)
    assert np.array_equal(energy_eigenvalues(x, 9, stride=1), energy_eigenvalues(x, 9))


def test_pinned_stride_one_values():
    # values of the stride-1 functions before `stride` was added (same inputs)
    x = randfb.nyquist_sine(64) + 0.5 * impulse(64)
    assert energy_variance(x, 10, 8) == pytest.approx(0.26875, rel=1e-12)
    assert energy_quantile(impulse(1024), 10, 8, 1e-3) == pytest.approx(
        scipy.stats.chi2.isf(1e-3, 80) / 80 - 1, rel=1e-9)


@pytest.mark.parametrize("d, T", [(2, 8), (4, 8), (4, 12), (8, 8)])
def test_impulse_is_a_scaled_chi_squared(d, T):
    # Q_{T,d} of an impulse is diagonal with T/d ones: ||Phi_d x||^2 = sigma^2 chi^2_{JT/d}
    J, x = 6, impulse(64)
    dof = J * T // d
    assert np.array_equal(energy_eigenvalues(x, T, stride=d),
                          np.r_[np.zeros(T - T // d), np.ones(T // d)])
    alpha = np.array([-0.3, 0.2, 0.9])
    exact = scipy.stats.chi2.sf((1 + alpha) * dof, dof)
    assert np.allclose(energy_tail(x, J, T, alpha, stride=d), exact, rtol=1e-9,
                       atol=1e-12)
    p = np.array([0.1, 1e-4])
    assert np.allclose(energy_quantile(x, J, T, p, stride=d),
                       scipy.stats.chi2.isf(p, dof) / dof - 1, rtol=1e-9)
    assert energy_pdf(x, J, T, 1.1, stride=d) == pytest.approx(
        dof * scipy.stats.chi2.pdf(1.1 * dof, dof), rel=1e-9)
    assert energy_variance(x, J, T, stride=d) == pytest.approx(2 / dof, rel=1e-12)


def test_bounds_are_valid_at_stride_d(rng):
    x = rng.standard_normal(96).cumsum()  # Brownian-like: far from white
    J, T, d = 4, 12, 3
    p = np.array([0.2, 0.01, 1e-4])
    exact = energy_quantile(x, J, T, p, stride=d)
    assert np.allclose(energy_tail(x, J, T, exact, stride=d), p, rtol=1e-6)
    for bound in (cantelli_alpha(x, J, T, p, stride=d),
                  chernoff_alpha(x, J, T, p, stride=d)):
        assert np.all(bound >= exact)
        assert np.all(energy_tail(x, J, T, bound, stride=d) <= p)
    V = energy_variance(x, J, T, stride=d)
    assert np.allclose(cantelli_alpha(x, J, T, p, stride=d),
                       np.sqrt((1 / p - 1) * V) / (x @ x), rtol=1e-12)
    mu = energy_eigenvalues(x, T, stride=d)
    s2 = d / (J * T)
    L = np.log(1 / p)
    lm = 2 * s2 * (np.sqrt(J * mu @ mu) * np.sqrt(L) + mu.max() * L) / (x @ x)
    assert np.allclose(chernoff_alpha(x, J, T, p, stride=d), lm, rtol=1e-12)


@pytest.mark.parametrize("N, J, T, d", CASES)
def test_convolution_draws_match_regenerated_weights(N, J, T, d, rng, dense_analysis):
    x = rng.standard_normal(N)
    n_draws, seed, sigma = 7, 11, 0.3
    assert n_draws <= strided_chunk_draws(N, J)  # one chunk: the first spawned stream
    energies = simulate_strided_energy(x, J, T, n_draws, stride=d, sigma=sigma,
                                       rng=seed)
    stream = np.random.default_rng(seed).spawn(1)[0]
    w = sigma * stream.standard_normal((n_draws, J, T))
    direct = [np.sum((dense_analysis(wk, N, d) @ x) ** 2) for wk in w]
    assert np.allclose(energies, direct, rtol=1e-12)


def test_chunked_draws_regenerate_from_spawned_streams(rng):
    N, J, T, d = 16, 2, 4, 2
    x = rng.standard_normal(N)
    step = strided_chunk_draws(N, J)
    n_draws = step + 3  # two chunks
    energies = simulate_strided_energy(x, J, T, n_draws, stride=d, rng=5)
    sigma = np.sqrt(d / (J * T))
    streams = np.random.default_rng(5).spawn(2)
    weights = [sigma * streams[0].standard_normal((step, J, T)),
               sigma * streams[1].standard_normal((n_draws - step, J, T))]
    for k in (0, step - 1, step, n_draws - 1):
        chunk, offset = divmod(k, step)
        w = weights[chunk][offset]
        assert energies[k] == pytest.approx(randfb.filterbank_energy(x, w, d), rel=1e-12)


@pytest.mark.parametrize("method", ["convolution", "spectral"])
def test_monte_carlo_mean_variance_tail(method, within_se):
    x = randfb.brownian_noise(256, rng=1)
    J, T, d, n = 3, 10, 4, 20000
    e = simulate_strided_energy(x, J, T, n, stride=d, rng=2, method=method)
    mean, var = energy_mean(x, J, T, stride=d), energy_variance(x, J, T, stride=d)
    # SE of the mean from the exact variance; of the variance from the sample moments
    within_se(e.mean(), mean, np.sqrt(var / n), what=f"{method} mean")
    within_se(e.var(ddof=1), var, sample_variance_se(e), what=f"{method} variance")
    for p in (0.3, 0.02):
        alpha = energy_quantile(x, J, T, p, stride=d)
        frac = np.mean((e - mean) / (x @ x) >= alpha)
        within_se(frac, p, np.sqrt(p * (1 - p) / n), what=f"{method} tail at p={p}")


def test_deviation_curves_at_stride_d(within_se):
    x = randfb.brownian_noise(512, rng=4)
    c1 = deviation_curves(x, 8, [8, 32], 0.05, 60, rng=0)
    c1b = deviation_curves(x, 8, [8, 32], 0.05, 60, rng=0, stride=1)
    assert np.array_equal(c1.draws, c1b.draws) and np.array_equal(c1.exact, c1b.exact)
    n = 4000
    c = deviation_curves(x, 8, [8, 32], 0.05, n, rng=0, stride=4)
    assert c.stride == 4 and c.draws.shape == (2, n)
    assert np.all(c.exact < c.cantelli) and np.all(c.exact < c.chernoff)
    for k, T in enumerate(c.T):
        assert c.exact[k] == energy_quantile(x, 8, int(T), 0.05, stride=4)
        var = energy_variance(x, 8, int(T), stride=4) / (x @ x) ** 2
        within_se(c.mean[k], 0.0, np.sqrt(var / n), what=f"mean deviation T={T}")
        within_se(c.exceedance[k], 0.05, np.sqrt(0.05 * 0.95 / n),
                  what=f"exceedance T={T}")


BAD_STRIDES = [(0, ValueError, "stride must be an integer >= 1"),
               (-2, ValueError, "stride must be an integer >= 1"),
               (5, ValueError, "stride must divide N = 24"),
               (48, ValueError, "stride must divide N = 24"),
               (2.5, TypeError, "stride must be an integer"),
               (True, TypeError, "stride must be an integer")]


@pytest.mark.parametrize("stride, error, message", BAD_STRIDES)
def test_bad_stride_is_refused_everywhere(stride, error, message):
    x = np.arange(1.0, 25.0)
    calls = [
        lambda: energy_mean(x, 2, 4, stride=stride),
        lambda: energy_variance(x, 2, 4, stride=stride),
        lambda: energy_eigenvalues(x, 4, stride=stride),
        lambda: strided_energy_matrix(x, 4, stride),
        lambda: energy_tail(x, 2, 4, 0.1, stride=stride),
        lambda: energy_pdf(x, 2, 4, 1.0, stride=stride),
        lambda: energy_quantile(x, 2, 4, 0.1, stride=stride),
        lambda: cantelli_alpha(x, 2, 4, 0.1, stride=stride),
        lambda: chernoff_alpha(x, 2, 4, 0.1, stride=stride),
        lambda: simulate_strided_energy(x, 2, 4, 3, stride=stride),
        lambda: deviation_curves(x, 2, [4], 0.1, 3, stride=stride),
    ]
    for call in calls:
        with pytest.raises(error, match=message):
            call()


def test_other_arguments_are_refused():
    x = np.arange(1.0, 25.0)
    with pytest.raises(ValueError, match="method must be"):
        simulate_strided_energy(x, 2, 4, 3, stride=2, method="fft")
    with pytest.raises(ValueError, match="n_draws must be an integer >= 1"):
        simulate_strided_energy(x, 2, 4, 0, stride=2)
    with pytest.raises(ValueError, match="T must be an integer >= 1 and <= 24"):
        strided_energy_matrix(x, 25, 2)
    with pytest.raises(ValueError, match="sigma must be a finite number > 0"):
        energy_variance(x, 2, 4, -1.0, stride=2)
