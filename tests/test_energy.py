"""Mean, variance and spectrum of the energy response (randfb.energy), and simulation.

Exact identities are checked against oracles built here (autocorrelation by explicit
sums, ``Q_T`` by ``np.roll``). Theory against simulation uses fixed seeds and tolerances
of 5 standard errors. For the generalised chi-squared
``Q = sigma^2 sum_k lambda_k Y_k``, ``Y_k ~ chi^2_J``, the cumulants are exact,

    c_l = 2^(l-1) (l-1)! J sigma^(2l) sum_k lambda_k^l,

so the sample mean of n draws has SE ``sqrt(c_2 / n)`` and the unbiased sample
variance has the exact variance ``c_4 / n + 2 c_2^2 / (n - 1)`` (from
``mu_4 = c_4 + 3 c_2^2`` and ``Var s^2 = (mu_4 - (n-3)/(n-1) sigma^4) / n``).
"""

import math

import numpy as np
import pytest
import scipy.stats

from randfb import (
    autocorrelation,
    autocorrelation_matrix,
    brownian_noise,
    energy_eigenvalues,
    energy_mean,
    energy_variance,
    filterbank_energy,
    impulse,
    nyquist_sine,
    random_filterbank,
    simulate_energy,
)

N_PAPER, J_PAPER = 1024, 10


def autocorrelation_oracle(x):
    """``R[tau] = sum_n x[n] x[(n - tau) mod N]`` by explicit sums."""
    return np.array([x @ np.roll(x, tau) for tau in range(x.size)])


def toeplitz_oracle(x, T):
    """``Q_T[s, t] = R_xx(|s - t|)`` from the explicit autocorrelation."""
    R = autocorrelation_oracle(x)
    lags = np.abs(np.subtract.outer(np.arange(T), np.arange(T)))
    return R[lags]


_EIGENVALUES = {}


def oracle_eigenvalues(x, T):
    """Eigenvalues of our own ``Q_T`` (cached per signal and T: tests reuse them)."""
    key = (x.tobytes(), T)
    if key not in _EIGENVALUES:
        _EIGENVALUES[key] = np.linalg.eigvalsh(toeplitz_oracle(x, T))
    return _EIGENVALUES[key]


def cumulant(x, J, T, r, sigma=None):
    """Exact r-th cumulant of ||Phi x||^2 from eigenvalues of our own Q_T."""
    sigma2 = 1.0 / (J * T) if sigma is None else sigma**2
    lam = oracle_eigenvalues(x, T)
    return 2 ** (r - 1) * math.factorial(r - 1) * J * sigma2**r * np.sum(lam**r)


@pytest.fixture(scope="module")
def signals():
    """The paper's three artificial signals at N = 1024 (Brownian with a fixed seed)."""
    return {
        "impulse": impulse(N_PAPER),
        "nyquist": nyquist_sine(N_PAPER),
        "brownian": brownian_noise(N_PAPER, rng=7),
    }


# --------------------------------------------------------------------------- signals


def test_impulse_and_nyquist_sine():
    x = impulse(1024)
    assert x[512] == 1.0 and np.sum(x != 0) == 1  # default position N // 2
    np.testing.assert_array_equal(impulse(5, at=0), [1.0, 0, 0, 0, 0])
    y = nyquist_sine(1024)
    assert y @ y == pytest.approx(1.0, rel=1e-14)
    np.testing.assert_allclose(y, (-1.0) ** np.arange(1024) / 32, rtol=1e-15)
    # R(tau) = (-1)^tau: full-magnitude autocorrelation at every lag.
    np.testing.assert_allclose(
        autocorrelation(y), (-1.0) ** np.arange(1024), atol=1e-12
    )


def test_brownian_noise_is_a_centred_unit_energy_lazy_walk():
    # The increments of x are the steps / ||s - mean s||: in {-c, 0, c}, moving with
    # probability 0.15 (binomial SE sqrt(p (1 - p) / n)), up and down equally often.
    N, p = 20000, 0.15
    x = brownian_noise(N, rng=3)
    assert x @ x == pytest.approx(1.0, rel=1e-12)
    assert abs(x.sum()) < 1e-9
    steps = np.diff(x)
    c = np.abs(steps).max()
    np.testing.assert_allclose(np.abs(steps[np.abs(steps) > c / 2]), c, rtol=1e-6)
    moves = np.abs(steps) > c / 2
    assert abs(moves.mean() - p) <= 5 * np.sqrt(p * (1 - p) / (N - 1))
    ups = np.sum(steps > c / 2)
    assert abs(ups / moves.sum() - 0.5) <= 5 * np.sqrt(0.25 / moves.sum())
    assert abs(
        np.mean(np.abs(np.diff(brownian_noise(N, rng=4, step_probability=0.5))) > 0)
        - 0.5
    ) <= 5 * np.sqrt(0.25 / (N - 1))


# ------------------------------------------------------------------ exact identities


@pytest.mark.parametrize("N", [1, 2, 7, 16, 33])
def test_autocorrelation_equals_explicit_sums(N, rng):
    x = rng.standard_normal(N)
    R = autocorrelation(x)
    np.testing.assert_allclose(
        R, autocorrelation_oracle(x), rtol=1e-12, atol=1e-12 * (x @ x)
    )
    assert R[0] == pytest.approx(x @ x, rel=1e-12)
    np.testing.assert_allclose(R[1:], R[1:][::-1], rtol=1e-12, atol=1e-12 * (x @ x))


@pytest.mark.parametrize(("N", "T"), [(16, 1), (16, 5), (16, 16), (9, 9)])
def test_quadratic_form_is_the_energy_of_one_filter(N, T, rng, convolve_circular):
    # ||x * w||^2 = w^T Q_T w, Q_T[s, t] = R_xx(s - t).
    x, w = rng.standard_normal(N), rng.standard_normal(T)
    Q = autocorrelation_matrix(x, T)
    np.testing.assert_allclose(
        Q, toeplitz_oracle(x, T), rtol=1e-12, atol=1e-12 * (x @ x)
    )
    np.testing.assert_allclose(
        w @ Q @ w, np.sum(convolve_circular(x, w) ** 2), rtol=1e-10
    )


@pytest.mark.parametrize(("N", "T"), [(16, 1), (16, 5), (64, 64), (33, 20)])
def test_energy_eigenvalues_are_the_spectrum_of_q(N, T, rng):
    x = rng.standard_normal(N)
    Q = toeplitz_oracle(x, T)
    lam = energy_eigenvalues(x, T)
    assert lam.shape == (T,)
    assert np.all(np.diff(lam) >= 0) and lam[0] >= 0
    np.testing.assert_allclose(
        lam, np.linalg.eigvalsh(Q), rtol=1e-10, atol=1e-10 * lam[-1]
    )
    assert lam.sum() == pytest.approx(T * (x @ x), rel=1e-10)
    assert lam @ lam == pytest.approx(np.sum(Q**2), rel=1e-10)
    # The cache returns copies: changing the result must not change the next call.
    lam[:] = -1
    assert np.all(energy_eigenvalues(x, T) >= 0)


@pytest.mark.parametrize(
    ("N", "J", "T", "sigma"), [(16, 3, 5, None), (16, 2, 16, 0.3), (50, 7, 13, 2.0)]
)
def test_energy_mean_and_variance_formulas(N, J, T, sigma, rng):
    # E = J T sigma^2 ||x||^2 and Var = 2 J sigma^4 ||Q_T||_F^2 (the paper's Prop. 1).
    x = rng.standard_normal(N)
    s2 = 1.0 / (J * T) if sigma is None else sigma**2
    assert energy_mean(x, J, T, sigma) == pytest.approx(J * T * s2 * (x @ x), rel=1e-12)
    frobenius2 = np.sum(toeplitz_oracle(x, T) ** 2)
    assert energy_variance(x, J, T, sigma) == pytest.approx(
        2 * J * s2**2 * frobenius2, rel=1e-10
    )
    assert energy_variance(x, J, T, sigma) == pytest.approx(
        cumulant(x, J, T, 2, sigma), rel=1e-10
    )


def test_energy_variance_on_explicit_weights(rng):
    # The formulas against exact energies (filterbank_energy, float64) of 20000
    # filterbanks
    # drawn with random_filterbank: a route independent of the simulators. SEs from the
    # exact cumulants (see the module docstring).
    N, J, T, n = 40, 3, 6, 20000
    x = rng.standard_normal(N)
    energy = filterbank_energy(x, random_filterbank(J, T, size=n, rng=5))
    k2, k4 = cumulant(x, J, T, 2), cumulant(x, J, T, 4)
    se_var = np.sqrt(k4 / n + 2 * k2**2 / (n - 1))
    assert abs(energy.var(ddof=1) - energy_variance(x, J, T)) <= 5 * se_var
    assert abs(energy.mean() - energy_mean(x, J, T)) <= 5 * np.sqrt(k2 / n)


@pytest.mark.parametrize(("J", "T"), [(1, 1), (10, 8), (10, 64), (3, 1024), (40, 1024)])
def test_variance_extremes_are_reached_by_impulse_and_nyquist_sine(J, T, signals):
    # With ||x|| = 1, sigma^2 = 1/(J T): Var = 2/(J T) for the impulse, 2/J for the
    # Nyquist
    # sine, and strictly in between for the Brownian walk when T > 1.
    assert energy_variance(signals["impulse"], J, T) == pytest.approx(
        2 / (J * T), rel=1e-12
    )
    assert energy_variance(signals["nyquist"], J, T) == pytest.approx(2 / J, rel=1e-12)
    brownian = energy_variance(signals["brownian"], J, T)
    if T == 1:
        assert brownian == pytest.approx(2 / J, rel=1e-12)
    else:
        assert 2 / (J * T) < brownian < 2 / J
    # Every unit-energy signal lies in [2/(J T), 2/J]: check a few random ones too.
    for seed in range(3):
        x = np.random.default_rng(seed).standard_normal(N_PAPER)
        x /= np.linalg.norm(x)
        assert (
            2 / (J * T) * (1 - 1e-12) <= energy_variance(x, J, T) <= 2 / J * (1 + 1e-12)
        )


def test_constant_signal_reaches_the_upper_extreme_too():
    x = np.ones(64) / 8.0
    assert energy_variance(x, 5, 32) == pytest.approx(2 / 5, rel=1e-12)
    np.testing.assert_allclose(energy_eigenvalues(x, 32)[:-1], 0, atol=1e-12)


def test_energy_mean_and_variance_scale_with_the_signal(rng):
    x = rng.standard_normal(64)
    assert energy_mean(3 * x, 4, 8) == pytest.approx(
        9 * energy_mean(x, 4, 8), rel=1e-12
    )
    assert energy_variance(3 * x, 4, 8) == pytest.approx(
        81 * energy_variance(x, 4, 8), rel=1e-12
    )


# ----------------------------------------------------------- theory against simulation

DRAWS = 4000
SEEDS = {"convolution": 1, "spectral": 2}


@pytest.fixture(scope="module")
def draws(signals):
    """``draws(name, T, method)``: 4000 simulated energies, J = 10, one fixed seed per
    method (independent streams for the two methods), computed once per module."""
    cache = {}

    def get(name, T, method):
        if (name, T, method) not in cache:
            cache[name, T, method] = simulate_energy(
                signals[name],
                J_PAPER,
                T,
                DRAWS,
                rng=SEEDS[method] * 10_000 + T,
                method=method,
            )
        return cache[name, T, method]

    return get


@pytest.mark.parametrize("method", ["convolution", "spectral"])
@pytest.mark.parametrize("T", [8, 64, 1024])
@pytest.mark.parametrize("name", ["impulse", "nyquist", "brownian"])
def test_simulated_mean_and_variance_match_the_theory(
    name, T, method, signals, draws, within_se
):
    x = signals[name]
    energy = draws(name, T, method)
    assert energy.shape == (DRAWS,)
    mean, variance = energy_mean(x, J_PAPER, T), energy_variance(x, J_PAPER, T)
    k2, k4 = cumulant(x, J_PAPER, T, 2), cumulant(x, J_PAPER, T, 4)
    assert variance == pytest.approx(k2, rel=1e-8)
    # SE of the sample mean: sqrt(c_2 / n).
    within_se(energy.mean(), mean, np.sqrt(k2 / DRAWS), what=f"mean, {name}, T={T}")
    # SE of the sample variance: sqrt(c_4 / n + 2 c_2^2 / (n - 1)).
    se_var = np.sqrt(k4 / DRAWS + 2 * k2**2 / (DRAWS - 1))
    within_se(energy.var(ddof=1), variance, se_var, what=f"variance, {name}, T={T}")


@pytest.mark.parametrize("T", [8, 64, 1024])
@pytest.mark.parametrize("name", ["impulse", "nyquist", "brownian"])
def test_convolution_and_spectral_methods_agree_in_distribution(
    name, T, signals, draws, within_se
):
    # Independent seeds for the two samples; two-sample KS at a fixed seed, and the
    # difference of means with SE sqrt(2 c_2 / n).
    x = signals[name]
    conv, spec = draws(name, T, "convolution"), draws(name, T, "spectral")
    assert scipy.stats.ks_2samp(conv, spec).pvalue > 1e-3
    k2 = cumulant(x, J_PAPER, T, 2)
    within_se(
        conv.mean() - spec.mean(), 0.0, np.sqrt(2 * k2 / DRAWS), what="mean difference"
    )


def test_simulated_variance_extremes(signals, draws, within_se):
    # The extremes 2/(J T) and 2/J show up in simulation: impulse and Nyquist at T = 64,
    # the Brownian walk strictly in between (its variance is many SE from either end).
    T = 64
    sample_var = {name: draws(name, T, "convolution").var(ddof=1) for name in signals}
    for name, exact in (("impulse", 2 / (J_PAPER * T)), ("nyquist", 2 / J_PAPER)):
        k2, k4 = (
            cumulant(signals[name], J_PAPER, T, 2),
            cumulant(signals[name], J_PAPER, T, 4),
        )
        within_se(
            sample_var[name],
            exact,
            np.sqrt(k4 / DRAWS + 2 * k2**2 / (DRAWS - 1)),
            what=name,
        )
    assert sample_var["impulse"] < sample_var["brownian"] < sample_var["nyquist"]


def test_simulation_with_a_non_default_sigma(signals, within_se):
    x, J, T, sigma = signals["brownian"], 4, 32, 0.7
    energy = simulate_energy(x, J, T, DRAWS, sigma=sigma, rng=9)
    k2 = cumulant(x, J, T, 2, sigma)
    within_se(energy.mean(), energy_mean(x, J, T, sigma), np.sqrt(k2 / DRAWS))
    assert energy_mean(x, J, T, sigma) == pytest.approx(J * T * sigma**2, rel=1e-12)
