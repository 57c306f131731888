"""Large-deviation bounds (randfb.deviations) against the exact quantile of the energy.

A deviation bound alpha_bound(p) is valid when the exact probability of exceeding it is
at most p, that is, when it is never below the exact quantile energy_quantile(p).
Checked for p from 0.5 down to 1e-6 on four signals and several (J, T); the form used in
the paper's published notebooks is shown to fail (a regression test of the documented
failure).
"""

import numpy as np
import pytest
import scipy.stats

from randfb import (
    brownian_noise,
    cantelli_alpha,
    chernoff_alpha,
    energy_eigenvalues,
    energy_quantile,
    energy_tail,
    energy_variance,
    impulse,
    notebook_chernoff_alpha,
    nyquist_sine,
)

P_GRID = np.logspace(np.log10(0.5), -6, 10)
N = 256


def random_signal():
    return np.random.default_rng(17).standard_normal(N)


SIGNALS = {
    "impulse": lambda: impulse(N),
    "nyquist": lambda: nyquist_sine(N),
    "brownian": lambda: brownian_noise(N, rng=3),
    "random": random_signal,
}
SIZES = [(1, 1), (10, 8), (10, 64), (40, 256)]


@pytest.mark.parametrize(("J", "T"), SIZES)
@pytest.mark.parametrize("name", SIGNALS)
def test_cantelli_and_chernoff_are_never_below_the_exact_quantile(name, J, T):
    x = SIGNALS[name]()
    exact = energy_quantile(x, J, T, P_GRID)
    cantelli = cantelli_alpha(x, J, T, P_GRID)
    chernoff = chernoff_alpha(x, J, T, P_GRID)
    assert np.all(cantelli >= exact), cantelli - exact
    assert np.all(chernoff >= exact), chernoff - exact
    # Equivalently, the exact probability of exceeding each bound is at most p.
    assert np.all(energy_tail(x, J, T, cantelli) <= P_GRID * (1 + 1e-9))
    assert np.all(energy_tail(x, J, T, chernoff) <= P_GRID * (1 + 1e-9))


def test_notebook_chernoff_form_falls_below_the_exact_quantile():
    # Regression test of the documented failure: impulse, J = 10, T = 8, p = 1e-3 gives
    # alpha = 0.511 where the exact quantile (chi^2_80 / 80 - 1) is 0.5605 (quoted as
    # 0.561 in the notes; 0.56049 to five digits).
    x, J, T, p = impulse(1024), 10, 8, 1e-3
    notebook = float(notebook_chernoff_alpha(x, J, T, p))
    exact = float(energy_quantile(x, J, T, p))
    assert exact == pytest.approx(
        scipy.stats.chi2.isf(p, J * T) / (J * T) - 1, rel=1e-9
    )
    assert round(notebook, 3) == 0.511
    assert round(exact, 4) == 0.5605
    assert notebook < exact
    # Its exceedance probability is more than twice the advertised p.
    assert energy_tail(x, J, T, notebook) > 2 * p


def test_notebook_chernoff_form_solves_its_defining_equation():
    # p = exp(-alpha^2 J T^2 ||x||^4 / (2 alpha T ||lam||_inf ||x||^2 + 2 ||lam||_2^2)).
    x, J, T = brownian_noise(N, rng=3), 10, 32
    lam, energy = energy_eigenvalues(x, T), x @ x
    alpha = notebook_chernoff_alpha(x, J, T, P_GRID)
    exponent = (
        alpha**2
        * J
        * T**2
        * energy**2
        / (2 * alpha * T * lam.max() * energy + 2 * lam @ lam)
    )
    np.testing.assert_allclose(np.exp(-exponent), P_GRID, rtol=1e-10)


@pytest.mark.parametrize("name", SIGNALS)
def test_closed_forms(name):
    # Cantelli: alpha = sqrt((1/p - 1) V) / ||x||^2.
    # Laurent-Massart: alpha = 2 sigma^2 (sqrt(J) ||lam||_2 sqrt(t) + ||lam||_inf t) /
    # ||x||^2, t = log(1/p), lam the eigenvalues of Q_T (our own Toeplitz matrix here).
    x, J, T, sigma = 5.0 * SIGNALS[name](), 7, 16, 0.2
    energy = x @ x
    R = np.array([x @ np.roll(x, tau) for tau in range(T)])
    Q = R[np.abs(np.subtract.outer(np.arange(T), np.arange(T)))]
    lam = np.linalg.eigvalsh(Q)
    variance = 2 * J * sigma**4 * np.sum(Q**2)
    assert energy_variance(x, J, T, sigma) == pytest.approx(variance, rel=1e-10)
    np.testing.assert_allclose(
        cantelli_alpha(x, J, T, P_GRID, sigma=sigma),
        np.sqrt((1 / P_GRID - 1) * variance) / energy,
        rtol=1e-10,
    )
    t = np.log(1 / P_GRID)
    expected = (
        2 * sigma**2 * (np.sqrt(J * lam @ lam) * np.sqrt(t) + lam.max() * t) / energy
    )
    np.testing.assert_allclose(
        chernoff_alpha(x, J, T, P_GRID, sigma=sigma), expected, rtol=1e-10
    )


def test_cantelli_uses_the_default_sigma():
    # Impulse, J = 10, T = 8: V = 2/(J T) = 1/40, p = 0.05: alpha = sqrt(19/40).
    assert float(cantelli_alpha(impulse(1024), 10, 8, 0.05)) == pytest.approx(
        np.sqrt(19 / 40), rel=1e-12
    )


@pytest.mark.parametrize(
    "bound", [cantelli_alpha, chernoff_alpha, notebook_chernoff_alpha]
)
def test_bounds_decrease_with_p_and_ignore_the_scale_of_x(bound):
    x = brownian_noise(N, rng=3)
    alpha = bound(x, 10, 32, P_GRID)
    assert alpha.shape == P_GRID.shape
    assert np.all(np.diff(alpha) > 0)  # P_GRID decreases
    np.testing.assert_allclose(bound(4.2 * x, 10, 32, P_GRID), alpha, rtol=1e-10)
    assert np.shape(bound(x, 10, 32, 0.1)) == ()


# --------------------------------------------------------------------------------------
# deviation_validity: the true level of each formula, divided by p
# --------------------------------------------------------------------------------------


def test_deviation_validity_matches_the_exact_tail_and_flags_the_notebook_form():
    from randfb.deviations import deviation_validity

    signals = {"impulse": impulse(N), "nyquist": nyquist_sine(N)}
    levels = np.array([0.5, 0.05, 1e-3, 1e-6])
    rows = deviation_validity(signals, 10, [8, 64], levels)
    assert len(rows) == 2 * 2 * levels.size
    for row in rows:
        x = signals[row["signal"]]
        # the two proved bounds: true level at most p, up to Imhof's accuracy 1e-10
        for key in ("cantelli", "chernoff"):
            assert row[key] * row["p"] <= row["p"] + 1e-10
        exact = energy_tail(x, 10, row["T"], chernoff_alpha(x, 10, row["T"], row["p"]))
        assert row["chernoff"] * row["p"] == pytest.approx(exact, abs=1e-10)
    # the notebook form is not a bound at small p (impulse, T = 8: 20 times p at 1e-6)
    worst = max(row["notebook"] for row in rows if row["signal"] == "impulse")
    assert worst > 10


def test_deviation_validity_replaces_tiny_probabilities_by_a_proved_bound():
    from randfb.deviations import _true_level

    x = brownian_noise(N, rng=3)
    alpha = cantelli_alpha(x, 10, 8, np.array([1e-6, 1e-4]))  # far in the tail
    level = _true_level(x, 10, 8, alpha)
    exact = energy_tail(x, 10, 8, alpha)
    assert np.all(level < 1e-10)  # both taken from the Laurent-Massart bound
    assert np.all(exact <= level + 1e-10)  # which bounds the exact value
    moderate = cantelli_alpha(x, 10, 8, 0.3)
    assert _true_level(x, 10, 8, np.array([moderate]))[0] == pytest.approx(
        energy_tail(x, 10, 8, moderate), abs=1e-12
    )
