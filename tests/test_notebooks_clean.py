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


def _readme_section(title: str) -> str:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def test_readme_lists_every_chapter_in_toc_order():
    """README's "What is in the book" numbers every chapter of _toc.yml, in order."""
    import re

    section = _readme_section("What is in the book")
    numbered = re.findall(r"^(\d+)\. .*?\(`(book/[\w-]+\.ipynb)`\)", section, re.M | re.S)
    listed = [path for _, path in numbered]
    expected = [str(c.relative_to(REPO_ROOT)) for c in toc_chapters(TOC_PATH)]
    assert listed == expected, (
        f"README.md, 'What is in the book': the numbered list gives {listed}; "
        f"_toc.yml's chapters are {expected}. Add one item per chapter, in order."
    )
    assert [int(n) for n, _ in numbered] == list(range(1, len(expected) + 1))
    for page in toc_sources(TOC_PATH):
        if page.suffix == ".md" and page.stem not in ("intro", "references"):
            assert f"book/{page.name}" in section, (
                f"README.md, 'What is in the book' does not mention book/{page.name}"
            )


def test_landing_page_mentions_every_chapter():
    intro = (REPO_ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    missing = [
        c.stem for c in toc_chapters(TOC_PATH) if f"{{doc}}`{c.stem}`" not in intro
    ]
    assert not missing, f"book/intro.md does not link these chapters: {missing}"


def _tagged(notebook: dict, tag: str) -> list[dict]:
    return [c for c in notebook["cells"] if tag in c.get("metadata", {}).get("tags", [])]


@pytest.mark.parametrize("path", toc_chapters(TOC_PATH), ids=lambda p: p.stem)
def test_chapter_reads_as_the_pattern_says(path):
    """In short box at the top, parameters collapsed and introduced, names checked."""
    notebook = read_notebook(path)
    cells = notebook["cells"]
    name = path.relative_to(REPO_ROOT)
    short = _tagged(notebook, "in-short")
    assert len(short) == 1 and cells.index(short[0]) == 1, (
        f"{name}: the second cell must be the 'In short' box (a Markdown cell tagged "
        "in-short, README 'Adding a chapter')"
    )
    text = cell_source(short[0])
    assert "{admonition} In short" in text and "{glue:" in text, (
        f"{name}: the In short box must be an admonition with its headline number glued"
    )
    params = parameters_cell(notebook)
    assert "hide-input" in params["metadata"]["tags"], (
        f"{name}: the parameters cell must be collapsed (tag hide-input)"
    )
    above = cells[cells.index(params) - 1]
    assert "reader-parameters" in above.get("metadata", {}).get("tags", []), (
        f"{name}: the Markdown cell above the parameters cell (tag reader-parameters) "
        "must name the parameters a reader may change"
    )
    checks = cell_source(
        [c for c in cells if c["cell_type"] == "code"][1]
    )
    for call in ("check_parameter_names(globals())", "check_memory(", "check_figure_dir("):
        assert call in checks, f"{name}: the parameter-checks cell does not call {call}"
    code = "\n".join(cell_source(c) for c in cells if c["cell_type"] == "code")
    assert "from myst_nb import glue" not in code, (
        f"{name}: import glue from randfb.formatting (it records what glue_formatted needs)"
    )


@pytest.mark.parametrize("path", toc_chapters(TOC_PATH), ids=lambda p: p.stem)
def test_no_number_is_quoted_in_e_notation(path):
    import re

    pattern = re.compile(r"\{glue:text\}`[\w.:]+:\.?\d*[eEgG]`")
    pages = [path, *(p for p in toc_sources(TOC_PATH) if p.suffix == ".md")]
    for page in pages:
        if page.suffix == ".md":
            found = pattern.findall(page.read_text(encoding="utf-8"))
        else:
            found = [
                m
                for c in read_notebook(page)["cells"]
                if c["cell_type"] == "markdown"
                for m in pattern.findall(cell_source(c))
            ]
        assert not found, (
            f"{page.relative_to(REPO_ROOT)} quotes numbers with an exponent format "
            f"(E-notation on the page): {found}; glue them with glue_formatted and quote "
            "<key>_fmt"
        )
