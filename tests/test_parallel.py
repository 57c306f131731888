"""Tests of randfb.parallel: the results of a sweep do not depend on n_jobs."""

import numpy as np
import pytest

from randfb import FrontEnd, controlled_kappa_filterbank, run_parallel, unit_seeds

N = 64


def fit_unit(unit):
    """One unit of a tiny sweep: a controlled-kappa bank, learned for two epochs."""
    kappa, seed = unit
    bank_rng, fit_seed = unit_seeds(seed, 2)  # seed.spawn would mutate the unit
    W = controlled_kappa_filterbank(4, 8, kappa, N=N, rng=bank_rng)
    data = np.random.default_rng(0)
    y = np.arange(24) % 2
    x = data.standard_normal((24, N)) * (1 + y[:, None] * np.linspace(0, 1, N))
    model = FrontEnd(W, stride=2, n_segments=2, learn_filters=True, n_epochs=2,
                     batch_size=6, random_state=fit_seed).fit(x, y)
    return model.filters_, model.loss_curve_


def test_serial_and_parallel_results_are_identical():
    units = [(kappa, seed) for kappa in (2.0, 50.0) for seed in unit_seeds(11, 2)]
    serial = run_parallel(fit_unit, units, n_jobs=1)
    parallel = run_parallel(fit_unit, units, n_jobs=2)
    assert len(serial) == len(parallel) == 4
    for (w1, l1), (w2, l2) in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(w1, w2)
        np.testing.assert_array_equal(l1, l2)
    assert not np.array_equal(serial[0][0], serial[1][0])  # the seeds differ


def test_unit_seeds_do_not_depend_on_the_number_of_units():
    a, b = unit_seeds(3, 2), unit_seeds(3, 7)
    for s, t in zip(a, b[:2], strict=True):
        assert np.array_equal(s.generate_state(4), t.generate_state(4))
    root = np.random.SeedSequence(3)
    assert [s.generate_state(2).tolist() for s in root.spawn(2)] == \
        [s.generate_state(2).tolist() for s in a]


@pytest.mark.parametrize("call, error, match", [
    (lambda: run_parallel(3, [1]), TypeError, "fn"),
    (lambda: run_parallel(abs, [1], n_jobs=0), ValueError, "n_jobs"),
    (lambda: run_parallel(abs, [1], n_jobs=1.5), ValueError, "n_jobs"),
    (lambda: run_parallel(abs, [1], verbose=-1), ValueError, "verbose"),
    (lambda: unit_seeds(-1, 2), ValueError, "seed"),
    (lambda: unit_seeds(0, 0), ValueError, "n_units"),
])
def test_refusals(call, error, match):
    with pytest.raises(error, match=match):
        call()
