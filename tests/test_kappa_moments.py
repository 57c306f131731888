"""kappa_moment_threshold: E[kappa^p] < inf iff p < (J - d + 1) / 2 (d | T, T >= 2d)."""

import pytest

from randfb import can_be_frame, kappa_moment_threshold


@pytest.mark.parametrize("stride", [1, 2, 4, 8])
@pytest.mark.parametrize("J", range(1, 20))
def test_threshold_is_half_the_excess_redundancy(J, stride):
    T = 4 * stride
    expected = (J - stride + 1) / 2 if J >= stride else 0.0
    assert kappa_moment_threshold(J, T, stride) == expected
    # The mean is finite (p = 1 < p*) exactly when J >= d + 2, the variance when J >= d + 4.
    assert (kappa_moment_threshold(J, T, stride) > 1) == (J >= stride + 2)
    assert (kappa_moment_threshold(J, T, stride) > 2) == (J >= stride + 4)


def test_not_a_frame_has_no_finite_moment():
    assert not can_be_frame(3, 64, 4)
    assert kappa_moment_threshold(3, 64, 4) == 0.0
    assert kappa_moment_threshold(8, 2, 4) == 0.0  # T < d


@pytest.mark.parametrize(("J", "T", "stride"), [(8, 30, 4), (8, 6, 4), (8, 1, 1)])
def test_unproved_cases_return_none(J, T, stride):
    assert kappa_moment_threshold(J, T, stride) is None


@pytest.mark.parametrize("bad", [0, -1, 2.5, "4", True])
def test_bad_J_is_refused(bad):
    with pytest.raises((TypeError, ValueError), match="J"):
        kappa_moment_threshold(bad, 64)
