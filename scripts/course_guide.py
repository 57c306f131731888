"""Fill in the tables of the course guide (``book/course_guide.md``) at build time.

``scripts/build_book.py`` calls :func:`fill_course_guide` on the staged copy of the
page, after executing the chapters, so that every number on the page is computed by the
build that produced it:

* the chapters in the order of ``_toc.yml``, with the words of their Markdown cells and
  the reading time those give at :data:`WORDS_PER_MINUTE`, their number of exercises,
  and the time each took to execute in this build (from ``_build/logs/execution.json``,
  with the parameters and the machine's load);
* every exercise (a ``{exercise}`` directive in a chapter), with its chapter, title,
  label and the difficulty given in the page's source by a comment line
  ``% difficulty <label>: <1, 2 or 3>``.

The line ``% course-guide: tables`` in the page is replaced by the tables; the rest of
the page is left as written.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

from booktools import cell_source, read_notebook

MARKER = "% course-guide: tables"
# Mathematical prose read with its equations: about half the usual 200-250 words
# a minute.
WORDS_PER_MINUTE = 100
DIFFICULTY_LINE = re.compile(r"^%\s*difficulty\s+(\S+)\s*:\s*([123])\s*$", re.MULTILINE)
DIFFICULTY_STARS = {1: "★", 2: "★★", 3: "★★★"}
EXERCISE_OPEN = re.compile(r"^(`{3,}|:{3,})\{exercise\}[ \t]*(.*)$")
OPTION_LINE = re.compile(r"^:(\w[\w-]*):[ \t]*(.*)$")


def chapter_exercises(notebook: dict) -> list[dict]:
    """The exercises of a chapter: ``{"title": ..., "label": ...}`` in reading order."""
    found = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        lines = cell_source(cell).splitlines()
        for index, line in enumerate(lines):
            match = EXERCISE_OPEN.match(line.strip())
            if not match:
                continue
            label = None
            for option in lines[index + 1 :]:
                option_match = OPTION_LINE.match(option.strip())
                if not option_match:
                    break
                if option_match.group(1) == "label":
                    label = option_match.group(2).strip()
            found.append({"title": match.group(2).strip(), "label": label})
    return found


def chapter_words(notebook: dict) -> int:
    """Words of the chapter's Markdown cells (prose, equations and directives)."""
    return sum(
        len(cell_source(c).split())
        for c in notebook["cells"]
        if c["cell_type"] == "markdown"
    )


def reading_minutes(words: int) -> int:
    """Minutes to read ``words`` at :data:`WORDS_PER_MINUTE`, rounded up to 5."""
    return max(5, 5 * math.ceil(words / WORDS_PER_MINUTE / 5))


def _parameters_text(parameters: dict) -> str:
    shown = {k: v for k, v in parameters.items() if k != "figure_dir"}
    if not shown:
        return "the chapters' default parameters"
    return " ".join(f"`-p {k} {v}`" for k, v in shown.items())


def render_tables(
    chapters: list[Path], records: dict[str, dict], difficulty: dict, load: str
) -> str:
    """The Markdown of the two tables (chapters, then exercises).

    Parameters
    ----------
    chapters : list of Path
        The chapters' source notebooks, in reading order.
    records : dict
        Execution records by chapter path relative to the repository
        (``"book/strided.ipynb"``), as in ``execution.json``; a chapter without one
        shows "not executed in this build".
    difficulty : dict
        Difficulty (1, 2 or 3) by exercise label.
    load : str
        A sentence saying how busy the machine was.
    """
    rows = [
        "| | Chapter | Words | Reading time | Exercises | Execution in this build |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    exercise_rows = ["| Chapter | Exercise | Difficulty |", "| --- | --- | --- |"]
    parameter_sets = []
    for number, chapter in enumerate(chapters, start=1):
        notebook = read_notebook(chapter)
        docname = chapter.with_suffix("").name
        link = f"{{doc}}`{docname}`"
        words = chapter_words(notebook)
        exercises = chapter_exercises(notebook)
        record = records.get(f"book/{chapter.name}")
        if record and record.get("ok") and "seconds" in record:
            ran = f"{record['seconds']:.0f} s"
            parameter_sets.append(_parameters_text(record.get("parameters", {})))
        else:
            ran = "not executed in this build"
        rows.append(
            f"| {number} | {link} | {words} | "
            f"{reading_minutes(words)} min | {len(exercises)} | {ran} |"
        )
        for exercise in exercises:
            label = exercise["label"]
            name = exercise["title"].replace("|", "\\|") or "(untitled)"
            title = f"{{ref}}`{label}`: {name}" if label else name
            level = difficulty.get(label)
            shown = DIFFICULTY_STARS[level] if level else "not rated yet"
            exercise_rows.append(f"| {number}. {link} | {title} | {shown} |")
    parameters = sorted(set(parameter_sets))
    ran_with = (
        parameters[0]
        if len(parameters) == 1
        else "different parameters per chapter (" + "; ".join(parameters) + ")"
    )
    return "\n".join(
        [
            "```{table} The chapters in reading order: words of their text, the "
            f"reading time at {WORDS_PER_MINUTE} words a minute (rounded up to 5 "
            "minutes), their "
            "exercises, and the time each took to execute in the build of this page.",
            ":name: tab-course-guide-chapters",
            "",
            *rows,
            "```",
            "",
            "The execution times are those of the build of this page, with "
            f"{ran_with}; "
            f"{load}",
            "",
            "```{table} Every exercise of the book, with its chapter and difficulty "
            "(★ apply a result, ★★ derive a short result and check it, "
            "★★★ a longer "
            "proof or a computation to design).",
            ":name: tab-course-guide-exercises",
            "",
            *exercise_rows,
            "```",
        ]
    )


def machine_load() -> str:
    """A sentence on the machine: its cores and its load average now."""
    cores = os.cpu_count() or 1
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return f"the machine had {cores} CPU cores."
    return (
        f"the machine had {cores} CPU cores and a load average of {one:.1f} "
        f"(last minute) and {five:.1f} (last 5 minutes) when they ended."
    )


def fill_course_guide(page: Path, chapters: list[Path], records: list[dict]) -> bool:
    """Replace the marker line of ``page`` by the tables; False without a marker."""
    text = page.read_text(encoding="utf-8")
    if MARKER not in text.splitlines():
        return False
    difficulty = {label: int(level) for label, level in DIFFICULTY_LINE.findall(text)}
    by_chapter = {record["chapter"]: record for record in records}
    tables = render_tables(chapters, by_chapter, difficulty, machine_load())
    lines = [tables if line == MARKER else line for line in text.splitlines()]
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return True
