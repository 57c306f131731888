"""Remove outputs and execution counts from notebooks, in place, before committing.

    .venv/bin/python scripts/clear_notebooks.py book/*.ipynb

Cell sources, tags and notebook metadata are kept; papermill's injected-parameters cell
and papermill and widget state in the metadata are dropped.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat


def clear(path: Path) -> bool:
    """Clear one notebook; return True if it changed."""
    notebook = nbformat.read(path, as_version=4)
    before = nbformat.writes(notebook)
    notebook.cells = [
        cell
        for cell in notebook.cells
        if "injected-parameters" not in cell.metadata.get("tags", [])
    ]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    for key in ("papermill", "widgets"):
        notebook.metadata.pop(key, None)
    after = nbformat.writes(notebook)
    if after != before:
        path.write_text(after + "\n", encoding="utf-8")
        return True
    return False


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__)
        return 2
    for name in paths:
        if clear(Path(name)):
            print(f"cleared {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
