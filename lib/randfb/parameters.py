"""Validation of a chapter's parameters, for the cell right after the ``parameters`` cell.

A reader reruns a chapter with other parameters (``papermill ... -p n_draws 10000``).
A bad value must stop the chapter at once with a ``ValueError`` that names the parameter
and says what is allowed, not with a NumPy or matplotlib error twenty cells later. Every
chapter's second code cell calls these functions on each of its parameters; each returns
the value (converted where that is harmless, e.g. ``2.0`` -> ``2`` for an integer) and
raises ``ValueError`` otherwise. The same cell checks the relations between parameters
with :func:`require`.

Lists cannot be passed with papermill's ``-p`` (it passes text); pass them as YAML with
``-y``, e.g. ``papermill in.ipynb out.ipynb -y "T_values: [8, 64, 512]"``. A list given
as text is refused with that advice.

Used by: every chapter (``book/*.ipynb``), and ``tests/test_chapter_parameters.py``.

Examples
--------
>>> from randfb.parameters import check_int, check_int_list, check_real, require
>>> check_int("n_draws", 100, low=1)
100
>>> check_real("p", 0.05, low=0, high=1, inclusive=False)
0.05
>>> check_int_list("T_values", [8, 16], low=1)
[8, 16]
>>> check_int("n_draws", -5, low=1)
Traceback (most recent call last):
...
ValueError: parameter n_draws must be an integer >= 1, got -5
>>> require(False, "N", "must be a multiple of every stride in strides")
Traceback (most recent call last):
...
ValueError: parameter N must be a multiple of every stride in strides
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

__all__ = [
    "check_bool",
    "check_choice",
    "check_choice_list",
    "check_int",
    "check_int_list",
    "check_real",
    "check_real_list",
    "check_text",
    "require",
]

LIST_ADVICE = "pass a list to papermill as YAML, e.g. -y \"{name}: {example}\""


def _fail(name: str, what: str, value) -> ValueError:
    return ValueError(f"parameter {name} must be {what}, got {value!r}")


def _range_text(low, high, inclusive: bool) -> str:
    lo_op, hi_op = (">=", "<=") if inclusive else (">", "<")
    if low is not None and high is not None:
        return f" {lo_op} {low} and {hi_op} {high}"
    if low is not None:
        return f" {lo_op} {low}"
    if high is not None:
        return f" {hi_op} {high}"
    return ""


def _in_range(value, low, high, inclusive: bool) -> bool:
    if inclusive:
        return (low is None or value >= low) and (high is None or value <= high)
    return (low is None or value > low) and (high is None or value < high)


def require(condition, name: str, message: str) -> None:
    """Raise ``ValueError("parameter NAME MESSAGE")`` unless ``condition`` holds.

    For relations between parameters, e.g. ``require(N % d == 0, "N", "must be a
    multiple of every stride")``.
    """
    if not condition:
        raise ValueError(f"parameter {name} {message}")


def check_int(name: str, value, *, low=None, high=None) -> int:
    """Return ``value`` as an int, checking ``low <= value <= high`` (bounds optional).

    A float with an integer value (``2.0``) is accepted; a bool, text or ``2.5`` is not.
    """
    what = "an integer" + _range_text(low, high, True)
    if isinstance(value, bool):
        raise _fail(name, what, value)
    if isinstance(value, numbers.Integral):
        value = int(value)
    elif isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
        value = int(value)
    else:
        raise _fail(name, what, value)
    if not _in_range(value, low, high, True):
        raise _fail(name, what, value)
    return value


def check_real(name: str, value, *, low=None, high=None, inclusive: bool = True) -> float:
    """Return ``value`` as a finite float, checking it lies between ``low`` and ``high``.

    ``inclusive=False`` excludes the bounds themselves (e.g. a probability in (0, 1)).
    """
    what = "a finite number" + _range_text(low, high, inclusive)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _fail(name, what, value)
    value = float(value)
    if not math.isfinite(value) or not _in_range(value, low, high, inclusive):
        raise _fail(name, what, value)
    return value


def check_bool(name: str, value) -> bool:
    """Return ``value``, checking it is ``True`` or ``False``."""
    if not isinstance(value, bool):
        raise _fail(name, "True or False", value)
    return value


def check_text(name: str, value, *, allow_empty: bool = False) -> str:
    """Return ``value``, checking it is text (non-empty unless ``allow_empty``)."""
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise _fail(name, "a non-empty text" if not allow_empty else "text", value)
    return value


def check_choice(name: str, value, choices: Sequence) -> object:
    """Return ``value``, checking it is one of ``choices``."""
    if isinstance(value, (list, dict)) or value not in list(choices):
        raise _fail(name, f"one of {list(choices)!r}", value)
    return value


def _check_list(name: str, value, check_item: Callable, what: str, example: str,
                min_length: int, increasing: bool, unique: bool) -> list:
    advice = LIST_ADVICE.format(name=name, example=example)
    if isinstance(value, str):
        raise ValueError(f"parameter {name} must be a list of {what}, got the text "
                         f"{value!r}; {advice}")
    if isinstance(value, (bytes, dict)) or not isinstance(value, Sequence):
        raise ValueError(f"parameter {name} must be a list of {what}, got {value!r}; "
                         f"{advice}")
    if len(value) < min_length:
        raise ValueError(f"parameter {name} must be a list of at least {min_length} "
                         f"{what}, got {list(value)!r}")
    items = []
    for index, item in enumerate(value):
        try:
            items.append(check_item(item))
        except ValueError:
            raise ValueError(f"parameter {name} must be a list of {what}; item {index} "
                             f"is {item!r}") from None
    if unique and len(set(items)) != len(items):
        raise ValueError(f"parameter {name} must not repeat an item, got {items!r}")
    if increasing and any(b <= a for a, b in zip(items, items[1:], strict=False)):
        raise ValueError(f"parameter {name} must be increasing, got {items!r}")
    return items


def check_int_list(name: str, value, *, low=None, high=None, min_length: int = 1,
                   increasing: bool = False, unique: bool = False) -> list[int]:
    """Return ``value`` as a list of ints, each checked as by :func:`check_int`."""
    what = "integers" + _range_text(low, high, True)
    return _check_list(name, value, lambda v: check_int(name, v, low=low, high=high),
                       what, "[8, 64]", min_length, increasing, unique)


def check_real_list(name: str, value, *, low=None, high=None, inclusive: bool = True,
                    min_length: int = 1, increasing: bool = False,
                    unique: bool = False) -> list[float]:
    """Return ``value`` as a list of floats, each checked as by :func:`check_real`."""
    what = "finite numbers" + _range_text(low, high, inclusive)
    return _check_list(
        name, value,
        lambda v: check_real(name, v, low=low, high=high, inclusive=inclusive),
        what, "[0.1, 0.05]", min_length, increasing, unique)


def check_choice_list(name: str, value, choices: Sequence, *, min_length: int = 1,
                      unique: bool = True) -> list:
    """Return ``value`` as a list, each item one of ``choices``."""
    choices = list(choices)
    what = f"items among {choices!r}"
    example = "[" + ", ".join(str(c) for c in choices[:2]) + "]"
    return _check_list(name, value, lambda v: check_choice(name, v, choices), what,
                       example, min_length, False, unique)
