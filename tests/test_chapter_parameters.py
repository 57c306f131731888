"""Every chapter validates its parameters, and papermill sees every one of them.

Convention (README, "Adding a chapter"): the code cell right after the ``parameters`` cell
is tagged ``parameter-checks`` (and ``remove-cell``, so the HTML does not show it). It
imports only from ``randfb.parameters`` and raises ``ValueError`` naming the parameter
for a bad value, before anything is computed. This test runs the two cells alone (no
kernel, no simulation) with:

* the defaults, which must pass;
* for every parameter, a value of the wrong kind (text for a number, a number for text
  or a list, ...), which must raise ``ValueError`` naming that parameter;
* a few out-of-range values that readers tried (``n_draws = -5``, ``seed = -1``, ...).

It also checks that papermill's own parser (``papermill.inspect_notebook``) finds every
name assigned in each parameters cell, so ``papermill --help-notebook`` lists them all.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from booktools import (  # noqa: E402
    REPO_ROOT,
    TOC_PATH,
    cell_source,
    declared_parameters,
    parameters_cell,
    read_notebook,
    toc_chapters,
)

CHAPTERS = toc_chapters(TOC_PATH)
CHECKS_TAG = "parameter-checks"

# Out-of-range values every chapter must refuse, with the parameter they concern.
COMMON_BAD_VALUES = [("n_draws", -5), ("n_draws", 0), ("seed", -1)]


def _ids(paths):
    return [path.stem for path in paths]


def _cells(path: Path) -> tuple[dict, dict]:
    notebook = read_notebook(path)
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    params = parameters_cell(notebook)
    assert params is not None, f"{path.name}: no parameters cell"
    index = code.index(params)
    assert index + 1 < len(code), f"{path.name}: no cell after the parameters cell"
    checks = code[index + 1]
    assert CHECKS_TAG in checks.get("metadata", {}).get("tags", []), (
        f"{path.name}: the code cell after the parameters cell must be tagged "
        f"{CHECKS_TAG!r} and validate every parameter (see randfb.parameters)"
    )
    return params, checks


def _run(params: dict, checks: dict, overrides: dict) -> dict:
    namespace: dict = {}
    exec(compile(cell_source(params), "<parameters>", "exec"), namespace)
    namespace.update(overrides)
    exec(compile(cell_source(checks), "<parameter-checks>", "exec"), namespace)
    return namespace


def _wrong_kind(value):
    """A value of another kind than ``value``, that no validation should accept."""
    if isinstance(value, bool):
        return "maybe"
    if isinstance(value, (int, float)):
        return "many"
    if isinstance(value, str):
        return 5
    if isinstance(value, (list, tuple)):
        return "not a list"
    if value is None:
        return [[1]]
    return object()


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_defaults_pass_validation(path):
    params, checks = _cells(path)
    _run(params, checks, {})


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_quick_draws_pass_validation(path):
    params, checks = _cells(path)
    _run(params, checks, {"n_draws": 50})


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_every_parameter_of_the_wrong_kind_is_refused_by_name(path):
    params, checks = _cells(path)
    defaults = declared_parameters(params)
    not_refused = []
    for name, value in defaults.items():
        bad = _wrong_kind(value)
        try:
            _run(params, checks, {name: bad})
        except ValueError as error:
            if name not in str(error):
                not_refused.append(f"{name}={bad!r}: message does not name it: {error}")
            continue
        except Exception as error:  # noqa: BLE001 - any other error is the failure here
            not_refused.append(f"{name}={bad!r}: {type(error).__name__}: {error}")
            continue
        not_refused.append(f"{name}={bad!r}: accepted")
    assert not not_refused, f"{path.name}:\n" + "\n".join(not_refused)


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
@pytest.mark.parametrize(("name", "bad"), COMMON_BAD_VALUES)
def test_out_of_range_values_are_refused_by_name(path, name, bad):
    params, checks = _cells(path)
    with pytest.raises(ValueError, match=name):
        _run(params, checks, {name: bad})


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_papermill_sees_every_parameter(path):
    papermill = pytest.importorskip("papermill")
    logging.getLogger("papermill").setLevel(logging.ERROR)
    declared = set(declared_parameters(parameters_cell(read_notebook(path))))
    seen = set(papermill.inspect_notebook(str(path)))
    missing = sorted(declared - seen)
    assert not missing, (
        f"{path.relative_to(REPO_ROOT)}: papermill cannot parse {missing} (a ' = ' "
        "inside a trailing comment hides a parameter from it; reword the comment)"
    )
