"""Numbers as the book's pages print them: ``3.19 × 10⁴``, never ``3.19e+04``.

The chapters quote computed numbers in their prose by gluing them (myst-nb's ``glue``)
and formatting them on the page (``{glue:text}`key:.3f```). A format such as ``.2e`` or
``.3g`` prints Python's E-notation, ``3.19e+04``, which reads as code. The one helper of
this module, :func:`format_number`, formats a number with a Python format specification
and rewrites the exponent as a power of ten with superscript digits (plain Unicode text,
so it reads the same in prose, captions, tables and figure labels).

A chapter glues such numbers as text: myst-nb's ``{glue:text}`` role strips the quotes
of a glued ``str`` (it reads the ``text/plain`` output with ``ast.literal_eval``), on the
chapter's own page and across pages (``{glue:text}`chapter.ipynb::key```). For that,
:func:`glue` records every value glued through it (and passes it on to myst-nb's
``glue``), and :func:`glue_formatted` glues the recorded values again, formatted, under
``<key>_fmt``; the page then quotes ``{glue:text}`key_fmt```.

Examples
--------
>>> from randfb.formatting import format_number
>>> format_number(31900.4, ".3g")
'3.19 × 10⁴'
>>> format_number(0.051, ".1e")
'5.1 × 10⁻²'
>>> format_number(1e-12, ".0e")
'10⁻¹²'
>>> format_number(2.5, ".3g")
'2.5'
"""

from __future__ import annotations

import math
import numbers
import re

__all__ = ["format_number", "glue", "glue_formatted", "glued_values"]

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_E_NOTATION = re.compile(r"^([+-]?)(\d+(?:\.\d*)?)[eE]([+-]?)(\d+)$")
#: Exponent formats (``e``, ``g`` and friends): the ones that can print E-notation.
SCIENTIFIC_TYPES = "eEgGn"


def format_number(value, spec: str = ".3g") -> str:
    """Format ``value`` with ``spec``, writing any exponent as ``× 10ⁿ``.

    ``format(value, spec)`` is taken as is when it has no exponent (``'2.5'``,
    ``'0.051'``); otherwise ``m e±k`` becomes ``m × 10ᵏ`` with superscript digits, the
    exponent's sign kept only when negative and its leading zeros dropped; a mantissa
    printed as ``1`` (no decimals) is left out (``10⁻¹²``). A minus sign of the value
    stays in front.

    Parameters
    ----------
    value : real number
        The number (NumPy scalars included); ``bool`` is refused.
    spec : str
        A Python format specification for a number, e.g. ``".3g"``, ``".1e"``, ``".2f"``.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If ``value`` is not a real number or ``spec`` is not a number format.

    Examples
    --------
    >>> format_number(-2.67e3, ".2e")
    '-2.67 × 10³'
    >>> format_number(float("inf"))
    'inf'
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"value must be a real number, got {value!r}")
    integer_spec = isinstance(value, numbers.Integral) and spec[-1:] in ("d", "b", "o",
                                                                        "x", "X", "c")
    try:
        text = format(int(value) if integer_spec else float(value), spec)
    except (ValueError, TypeError) as error:
        raise ValueError(f"spec must be a number format such as '.3g', got {spec!r}: "
                         f"{error}") from None
    match = _E_NOTATION.match(text.strip())
    if not match or not math.isfinite(value):
        return text
    sign, mantissa, exp_sign, digits = match.groups()
    power = "10" + ((exp_sign if exp_sign == "-" else "") + str(int(digits))).translate(
        _SUPERSCRIPTS)
    if mantissa == "1":
        return f"{sign}{power}"
    return f"{sign}{mantissa} × {power}"


_GLUED: dict[str, object] = {}


def glued_values() -> dict[str, object]:
    """The values glued through :func:`glue` in this session (a copy), by key."""
    return dict(_GLUED)


#: The MIME prefix of a glued output that is not displayed (myst-nb reads it back).
GLUE_PREFIX = "application/papermill.record/"


def glue(name: str, variable, display: bool = True) -> None:
    """myst-nb's ``glue``, recording ``variable`` for :func:`glue_formatted`.

    Same arguments and the same cell output as :func:`myst_nb.glue`: the display data
    of ``variable`` (its MIME bundle), with every MIME type prefixed by
    :data:`GLUE_PREFIX` unless ``display``, and ``metadata["scrapbook"] = {"name":
    name, "mime_prefix": prefix}``, which is what myst-nb looks for when it builds the
    page (``tests/test_formatting.py`` compares the two outputs). It is written out
    here because importing ``myst_nb.ext.glue`` imports nbformat and jsonschema, about
    2 s of processor time in every chapter's kernel (measured with -X importtime).
    """
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipy_display

    _GLUED[name] = variable
    mimebundle, metadata = format_display_data(variable)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    ipy_display({prefix + k: v for k, v in mimebundle.items()}, raw=True,
                metadata=metadata)


def glue_formatted(specs: dict[str, str], *, glue_function=None) -> dict[str, str]:
    """Glue ``<key>_fmt``: the value glued as ``key``, formatted by :func:`format_number`.

    Parameters
    ----------
    specs : dict of str to str
        For each key glued earlier through :func:`glue`, its format specification.
    glue_function : callable, optional
        ``glue_function(name, text, display=False)``; default :func:`glue` (the
        same output as myst-nb's ``glue``).

    Returns
    -------
    dict of str to str
        The texts glued, by new key.

    Raises
    ------
    KeyError
        If a key was not glued through :func:`glue` (the message names it).

    Examples
    --------
    >>> _GLUED["kappa"] = 31900.4
    >>> glue_formatted({"kappa": ".3g"}, glue_function=lambda *a, **k: None)
    {'kappa_fmt': '3.19 × 10⁴'}
    """
    if glue_function is None:
        glue_function = glue
    missing = [key for key in specs if key not in _GLUED]
    if missing:
        raise KeyError(f"not glued through randfb.formatting.glue: {missing}")
    texts = {f"{key}_fmt": format_number(_GLUED[key], spec) for key, spec in specs.items()}
    for name, text in texts.items():
        glue_function(name, text, display=False)
    return texts
