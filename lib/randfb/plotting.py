"""One plotting style for every chapter of the book.

Every chapter calls :func:`use_style` once, draws with the helpers below (or plain
matplotlib on the axes they return) and saves each figure with :func:`save_figure`.
The helpers take ``ax=None`` (a new figure) or an existing axes, return ``(fig, ax)``
and never save: the chapter decides where a figure goes.

matplotlib and seaborn are imported only when a function needs them, so
``import randfb`` stays free of plotting dependencies (randfb is not on PyPI: install
them from a clone of the book's repository with ``pip install -e ".[plot]"``).

Used by: every chapter (``book/*.ipynb``).

Examples
--------
>>> from randfb import plotting
>>> plotting.use_style()
>>> fig, ax = plotting.plot_against_T([8, 16, 32], [0.1, 0.2, 0.4], label="impulse",
...                                   color=plotting.PALETTE["impulse"])
>>> ax.get_xlabel()
'filter length $T$'
"""

from __future__ import annotations

import contextlib
import logging
import re
from pathlib import Path

__all__ = [
    "PALETTE",
    "LABELS",
    "use_style",
    "color_of",
    "save_figure",
    "new_axes",
    "set_log2_axis",
    "plain_log_ticks",
    "legend_lines",
    "plot_against_T",
    "plot_band",
    "plot_histogram",
    "plot_density",
]

#: Named colours (colour-blind safe, from seaborn's "colorblind" palette). The three
#: artificial signals of the paper, the recordings in data/, the frame bounds A and B,
#: the condition number, and theory / bounds drawn over simulations.
PALETTE: dict[str, str] = {
    "impulse": "#0173b2",
    "brownian": "#de8f05",
    "nyquist": "#029e73",
    "snare": "#ca9161",
    "speech": "#949494",
    "flute": "#56b4e9",
    "cello": "#fbafe4",
    "organ": "#6a3d9a",
    "cymbal": "#8c6d31",
    "fire": "#b2182b",
    "birds": "#66a61e",
    "footsteps": "#525252",
    "A": "#cc78bc",
    "B": "#d55e00",
    "kappa": "#0173b2",
    "theory": "#000000",
    "bound": "#7f7f7f",
}

#: Display names matching the keys of :data:`PALETTE`.
LABELS: dict[str, str] = {
    "impulse": "impulse",
    "brownian": "Brownian noise",
    "nyquist": "Nyquist sine",
    "snare": "snare",
    "speech": "speech",
    "flute": "flute",
    "cello": "cello",
    "organ": "organ",
    "cymbal": "cymbal",
    "fire": "fire",
    "birds": "birds",
    "footsteps": "footsteps",
    "A": "lower frame bound $A$",
    "B": "upper frame bound $B$",
    "kappa": r"condition number $\kappa$",
    "theory": "theory",
    "bound": "bound",
}

#: matplotlib settings applied by :func:`use_style` on top of seaborn's "ticks" theme.
STYLE_RC: dict[str, object] = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 110,
    "figure.constrained_layout.use": True,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
    "lines.markersize": 4.5,
    "mathtext.fontset": "cm",
    "image.cmap": "magma",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
}

# Figure files are reproducible byte for byte: no creation date, no software version.
_FIGURE_METADATA = {
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
}
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# When embedding matplotlib's Computer Modern fonts in a PDF, fontTools logs a harmless
# warning about their old header timestamps; it would show as noise under each figure.
_QUIET_LOGGERS = ("fontTools.ttLib.tables._h_e_a_d",)


@contextlib.contextmanager
def _quiet_font_warnings():
    loggers = [logging.getLogger(name) for name in _QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _pyplot():
    """Import matplotlib.pyplot, with an actionable error when it is missing."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "randfb.plotting needs matplotlib and seaborn: from a clone of the project, "
            'pip install -e ".[plot]"'
        ) from error
    return plt


def use_style(context: str = "notebook") -> None:
    """Set the book's fonts, colours and sizes for all following figures.

    Parameters
    ----------
    context : {"paper", "notebook", "talk"}
        seaborn scaling context; ``"notebook"`` for the book's pages.

    Raises
    ------
    ValueError
        If ``context`` is not one of the allowed values.

    Examples
    --------
    >>> from randfb import plotting
    >>> plotting.use_style()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["mathtext.fontset"]
    'cm'
    """
    allowed = ("paper", "notebook", "talk")
    if context not in allowed:
        raise ValueError(f"context must be one of {allowed}, got {context!r}")
    _pyplot()
    import seaborn as sns

    sns.set_theme(
        context=context,
        style="ticks",
        palette=[PALETTE[k] for k in ("impulse", "brownian", "nyquist", "A", "B")],
        rc=dict(STYLE_RC),
    )


def color_of(name: str) -> str:
    """Return the colour of a named quantity (a key of :data:`PALETTE`).

    Raises
    ------
    ValueError
        If ``name`` is not a key of :data:`PALETTE`.

    Examples
    --------
    >>> color_of("nyquist")
    '#029e73'
    """
    try:
        return PALETTE[name]
    except KeyError:
        raise ValueError(
            f"name must be one of {sorted(PALETTE)}, got {name!r}"
        ) from None


#: The formats :func:`save_figure` can write; the book needs only PNG.
FIGURE_FORMATS = ("png", "pdf")


def save_figure(fig, name: str, figure_dir, formats=("png",)):
    """Write ``fig`` as ``<figure_dir>/<name>.png`` (and ``.pdf`` on request).

    PNG is what the book shows; PDF (vector) is opt-in, because saving every figure as
    PDF took about a fifth of the book's execution time. A chapter passes its
    ``figure_formats`` parameter (``["png"]`` by default, ``["png", "pdf"]`` with
    ``scripts/build_book.py --pdf``).

    The folder is created if needed. Files carry no date or software version, so the
    same figure gives the same bytes on every run.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to save.
    name : str
        File name without suffix: letters, digits, ``_``, ``-``, ``.``; no folders.
    figure_dir : str or path-like
        Folder for the files (the chapter's ``figure_dir`` parameter).
    formats : sequence of {"png", "pdf"}
        Formats to write (default PNG only).

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``formats``.

    Raises
    ------
    ValueError
        If ``name`` is empty, contains a folder or a suffix to be added, or a format is
        not ``"png"`` or ``"pdf"``.

    Examples
    --------
    >>> import tempfile
    >>> fig, ax = new_axes()
    >>> [p.suffix for p in save_figure(fig, "example", tempfile.mkdtemp())]
    ['.png']
    >>> paths = save_figure(fig, "example", tempfile.mkdtemp(), formats=["png", "pdf"])
    >>> [p.suffix for p in paths]
    ['.png', '.pdf']
    """
    if not isinstance(name, str) or not _NAME_PATTERN.match(name):
        raise ValueError(
            "name must be a file name without folder (letters, digits, '_', '-', '.'), "
            f"got {name!r}"
        )
    if name.lower().endswith((".png", ".pdf")):
        raise ValueError(f"name must not end with a suffix (it is added), got {name!r}")
    if isinstance(formats, str):
        formats = (formats,)
    formats = tuple(formats)
    unknown = [f for f in formats if f not in _FIGURE_METADATA]
    if unknown or not formats or len(set(formats)) != len(formats):
        raise ValueError(f"formats must be a non-empty subset of ('png', 'pdf'), got {formats!r}")
    folder = Path(figure_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    with _quiet_font_warnings():
        for fmt in formats:
            path = folder / f"{name}.{fmt}"
            fig.savefig(path, format=fmt, metadata=_FIGURE_METADATA[fmt])
            paths.append(path)
    return paths


def new_axes(ax=None, *, figsize=None):
    """Return ``(fig, ax)``: ``ax`` and its figure, or a new figure with one axes.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Existing axes to draw on.
    figsize : tuple of float, optional
        Size in inches of a new figure (default: the style's size).

    Examples
    --------
    >>> fig, ax = new_axes()
    >>> new_axes(ax)[1] is ax
    True
    """
    if ax is not None:
        return ax.figure, ax
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=figsize)
    return fig, ax


def set_log2_axis(ax, values, axis: str = "x") -> None:
    """Put ``axis`` on a base-2 log scale with ticks ``2^k`` at the given powers of two.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    values : sequence of int
        Tick positions (powers of two, e.g. the filter lengths ``T``).
    axis : {"x", "y"}

    Raises
    ------
    ValueError
        If ``axis`` is not "x" or "y", or a value is not a positive power of two.

    Examples
    --------
    >>> fig, ax = new_axes()
    >>> set_log2_axis(ax, [8, 16, 32])
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['$2^{3}$', '$2^{4}$', '$2^{5}$']
    """
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    ticks = [int(v) for v in values]
    bad = [v for v in ticks if v < 1 or v & (v - 1)]
    if bad:
        raise ValueError(f"values must be positive powers of two, got {bad}")
    labels = [f"$2^{{{v.bit_length() - 1}}}$" for v in ticks]
    if axis == "x":
        ax.set_xscale("log", base=2)
        ax.set_xticks(ticks, labels)
        ax.minorticks_off()
    else:
        ax.set_yscale("log", base=2)
        ax.set_yticks(ticks, labels)
        ax.minorticks_off()


def plain_log_ticks(axis, low: float, high: float) -> None:
    """Label a log-scaled axis with plain numbers 1, 1.5, 2, 3, 4, 6, 10, 15, ... in a range.

    A log axis spanning less than a decade gets few or no major ticks, and matplotlib
    writes its minor ones as ``2\\times10^0``. This puts major ticks at the candidates
    ``{1, 1.5, 2, 3, 4, 6} x {1, 10, 100}`` that lie in ``[low, high]``, writes them as
    plain numbers (``f"{value:g}"``) and hides the minor tick labels.

    Parameters
    ----------
    axis : matplotlib.axis.Axis
        ``ax.xaxis``, ``ax.yaxis`` or a colorbar's ``cbar.ax.yaxis``, on a log scale.
    low, high : float
        The range in which ticks are placed, e.g. ``*ax.get_ylim()``.

    Examples
    --------
    >>> fig, ax = new_axes()
    >>> ax.set_yscale("log")
    >>> plain_log_ticks(ax.yaxis, 1.2, 5.0)
    >>> [float(t) for t in ax.get_yticks()]
    [1.5, 2.0, 3.0, 4.0]
    >>> ax.yaxis.get_major_formatter()(1.5, 0)
    '1.5'
    """
    _pyplot()
    import numpy as np
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    candidates = np.outer([1.0, 10.0, 100.0], [1, 1.5, 2, 3, 4, 6]).ravel()
    axis.set_major_locator(FixedLocator(candidates[(candidates >= low) & (candidates <= high)]))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def legend_lines(*styles: tuple[str, str], color: str | None = None) -> list:
    """Legend entries for line styles shared by several curves of different colours.

    When the same line style means the same thing for every coloured curve (dashed: the
    paper's model, dotted: the refined model), the legend shows the style once, in one
    neutral colour.

    Parameters
    ----------
    *styles : (linestyle, label) pairs
        E.g. ``("--", "paper's model")``.
    color : str, optional
        Colour of the entries; the colour of ``"theory"`` in :data:`PALETTE` (black) by
        default.

    Returns
    -------
    list of matplotlib.lines.Line2D
        Handles to pass to ``ax.legend(handles=...)``.

    Examples
    --------
    >>> handles = legend_lines(("--", "paper's model"), (":", "refined model"))
    >>> [(h.get_linestyle(), h.get_label(), h.get_color()) for h in handles]
    [('--', "paper's model", '#000000'), (':', 'refined model', '#000000')]
    """
    _pyplot()
    from matplotlib.lines import Line2D

    color = PALETTE["theory"] if color is None else color
    return [Line2D([], [], color=color, linestyle=linestyle, label=label)
            for linestyle, label in styles]


def plot_against_T(T_values, values, *, ax=None, label=None, color=None, marker="o",
                   linestyle="-", **kwargs):
    """Plot a quantity against the filter length ``T`` on a base-2 log axis.

    Parameters
    ----------
    T_values : sequence of int
        Filter lengths (powers of two), in samples.
    values : sequence of float
        The quantity at each ``T``, same length.
    ax : matplotlib.axes.Axes, optional
    label, color, marker, linestyle
        Passed to :meth:`matplotlib.axes.Axes.plot`.
    **kwargs
        Further line properties.

    Returns
    -------
    (fig, ax)

    Raises
    ------
    ValueError
        If the lengths differ.

    Examples
    --------
    >>> fig, ax = plot_against_T([8, 16], [0.25, 0.5], label="impulse")
    >>> len(ax.lines)
    1
    """
    if len(T_values) != len(values):
        raise ValueError(
            f"values must have one entry per T: {len(values)} values for {len(T_values)} T"
        )
    fig, ax = new_axes(ax)
    ax.plot(T_values, values, label=label, color=color, marker=marker,
            linestyle=linestyle, **kwargs)
    set_log2_axis(ax, T_values)
    ax.set_xlabel("filter length $T$")
    return fig, ax


def plot_band(T_values, lower, upper, *, ax=None, color=None, alpha=0.2, label=None):
    """Shade the band between ``lower`` and ``upper`` against ``T`` (base-2 log axis).

    Parameters
    ----------
    T_values : sequence of int
        Filter lengths (powers of two).
    lower, upper : sequence of float
        Band limits at each ``T``.
    ax : matplotlib.axes.Axes, optional
    color : str, optional
    alpha : float in (0, 1]
        Opacity of the band.
    label : str, optional

    Returns
    -------
    (fig, ax)

    Raises
    ------
    ValueError
        If the lengths differ or ``alpha`` is outside (0, 1].

    Examples
    --------
    >>> fig, ax = plot_band([8, 16], [0.0, 0.1], [0.5, 0.7])
    >>> len(ax.collections)
    1
    """
    if not len(T_values) == len(lower) == len(upper):
        raise ValueError("T_values, lower and upper must have the same length")
    if not 0 < alpha <= 1:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    fig, ax = new_axes(ax)
    ax.fill_between(T_values, lower, upper, color=color, alpha=alpha, label=label,
                    linewidth=0)
    set_log2_axis(ax, T_values)
    ax.set_xlabel("filter length $T$")
    return fig, ax


def plot_histogram(samples, *, ax=None, bins="auto", color=None, label=None,
                   density=True, range=None):
    """Draw a normalised histogram of simulated values (e.g. draws of ``‖Φx‖²``).

    Parameters
    ----------
    samples : array_like
        Simulated values.
    ax : matplotlib.axes.Axes, optional
    bins : int or str
        Passed to :meth:`matplotlib.axes.Axes.hist`.
    color, label : str, optional
    density : bool
        Normalise to a probability density (default) so a pdf can be drawn over it.
    range : tuple of float, optional
        Lower and upper range of the bins.

    Returns
    -------
    (fig, ax)

    Examples
    --------
    >>> fig, ax = plot_histogram([0.9, 1.0, 1.1, 1.0], bins=3)
    >>> len(ax.patches)
    3
    """
    fig, ax = new_axes(ax)
    ax.hist(samples, bins=bins, density=density, color=color, label=label,
            alpha=0.55, range=range, edgecolor="none")
    return fig, ax


def plot_density(q, density, *, ax=None, color=None, label=None, **kwargs):
    """Draw a probability density curve (e.g. the exact law over a histogram).

    Parameters
    ----------
    q : array_like
        Points where the density is evaluated.
    density : array_like
        Density values, same shape as ``q``.
    ax : matplotlib.axes.Axes, optional
    color, label : str, optional
    **kwargs
        Further line properties.

    Returns
    -------
    (fig, ax)

    Raises
    ------
    ValueError
        If ``q`` and ``density`` differ in length.

    Examples
    --------
    >>> fig, ax = plot_density([0.0, 1.0, 2.0], [0.1, 0.5, 0.1], label="exact")
    >>> len(ax.lines)
    1
    """
    if len(q) != len(density):
        raise ValueError(f"q and density must have the same length, got {len(q)} and "
                         f"{len(density)}")
    fig, ax = new_axes(ax)
    ax.plot(q, density, color=PALETTE["theory"] if color is None else color, label=label,
            **kwargs)
    return fig, ax


def numbered_table(frame, caption: str, label: str, *, formats=None, index: bool = True):
    """Return a table as MyST Markdown that Jupyter Book numbers as a *table*.

    A ``{glue:figure}`` holding a DataFrame is numbered as a figure. Instead, display
    the value returned here from a code cell whose metadata has
    ``"mystnb": {"markdown_format": "myst"}`` (so myst-nb parses the output as MyST):
    the output is a ``{table}`` directive with ``:name: label``, numbered "Table n.m"
    and referenced with ``{numref}`label```.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows and columns (the index becomes the first column unless ``index`` is
        false).
    caption : str
        The caption, in MyST Markdown (math allowed); numbers in it should come from the
        code, e.g. through an f-string.
    label : str
        The table's label, e.g. ``"tab-direct"``.
    formats : dict of str to str, or str, optional
        A format spec per column name (``{"kappa": ".3f"}``), or one for every numeric
        cell; default ``".4g"`` for floats. Numbers are written by
        :func:`randfb.formatting.format_number`: an exponent reads ``× 10ⁿ``, never
        ``e+04``.
    index : bool
        Whether to show the index as the first column.

    Returns
    -------
    IPython.display.Markdown

    Examples
    --------
    >>> import pandas as pd
    >>> table = numbered_table(pd.DataFrame({"J": [5, 40], "kappa": [20.9, 1.33]}),
    ...                        "Mean condition numbers.", "tab-demo", index=False)
    >>> for line in table.data.splitlines()[4:8]:
    ...     print(line)
    | J | kappa |
    | --- | --- |
    | 5 | 20.9 |
    | 40 | 1.33 |
    >>> table = numbered_table(pd.DataFrame({"kappa": [1.9e9]}), "Large.", "tab-big")
    >>> table.data.splitlines()[-2]
    '| 0 | 1.9 × 10⁹ |'
    """
    from IPython.display import Markdown

    columns = list(frame.columns)
    header = ([str(frame.index.name or "")] if index else []) + [str(c) for c in columns]

    import numpy as np

    from .formatting import format_number

    def cell(value, column) -> str:
        spec = formats.get(column) if isinstance(formats, dict) else formats
        if isinstance(value, (float, np.floating)):
            if value != value:  # NaN: nothing to show
                return "–"
            return format_number(value, spec or ".4g")
        if spec and isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return format_number(value, spec)
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for key, row in frame.iterrows():
        cells = ([str(key)] if index else []) + [cell(row[c], c) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    body = "\n".join(lines)
    return Markdown(f":::{{table}} {caption}\n:name: {label}\n:align: center\n\n{body}\n:::\n")
