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

Before the values, the cell calls :func:`check_parameter_names` on its namespace:
papermill injects any name it is given (``-p n_draw 100``) and the chapter would run
with its defaults; the check refuses a name the ``parameters`` cell does not declare,
with "did you mean". :func:`check_figure_dir` makes sure the figures can be written
before anything is computed, and :func:`check_memory` refuses, in one line, a run that
could not fit in the memory of the machine (a huge ``n_draws``).

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

import ast
import difflib
import math
import numbers
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = [
    "check_bool",
    "check_choice",
    "check_choice_list",
    "check_figure_dir",
    "check_memory",
    "check_parameter_names",
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


# ------------------------------------------------------------ names papermill injected

#: papermill's injected cell starts with this comment (papermill.parameterize).
INJECTED_CELL_COMMENT = "# Parameters"


def _literal_assignments(source: str) -> dict | None:
    """``{name: value}`` of a cell made only of ``name = <literal>`` lines, else None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    values = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            return None
        try:
            values[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError:
            return None
    return values or None


def check_parameter_names(namespace: dict) -> dict[str, tuple[object, object]]:
    r"""Refuse a parameter papermill injected that the ``parameters`` cell does not declare.

    Called first in a chapter's ``parameter-checks`` cell as
    ``check_parameter_names(globals())``. In a Jupyter kernel, the inputs run so far are
    IPython's list ``In``: reading it backwards from the current cell, the cells that
    papermill injected start with ``# Parameters``, and the first cell before them made
    only of ``name = <literal>`` lines is the chapter's ``parameters`` cell. Outside a
    kernel (no ``In``), nothing can have been injected and nothing is checked.

    Parameters
    ----------
    namespace : dict
        The chapter's global namespace, ``globals()``.

    Returns
    -------
    dict
        ``{name: (default, value)}`` for every declared parameter whose value now
        differs from its default (empty outside a kernel).

    Raises
    ------
    ValueError
        Naming the undeclared parameter, the closest declared name ("did you mean") and
        the declared parameters.

    Examples
    --------
    >>> history = ["", "n_draws = 1000\nseed = 0", "# Parameters\nn_draw = 100\n", ""]
    >>> check_parameter_names({"In": history, "n_draws": 1000, "seed": 0, "n_draw": 100})
    Traceback (most recent call last):
    ...
    ValueError: parameter n_draw is not a parameter of this chapter (did you mean n_draws?)...
    >>> history[2] = "# Parameters\nn_draws = 100\n"
    >>> check_parameter_names({"In": history, "n_draws": 100, "seed": 0})
    {'n_draws': (1000, 100)}
    """
    history = namespace.get("In")
    if not isinstance(history, list) or len(history) < 2:
        return {}
    injected: dict = {}
    declared = None
    for source in reversed(history[:-1]):  # history[-1] is the running cell
        if not isinstance(source, str):
            continue
        values = _literal_assignments(source)
        if values is None:
            continue
        if source.lstrip().startswith(INJECTED_CELL_COMMENT):
            injected = {**values, **injected}  # the later injection wins
            continue
        declared = values
        break
    if declared is None:
        return {}
    for name in injected:
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ValueError(
                f"parameter {name} is not a parameter of this chapter{hint}; papermill "
                "injected it, but the parameters cell does not declare it, so the "
                f"chapter would ignore it. Its parameters are: {', '.join(declared)}")
    return {name: (default, namespace.get(name, default))
            for name, default in declared.items()
            if name in namespace and namespace[name] != default}


# ------------------------------------------------------------- folders and memory


def check_figure_dir(name: str, value) -> str:
    """Return ``value``, checking it names a folder the chapter can write figures to.

    The folder is created if needed (the chapter would create it anyway) and a
    temporary file is written and removed in it.

    Raises
    ------
    ValueError
        If ``value`` is not a non-empty text or the folder cannot be created or
        written to; the message gives the operating system's reason.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> check_figure_dir("figure_dir", folder) == folder
    True
    """
    value = check_text(name, value)
    try:
        folder = Path(value)
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        raise ValueError(f"parameter {name} must be a folder this chapter can write "
                         f"figures to, got {value!r} ({reason})") from None
    return value


def _available_memory() -> int:
    from .calculator import available_memory

    return available_memory()


def check_memory(name: str, value, needed_bytes, *, available=None) -> None:
    """Refuse, in one line, a parameter value whose run would not fit in memory.

    Parameters
    ----------
    name : str
        The parameter that sets the size (e.g. ``"n_draws"``).
    value : int
        Its value, quoted in the message.
    needed_bytes : float
        A lower estimate of the memory the run needs: the results the chapter keeps
        for every draw (e.g. ``8 * n_draws * n_cells`` for one float64 per draw and
        cell), so that a refusal is certain and a run that fits is never refused.
    available : int, optional
        Bytes available; default the machine's available memory
        (:func:`randfb.calculator.available_memory`, as the calculator checks it).

    Raises
    ------
    ValueError
        ``parameter n_draws = ... would need at least ... of memory, more than the ...
        available on this machine``.

    Examples
    --------
    >>> try:
    ...     check_memory("n_draws", 10**9, 8 * 24 * 10**9, available=8 * 10**9)
    ... except ValueError as error:
    ...     print(str(error)[:61])
    parameter n_draws = 1000000000 would need at least 192 GB of
    """
    from .calculator import format_bytes

    available = _available_memory() if available is None else available
    if needed_bytes > available:
        raise ValueError(
            f"parameter {name} = {value} would need at least {format_bytes(needed_bytes)} "
            f"of memory, more than the {format_bytes(available)} available on this "
            f"machine; lower {name}")
