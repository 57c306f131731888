"""Execute every chapter with papermill, then build the HTML book from the executed copies.

Usage (from the repository root, inside the project's virtual environment)::

    python scripts/build_book.py                       # the paper's settings -> _build/html
    python scripts/build_book.py --out _build/quick -p n_draws 50   # quick run (make test)

Steps, each timed:

1. Read ``_toc.yml``; every notebook listed there is a chapter (nothing else is built).
2. Copy the book sources (``_config.yml``, ``_toc.yml``, ``book/`` without notebooks)
   to ``<out>/_build/executed/``.
3. Execute each chapter with papermill (kernel ``python3`` of this environment, working
   folder ``<out>/_build/executed/book``) into ``<out>/_build/executed/``, with
   ``figure_dir=<out>/_build/figures/<chapter>`` and any ``-p NAME VALUE`` given here.
   One log per chapter in ``<out>/_build/logs/``; a failed chapter keeps its partly
   executed notebook and its log, and stops the build before the HTML step.
4. Build the HTML with Jupyter Book from the executed copies, without executing them
   again (``execute_notebooks: off``), Sphinx warnings as errors (``-W -n --keep-going``),
   log in ``<out>/_build/logs/jupyter-book.log``.
5. Print where to open ``index.html``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from booktools import (  # noqa: E402
    REPO_ROOT,
    TOC_PATH,
    declared_parameters,
    parameters_cell,
    read_notebook,
    toc_chapters,
)

KERNEL = "python3"
# Generous: a cell that runs longer than this is a bug, and CI must not hang on it.
CELL_TIMEOUT_SECONDS = 1200
LOG_TAIL_LINES = 40


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO_ROOT,
        help="everything is written under OUT/_build/ (default: the repository root, "
        "so the HTML lands in _build/html)",
    )
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="papermill parameter passed to every chapter, e.g. -p n_draws 50",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=int(os.environ.get("BOOK_JOBS", "2")),
        help="chapters executed in parallel (default 2, or $BOOK_JOBS)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="CHAPTER",
        help="execute only this chapter (stem, e.g. energy_variance); skips the HTML step",
    )
    parser.add_argument("--no-html", action="store_true", help="execute the chapters only")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    return args


def check_kernel(env: dict[str, str]) -> None:
    """Fail early unless kernel ``python3`` runs the Python of this environment.

    papermill starts the kernel named in ``-k``; a ``python3`` kernelspec installed for
    another interpreter (for example in ``~/.local/share/jupyter``) would import a
    different ``randfb`` or none at all.
    """
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    executable = shutil.which(spec.argv[0], path=env["PATH"]) or spec.argv[0]
    try:
        prefix = subprocess.run(
            [executable, "-c", "import sys; print(sys.prefix)"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as error:
        sys.exit(f"error: kernel {KERNEL!r} cannot start {executable!r}: {error}")
    if Path(prefix).resolve() != Path(sys.prefix).resolve():
        sys.exit(
            f"error: kernel {KERNEL!r} runs {executable} (prefix {prefix}), not this "
            f"environment ({sys.prefix}). Remove the kernelspec in {spec.resource_dir} "
            f"or run: {sys.executable} -m ipykernel install --sys-prefix"
        )


def stage_sources(executed_dir: Path) -> None:
    """Copy the configuration and the non-notebook book sources next to the chapters."""
    if executed_dir.exists():
        shutil.rmtree(executed_dir)
    executed_dir.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(REPO_ROOT / name, executed_dir / name)
    shutil.copytree(
        REPO_ROOT / "book",
        executed_dir / "book",
        ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints", "__pycache__"),
    )


def hide_injected_parameters(path: Path) -> None:
    """Tag papermill's injected-parameters cell ``remove-cell`` so the HTML hides it."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell["metadata"]["tags"] = [*tags, "remove-cell"]
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:])


def execute_chapter(
    source: Path,
    executed_dir: Path,
    figures_dir: Path,
    logs_dir: Path,
    parameters: list[tuple[str, str]],
    env: dict[str, str],
) -> dict:
    """Run one chapter with papermill; return a record for the execution report."""
    relative = source.relative_to(REPO_ROOT)
    output = executed_dir / relative
    log = logs_dir / f"{source.stem}.log"
    declared = declared_parameters(parameters_cell(read_notebook(source)) or {"source": ""})
    command = [
        sys.executable, "-m", "papermill", str(source), str(output),
        "-k", KERNEL,
        "--cwd", str(output.parent),
        "--log-output", "--no-progress-bar",
        "--execution-timeout", str(CELL_TIMEOUT_SECONDS),
    ]  # fmt: skip
    if "figure_dir" in declared:
        figure_dir = figures_dir / source.stem
        if figure_dir.exists():
            shutil.rmtree(figure_dir)
        command += ["-p", "figure_dir", str(figure_dir)]
    for name, value in parameters:
        if name not in declared:
            print(f"  note: {relative} does not declare parameter {name!r}; passing it anyway")
        command += ["-p", name, value]
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as handle:
        handle.write("$ " + " ".join(command) + "\n")
        handle.flush()
        result = subprocess.run(
            command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT
        )
    seconds = time.perf_counter() - start
    if output.exists():
        hide_injected_parameters(output)
    return {
        "chapter": str(relative),
        "ok": result.returncode == 0,
        "seconds": round(seconds, 2),
        "parameters": dict(parameters),
        "executed": str(output),
        "log": str(log),
    }


def build_html(executed_dir: Path, out: Path, logs_dir: Path, env: dict[str, str]) -> bool:
    """Build the HTML from the executed notebooks with Jupyter Book; True on success."""
    log = logs_dir / "jupyter-book.log"
    command = [
        str(Path(sys.executable).parent / "jupyter-book"), "build", str(executed_dir),
        "--path-output", str(out),
        "--builder", "html",
        "-W", "-n", "--keep-going", "--all",
    ]  # fmt: skip
    html_dir = out / "_build" / "html"
    if html_dir.exists():
        shutil.rmtree(html_dir)
    with log.open("w", encoding="utf-8") as handle:
        handle.write("$ " + " ".join(command) + "\n")
        handle.flush()
        result = subprocess.run(
            command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT
        )
    if result.returncode != 0:
        print(tail(log))
        print(f"\nJupyter Book failed (exit {result.returncode}); full log: {log}")
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = args.out.resolve()
    build_dir = out / "_build"
    executed_dir = build_dir / "executed"
    figures_dir = build_dir / "figures"
    logs_dir = build_dir / "logs"

    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_PREFER_ENV_PATH"] = "1"  # this environment's kernelspecs first
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # figures inline
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # silence a debugger warning on stderr

    chapters = toc_chapters(TOC_PATH)
    if args.only:
        chapters = [c for c in chapters if c.stem in args.only]
        missing = set(args.only) - {c.stem for c in chapters}
        if missing:
            print(f"error: not in {TOC_PATH.name}: {', '.join(sorted(missing))}")
            return 2
    timings: dict[str, float] = {}

    start = time.perf_counter()
    check_kernel(env)
    stage_sources(executed_dir)
    logs_dir.mkdir(parents=True, exist_ok=True)
    figures_dir.mkdir(parents=True, exist_ok=True)
    timings["stage"] = time.perf_counter() - start

    params = [tuple(p) for p in args.parameter]
    shown = " ".join(f"-p {n} {v}" for n, v in params) or "(default parameters)"
    print(f"Executing {len(chapters)} chapter(s) with papermill {shown}, {args.jobs} at a time")
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=min(args.jobs, max(len(chapters), 1))) as pool:
        futures = [
            pool.submit(
                execute_chapter, chapter, executed_dir, figures_dir, logs_dir, params, env
            )
            for chapter in chapters
        ]
        records = []
        for future in futures:
            record = future.result()
            records.append(record)
            status = "ok" if record["ok"] else "FAILED"
            print(f"  {record['chapter']:<40} {status:>6}  {record['seconds']:7.1f} s")
    timings["execute"] = time.perf_counter() - start
    report = logs_dir / "execution.json"
    report.write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")

    failed = [r for r in records if not r["ok"]]
    if failed:
        for record in failed:
            print(f"\n--- {record['chapter']} failed; last lines of {record['log']}:")
            print(tail(Path(record["log"])))
            print(f"--- partly executed notebook kept: {record['executed']}")
        print(f"\n{len(failed)} chapter(s) failed; execution report: {report}")
        return 1
    if args.only or args.no_html:
        print(f"Executed notebooks in {executed_dir}; figures in {figures_dir}")
        return 0

    print("Building the HTML with Jupyter Book (-W -n --keep-going, no execution)")
    start = time.perf_counter()
    ok = build_html(executed_dir, out, logs_dir, env)
    timings["html"] = time.perf_counter() - start
    print("Timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    if not ok:
        return 1
    index = build_dir / "html" / "index.html"
    print(f"Figures (.png, .pdf): {figures_dir}")
    print(f"Open the book: file://{index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
