"""The checks at the end of every chapter: record each comparison, then fail with all of them.

A chapter's "Checks" section compares simulations with theory (within a few standard
errors) and exact quantities with their closed forms (to floating-point tolerance). Rather
than stopping at the first failed ``assert``, a chapter records every check in a
:class:`Checks` and calls :meth:`Checks.assert_all` at the end, which raises one
``AssertionError`` listing every failed check, so a single run shows all that is off.

Used by: every chapter (``book/*.ipynb``).

Examples
--------
>>> from randfb import Checks
>>> checks = Checks()
>>> checks.that(1 + 1 == 2, "arithmetic is broken")
True
>>> checks.close("simulated mean", 1.02, 1.0, tolerance=0.05, how="5 SE")
True
>>> checks.assert_all()
2
"""

from __future__ import annotations

import math

__all__ = ["Checks"]


class Checks:
    """A list of named pass/fail checks, asserted together at the end of a chapter.

    Each check is recorded with :meth:`that` (a condition and the message to show if it
    is false) or :meth:`close` (a value, its expected value and a tolerance, with the
    message written for you). :meth:`assert_all` raises an ``AssertionError`` whose first
    line says how many of the checks failed and whose following lines are their messages.

    Attributes
    ----------
    failures : list of str
        The messages of the failed checks, in the order they were recorded.
    passed : int
        The number of checks that passed.

    Examples
    --------
    >>> checks = Checks()
    >>> checks.close("variance", 0.30, 0.20, tolerance=0.05, how="5 SE at n_draws=50")
    False
    >>> checks.that(True, "never shown")
    True
    >>> len(checks), checks.passed
    (2, 1)
    >>> checks.assert_all()
    Traceback (most recent call last):
    ...
    AssertionError: 1 of 2 checks failed:
    variance: 0.3 differs from 0.2 by 0.1 > tolerance 0.05 (5 SE at n_draws=50)
    """

    def __init__(self) -> None:
        self._n = 0
        self.failures: list[str] = []

    def __len__(self) -> int:
        """The number of checks recorded so far (passed and failed)."""
        return self._n

    def __repr__(self) -> str:
        return f"Checks({self.passed} of {self._n} passed)"

    @property
    def passed(self) -> int:
        """The number of checks that passed."""
        return self._n - len(self.failures)

    def that(self, ok, message: str) -> bool:
        """Record a check that passes when ``ok`` is true.

        Parameters
        ----------
        ok : bool or numpy bool
            The condition; ``bool(ok)`` must be defined (an array of several elements
            is an error, as in an ``if``: reduce it with ``all()`` or ``any()`` first).
        message : str
            What is wrong when ``ok`` is false: which number was off, by how much, and
            the tolerance.

        Returns
        -------
        bool
            Whether the check passed.

        Examples
        --------
        >>> checks = Checks()
        >>> checks.that(3 > 4, "3 is not above 4")
        False
        >>> checks.failures
        ['3 is not above 4']
        """
        passed = bool(ok)
        self._n += 1
        if not passed:
            self.failures.append(str(message))
        return passed

    def close(self, label: str, value, expected, tolerance, how: str = "") -> bool:
        """Record a check that passes when ``|value - expected| <= tolerance``.

        The check fails when the difference exceeds the tolerance or is not a number
        (``value`` or ``expected`` is nan, or both are the same infinity). The message of
        a failure reads ``"label: value differs from expected by |off| > tolerance t
        (how)"``.

        Parameters
        ----------
        label : str
            Which number is compared, e.g. ``"impulse, T=8: simulated variance"``.
        value, expected : float
            The computed number and the number it should equal.
        tolerance : float
            The largest allowed absolute difference, e.g. 5 standard errors or
            ``rtol * |expected|``.
        how : str, optional
            Where the tolerance comes from, shown in parentheses in the message.

        Returns
        -------
        bool
            Whether the check passed.

        Examples
        --------
        >>> checks = Checks()
        >>> checks.close("integral", 1.0 + 1e-12, 1.0, tolerance=1e-9)
        True
        >>> checks.close("mean", float("nan"), 0.5, tolerance=0.1, how="5 SE")
        False
        >>> checks.failures
        ['mean: nan differs from 0.5 by nan > tolerance 0.1 (5 SE)']
        """
        value, expected, tolerance = float(value), float(expected), float(tolerance)
        off = abs(value - expected)
        passed = off <= tolerance  # False when off is nan
        message = ""
        if not passed:
            message = (f"{label}: {value:.9g} differs from {expected:.9g} by {off:.3g} > "
                       f"tolerance {tolerance:.3g}")
            if how:
                message += f" ({how})"
        return self.that(passed and not math.isnan(off), message)

    def assert_all(self) -> int:
        """Raise an AssertionError listing every failed check; return the number passed.

        Returns
        -------
        int
            The number of checks, all of which passed.

        Raises
        ------
        AssertionError
            If any check failed: the first line reads ``"k of n checks failed:"``, then
            one line per failed check, in the order they were recorded.

        Examples
        --------
        >>> checks = Checks()
        >>> checks.that(False, "first")
        False
        >>> checks.that(False, "second")
        False
        >>> checks.assert_all()
        Traceback (most recent call last):
        ...
        AssertionError: 2 of 2 checks failed:
        first
        second
        """
        if self.failures:
            raise AssertionError(
                "\n".join([f"{len(self.failures)} of {self._n} checks failed:",
                           *self.failures]))
        return self.passed
