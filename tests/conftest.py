"""Shared fixtures for the tests of ``randfb``.

* ``rng``: one seeded ``numpy.random.Generator`` per test (fixed seed, so every run draws
  the same numbers); tests that need a second, independent stream pass their own seed.
* ``dense_analysis``: an oracle that builds the analysis operator ``Phi`` of a filterbank
  as an explicit matrix, column by column, from ``numpy.convolve`` on basis vectors,
  independently of :func:`randfb.filterbank_matrix`.
* ``within_se``: the Monte Carlo check used everywhere: ``|estimate - exact| <= k * SE``
  with a readable failure message (the z-score), ``k = 5`` unless told otherwise.
* ``slow``: the marker for checks longer than about 5 s. It is informational: slow tests
  still run by default (deselect them with ``pytest -m "not slow"``).
* BLAS runs single-threaded in the test process (see below).
"""

from __future__ import annotations

import os

# One BLAS thread per process, set before NumPy loads: the simulators run their own thread
# pool, the tests call many small dense eigensolvers, and on a shared two-core machine
# OpenBLAS's own threads oversubscribe the cores (the numeric tests ran 2-3x slower).
# An explicit setting in the environment wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

#: The seed of the ``rng`` fixture.
SEED = 20240521

#: Tolerance, in standard errors, of every Monte Carlo check.
N_SE = 5.0



def pytest_configure(config):
    """Register the ``slow`` marker if the project configuration does not already."""
    if not any(line.startswith("slow") for line in config.getini("markers")):
        config.addinivalue_line("markers", "slow: longer statistical checks (run by default)")


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh generator with the fixed seed :data:`SEED`."""
    return np.random.default_rng(SEED)


def circular_convolution(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``y[n] = sum_t w[t] x[(n - t) mod N]``: linear ``np.convolve`` folded onto N samples."""
    N = x.size
    full = np.convolve(x, w)  # length N + T - 1
    y = full[:N].copy()
    y[: full.size - N] += full[N:]
    return y


def _dense_analysis(w: np.ndarray, N: int, stride: int = 1) -> np.ndarray:
    """``Phi`` of shape ``(J * N // stride, N)``; block j holds filter j, rows ``0, d, 2d..``."""
    w = np.atleast_2d(w)
    blocks = []
    for filt in w:
        columns = [circular_convolution(np.eye(N)[n], filt) for n in range(N)]
        blocks.append(np.column_stack(columns)[::stride])
    return np.vstack(blocks)


@pytest.fixture(scope="session")
def dense_analysis():
    """The dense-operator oracle (a function ``(w, N, stride=1) -> Phi``)."""
    return _dense_analysis


@pytest.fixture(scope="session")
def convolve_circular():
    """The circular convolution oracle (a function ``(x, w) -> x * w``)."""
    return circular_convolution


def _within_se(estimate, exact, se, n_se=N_SE, what="estimate"):
    estimate, exact, se = (np.asarray(v, dtype=float) for v in (estimate, exact, se))
    z = np.abs(estimate - exact) / se
    assert np.all(z <= n_se), (
        f"{what}: {estimate} vs {exact}, off by {z} standard errors (SE {se}, allowed {n_se})"
    )


@pytest.fixture(scope="session")
def within_se():
    """``within_se(estimate, exact, se, n_se=5, what=...)``: assert ``|est - exact| <= n_se SE``."""
    return _within_se
