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


def _run(params: dict, checks: dict, overrides: dict, history=None) -> dict:
    """Run the two cells; ``history`` plays IPython's ``In`` (papermill's cells)."""
    namespace: dict = {}
    exec(compile(cell_source(params), "<parameters>", "exec"), namespace)
    if "figure_dir" in namespace and "figure_dir" not in overrides:
        # not the chapter's default (relative to the kernel's folder, book/)
        overrides = {**overrides, "figure_dir": _scratch_figure_dir()}
    namespace.update(overrides)
    if history is not None:
        namespace["In"] = history
    exec(compile(cell_source(checks), "<parameter-checks>", "exec"), namespace)
    return namespace


def _scratch_figure_dir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="chapter-parameters-")


def _history(params: dict, checks: dict, injected: dict) -> list[str]:
    """IPython's ``In`` as papermill leaves it when the checks cell runs."""
    cell = "# Parameters\n" + "".join(f"{k} = {v!r}\n" for k, v in injected.items())
    return ["", cell_source(params), cell, cell_source(checks)]


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


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_a_misspelt_parameter_injected_by_papermill_is_refused(path):
    params, checks = _cells(path)
    injected = {"n_draw": 100}
    with pytest.raises(ValueError, match="n_draw .*did you mean n_draws"):
        _run(params, checks, injected, history=_history(params, checks, injected))
    # a declared name passes, and so does a run without papermill (no history)
    injected = {"n_draws": 50, "seed": 1}
    namespace = _run(params, checks, injected, history=_history(params, checks, injected))
    assert namespace["n_draws"] == 50


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_figure_dir_that_cannot_be_written_is_refused(path, tmp_path):
    params, checks = _cells(path)
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    for bad in ["/proc/nope", str(blocker / "figures")]:
        with pytest.raises(ValueError, match="figure_dir must be a folder"):
            _run(params, checks, {"figure_dir": bad})


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_a_huge_n_draws_is_refused_in_one_line(path, monkeypatch):
    from randfb import parameters

    monkeypatch.setattr(parameters, "_available_memory", lambda: 8 * 10**9)
    params, checks = _cells(path)
    with pytest.raises(ValueError, match="n_draws = 1000000000 would need at least") as e:
        _run(params, checks, {"n_draws": 10**9})
    assert "\n" not in str(e.value)
    _run(params, checks, {"n_draws": 50})  # a quick run fits


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_figure_formats_is_a_parameter_png_by_default(path):
    params, checks = _cells(path)
    assert declared_parameters(params).get("figure_formats") == ["png"]
    namespace = _run(params, checks, {"figure_formats": ["png", "pdf"]})
    assert namespace["figure_formats"] == ["png", "pdf"]
    with pytest.raises(ValueError, match="figure_formats"):
        _run(params, checks, {"figure_formats": ["svg"]})


def test_papermill_itself_refuses_a_misspelt_parameter(tmp_path):
    """End to end: papermill -p n_draw 100 on the first chapter fails at its checks."""
    papermill = pytest.importorskip("papermill")
    chapter = CHAPTERS[0]
    with pytest.raises(papermill.PapermillExecutionError) as error:
        papermill.execute_notebook(
            str(chapter),
            str(tmp_path / "out.ipynb"),
            parameters={"n_draw": 100, "figure_dir": str(tmp_path / "figures")},
            kernel_name="python3",
            cwd=str(chapter.parent),
            progress_bar=False,
        )
    assert "did you mean n_draws" in str(error.value)
