"""The course guide's tables (``scripts/course_guide.py``), filled in at build time.

On notebooks written here: the exercises are found with their labels, the reading time
follows the word count, a chapter without an execution record says so, an unrated
exercise says so. On the real page: the marker line is there, and every exercise of
every chapter in ``_toc.yml`` has a difficulty, and every difficulty names an exercise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import course_guide  # noqa: E402
from booktools import REPO_ROOT, TOC_PATH, read_notebook, toc_chapters  # noqa: E402

PAGE = REPO_ROOT / "book" / "course_guide.md"


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _write_chapter(folder: Path, name: str, cells: list[dict]) -> Path:
    path = folder / f"{name}.ipynb"
    path.write_text(
        json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    return path


@pytest.fixture
def chapter(tmp_path) -> Path:
    words = " ".join(["word"] * 1190)
    return _write_chapter(
        tmp_path,
        "toy",
        [
            _markdown(f"# A toy chapter\n\n{words}"),
            _markdown(
                "```{exercise} First | with a bar\n:label: ex-toy-1\n\nDo it.\n```"
            ),
            _markdown(
                ":::{exercise} Second\n:class: hard\n:label: ex-toy-2\nAgain.\n:::"
            ),
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": "```{exercise} not markdown\n```",
            },
        ],
    )


def test_exercises_are_found_with_their_labels(chapter):
    exercises = course_guide.chapter_exercises(read_notebook(chapter))
    assert exercises == [
        {"title": "First | with a bar", "label": "ex-toy-1"},
        {"title": "Second", "label": "ex-toy-2"},
    ]


def test_words_and_reading_time(chapter):
    words = course_guide.chapter_words(read_notebook(chapter))
    # 1190 words, the heading's 4 tokens, the exercises' 11 and 8 (directives included)
    assert words == 1190 + 4 + 11 + 8
    assert course_guide.reading_minutes(words) == 15  # 12.1 minutes, rounded up to 5
    assert course_guide.reading_minutes(1) == 5
    assert course_guide.reading_minutes(2000) == 20


def test_tables_show_times_parameters_and_difficulties(chapter, tmp_path):
    other = _write_chapter(tmp_path, "other", [_markdown("# Other\n\nshort")])
    records = {
        "book/toy.ipynb": {"ok": True, "seconds": 12.34, "parameters": {"n_draws": 50}}
    }
    text = course_guide.render_tables(
        [chapter, other], records, {"ex-toy-1": 3}, load="the machine was idle."
    )
    assert "| 1 | {doc}`toy` | 1213 | 15 min | 2 | 12 s |" in text
    assert (
        "| 2 | {doc}`other` | 3 | 5 min | 0 | not executed in this build |"
        in text
    )
    first = "| 1. {doc}`toy` | {ref}`ex-toy-1`: First \\| with a bar | ★★★ |"
    assert first in text
    assert "| 1. {doc}`toy` | {ref}`ex-toy-2`: Second | not rated yet |" in text
    assert "with `-p n_draws 50`; the machine was idle." in text
    assert ":name: tab-course-guide-chapters" in text


def test_fill_replaces_only_the_marker(chapter, tmp_path):
    page = tmp_path / "guide.md"
    page.write_text(
        f"# Guide\n\nbefore\n\n{course_guide.MARKER}\n\n"
        "% difficulty ex-toy-2: 1\nafter\n"
    )
    assert course_guide.fill_course_guide(page, [chapter], [])
    text = page.read_text()
    assert course_guide.MARKER not in text
    assert text.startswith("# Guide\n\nbefore\n") and text.endswith("after\n")
    assert "| 1. {doc}`toy` | {ref}`ex-toy-2`: Second | ★ |" in text
    untouched = tmp_path / "plain.md"
    untouched.write_text("# Plain\n")
    assert not course_guide.fill_course_guide(untouched, [chapter], [])
    assert untouched.read_text() == "# Plain\n"


def test_the_page_rates_every_exercise_of_the_book():
    text = PAGE.read_text(encoding="utf-8")
    assert course_guide.MARKER in text.splitlines(), (
        "book/course_guide.md lost its marker"
    )
    rated = dict(course_guide.DIFFICULTY_LINE.findall(text))
    labels = {
        exercise["label"]
        for path in toc_chapters(TOC_PATH)
        for exercise in course_guide.chapter_exercises(read_notebook(path))
    }
    unrated = sorted(labels - set(rated))
    assert not unrated, (
        f"exercises without a difficulty in book/course_guide.md: {unrated}; add a "
        "line "
        "'% difficulty <label>: 1' (or 2, 3) for each"
    )
    every_notebook = {
        exercise["label"]
        for path in sorted((REPO_ROOT / "book").glob("*.ipynb"))
        for exercise in course_guide.chapter_exercises(read_notebook(path))
    }
    stale = sorted(set(rated) - every_notebook)
    assert not stale, f"book/course_guide.md rates exercises that do not exist: {stale}"
