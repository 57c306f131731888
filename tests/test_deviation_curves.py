"""Tests for randfb.deviation_curves: each field against the function that defines it,
the exceedance frequency against its binomial law, reproducibility, argument checks and
the plotting helper."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

import randfb
from randfb.deviation_curves import (
    DeviationCurves,
    deviation_curves,
    plot_deviation_curves,
)

J, P = 10, 0.05


@pytest.fixture(scope="module")
def brownian():
    return randfb.brownian_noise(256, rng=3)


@pytest.fixture(scope="module")
def curves(brownian):
    return deviation_curves(brownian, J, [4, 16, 64], P, 400, rng=7)


def test_fields_match_the_functions_that_define_them(brownian, curves):
    assert curves.T.tolist() == [4, 16, 64]
    assert curves.p == P
    assert curves.draws.shape == (3, 400)
    for k, T in enumerate(curves.T):
        T = int(T)
        assert curves.exact[k] == pytest.approx(
            randfb.energy_quantile(brownian, J, T, P), rel=1e-12
        )
        assert curves.cantelli[k] == pytest.approx(
            randfb.cantelli_alpha(brownian, J, T, P), rel=1e-12
        )
        assert curves.chernoff[k] == pytest.approx(
            randfb.chernoff_alpha(brownian, J, T, P), rel=1e-12
        )
    np.testing.assert_allclose(curves.mean, curves.draws.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(
        curves.empirical, np.quantile(curves.draws, 1 - P, axis=1)
    )
    np.testing.assert_allclose(
        curves.exceedance, (curves.draws >= curves.exact[:, None]).mean(axis=1)
    )


def test_bounds_lie_above_the_exact_quantile(curves):
    assert (curves.cantelli > curves.exact).all()
    assert (curves.chernoff > curves.exact).all()


def test_draws_are_relative_deviations_of_the_simulated_energy(brownian):
    # Same stream as deviation_curves uses for the first T: the first child of the seed.
    curves = deviation_curves(2.0 * brownian, J, [8], P, 50, rng=11)
    stream = np.random.default_rng(11).spawn(1)[0]
    energies = randfb.simulate_energy(2.0 * brownian, J, 8, 50, rng=stream)
    np.testing.assert_allclose(curves.draws[0], (energies - 4.0) / 4.0, rtol=1e-12)


@pytest.mark.parametrize("method", ["convolution", "spectral"])
def test_exceedance_frequency_is_binomial(method):
    # With the exact quantile, n * exceedance ~ Binomial(n, p): a two-sided 1e-6 test.
    x, n = randfb.impulse(128), 4000
    curves = deviation_curves(x, J, [8, 32], P, n, rng=5, method=method)
    low, high = scipy.stats.binom.ppf([1e-6, 1 - 1e-6], n, P) / n
    assert ((curves.exceedance >= low) & (curves.exceedance <= high)).all()


def test_same_seed_same_draws(brownian):
    a = deviation_curves(brownian, J, [8, 16], P, 100, rng=1)
    b = deviation_curves(brownian, J, [8, 16], P, 100, rng=1)
    np.testing.assert_array_equal(a.draws, b.draws)


def test_draws_at_one_T_do_not_depend_on_the_other_lengths(brownian):
    a = deviation_curves(brownian, J, [8, 16], P, 100, rng=1)
    b = deviation_curves(brownian, J, [8, 32], P, 100, rng=1)
    np.testing.assert_array_equal(a.draws[0], b.draws[0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"p": 0.0}, "p must lie in the open interval"),
        ({"p": 1.5}, "p must lie in the open interval"),
        ({"T_values": []}, "T_values must be a non-empty"),
        ({"T_values": [8, 300]}, "T must be an integer >= 1 and <= 256"),
        ({"n_draws": 0}, "n_draws must be an integer >= 1"),
        ({"method": "fft"}, "method must be 'convolution' or 'spectral'"),
    ],
)
def test_bad_arguments_raise_value_errors(brownian, kwargs, match):
    arguments = {
        "x": brownian,
        "J": J,
        "T_values": [8],
        "p": P,
        "n_draws": 10,
        "rng": 0,
    }
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=match):
        deviation_curves(**arguments)


def test_plot_draws_band_mean_exact_and_two_bounds(curves):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    fig, ax = plot_deviation_curves(curves, color="C1")
    assert len(ax.collections) == 1
    lines = {line.get_label(): line for line in ax.lines}
    assert set(lines) == {
        "empirical mean",
        "exact 95% quantile",
        "Cantelli bound",
        "Chernoff bound (Laurent-Massart)",
    }
    np.testing.assert_allclose(lines["exact 95% quantile"].get_ydata(), curves.exact)
    np.testing.assert_allclose(lines["Cantelli bound"].get_ydata(), curves.cantelli)
    _, ax = plot_deviation_curves(curves, legend=False)
    assert all(line.get_label().startswith("_") for line in ax.lines)
    matplotlib.pyplot.close("all")


def test_plot_rejects_other_objects():
    with pytest.raises(TypeError, match="DeviationCurves"):
        plot_deviation_curves({"T": [8]})
    assert DeviationCurves.__dataclass_params__.frozen
