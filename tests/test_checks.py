"""The chapters' checks helper: counting, messages, nan handling, the final assert."""

import math

import numpy as np
import pytest

import randfb
from randfb.checks import Checks


def test_exported_from_the_package():
    assert randfb.Checks is Checks
    assert "Checks" in randfb.__all__


def test_empty_checks_pass_with_zero():
    checks = Checks()
    assert len(checks) == 0 and checks.passed == 0 and checks.failures == []
    assert checks.assert_all() == 0


def test_that_counts_passes_and_failures():
    checks = Checks()
    assert checks.that(True, "not shown") is True
    assert checks.that(np.bool_(True), "not shown either") is True
    assert checks.that(np.float64(2.0) < 1.0, "2 is not below 1") is False
    assert len(checks) == 3
    assert checks.passed == 2
    assert checks.failures == ["2 is not below 1"]


def test_that_rejects_ambiguous_arrays():
    with pytest.raises(ValueError):
        Checks().that(np.array([True, False]), "an array has no truth value")


def test_all_passing_returns_the_number_of_checks():
    checks = Checks()
    for k in range(5):
        checks.that(k >= 0, f"{k} is negative")
    checks.close("x", 1.0, 1.0, 0.0)
    assert checks.assert_all() == 6


def test_close_passes_within_and_at_the_tolerance():
    checks = Checks()
    assert checks.close("a", 1.05, 1.0, 0.1)
    assert checks.close("b", 0.9, 1.0, 0.1 + 1e-15)
    assert checks.close("c", 2.0, 2.0, 0.0)  # exactly equal, zero tolerance
    assert checks.failures == []


def test_close_failure_message_names_value_expected_off_tolerance_and_how():
    checks = Checks()
    assert not checks.close("impulse, T=8: simulated mean", 1.25, 1.0, 0.1,
                            "5 standard errors at n_draws=50")
    (message,) = checks.failures
    assert message == ("impulse, T=8: simulated mean: 1.25 differs from 1 by 0.25 > "
                       "tolerance 0.1 (5 standard errors at n_draws=50)")


def test_close_without_how_has_no_parentheses():
    checks = Checks()
    checks.close("gap", 0.0, 1.0, 0.5)
    assert checks.failures == ["gap: 0 differs from 1 by 1 > tolerance 0.5"]


def test_close_fails_on_either_side():
    checks = Checks()
    assert not checks.close("low", 0.5, 1.0, 0.1)
    assert not checks.close("high", 1.5, 1.0, 0.1)
    assert checks.passed == 0 and len(checks) == 2


@pytest.mark.parametrize("value, expected", [
    (math.nan, 1.0),
    (1.0, math.nan),
    (math.nan, math.nan),
    (math.inf, math.inf),
    (math.inf, 1.0),
])
def test_close_fails_on_nan_and_infinity(value, expected):
    checks = Checks()
    assert not checks.close("x", value, expected, 1e300)
    assert len(checks.failures) == 1 and checks.failures[0].startswith("x: ")


def test_close_fails_on_a_nan_tolerance():
    assert not Checks().close("x", 1.0, 1.0, math.nan)


def test_close_accepts_numpy_scalars():
    checks = Checks()
    assert checks.close("np", np.float32(1.0), np.float64(1.0), np.float64(1e-6))
    assert not checks.close("np", np.array(2.0), 1.0, 0.5)


def test_assert_all_lists_every_failure_after_a_count():
    checks = Checks()
    checks.that(False, "first failure")
    checks.that(True, "a pass")
    checks.close("second", 3.0, 1.0, 1.0, "how")
    with pytest.raises(AssertionError) as raised:
        checks.assert_all()
    lines = str(raised.value).splitlines()
    assert lines == ["2 of 3 checks failed:", "first failure",
                     "second: 3 differs from 1 by 2 > tolerance 1 (how)"]


def test_repr_shows_the_counts():
    checks = Checks()
    checks.that(False, "no")
    assert repr(checks) == "Checks(0 of 1 passed)"
