"""The book's plotting style module: lazy imports, file output, helper contracts."""

from __future__ import annotations

import subprocess
import sys

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.colors import is_color_like  # noqa: E402

from randfb import plotting  # noqa: E402


def test_import_randfb_does_not_import_matplotlib():
    code = "import sys, randfb; from randfb import plotting; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_palette_names_the_paper_signals_and_frame_bounds():
    for name in ("impulse", "brownian", "nyquist", "A", "B"):
        assert is_color_like(plotting.PALETTE[name])
        assert name in plotting.LABELS
    signals = [plotting.PALETTE[name] for name in ("impulse", "brownian", "nyquist")]
    assert len(set(signals)) == 3
    assert plotting.PALETTE["A"] != plotting.PALETTE["B"]


def test_color_of_rejects_unknown_names():
    with pytest.raises(ValueError, match="name must be one of"):
        plotting.color_of("theremin")


def test_use_style_sets_rc_params():
    plotting.use_style()
    assert matplotlib.rcParams["mathtext.fontset"] == "cm"
    assert matplotlib.rcParams["savefig.dpi"] == plotting.STYLE_RC["savefig.dpi"]
    with pytest.raises(ValueError, match="context must be one of"):
        plotting.use_style("poster")


def test_save_figure_writes_png_and_pdf_reproducibly(tmp_path):
    plotting.use_style()
    fig, ax = plotting.plot_against_T([8, 16, 32], [0.1, 0.2, 0.4], label="impulse")
    formats = ["png", "pdf"]
    first = plotting.save_figure(fig, "curve", tmp_path / "figures", formats=formats)
    assert [p.name for p in first] == ["curve.png", "curve.pdf"]
    assert first[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert first[1].read_bytes()[:5] == b"%PDF-"
    contents = [p.read_bytes() for p in first]
    second = plotting.save_figure(fig, "curve", tmp_path / "figures", formats=formats)
    assert [p.read_bytes() for p in second] == contents


def test_save_figure_writes_png_only_by_default(tmp_path):
    fig, _ = plotting.new_axes()
    written = plotting.save_figure(fig, "curve", tmp_path)
    assert [p.name for p in written] == ["curve.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curve.png"]
    assert [p.name for p in plotting.save_figure(fig, "one", tmp_path, "pdf")] == [
        "one.pdf"
    ]


@pytest.mark.parametrize("name", ["", "a/b", "../up", "fig.png", ".hidden"])
def test_save_figure_rejects_bad_names(tmp_path, name):
    fig, _ = plotting.new_axes()
    with pytest.raises(ValueError, match="name"):
        plotting.save_figure(fig, name, tmp_path)


def test_save_figure_rejects_unknown_formats(tmp_path):
    fig, _ = plotting.new_axes()
    with pytest.raises(ValueError, match="formats"):
        plotting.save_figure(fig, "f", tmp_path, formats=("svg",))
    for bad in ((), ("png", "png")):
        with pytest.raises(ValueError, match="formats"):
            plotting.save_figure(fig, "f", tmp_path, formats=bad)


def test_helpers_return_figure_and_reuse_axes():
    fig, ax = plotting.new_axes()
    for helper, args in [
        (plotting.plot_against_T, ([8, 16], [1.0, 2.0])),
        (plotting.plot_band, ([8, 16], [0.0, 0.1], [1.0, 1.1])),
        (plotting.plot_histogram, ([0.9, 1.0, 1.1],)),
        (plotting.plot_density, ([0.0, 1.0], [0.5, 0.5])),
    ]:
        got_fig, got_ax = helper(*args, ax=ax)
        assert got_fig is fig and got_ax is ax
        new_fig, new_ax = helper(*args)
        assert new_ax is not ax and new_ax.figure is new_fig


def test_log2_axis_labels_and_validation():
    _, ax = plotting.plot_against_T([8, 16, 1024], [1.0, 2.0, 3.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["$2^{3}$", "$2^{4}$", "$2^{10}$"]
    with pytest.raises(ValueError, match="powers of two"):
        plotting.set_log2_axis(ax, [8, 12])
    with pytest.raises(ValueError, match="axis"):
        plotting.set_log2_axis(ax, [8], axis="z")


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="one entry per T"):
        plotting.plot_against_T([8, 16], [1.0])
    with pytest.raises(ValueError, match="same length"):
        plotting.plot_band([8, 16], [0.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="alpha"):
        plotting.plot_band([8], [0.0], [1.0], alpha=0)


def test_plain_log_ticks_places_plain_numbers_in_range():
    fig, ax = plotting.new_axes()
    ax.set_yscale("log")
    ax.set_ylim(1.2, 25.0)
    plotting.plain_log_ticks(ax.yaxis, *ax.get_ylim())
    ticks = [float(t) for t in ax.yaxis.get_majorticklocs()]
    assert ticks == [1.5, 2.0, 3.0, 4.0, 6.0, 10.0, 15.0, 20.0]
    formatter = ax.yaxis.get_major_formatter()
    assert [formatter(t, 0) for t in ticks] == ["1.5", "2", "3", "4", "6", "10", "15", "20"]
    assert ax.yaxis.get_minor_formatter()(2.5, 0) == ""
    fig.clf()


def test_legend_lines_are_one_colour_per_style():
    handles = plotting.legend_lines(("--", "paper's model"), (":", "refined model"))
    assert [h.get_label() for h in handles] == ["paper's model", "refined model"]
    assert [h.get_linestyle() for h in handles] == ["--", ":"]
    assert {h.get_color() for h in handles} == {plotting.PALETTE["theory"]}
    red = plotting.legend_lines(("-.", "bound"), color="red")
    assert red[0].get_color() == "red" and len(red[0].get_xdata()) == 0
    assert plotting.legend_lines() == []
