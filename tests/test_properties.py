"""Property-based tests (hypothesis): the frame inequality on random inputs.

For random small N, J, T, a stride dividing N, and random x and w:
``A ||x||^2 <= ||Phi x||^2 <= B ||x||^2`` (relative slack 1e-9 of ``B ||x||^2``), with the
energy from filterbank_energy at that stride; ``0 <= A <= B``; ``kappa >= 1``; and the
energy equals the dense oracle's ``||Phi x||^2``.

The examples are derandomised (the same on every run, like every seeded check of the
suite); explore new ones with ``pytest tests/test_properties.py --hypothesis-seed=<n>``
after removing ``derandomize=True``.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from randfb import (
    condition_number,
    energy_mean,
    energy_variance,
    filterbank_energy,
    frame_bounds,
    littlewood_paley,
)

SLACK = 1e-9
values = st.floats(-100.0, 100.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def filterbank_cases(draw):
    stride = draw(st.integers(1, 4))
    N = stride * draw(st.integers(1, 8))
    J = draw(st.integers(1, 5))
    T = draw(st.integers(1, N))
    x = draw(arrays(np.float64, N, elements=values).filter(lambda v: np.any(v != 0)))
    w = draw(arrays(np.float64, (J, T), elements=values))
    return x, w, stride


@settings(max_examples=300, deadline=None, derandomize=True)
@given(filterbank_cases())
def test_frame_inequality_holds(case):
    x, w, stride = case
    N = x.size
    A, B = frame_bounds(w, N, stride)
    energy = filterbank_energy(x, w, stride)
    norm2 = x @ x
    assert 0 <= A <= B
    assert A * norm2 <= energy + SLACK * B * norm2
    assert energy <= B * norm2 * (1 + SLACK)
    assert condition_number(w, N, stride) >= 1


@settings(max_examples=100, deadline=None, derandomize=True)
@given(filterbank_cases())
def test_energy_matches_the_dense_oracle(dense_analysis, case):
    # Tolerance relative to the scale of the energy: by Young's inequality
    # ||x * w_j||_2 <= ||w_j||_1 ||x||_2, so ||Phi x||^2 <= sum_j ||w_j||_1^2 ||x||^2.
    x, w, stride = case
    expected = np.sum((dense_analysis(w, x.size, stride) @ x) ** 2)
    scale = np.sum(np.sum(np.abs(w), axis=-1) ** 2) * (x @ x)
    assert abs(filterbank_energy(x, w, stride) - expected) <= 1e-10 * scale


@settings(max_examples=100, deadline=None, derandomize=True)
@given(filterbank_cases())
def test_frame_bounds_of_a_stride_sit_within_those_of_stride_one(case):
    # Stride d keeps a subset of the stride-1 outputs: ||Phi_d x||^2 <= ||Phi_1 x||^2 for
    # every x, hence B_d <= B_1. The LP sum is non-negative.
    x, w, stride = case
    _, B1 = frame_bounds(w, x.size, 1)
    _, Bd = frame_bounds(w, x.size, stride)
    assert Bd <= B1 * (1 + SLACK) + 1e-300
    lp = littlewood_paley(w, x.size)
    assert np.all(lp >= -SLACK * max(lp.max(), 1e-300))


@settings(max_examples=100, deadline=None, derandomize=True)
@given(arrays(np.float64, st.integers(2, 40), elements=values).filter(lambda v: np.any(v != 0)),
       st.integers(1, 6), st.data())
def test_variance_extremes_hold_for_any_signal(x, J, data):
    # 2/(J T) ||x||^4 <= Var <= 2/J ||x||^4 at sigma^2 = 1/(J T), and E = ||x||^2.
    T = data.draw(st.integers(1, x.size))
    norm4 = (x @ x) ** 2
    variance = energy_variance(x, J, T)
    assert 2 / (J * T) * norm4 * (1 - 1e-9) <= variance <= 2 / J * norm4 * (1 + 1e-9)
    assert np.isclose(energy_mean(x, J, T), x @ x, rtol=1e-12)
