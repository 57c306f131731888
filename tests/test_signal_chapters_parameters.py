"""The parameter checks of the deviations and real-signals chapters, on the values that
readers tried (issue: a SciPy error for ``-p duration 0.01``, a list of characters for
``-p recordings '["piano"]'``).

Runs the ``parameters`` and ``parameter-checks`` cells alone, as
``tests/test_chapter_parameters.py`` does, and checks the wording of each refusal.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from booktools import cell_source, parameters_cell, read_notebook  # noqa: E402

from randfb import available_recordings  # noqa: E402
from randfb.recordings import recording_info  # noqa: E402

BOOK = Path(__file__).resolve().parent.parent / "book"


def run_checks(chapter: str, **overrides) -> dict:
    notebook = read_notebook(BOOK / f"{chapter}.ipynb")
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    params = parameters_cell(notebook)
    checks = code[code.index(params) + 1]
    assert "parameter-checks" in checks["metadata"]["tags"]
    namespace: dict = {}
    exec(compile(cell_source(params), "<parameters>", "exec"), namespace)
    namespace.update(overrides)
    exec(compile(cell_source(checks), "<parameter-checks>", "exec"), namespace)
    return namespace


def test_too_short_a_duration_names_duration_and_its_range():
    with pytest.raises(ValueError) as error:
        run_checks("real_signals", duration=0.01)
    message = str(error.value)
    assert message.startswith("parameter duration must be a finite number >= ")
    assert "<= 10.0, got 0.01" in message


def test_an_unknown_recording_lists_the_available_names():
    with pytest.raises(ValueError) as error:
        run_checks("real_signals", recordings=["piano"])
    message = str(error.value)
    assert "parameter recordings" in message and "'piano'" in message
    for name in available_recordings():
        assert repr(name) in message


def test_a_list_passed_as_text_says_to_use_yaml():
    with pytest.raises(ValueError) as error:
        run_checks("real_signals", recordings='["piano"]')
    assert "parameter recordings" in str(error.value)
    assert '-y "recordings: [' in str(error.value)


def test_relations_between_parameters_are_checked():
    with pytest.raises(ValueError, match="parameter ex_period must divide N"):
        run_checks("real_signals", ex_period=125)
    with pytest.raises(ValueError, match="parameter log2_T_max"):
        run_checks("deviations", N=512)
    with pytest.raises(ValueError, match="parameter validity_log2_T"):
        run_checks("deviations", validity_log2_T=[2, 3])


def test_the_default_recordings_cover_speech_music_and_environmental_sound():
    defaults = run_checks("real_signals")["recordings"]
    kinds = {recording_info(name).kind for name in defaults}
    assert kinds == {"speech", "music", "environmental"}
