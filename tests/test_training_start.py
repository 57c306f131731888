"""Gradient descent in closed form returns the start exactly at step 0.

At ``t = 0`` the closed form ``Psi + (W0 - Psi) U U^T`` equals ``W0`` only up to
rounding; a zero start then had entries ~1e-15, and its frame bounds (exactly 0) became
a ratio of rounding noise. The library returns ``W0`` itself at ``t = 0``.
"""

import numpy as np
import pytest

import randfb
from randfb.training import (
    gradient_descent_filters,
    preconditioned_descent_filters,
    signal_autocorrelation,
)


@pytest.fixture
def setting():
    rng = np.random.default_rng(7)
    J, T, N = 4, 16, 256
    x = np.cumsum(rng.standard_normal(N))  # Brownian: Q_T badly conditioned
    r = signal_autocorrelation(x / np.linalg.norm(x), T)
    target = rng.standard_normal((J, T)) / np.sqrt(J * T)
    return r, target, rng, N


@pytest.mark.parametrize("kind", ["plain", "preconditioned"])
@pytest.mark.parametrize("start", ["zero", "random"])
def test_step_zero_is_the_start_exactly(setting, kind, start):
    r, target, rng, _ = setting
    w0 = (np.zeros_like(target) if start == "zero"
          else rng.standard_normal(target.shape) / 4)
    steps = np.array([3, 0, 1, 0])
    if kind == "plain":
        w = gradient_descent_filters(r, w0, target, steps)
        w_scalar = gradient_descent_filters(r, w0, target, 0)
    else:
        w = preconditioned_descent_filters(r, w0, target, steps, damping=0.1)
        w_scalar = preconditioned_descent_filters(r, w0, target, 0, damping=0.1)
    assert np.array_equal(w[1], w0) and np.array_equal(w[3], w0)
    assert np.array_equal(w_scalar, w0)
    # the other steps are untouched: they still follow the iterated descent
    assert not np.array_equal(w[0], w0)


def test_zero_start_has_zero_frame_bounds(setting):
    r, target, _, N = setting
    w = gradient_descent_filters(r, np.zeros_like(target), target, [0, 10])
    A, B = randfb.frame_bounds(w, N)
    assert A[0] == 0.0 and B[0] == 0.0  # kappa undefined at step 0, not a finite ratio
    assert B[1] > 0


def test_formula_alone_would_not_be_exact(setting):
    """The rounding the fix removes is real: U U^T differs from I in the last bits."""
    r, target, _, _ = setting
    from randfb.training import autocorrelation_eigensystem

    _, U = autocorrelation_eigensystem(r, target.shape[1])
    formula = target + (np.zeros_like(target) - target) @ U @ U.T
    assert np.abs(formula).max() > 0  # rounding noise, about 1e-16
    assert np.abs(formula).max() < 1e-12
