"""The command line of ``scripts/build_book.py``, without executing any chapter.

Rerunning a chapter (``--only NAME -p NAME VALUE``) must refuse what it cannot do before
anything runs: a chapter that is not in ``_toc.yml``, a parameter the chapter does not
declare (papermill would inject it and the chapter would run with its default), a list
passed as text with ``-p``. It accepts ``book/NAME.ipynb`` as well as ``NAME``. The cell
that counts a chapter's checks and the tidying of the executed notebook are checked on
a notebook written here.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import build_book  # noqa: E402
from booktools import REPO_ROOT, TOC_PATH, toc_chapters  # noqa: E402

CHAPTERS = toc_chapters(TOC_PATH)
FIRST = CHAPTERS[0]


@pytest.fixture
def no_execution(monkeypatch):
    """Make any attempt to start a kernel, stage sources or execute a chapter fail."""

    def forbidden(*args, **kwargs):
        raise AssertionError("build_book started work although the command was refused")

    for name in ("check_kernel", "stage_sources", "execute_chapter", "build_html"):
        monkeypatch.setattr(build_book, name, forbidden)


def _main(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = build_book.main(argv)
    return status, err.getvalue()


@pytest.mark.parametrize(
    "name",
    [
        FIRST.stem,
        f"{FIRST.stem}.ipynb",
        f"book/{FIRST.stem}.ipynb",
        f"./book/{FIRST.stem}.ipynb",
        str(FIRST),
    ],
)
def test_only_accepts_a_stem_or_the_notebook_path(name, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    assert build_book.resolve_chapters([name], CHAPTERS) == [FIRST]


def test_only_keeps_the_order_of_the_toc_and_drops_duplicates():
    last, first = CHAPTERS[-1], CHAPTERS[0]
    chosen = build_book.resolve_chapters([last.stem, first.stem, str(first)], CHAPTERS)
    assert chosen == ([first, last] if first != last else [first])


@pytest.mark.parametrize(
    "name", ["no_such_chapter", "book/intro.md", "/tmp/elsewhere/energy_variance.ipynb"]
)
def test_only_refuses_what_is_not_a_chapter(name):
    with pytest.raises(build_book.UsageError) as error:
        build_book.resolve_chapters([name], CHAPTERS)
    message = str(error.value)
    assert name in message
    assert all(chapter.stem in message for chapter in CHAPTERS), message


def test_only_suggests_the_closest_chapter():
    with pytest.raises(build_book.UsageError, match=f"did you mean {FIRST.stem}"):
        build_book.resolve_chapters([FIRST.stem[:-1]], CHAPTERS)


def test_unknown_parameter_of_a_chosen_chapter_is_refused_with_its_parameters():
    declared = build_book.chapter_parameters(FIRST)
    with pytest.raises(build_book.UsageError) as error:
        build_book.plan_parameters([FIRST], [("n_draw", "5")], {}, only=True)
    message = str(error.value)
    assert "'n_draw'" in message and "did you mean n_draws" in message
    assert all(name in message for name in declared), message


def test_unknown_yaml_parameter_is_refused_too():
    with pytest.raises(build_book.UsageError, match="no parameter 'T_valuez'"):
        build_book.plan_parameters([FIRST], [], {"T_valuez": [8, 64]}, only=True)


def test_declared_parameters_are_planned_for_the_chapter():
    plan, notes = build_book.plan_parameters(
        [FIRST], [("n_draws", "50"), ("seed", "3")], {}, only=True
    )
    assert plan[FIRST] == ([("n_draws", "50"), ("seed", "3")], {})
    assert notes == []


def test_a_list_given_with_p_is_refused_with_the_yaml_advice():
    with pytest.raises(build_book.UsageError, match='-y "T_values: \\[8, 64\\]"'):
        build_book.plan_parameters([FIRST], [("T_values", "[8, 64]")], {}, only=True)


def test_without_only_a_parameter_goes_to_the_chapters_that_declare_it():
    a, b = Path(REPO_ROOT / "book/a.ipynb"), Path(REPO_ROOT / "book/b.ipynb")
    declared = {a: {"n_draws": 1, "N": 8}, b: {"n_draws": 1}}
    plan, notes = build_book.plan_parameters(
        [a, b],
        [("N", "16"), ("n_draws", "5")],
        {"N": 32},
        only=False,
        declared=declared,
    )
    assert plan[a] == ([("N", "16"), ("n_draws", "5")], {"N": 32})
    assert plan[b] == ([("n_draws", "5")], {})
    assert len(notes) == 1 and "N goes only to" in notes[0] and "a" in notes[0]
    with pytest.raises(build_book.UsageError, match="no chapter has a parameter 'M'"):
        build_book.plan_parameters(
            [a, b], [("M", "1")], {}, only=False, declared=declared
        )


def test_yaml_parameters_are_read_as_papermill_reads_them():
    values = build_book.parse_yaml_parameters(
        ["T_values: [8, 64]", "recordings: [piano, flute]\nseed: 2", "day: 2024-05-21"]
    )
    assert values == {
        "T_values": [8, 64],
        "recordings": ["piano", "flute"],
        "seed": 2,
        "day": "2024-05-21",
    }
    for bad in ["[8, 64]", "T_values: [8, 64", "just text"]:
        with pytest.raises(build_book.UsageError, match="-y"):
            build_book.parse_yaml_parameters([bad])


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--only", "no_such_chapter"], "no chapter of that name"),
        (
            ["--only", f"book/{FIRST.stem}.ipynb", "-p", "n_draw", "5"],
            "has no parameter 'n_draw'",
        ),
        (["--only", FIRST.stem, "-p", "n_draws", "[5]"], "-p passes text"),
        (["-p", "no_such_parameter", "1"], "no chapter has a parameter"),
        (["-y", "not a mapping"], 'expected "NAME: VALUE"'),
    ],
)
def test_main_refuses_before_running_anything(argv, expected, no_execution, tmp_path):
    status, err = _main([*argv, "--out", str(tmp_path)])
    assert status == 2
    assert expected in err and err.startswith("error: "), err
    assert not (tmp_path / "_build").exists()


def test_html_only_takes_no_parameters(capsys):
    with pytest.raises(SystemExit) as exit_:
        build_book.parse_args(["--html-only", "-p", "n_draws", "5"])
    assert exit_.value.code == 2
    assert "--html-only executes nothing" in capsys.readouterr().err


def test_placeholder_warning(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text("repository:\n  url: https://github.com/OWNER/REPO\n")
    warning = build_book.placeholder_warning(config)
    assert warning and "OWNER/REPO" in warning and "README.md" in warning
    config.write_text("repository:\n  url: https://github.com/someone/randfb-book\n")
    assert build_book.placeholder_warning(config) is None


@pytest.fixture
def recorded_checks(monkeypatch):
    """Run the recorder cell as a chapter would; the class is restored afterwards."""
    from randfb import Checks

    monkeypatch.setattr(Checks, "assert_all", Checks.assert_all)
    namespace: dict = {}
    exec(build_book.CHECKS_RECORDER_SOURCE, namespace)
    exec(build_book.CHECKS_RECORDER_SOURCE, namespace)  # twice: wrapped only once
    return namespace


def _report_output(namespace: dict) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(build_book.CHECKS_REPORT_SOURCE, namespace)
    return out.getvalue()


def _asserted(checks_passing: list[list[bool]]) -> list:
    """Checks objects with these outcomes, each asserted (failures caught)."""
    from randfb import Checks

    made = []
    for outcomes in checks_passing:
        checks = Checks()
        for ok in outcomes:
            checks.that(ok, "a check")
        with contextlib.suppress(AssertionError):
            checks.assert_all()
        made.append(checks)
    return made


def test_the_report_counts_every_asserted_checks_object(recorded_checks):
    # Two objects bound to the same name in turn, as chapters do for their exercises,
    # and one never asserted: the report has the two asserted ones.
    from randfb import Checks

    _asserted([[True, True, False], [True]])
    never = Checks()
    never.that(True, "not asserted")
    text = _report_output(recorded_checks)
    assert text.startswith(build_book.CHECKS_REPORT_PREFIX)
    report = json.loads(text.removeprefix(build_book.CHECKS_REPORT_PREFIX))
    assert report == [[3, 2], [1, 1]]


def _code_cell(source, tags=(), outputs=()):
    return {
        "cell_type": "code",
        "execution_count": 1,
        "id": source[:8] or "empty",
        "metadata": {"tags": list(tags)},
        "outputs": list(outputs),
        "source": source,
    }


def test_instrumented_copy_and_finish_executed(tmp_path, recorded_checks):
    source = tmp_path / "chapter.ipynb"
    chapter = [
        _code_cell("n_draws = 5", tags=["parameters"]),
        _code_cell("check_int(...)", tags=["parameter-checks"]),
    ]
    source.write_text(
        json.dumps(
            {"cells": chapter, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        )
    )
    copy = tmp_path / "instrumented.ipynb"
    build_book.instrumented_copy(source, copy)
    cells = json.loads(copy.read_text())["cells"]
    assert [c["source"] for c in cells] == [
        "n_draws = 5",
        build_book.CHECKS_RECORDER_SOURCE,
        "check_int(...)",
        build_book.CHECKS_REPORT_SOURCE,
    ]
    for added in (cells[1], cells[3]):
        assert added["metadata"]["tags"] == [
            build_book.CHECKS_REPORT_TAG,
            "remove-cell",
        ]

    # What papermill would write: the injected cell, the chapter, the report's output.
    _asserted([[True, True, True], [True, True]])
    report = _report_output(recorded_checks)
    stream = {"output_type": "stream", "name": "stdout", "text": report}
    tag = [build_book.CHECKS_REPORT_TAG, "remove-cell"]
    executed = tmp_path / "executed.ipynb"
    executed.write_text(
        json.dumps(
            {
                "cells": [
                    _code_cell("n_draws = 5", tags=["parameters"]),
                    _code_cell("n_draws = 50", tags=["injected-parameters"]),
                    _code_cell(build_book.CHECKS_RECORDER_SOURCE, tags=tag),
                    _code_cell("check_int(...)", tags=["parameter-checks"]),
                    _code_cell(
                        build_book.CHECKS_REPORT_SOURCE, tags=tag, outputs=[stream]
                    ),
                ],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    summary = build_book.finish_executed(executed)
    assert summary == "5 of 5 checks passed (2 Checks asserted)"
    cells = json.loads(executed.read_text())["cells"]
    assert [c["source"] for c in cells] == [
        "n_draws = 5",
        "n_draws = 50",
        "check_int(...)",
    ], "added cells not removed"
    assert "remove-cell" in cells[1]["metadata"]["tags"]


def test_finish_executed_reports_the_error_that_stopped_a_chapter(tmp_path):
    error = {
        "output_type": "error",
        "ename": "ValueError",
        "evalue": "parameter n_draws must be an integer >= 1, got -5",
        "traceback": [],
    }
    executed = tmp_path / "executed.ipynb"
    executed.write_text(
        json.dumps(
            {
                "cells": [_code_cell("check_int(...)", outputs=[error])],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    summary = build_book.finish_executed(executed)
    assert summary == (
        "stopped by ValueError: parameter n_draws must be an integer >= 1, got -5"
    )


def _earlier_build(out: Path, failed: set[str] = frozenset()) -> None:
    """Fake an earlier full build into ``out``: an executed copy of every chapter."""
    executed = out / "_build" / "executed"
    records = []
    for chapter in CHAPTERS:
        relative = chapter.relative_to(REPO_ROOT)
        path = executed / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"cells": [], "metadata": {}}))
        records.append({"chapter": str(relative), "ok": str(relative) not in failed})
    logs = out / "_build" / "logs"
    logs.mkdir(parents=True)
    (logs / "execution.json").write_text(json.dumps(records))


@pytest.fixture
def fake_run(monkeypatch):
    """Run main with the kernel, papermill and Jupyter Book replaced by recorders."""
    calls = {"executed": [], "html": 0}

    def execute(source, executed_dir, figures_dir, logs_dir, params, yaml_, env, *_):
        calls["executed"].append((source, params, yaml_))
        return {
            "chapter": str(source.relative_to(REPO_ROOT)),
            "ok": True,
            "seconds": 1.0,
            "parameters": dict(params),
            "checks": "1 of 1 checks passed",
            "figures": [],
            "executed": "",
            "log": "",
        }

    def html(executed_dir, out, logs_dir, env):
        calls["html"] += 1
        calls["kept"] = sorted(p.name for p in (executed_dir / "book").glob("*.ipynb"))
        return True

    monkeypatch.setattr(build_book, "check_kernel", lambda env: None)
    monkeypatch.setattr(build_book, "execute_chapter", execute)
    monkeypatch.setattr(build_book, "build_html", html)
    return calls


def test_only_rebuilds_the_html_with_the_other_chapters_kept(fake_run, tmp_path):
    _earlier_build(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = build_book.main(
            [
                "--only",
                f"book/{FIRST.name}",
                "-p",
                "n_draws",
                "7",
                "--out",
                str(tmp_path),
            ]
        )
    assert status == 0, out.getvalue()
    assert fake_run["executed"] == [(FIRST, [("n_draws", "7")], {})]
    assert fake_run["html"] == 1
    # every executed copy survives the staging (the fake run writes none; the rerun
    # chapter's copy is replaced only by a successful run)
    assert fake_run["kept"] == sorted(c.name for c in CHAPTERS)
    assert "1 of 1 checks passed" in out.getvalue()
    records = json.loads((tmp_path / "_build/logs/execution.json").read_text())
    assert sorted(r["chapter"] for r in records) == sorted(
        str(c.relative_to(REPO_ROOT)) for c in CHAPTERS
    )


def test_only_does_not_reuse_a_chapter_that_failed_before(fake_run, tmp_path):
    if len(CHAPTERS) < 2:
        pytest.skip("needs two chapters")
    broken = str(CHAPTERS[-1].relative_to(REPO_ROOT))
    _earlier_build(tmp_path, failed={broken})
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = build_book.main(["--only", FIRST.stem, "--out", str(tmp_path)])
    assert status == 1, "HTML asked for and not rebuilt: the exit status must say so"
    assert fake_run["html"] == 0
    text = out.getvalue()
    assert "HTML not rebuilt" in text and CHAPTERS[-1].stem in text
    last = text.strip().splitlines()[-1]
    assert last.startswith("FAILED") and f"--only {CHAPTERS[-1].stem}" in last, last


def test_html_only_without_every_chapter_exits_1_and_names_them(fake_run, tmp_path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = build_book.main(["--html-only", "--out", str(tmp_path)])
    assert status == 1 and fake_run["html"] == 0
    last = out.getvalue().strip().splitlines()[-1]
    assert all(f"--only {c.stem}" in last for c in CHAPTERS), last


# ---------------------------------------------------------------- failed reruns
# papermill is replaced by a fake that writes what papermill would: the executed
# notebook (with the parameters in its metadata) and one figure per chapter, or, for a
# parameter that is not a number, a partly executed notebook with the error and exit 1.


def _fake_papermill(calls):
    def run(command, log, env, progress):
        source, output = Path(command[3]), Path(command[4])
        given = {}
        for i, word in enumerate(command):
            if word == "-p":
                given[command[i + 1]] = command[i + 2]
        calls.append(Path(source).name)
        notebook = json.loads(source.read_text())
        notebook["metadata"]["papermill"] = {"parameters": given}
        bad = not given.get("n_draws", "1").isdigit()
        if bad:
            error = {
                "output_type": "error",
                "ename": "ValueError",
                "evalue": f"parameter n_draws must be an integer, got {given['n_draws']!r}",
                "traceback": ["Traceback line 1", "Traceback line 2"],
            }
            for cell in notebook["cells"]:
                if "parameter-checks" in cell["metadata"].get("tags", []):
                    cell["outputs"] = [error]
        output.write_text(json.dumps(notebook))
        figure_dir = Path(given["figure_dir"])
        figure_dir.mkdir(parents=True, exist_ok=True)
        (figure_dir / f"half-{given.get('n_draws', 'default')}.png").write_bytes(b"png")
        with log.open("a") as handle:
            handle.write("Traceback (most recent call last):\n  ...\n" if bad else "ok\n")
        return 1 if bad else 0

    return run


@pytest.fixture
def fake_papermill(monkeypatch):
    calls: list[str] = []
    html = {"count": 0}

    def build_html(executed_dir, out, logs_dir, env):
        html["count"] += 1
        return True

    monkeypatch.setattr(build_book, "check_kernel", lambda env: None)
    monkeypatch.setattr(build_book, "run_papermill", _fake_papermill(calls))
    monkeypatch.setattr(build_book, "build_html", build_html)
    return calls, html


def _run_main(argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = build_book.main(argv)
    return status, out.getvalue()


def test_a_failed_rerun_keeps_the_last_good_copy_and_figures(fake_papermill, tmp_path):
    """The issue's sequence: build all; rerun one chapter with a bad value (exit 1);
    the other chapters still rerun and rebuild the HTML; --html-only still works."""
    if len(CHAPTERS) < 2:
        pytest.skip("needs two chapters")
    calls, html = fake_papermill
    first, second = CHAPTERS[0], CHAPTERS[1]
    out = ["--out", str(tmp_path), "--jobs", "1"]
    status, text = _run_main(out)
    assert status == 0, text
    assert html["count"] == 1
    executed = tmp_path / "_build/executed" / first.relative_to(REPO_ROOT)
    figures = tmp_path / "_build/figures" / first.stem
    good_copy = executed.read_bytes()
    assert sorted(p.name for p in figures.iterdir()) == ["half-default.png"]

    status, text = _run_main(["--only", first.stem, "-p", "n_draws", "ten", *out])
    assert status == 1
    assert executed.read_bytes() == good_copy, "the last good executed copy was lost"
    assert sorted(p.name for p in figures.iterdir()) == ["half-default.png"]
    failed_copy = tmp_path / "_build/logs" / f"{first.stem}.failed.ipynb"
    assert failed_copy.is_file(), "the partly executed copy is kept for inspection"
    lines = text.strip().splitlines()
    assert lines[-1].startswith("FAILED: 1 of 1 chapter(s)"), lines[-1]
    assert "n_draws must be an integer" in lines[-1] and "kept" in lines[-1]
    assert "Traceback" not in text, "the traceback belongs in the log only"
    assert html["count"] == 1
    assert not list((tmp_path / "_build/logs").glob("*.input.ipynb"))

    status, text = _run_main(["--only", second.stem, *out])
    assert status == 0, text
    assert html["count"] == 2, "the HTML must be rebuilt from the kept good copies"
    status, text = _run_main(["--html-only", "--out", str(tmp_path)])
    assert status == 0, text
    assert html["count"] == 3

    status, text = _run_main(["--only", first.stem, "-p", "n_draws", "7", *out])
    assert status == 0, text
    assert executed.read_bytes() != good_copy
    assert sorted(p.name for p in figures.iterdir()) == ["half-7.png"]
    assert not failed_copy.exists()
    notebook = json.loads(executed.read_text())
    notes = [
        "".join(c["source"])
        for c in notebook["cells"]
        if build_book.RUN_PARAMETERS_TAG in c["metadata"].get("tags", [])
    ]
    default = build_book.chapter_parameters(first)["n_draws"]
    assert len(notes) == 1 and f"`n_draws = '7'` (default `{default!r}`)" in notes[0]


def test_run_parameters_note_lists_only_what_differs():
    declared = {"n_draws": 1000, "seed": 0, "figure_dir": "x"}
    assert build_book.run_parameters_note(declared, {"figure_dir": "/tmp/f"}) is None
    assert build_book.run_parameters_note(declared, {"n_draws": 1000}) is None
    note = build_book.run_parameters_note(
        declared, {"n_draws": 10000, "seed": 1, "figure_dir": "/tmp/f"}
    )
    assert "`n_draws = 10000` (default `1000`) and `seed = 1` (default `0`)" in note
    assert "figure_dir" not in note


def test_pdf_passes_figure_formats_to_the_chapters_that_declare_it(fake_run, tmp_path):
    _earlier_build(tmp_path)
    with contextlib.redirect_stdout(io.StringIO()):
        status = build_book.main(["--only", FIRST.stem, "--pdf", "--out", str(tmp_path)])
    assert status == 0
    (source, _, yaml_), = fake_run["executed"]
    if "figure_formats" in build_book.chapter_parameters(FIRST):
        assert yaml_ == {"figure_formats": ["png", "pdf"]}
    else:
        assert yaml_ == {}


def test_pdf_refuses_figure_formats_given_twice(no_execution, tmp_path):
    status, err = _main(
        ["--pdf", "-y", "figure_formats: [pdf]", "--out", str(tmp_path)]
    )
    assert status == 2 and "--pdf sets figure_formats" in err


def test_html_only_executes_nothing(fake_run, tmp_path):
    _earlier_build(tmp_path)
    with contextlib.redirect_stdout(io.StringIO()):
        status = build_book.main(["--html-only", "--out", str(tmp_path)])
    assert status == 0
    assert fake_run["executed"] == [] and fake_run["html"] == 1
