"""The book's notebooks are committed clean and every chapter follows its pattern.

* No notebook in the repository (outside build folders) stores outputs or execution
  counts (the build regenerates them; stored outputs drift from the code).
* Every document in ``_toc.yml`` exists.
* Every chapter (a notebook listed in ``_toc.yml``) starts its code with one cell tagged
  ``parameters`` holding only ``name = <literal>`` lines, among them ``n_draws`` and
  ``seed``, so that ``papermill ... -p n_draws 50`` reruns it; and it ends with a
  ``## Checks`` section containing at least one ``assert``.
* No code line of a chapter is longer than 88 characters (longer ones scroll sideways
  on the page; the browser test measures the same in Chromium).
"""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from booktools import (  # noqa: E402
    CHECKS_HEADING,
    REPO_ROOT,
    REQUIRED_PARAMETERS,
    TOC_PATH,
    cell_source,
    declared_parameters,
    parameters_cell,
    read_notebook,
    toc_chapters,
    toc_sources,
)

# Folders that hold no source notebooks: build output, environments, caches.
SKIPPED_DIRS = {
    "_build",
    ".git",
    ".venv",
    "venv",
    ".ipynb_checkpoints",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
}


def _source_notebooks(root: Path) -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        found += [Path(folder) / f for f in files if f.endswith(".ipynb")]
    return sorted(found)


NOTEBOOKS = _source_notebooks(REPO_ROOT)
CHAPTERS = toc_chapters(TOC_PATH)


def _python(source: str) -> ast.Module:
    """Parse a code cell, treating IPython magics and shell lines as no-ops."""
    lines = [
        "pass" if line.lstrip().startswith(("%", "!")) else line
        for line in source.splitlines()
    ]
    return ast.parse("\n".join(lines))


def _ids(paths):
    return [str(path.relative_to(REPO_ROOT)) for path in paths]


def test_toc_lists_existing_files():
    sources = toc_sources(TOC_PATH)  # raises FileNotFoundError naming a missing file
    assert sources, "_toc.yml lists no document"


def test_there_is_at_least_one_chapter():
    assert CHAPTERS, "_toc.yml lists no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_has_no_outputs(path):
    notebook = read_notebook(path)
    dirty = [
        index
        for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{path.relative_to(REPO_ROOT)}: cells {dirty} have outputs or execution "
        "counts; "
        "clear them before committing: python scripts/clear_notebooks.py <notebook>"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_chapter_has_parameters_cell(path):
    cell = parameters_cell(read_notebook(path))
    assert cell is not None, (
        f"{path.relative_to(REPO_ROOT)}: the first code cell must be tagged "
        "'parameters'"
    )
    values = declared_parameters(cell)  # raises ValueError naming a non-literal line
    missing = [name for name in REQUIRED_PARAMETERS if name not in values]
    assert not missing, (
        f"{path.relative_to(REPO_ROOT)}: parameters cell lacks {missing}"
    )
    assert isinstance(values["n_draws"], int) and values["n_draws"] >= 1, (
        f"{path.relative_to(REPO_ROOT)}: n_draws must be a positive int, "
        f"got {values['n_draws']!r}"
    )
    assert isinstance(values["seed"], int), (
        f"{path.relative_to(REPO_ROOT)}: seed must be an int, got {values['seed']!r}"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_chapter_ends_with_checks(path):
    cells = read_notebook(path)["cells"]
    starts = [
        index
        for index, cell in enumerate(cells)
        if cell["cell_type"] == "markdown"
        and any(
            line.strip() == CHECKS_HEADING for line in cell_source(cell).splitlines()
        )
    ]
    assert len(starts) == 1, (
        f"{path.relative_to(REPO_ROOT)}: expected exactly one '{CHECKS_HEADING}' "
        "section, "
        f"found {len(starts)}"
    )
    later_headings = [
        line
        for cell in cells[starts[0] + 1 :]
        if cell["cell_type"] == "markdown"
        for line in cell_source(cell).splitlines()
        if line.startswith("#")
    ]
    assert not later_headings, (
        f"{path.relative_to(REPO_ROOT)}: '{CHECKS_HEADING}' must be the last section, "
        f"but {later_headings} follow it"
    )
    # An `assert` statement, or a call to randfb.Checks.assert_all(), which raises
    # AssertionError listing every failed check.
    asserts = [
        node
        for cell in cells[starts[0] + 1 :]
        if cell["cell_type"] == "code"
        for node in ast.walk(_python(cell_source(cell)))
        if isinstance(node, ast.Assert)
        or (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "assert_all"
        )
    ]
    assert asserts, (
        f"{path.relative_to(REPO_ROOT)}: the Checks section has no assert "
        "(nor a call to Checks.assert_all())"
    )


MAX_CODE_LINE = 88


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_chapter_code_lines_fit_the_page(path):
    cells = read_notebook(path)["cells"]
    long_lines = [
        f"cell {index} line {number}: {len(line)} characters: {line.strip()[:60]!r}"
        for index, cell in enumerate(cells)
        if cell["cell_type"] == "code"
        for number, line in enumerate(cell_source(cell).splitlines(), start=1)
        if len(line) > MAX_CODE_LINE
    ]
    assert not long_lines, (
        f"{path.relative_to(REPO_ROOT)}: {len(long_lines)} code lines longer than "
        f"{MAX_CODE_LINE} characters (they scroll sideways on the page): "
        + "; ".join(long_lines)
    )
