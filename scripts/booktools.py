"""Helpers shared by the book build script and the notebook tests.

The table of contents (``_toc.yml``) is the single list of what the book contains:
every document it names is built, and every notebook it names is a chapter that
``scripts/build_book.py`` executes with papermill. Nothing else in ``book/`` is built.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TOC_PATH = REPO_ROOT / "_toc.yml"
SOURCE_SUFFIXES = (".ipynb", ".md")

# The parameters every chapter must declare in its `parameters` cell.
REQUIRED_PARAMETERS = ("n_draws", "seed")
# The heading that opens the final section of every chapter.
CHECKS_HEADING = "## Checks"


def toc_docnames(toc_path: Path = TOC_PATH) -> list[str]:
    """Return the docnames listed in ``_toc.yml``, root first, in reading order.

    Parameters
    ----------
    toc_path : Path
        The table of contents (Jupyter Book ``jb-book`` format).

    Returns
    -------
    list of str
        Docnames relative to the book root, without suffix, e.g. ``"book/intro"``.
    """
    from sphinx_external_toc.api import GlobItem, UrlItem
    from sphinx_external_toc.parsing import parse_toc_yaml

    site_map = parse_toc_yaml(toc_path)
    order: list[str] = []

    def visit(docname: str) -> None:
        if docname in order:
            return
        order.append(docname)
        for subtree in site_map[docname].subtrees:
            for item in subtree.items:
                if isinstance(item, (GlobItem, UrlItem)):
                    raise ValueError(
                        f"{toc_path.name}: globs and URLs are not supported, "
                        f"list each file explicitly (got {item!r})"
                    )
                visit(item)

    visit(site_map.root.docname)
    return order


def toc_sources(toc_path: Path = TOC_PATH) -> list[Path]:
    """Return the source file of every document in ``_toc.yml``, in reading order.

    Raises
    ------
    FileNotFoundError
        If a listed document has no ``.ipynb`` or ``.md`` file.
    """
    root = toc_path.parent
    sources = []
    for docname in toc_docnames(toc_path):
        candidates = [root / f"{docname}{suffix}" for suffix in SOURCE_SUFFIXES]
        found = [path for path in candidates if path.is_file()]
        if not found:
            raise FileNotFoundError(
                f"{toc_path.name} lists {docname!r} but none of "
                f"{', '.join(str(c.relative_to(root)) for c in candidates)} exists"
            )
        sources.append(found[0])
    return sources


def toc_chapters(toc_path: Path = TOC_PATH) -> list[Path]:
    """Return the notebooks (chapters) listed in ``_toc.yml``, in reading order."""
    return [path for path in toc_sources(toc_path) if path.suffix == ".ipynb"]


def read_notebook(path: Path) -> dict:
    """Read a notebook as plain JSON (no nbformat needed)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def cell_source(cell: dict) -> str:
    """Return a cell's source as one string."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def parameters_cell(notebook: dict) -> dict | None:
    """Return the first code cell if it is tagged ``parameters``, else ``None``."""
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    if not code_cells:
        return None
    first = code_cells[0]
    if "parameters" not in first.get("metadata", {}).get("tags", []):
        return None
    return first


def declared_parameters(cell: dict) -> dict[str, object]:
    """Return the names and literal default values assigned in a parameters cell.

    Raises
    ------
    ValueError
        If the cell contains anything other than ``name = <literal>`` statements
        (papermill can only override plain literal assignments reliably).
    """
    tree = ast.parse(cell_source(cell))
    values: dict[str, object] = {}
    for node in tree.body:
        if not (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            raise ValueError(
                f"parameters cell line {node.lineno}: only `name = <literal>` "
                "assignments are allowed"
            )
        try:
            values[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError as error:
            raise ValueError(
                f"parameters cell line {node.lineno}: the value of "
                f"{node.targets[0].id!r} is not a literal"
            ) from error
    return values
