"""Execute every chapter with papermill, then build the HTML book from them.

Usage (from the repository root, inside the project's virtual environment)::

    python scripts/build_book.py                  # the paper's settings -> _build/html
    python scripts/build_book.py --out _build/quick -p n_draws 50  # make test's run
    python scripts/build_book.py --only strided -p n_draws 2000     # rerun one chapter
    python scripts/build_book.py --only book/strided.ipynb -y "T_values: [32, 64]"
    python scripts/build_book.py --html-only      # HTML again from the executed copies
    python scripts/build_book.py --pdf            # also save every figure as PDF

Steps, each timed:

1. Read ``_toc.yml``; every notebook listed there is a chapter (nothing else is built).
   Check the command line before running anything: ``--only`` must name chapters
   (``NAME`` or ``book/NAME.ipynb``), and every parameter given with ``-p`` or ``-y``
   must be one the chapter declares in its ``parameters`` cell (otherwise the chapter
   would silently run with its default).
2. Copy the book sources (``_config.yml``, ``_toc.yml``, ``book/`` without notebooks)
   to ``<out>/_build/executed/``, keeping the executed copy of every chapter from an
   earlier build into the same ``--out``.
3. Execute each chapter with papermill (kernel ``python3`` of this environment, working
   folder ``<out>/_build/executed/book``) into a temporary folder, with its figures
   (``figure_dir``) there too and the parameters given here; the terminal shows each
   chapter's start, its last good run's time, and every 30 s the cell it is at. Only a
   chapter that succeeds replaces its executed copy in ``<out>/_build/executed/`` and
   its figures in ``<out>/_build/figures/<chapter>/``: a failed rerun keeps the last
   good ones, and its partly executed notebook goes to
   ``<out>/_build/logs/<chapter>.failed.ipynb`` next to its log. Each chapter's
   ``randfb.Checks`` are counted ("57 of 57 checks passed") and its figures listed; the
   page gets a note with the parameters of the run that differ from the defaults.
4. Build the HTML with Jupyter Book from the executed copies, without executing them
   again (``execute_notebooks: off``), Sphinx warnings as errors
   (``-W -n --keep-going``), log in ``<out>/_build/logs/jupyter-book.log``. This needs
   an executed copy of every chapter in ``<out>``; if one is missing, the script names
   the chapters to run and exits with status 1.
5. Print the checks' summary, the figure paths and where to open ``index.html``, and a
   warning while ``_config.yml`` still has the ``OWNER/REPO`` placeholder. A failed
   build ends with one line saying what failed (the tracebacks are in the logs).

Figures are saved as PNG; ``--pdf`` saves a PDF (vector) copy of each too, through the
chapters' ``figure_formats`` parameter.

Parameters: ``-p NAME VALUE`` passes a number or a word (papermill's ``-p``);
``-y "NAME: VALUE"`` passes YAML, for lists: ``-y "T_values: [8, 64]"``.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
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
from course_guide import fill_course_guide  # noqa: E402

KERNEL = "python3"
# Generous: a cell that runs longer than this is a bug, and CI must not hang on it.
CELL_TIMEOUT_SECONDS = 1200
LOG_TAIL_LINES = 40
# Seconds between two progress lines of a running chapter.
PROGRESS_SECONDS = 30
# The chapter parameter naming the formats figures are saved in (randfb.plotting).
FIGURE_FORMATS_PARAMETER = "figure_formats"
# Tag of the note, added after the parameters cell of an executed chapter, that gives
# the parameters of the run which differ from the defaults.
RUN_PARAMETERS_TAG = "build-book-run-parameters"
# The placeholder of repository.url in _config.yml (README, "Reading online").
REPOSITORY_PLACEHOLDER = "https://github.com/OWNER/REPO"
# Tag of the two cells this script adds to a chapter to count its checks: one after
# the parameters cell records every randfb.Checks whose assert_all is called, one at
# the end prints them. Both are removed from the executed notebook afterwards.
CHECKS_REPORT_TAG = "build-book-checks-report"
CHECKS_REPORT_PREFIX = "build_book checks report: "
CHECKS_RECORDER_SOURCE = """\
# Added by scripts/build_book.py to count this chapter's checks; removed afterwards.
_build_book_asserted = []
try:
    from randfb.checks import Checks as _BuildBookChecks
except ImportError:  # the chapter's own import guard says what to do
    pass
else:
    def _build_book_recording(assert_all):
        def recording_assert_all(self):
            _build_book_asserted.append(self)
            return assert_all(self)
        return recording_assert_all

    if not hasattr(_BuildBookChecks.assert_all, "__wrapped_by_build_book__"):
        _BuildBookChecks.assert_all = _build_book_recording(_BuildBookChecks.assert_all)
        _BuildBookChecks.assert_all.__wrapped_by_build_book__ = True
"""
CHECKS_REPORT_SOURCE = f"""\
# Added by scripts/build_book.py to count this chapter's checks; removed afterwards.
import json as _build_book_json
print({CHECKS_REPORT_PREFIX!r} + _build_book_json.dumps(
    [[len(_checks), _checks.passed] for _checks in _build_book_asserted]))
"""


class UsageError(ValueError):
    """A command line this script refuses, before anything runs (exit status 2)."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog='Lists are passed as YAML: -y "T_values: [8, 64]". A parameter that the '
        "chapter does not declare is refused, with the list of those it declares.",
    )
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
        help="papermill parameter (a number, True/False or a word), e.g. "
        "-p n_draws 50; "
        "without --only, it goes to every chapter that declares NAME",
    )
    parser.add_argument(
        "-y",
        "--yaml",
        action="append",
        default=[],
        metavar="YAML",
        help='parameters as YAML, for lists: -y "T_values: [8, 64]" (papermill\'s -y)',
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
        help="execute only this chapter (energy_variance or "
        "book/energy_variance.ipynb; "
        "repeat for more), keep the other chapters' executed copies in OUT and rebuild "
        "the HTML if every chapter has one",
    )
    parser.add_argument(
        "--no-html", action="store_true", help="execute the chapters only"
    )
    parser.add_argument(
        "--pdf",
        action="store_true",
        help="also save every figure as PDF (vector), next to its PNG: passes "
        f'-y "{FIGURE_FORMATS_PARAMETER}: [png, pdf]" to every chapter that declares it',
    )
    parser.add_argument(
        "--html-only",
        action="store_true",
        help="execute nothing: rebuild the HTML from the executed chapters in OUT "
        "(after --only or --no-html, or after editing a Markdown page)",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    if args.html_only and (
        args.only or args.parameter or args.yaml or args.no_html or args.pdf
    ):
        parser.error(
            "--html-only executes nothing: it takes no --only, -p, -y, --pdf or "
            "--no-html"
        )
    return args


def did_you_mean(name: str, options) -> str:
    """`` (did you mean X?)`` for the closest of ``options`` to ``name``, else ``''``."""
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def resolve_chapters(names: list[str], chapters: list[Path]) -> list[Path]:
    """Return the chapters named by ``--only``, in the order of ``_toc.yml``.

    A name is a chapter's stem (``energy_variance``), its file name
    (``energy_variance.ipynb``) or its path (``book/energy_variance.ipynb``, relative to
    the current folder or to the repository, or absolute).

    Raises
    ------
    UsageError
        If a name is not a chapter listed in ``_toc.yml``; the message lists them.
    """
    by_stem = {chapter.stem: chapter for chapter in chapters}
    chosen = set()
    for name in names:
        path = Path(name)
        if path.suffix == ".ipynb" and len(path.parts) > 1:
            candidates = {(Path.cwd() / path).resolve(), (REPO_ROOT / path).resolve()}
            found = [c for c in chapters if c.resolve() in candidates]
            if not found:
                raise UsageError(
                    f"--only {name}: not a chapter of this book; the chapters are "
                    + ", ".join(str(c.relative_to(REPO_ROOT)) for c in chapters)
                )
            chosen.add(found[0])
            continue
        stem = path.stem if path.suffix == ".ipynb" else name
        if stem not in by_stem:
            hint = did_you_mean(stem, by_stem)
            raise UsageError(
                f"--only {name}: no chapter of that name in {TOC_PATH.name}{hint}; the "
                f"chapters are {', '.join(by_stem)}"
            )
        chosen.add(by_stem[stem])
    return [chapter for chapter in chapters if chapter in chosen]


def parse_yaml_parameters(texts: list[str]) -> dict[str, object]:
    """Read the ``-y`` texts as papermill does (YAML mappings, dates kept as text).

    Raises
    ------
    UsageError
        If a text is not YAML or not a mapping of names to values.
    """
    import yaml

    class NoDatesSafeLoader(yaml.SafeLoader):
        """papermill's YAML loader (papermill.iorw): safe, dates left as text."""

        yaml_implicit_resolvers = {
            key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
            for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }

    values: dict[str, object] = {}
    for text in texts:
        try:
            loaded = yaml.load(text, Loader=NoDatesSafeLoader)
        except yaml.YAMLError as error:
            raise UsageError(f"-y {text!r} is not YAML: {error}") from None
        if not isinstance(loaded, dict) or not all(isinstance(k, str) for k in loaded):
            raise UsageError(
                f'-y {text!r}: expected "NAME: VALUE" (a YAML mapping), '
                'e.g. -y "T_values: [8, 64]"'
            )
        values.update(loaded)
    return values


def chapter_parameters(chapter: Path) -> dict[str, object]:
    """The names and defaults of a chapter's ``parameters`` cell ({} without one)."""
    cell = parameters_cell(read_notebook(chapter))
    return declared_parameters(cell) if cell is not None else {}


def plan_parameters(
    chapters: list[Path],
    text_parameters: list[tuple[str, str]],
    yaml_parameters: dict[str, object],
    only: bool,
    declared: dict[Path, dict[str, object]] | None = None,
) -> tuple[dict[Path, tuple[list[tuple[str, str]], dict[str, object]]], list[str]]:
    """Decide which parameters go to which chapter, refusing unknown names.

    With ``only`` (the chapters were named with ``--only``), every name must be declared
    by every chosen chapter. Otherwise a name must be declared by at least one chapter,
    and goes to the chapters that declare it.

    Returns
    -------
    plan : dict
        For each chapter, its ``-p`` pairs and its YAML values.
    notes : list of str
        One line per name that some chapters do not receive.

    Raises
    ------
    UsageError
        For a name no chapter (or a chosen chapter) declares, listing the chapter's
        parameters; for a list passed with ``-p`` (papermill would pass it as text).
    """
    if declared is None:
        declared = {chapter: chapter_parameters(chapter) for chapter in chapters}
    for name, value in text_parameters:
        if value.strip().startswith(("[", "{")):
            raise UsageError(
                f"-p {name} {value}: -p passes text, not a list; pass lists as YAML: "
                f'-y "{name}: {value}"'
            )
    names = [name for name, _ in text_parameters] + list(yaml_parameters)
    notes = []
    for name in dict.fromkeys(names):
        having = [c for c in chapters if name in declared[c]]
        lacking = [c for c in chapters if name not in declared[c]]
        if only and lacking:
            chapter = lacking[0]
            hint = did_you_mean(name, declared[chapter])
            raise UsageError(
                f"{chapter.relative_to(REPO_ROOT)} has no parameter {name!r}{hint}; "
                "its "
                f"parameters are: {', '.join(declared[chapter]) or '(none)'}"
            )
        if not having:
            known = sorted({n for c in chapters for n in declared[c]})
            hint = did_you_mean(name, known)
            raise UsageError(
                f"no chapter has a parameter {name!r}{hint}; run one chapter with "
                "--only NAME to see its parameters"
            )
        if lacking:
            notes.append(
                f"note: {name} goes only to the chapters that declare it: "
                + ", ".join(c.stem for c in having)
            )
    plan = {
        chapter: (
            [(n, v) for n, v in text_parameters if n in declared[chapter]],
            {n: v for n, v in yaml_parameters.items() if n in declared[chapter]},
        )
        for chapter in chapters
    }
    return plan, notes


def placeholder_warning(config_path: Path = REPO_ROOT / "_config.yml") -> str | None:
    """The warning to print while ``_config.yml`` has the OWNER/REPO placeholder."""
    if REPOSITORY_PLACEHOLDER not in config_path.read_text(encoding="utf-8"):
        return None
    return (
        f"warning: {config_path.name} still has the placeholder repository.url "
        f"{REPOSITORY_PLACEHOLDER}: the book's repository, Binder and Colab buttons "
        "lead nowhere. Set it to the published repository before publishing "
        '(README.md, "Reading online").'
    )


def print_placeholder_warning() -> None:
    warning = placeholder_warning()
    if warning is None:
        return
    print(warning)
    if os.environ.get("GITHUB_ACTIONS") == "true":  # an annotation on the workflow run
        print(f"::warning file=_config.yml::{warning.removeprefix('warning: ')}")


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


def stage_sources(executed_dir: Path, keep: list[Path] = ()) -> None:
    """Copy the configuration and the non-notebook book sources next to the chapters.

    Everything else in ``executed_dir`` is removed first, except the executed chapters
    in ``keep`` (paths of source notebooks), which are put back as they were.
    """
    kept = {}
    for chapter in keep:
        executed = executed_dir / chapter.relative_to(REPO_ROOT)
        if executed.is_file():
            kept[executed] = executed.read_bytes()
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
    for path, content in kept.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def instrumented_copy(source: Path, destination: Path) -> None:
    """Write ``source`` with the two cells that count its checks.

    The recorder goes right after the ``parameters`` cell (papermill puts its injected
    cell between the two), before any check; the report goes at the end.
    """
    notebook = read_notebook(source)
    with_ids = (notebook.get("nbformat"), notebook.get("nbformat_minor", 0)) >= (4, 5)

    def cell(source_text: str, name: str) -> dict:
        made = {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {"tags": [CHECKS_REPORT_TAG, "remove-cell"]},
            "outputs": [],
            "source": source_text,
        }
        if with_ids:  # cell ids exist from nbformat 4.5 on
            made["id"] = name
        return made

    cells = notebook["cells"]
    parameters = parameters_cell(notebook)
    at = cells.index(parameters) + 1 if parameters is not None else 0
    cells.insert(at, cell(CHECKS_RECORDER_SOURCE, "build-book-checks-recorder"))
    cells.append(cell(CHECKS_REPORT_SOURCE, "build-book-checks-report"))
    destination.write_text(
        json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def finish_executed(path: Path) -> str:
    """Tidy an executed notebook and return its checks' summary.

    Tags papermill's injected-parameters cell ``remove-cell`` (so the HTML hides it),
    removes the cell added by :func:`instrumented_copy` and reads its report, or, if
    the chapter failed, the error that stopped it.
    """
    notebook = json.loads(path.read_text(encoding="utf-8"))
    summary = "checks: not reached"
    cells = []
    for cell in notebook["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if CHECKS_REPORT_TAG in tags:
            for output in cell.get("outputs", []):
                text = "".join(output.get("text", ""))
                if CHECKS_REPORT_PREFIX in text:
                    report = json.loads(text.split(CHECKS_REPORT_PREFIX, 1)[1])
                    total = sum(n for n, _ in report)
                    passed = sum(p for _, p in report)
                    summary = (
                        f"{passed} of {total} checks passed"
                        + (
                            f" ({len(report)} Checks asserted)"
                            if len(report) > 1
                            else ""
                        )
                        if report
                        else "checks: no randfb.Checks asserted in this chapter"
                    )
            continue
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell["metadata"]["tags"] = [*tags, "remove-cell"]
        for output in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            if output.get("output_type") == "error":
                lines = str(output.get("evalue", "")).strip().splitlines()
                shown = " | ".join(lines[:3]) + (" | ..." if len(lines) > 3 else "")
                summary = f"stopped by {output.get('ename')}: {shown}"
        cells.append(cell)
    notebook["cells"] = cells
    path.write_text(
        json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return summary


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:])


def run_parameters_note(declared: dict, used: dict) -> str | None:
    """Markdown saying which parameters of a run differ from the chapter's defaults.

    ``used`` holds the parameters papermill received (``figure_dir``, a path of the
    build, is left out). ``None`` if every parameter has its default value.
    """
    changed = {
        name: value
        for name, value in used.items()
        if name != "figure_dir" and (name not in declared or declared[name] != value)
    }
    if not changed:
        return None
    parts = [
        f"`{name} = {value!r}` (default `{declared[name]!r}`)"
        if name in declared
        else f"`{name} = {value!r}`"
        for name, value in changed.items()
    ]
    listed = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return (
        "```{admonition} The parameters of this run\n"
        f"This page was computed with {listed}; every other parameter has the default "
        "value shown in the parameters cell above.\n```"
    )


def add_run_parameters_note(path: Path, declared: dict) -> None:
    """Put :func:`run_parameters_note` after the parameters cell of an executed copy."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    try:
        used = notebook["metadata"]["papermill"]["parameters"]
    except KeyError:
        return
    note = run_parameters_note(declared, used)
    cells = notebook["cells"]
    if note is None or any(
        RUN_PARAMETERS_TAG in c.get("metadata", {}).get("tags", []) for c in cells
    ):
        return
    parameters = parameters_cell(notebook)
    at = cells.index(parameters) + 1 if parameters is not None else 0
    while at < len(cells) and "injected-parameters" in cells[at].get(
        "metadata", {}
    ).get("tags", []):
        at += 1
    made = {"cell_type": "markdown", "metadata": {"tags": [RUN_PARAMETERS_TAG]}}
    if (notebook.get("nbformat"), notebook.get("nbformat_minor", 0)) >= (4, 5):
        made["id"] = "build-book-run-parameters"
    made["source"] = note
    cells.insert(at, made)
    path.write_text(
        json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def run_papermill(command: list[str], log: Path, env: dict[str, str], progress) -> int:
    """Run papermill, its output in ``log``; call ``progress(seconds)`` every 30 s."""
    with log.open("a", encoding="utf-8") as handle:
        process = subprocess.Popen(
            command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT
        )
        RUNNING.add(process)
        try:
            start = time.perf_counter()
            while True:
                try:
                    return process.wait(timeout=PROGRESS_SECONDS)
                except subprocess.TimeoutExpired:
                    progress(time.perf_counter() - start)
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait()
            RUNNING.discard(process)


# The papermill processes running now, terminated if the build is interrupted.
RUNNING: set[subprocess.Popen] = set()
PRINT_LOCK = threading.Lock()


def say(text: str) -> None:
    with PRINT_LOCK:
        print(text, flush=True)


def current_cell(log: Path) -> int | None:
    """The number of the cell papermill last started, from its log (or None)."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    marker = "Executing Cell "
    at = text.rfind(marker)
    if at < 0:
        return None
    digits = text[at + len(marker) :].split("-", 1)[0].strip()
    return int(digits) if digits.isdigit() else None


def last_good_run(report: Path, chapter: str) -> str:
    """``last good run: 12 s (n_draws=1000)`` from an earlier execution report."""
    try:
        records = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "no earlier run"
    for record in records:
        if record.get("chapter") == chapter and record.get("ok"):
            shown = ", ".join(
                f"{k}={v}"
                for k, v in record.get("parameters", {}).items()
                if k not in ("figure_dir", FIGURE_FORMATS_PARAMETER)
            )
            return f"last good run: {record.get('seconds', 0):.0f} s ({shown or 'defaults'})"
    return "no earlier run"


def execute_chapter(
    source: Path,
    executed_dir: Path,
    figures_dir: Path,
    logs_dir: Path,
    parameters: list[tuple[str, str]],
    yaml_parameters: dict[str, object],
    env: dict[str, str],
    scratch: Path | None = None,
) -> dict:
    """Run one chapter with papermill; return a record for the execution report.

    papermill writes into ``scratch`` (a temporary folder, removed by the caller), the
    figures too; only on success are they moved to ``executed_dir`` and
    ``figures_dir/<chapter>``, so a failed run leaves the last good ones in place.
    """
    relative = source.relative_to(REPO_ROOT)
    output = executed_dir / relative
    log = logs_dir / f"{source.stem}.log"
    failed_copy = logs_dir / f"{source.stem}.failed.ipynb"
    declared = chapter_parameters(source)
    work = Path(tempfile.mkdtemp(prefix=f"{source.stem}-", dir=scratch))
    instrumented = work / f"{source.stem}.input.ipynb"
    staged = work / source.name
    instrumented_copy(source, instrumented)
    n_cells = len(read_notebook(instrumented)["cells"]) + 1  # + papermill's cell
    command = [
        sys.executable, "-m", "papermill", str(instrumented), str(staged),
        "-k", KERNEL,
        "--cwd", str(output.parent),
        "--log-output", "--no-progress-bar",
        "--execution-timeout", str(CELL_TIMEOUT_SECONDS),
    ]  # fmt: skip
    figure_dir = staged_figures = None
    if "figure_dir" in declared:
        figure_dir = figures_dir / source.stem
        staged_figures = work / "figures"
        command += ["-p", "figure_dir", str(staged_figures)]
    if yaml_parameters:
        command += ["-y", json.dumps(yaml_parameters)]  # JSON is YAML
    for name, value in parameters:
        command += ["-p", name, value]

    def progress(seconds: float) -> None:
        cell = current_cell(log)
        at = f"cell {cell} of {n_cells}" if cell else "starting the kernel"
        say(f"  ... {source.stem}: {at}, {seconds:.0f} s")

    start = time.perf_counter()
    log.write_text("$ " + " ".join(command) + "\n", encoding="utf-8")
    returncode = run_papermill(command, log, env, progress)
    seconds = time.perf_counter() - start
    checks = finish_executed(staged) if staged.exists() else "not executed"
    ok = returncode == 0 and staged.exists()
    figures: list[str] = []
    if ok:
        add_run_parameters_note(staged, declared)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staged), str(output))
        failed_copy.unlink(missing_ok=True)
        if figure_dir is not None:
            if figure_dir.exists():
                shutil.rmtree(figure_dir)
            if staged_figures.exists():
                shutil.move(str(staged_figures), str(figure_dir))
                figures = sorted(str(p) for p in figure_dir.glob("*.png"))
    elif staged.exists():
        shutil.move(str(staged), str(failed_copy))
    shutil.rmtree(work, ignore_errors=True)
    return {
        "chapter": str(relative),
        "ok": ok,
        "seconds": round(seconds, 2),
        "parameters": {**yaml_parameters, **dict(parameters)},
        "checks": checks,
        "figures": figures,
        "executed": str(output if ok else failed_copy),
        "log": str(log),
    }


def build_html(
    executed_dir: Path, out: Path, logs_dir: Path, env: dict[str, str]
) -> bool:
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


def earlier_parameters(executed: Path) -> str:
    """The parameters papermill recorded in an executed chapter, as -p text."""
    try:
        recorded = read_notebook(executed)["metadata"]["papermill"]["parameters"]
    except (KeyError, ValueError, OSError):
        return "parameters unknown"
    shown = [f"{k}={v!r}" for k, v in recorded.items() if k != "figure_dir"]
    return ", ".join(shown) or "defaults"


def rerun_command(chapters: list[Path], out: Path, out_arg: Path) -> str:
    """The command that executes ``chapters`` into ``out`` (and rebuilds the HTML)."""
    parts = ["python scripts/build_book.py"]
    parts += [f"--only {c.stem}" for c in chapters]
    if out != REPO_ROOT:
        parts.append(f"--out {out_arg}")
    return " ".join(parts)


def interrupt_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt, so a killed build still cleans up."""

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = args.out.resolve()
    build_dir = out / "_build"
    executed_dir = build_dir / "executed"
    figures_dir = build_dir / "figures"
    logs_dir = build_dir / "logs"

    all_chapters = toc_chapters(TOC_PATH)
    params = [tuple(p) for p in args.parameter]
    try:
        chapters = (
            resolve_chapters(args.only, all_chapters) if args.only else all_chapters
        )
        yaml_params = parse_yaml_parameters(args.yaml)
        if args.pdf:
            if FIGURE_FORMATS_PARAMETER in yaml_params:
                raise UsageError(
                    f"--pdf sets {FIGURE_FORMATS_PARAMETER}; do not pass it with -y too"
                )
            declared = {c: chapter_parameters(c) for c in chapters}
            if not any(FIGURE_FORMATS_PARAMETER in d for d in declared.values()):
                raise UsageError(
                    f"--pdf: no chosen chapter declares {FIGURE_FORMATS_PARAMETER}"
                )
        plan, notes = plan_parameters(chapters, params, yaml_params, bool(args.only))
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.pdf:
        for chapter in chapters:
            if FIGURE_FORMATS_PARAMETER in declared[chapter]:
                plan[chapter][1][FIGURE_FORMATS_PARAMETER] = ["png", "pdf"]
            else:
                notes.append(
                    f"note: --pdf: {chapter.stem} has no {FIGURE_FORMATS_PARAMETER} "
                    "parameter; its figures stay PNG only"
                )
    if args.html_only:
        chapters = []
    others = [c for c in all_chapters if c not in chapters]

    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_PREFER_ENV_PATH"] = "1"  # this environment's kernelspecs first
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # figures inline
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # silence a debugger warning on stderr
    timings: dict[str, float] = {}

    start = time.perf_counter()
    if chapters:
        check_kernel(env)
    # Every executed copy is kept: a chapter's copy is replaced only when it reruns
    # successfully.
    stage_sources(executed_dir, keep=all_chapters)
    logs_dir.mkdir(parents=True, exist_ok=True)
    figures_dir.mkdir(parents=True, exist_ok=True)
    timings["stage"] = time.perf_counter() - start
    report = logs_dir / "execution.json"

    if chapters:
        for note in notes:
            print(note)
        shown = (
            " ".join(
                [f"-p {n} {v}" for n, v in params]
                + [f"-y {json.dumps({k: v})}" for k, v in yaml_params.items()]
                + (["--pdf"] if args.pdf else [])
            )
            or "(default parameters)"
        )
        jobs = min(args.jobs, len(chapters))
        print(
            f"Executing {len(chapters)} chapter(s) with papermill {shown}, "
            f"{jobs} at a time (a line every {PROGRESS_SECONDS} s while one runs)",
            flush=True,
        )
        earlier = {
            c: last_good_run(report, str(c.relative_to(REPO_ROOT))) for c in chapters
        }
        start = time.perf_counter()
        records = run_chapters(
            chapters, plan, earlier, jobs, executed_dir, figures_dir, logs_dir, env
        )
        timings["execute"] = time.perf_counter() - start
        write_report(report, records)
        failed = [r for r in records if not r["ok"]]
        if failed:
            for record in failed:
                print(f"\n--- {record['chapter']} failed: {record['checks']}")
                if record["checks"] in ("not executed", "checks: not reached"):
                    print(f"last lines of {record['log']}:")
                    print(tail(Path(record["log"]), 12))
                print(f"    log (with the traceback): {record['log']}")
                print(f"    partly executed notebook: {record['executed']}")
            kept = [
                Path(r["chapter"]).stem
                for r in failed
                if (executed_dir / r["chapter"]).is_file()
            ]
            print(
                f"\nFAILED: {len(failed)} of {len(records)} chapter(s): "
                + "; ".join(
                    f"{Path(r['chapter']).stem} ({r['checks']})" for r in failed
                )
                + (
                    f". The last good executed copy and figures of {', '.join(kept)} "
                    "are kept"
                    if kept
                    else ""
                )
                + ". HTML not rebuilt."
            )
            return 1
        print_figures(records, full_paths=bool(args.only), pdf=args.pdf)

    if args.no_html:
        print(f"Executed notebooks in {executed_dir}")
        return 0
    all_records = read_report(report)
    failed_before = {r["chapter"] for r in all_records if not r.get("ok")}
    missing = [
        c
        for c in all_chapters
        if not (executed_dir / c.relative_to(REPO_ROOT)).is_file()
        or str(c.relative_to(REPO_ROOT)) in failed_before  # an old partly executed copy
    ]
    if missing:
        print(
            f"Executed notebooks in {executed_dir}\n"
            "FAILED: HTML not rebuilt: no good executed copy of "
            f"{', '.join(c.stem for c in missing)} in {executed_dir}. Run them: "
            f"{rerun_command(missing, out, args.out)}"
        )
        return 1
    if others and (args.only or args.html_only):
        print(f"Other chapters from the earlier build in {executed_dir}:")
        for chapter in others:
            executed = executed_dir / chapter.relative_to(REPO_ROOT)
            print(
                f"  {chapter.relative_to(REPO_ROOT)} ({earlier_parameters(executed)})"
            )

    fill_course_guide(
        executed_dir / "book" / "course_guide.md", all_chapters, all_records
    )

    print("Building the HTML with Jupyter Book (-W -n --keep-going, no execution)")
    start = time.perf_counter()
    ok = build_html(executed_dir, out, logs_dir, env)
    timings["html"] = time.perf_counter() - start
    print("Timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    print_placeholder_warning()
    if not ok:
        print(
            "FAILED: Jupyter Book stopped; the log is "
            f"{logs_dir / 'jupyter-book.log'}"
        )
        return 1
    index = build_dir / "html" / "index.html"
    print(f"Open the book: file://{index}")
    return 0


def read_report(report: Path) -> list[dict]:
    try:
        return json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []


def write_report(report: Path, records: list[dict]) -> None:
    """Record each chapter's last good run (a failed run leaves the earlier record)."""
    by_chapter = {r["chapter"]: r for r in read_report(report)}
    for record in records:
        if record["ok"] or record["chapter"] not in by_chapter:
            by_chapter[record["chapter"]] = record
    report.write_text(
        json.dumps(list(by_chapter.values()), indent=2) + "\n", encoding="utf-8"
    )


def run_chapters(chapters, plan, earlier, jobs, executed_dir, figures_dir, logs_dir, env):
    """Execute the chapters, ``jobs`` at a time, with a line as each starts and ends."""
    interrupt_on_sigterm()
    scratch = Path(tempfile.mkdtemp(prefix="build_book-"))

    def one(chapter):
        say(f"  started  {chapter.relative_to(REPO_ROOT)} ({earlier[chapter]})")
        record = execute_chapter(
            chapter, executed_dir, figures_dir, logs_dir, *plan[chapter], env, scratch
        )
        status = "ok" if record["ok"] else "FAILED"
        say(
            f"  {record['chapter']:<34} {status:>6} {record['seconds']:7.1f} s"
            f"  {record['checks']}"
        )
        return record

    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        return list(pool.map(one, chapters))
    except KeyboardInterrupt:
        for process in list(RUNNING):
            process.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(scratch, ignore_errors=True)


def print_figures(records: list[dict], full_paths: bool, pdf: bool = False) -> None:
    """List each chapter's figures: every PNG path, or one folder per chapter."""
    kinds = ".png, .pdf" if pdf else ".png"
    for record in records:
        figures = record["figures"]
        if not figures:
            continue
        folder = Path(figures[0]).parent
        if full_paths:
            extra = ", and .pdf next to each" if pdf else ""
            print(f"Figures of {record['chapter']} (.png{extra}):")
            for figure in figures:
                print(f"  {figure}")
        else:
            names = ", ".join(Path(f).stem for f in figures)
            print(f"Figures of {record['chapter']} in {folder}/ ({kinds}): {names}")


if __name__ == "__main__":
    sys.exit(main())
