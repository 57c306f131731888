"""randfb.formatting: numbers printed as a × 10ⁿ, and glued again as text."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from randfb import formatting
from randfb.formatting import format_number


@pytest.mark.parametrize(
    ("value", "spec", "expected"),
    [
        (31900.4, ".3g", "3.19 × 10⁴"),
        (2.67e3, ".2e", "2.67 × 10³"),
        (0.051, ".1e", "5.1 × 10⁻²"),
        (1e-12, ".0e", "10⁻¹²"),
        (1e5, ".2e", "1.00 × 10⁵"),
        (5e-5, ".0e", "5 × 10⁻⁵"),
        (-2.67e3, ".2e", "-2.67 × 10³"),
        (1.5e-100, ".1e", "1.5 × 10⁻¹⁰⁰"),
        (2.5, ".3g", "2.5"),
        (0.051, ".3f", "0.051"),
        (123456, "g", "123456"),
        (np.float32(1e-5), "g", "10⁻⁵"),
        (7, ".3g", "7"),
        (128, "d", "128"),
        (np.int64(1024), "d", "1024"),
        (float("inf"), ".2e", "inf"),
        (float("nan"), ".2e", "nan"),
    ],
)
def test_format_number(value, spec, expected):
    assert format_number(value, spec) == expected


_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def _read_back(text: str) -> float:
    """The value of 'm × 10ⁿ', '10ⁿ' or a plain number."""
    mantissa, times, power = text.partition(" × ")
    if times:
        return float(mantissa) * 10.0 ** int(power[2:].translate(_DIGITS))
    if text.startswith("10") and text[2:3] in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻" and len(text) > 2:
        return 10.0 ** int(text[2:].translate(_DIGITS))
    return float(text)


def test_no_e_notation_survives_any_exponent_format():
    rng = np.random.default_rng(0)
    for value in 10.0 ** rng.uniform(-30, 30, size=200):
        for spec in (".0e", ".1e", ".3e", ".2g", ".3g", "g", ".2E", ".3G"):
            text = format_number(value, spec)
            assert "e" not in text.lower(), (value, spec, text)
            assert _read_back(text) == pytest.approx(
                float(format(value, spec)), rel=1e-12
            )


@pytest.mark.parametrize("bad", [True, "3", None, [1.0]])
def test_format_number_refuses_what_is_not_a_number(bad):
    with pytest.raises(ValueError, match="value must be a real number"):
        format_number(bad)


def test_format_number_refuses_a_spec_that_is_not_a_number_format():
    with pytest.raises(ValueError, match="spec"):
        format_number(1.0, "x")


def test_glue_formatted_glues_text_that_myst_nb_shows_without_quotes(monkeypatch):
    glued = {}
    monkeypatch.setattr(formatting, "_GLUED", {"kappa": 31900.4, "gap": 5.1e-2})
    texts = formatting.glue_formatted(
        {"kappa": ".3g", "gap": ".1e"},
        glue_function=lambda name, value, display: glued.update({name: value}),
    )
    assert texts == glued == {"kappa_fmt": "3.19 × 10⁴", "gap_fmt": "5.1 × 10⁻²"}
    # myst-nb's {glue:text} reads a str's text/plain (its repr) back with literal_eval
    from myst_nb.core.variables import format_plain_text

    assert format_plain_text(repr(glued["kappa_fmt"]), "") == "3.19 × 10⁴"
    assert ast.literal_eval(repr(glued["gap_fmt"])) == "5.1 × 10⁻²"
    with pytest.raises(KeyError, match="never_glued"):
        formatting.glue_formatted({"never_glued": ".2e"}, glue_function=print)


@pytest.mark.parametrize("display", [False, True])
@pytest.mark.parametrize("value", [31900.4, "3.19 × 10⁴", 7, [1, 2]])
def test_glue_writes_the_same_output_as_myst_nb(monkeypatch, value, display):
    """randfb's glue (no myst-nb import) displays exactly what myst-nb's glue does."""
    import IPython.display

    pytest.importorskip("myst_nb")
    from myst_nb.ext.glue import glue as myst_glue

    calls = []

    def capture(*args, **kwargs):
        calls.append((args, kwargs))

    monkeypatch.setattr(IPython.display, "display", capture)
    import myst_nb.ext.glue

    monkeypatch.setattr(myst_nb.ext.glue, "ipy_display", capture)
    monkeypatch.setattr(formatting, "_GLUED", {})
    myst_glue("key", value, display)
    formatting.glue("key", value, display)
    assert len(calls) == 2 and calls[0] == calls[1], calls
    assert formatting.glued_values() == {"key": value}
