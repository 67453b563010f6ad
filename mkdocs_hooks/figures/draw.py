"""The SVG of a figure, drawn with matplotlib.

Text stays text (`svg.fonttype: none`), so that the browser draws Chinese with its
own fonts; matplotlib's DejaVu Sans has no CJK glyphs and only measures them, which
is why legends stand in a column of their own, where a wider text overlaps nothing.
The background is opaque white, so a figure reads the same in light and dark mode;
lines differ in dash pattern as well as in colour. Output is byte-for-byte the same
for the same points (fixed hash salt, no date).
"""

from __future__ import annotations

import contextlib
import io
import re
import unicodedata
import warnings
from collections.abc import Sequence
from xml.sax.saxutils import escape

import numpy as np

from .labels import (
    figure_alt,
    figure_title,
    overview_alt,
    overview_title,
    translate,
)
from .points import Points
from .specs import LossFigure, Overview, Text

# Okabe-Ito colours, readable by colour-blind readers; seven colours against six
# dash patterns give 42 distinct lines.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#E69F00", "#56B4E9")
DASHES = (
    "solid",
    (0, (6, 2)),
    (0, (1.5, 1.5)),
    (0, (7, 2, 1.5, 2)),
    (0, (12, 3)),
    (0, (3, 1.5, 1, 1.5, 1, 1.5)),
)

STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "lossbook",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "axes.edgecolor": "#444444",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#e0e0e0",
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.6,
}

WIDTH, HEIGHT = 8.4, 3.0  # inches
TICKS = 4  # at most, per axis: each costs some 400 bytes of SVG


def line_style(index: int) -> dict:
    return {
        "color": COLOURS[index % len(COLOURS)],
        "linestyle": DASHES[index % len(DASHES)],
    }


def _width(text: str) -> int:
    """The width of `text` in columns, a CJK character counting two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrapped(title: str, columns: int = 110) -> str:
    """`title` on two lines if it is wider than `columns`, broken after the space
    or punctuation nearest its middle."""
    if _width(title) <= columns:
        return title
    breaks = [i + 1 for i, c in enumerate(title[:-1]) if c in " ，；："]
    middle = _width(title) / 2
    cut = min(breaks, key=lambda i: abs(_width(title[:i]) - middle))
    return f"{title[:cut].rstrip()}\n{title[cut:].lstrip()}"


def _title(figure, title: str) -> float:
    """Sets the figure's title; returns the top of the axes below it."""
    text = wrapped(title)
    figure.suptitle(text, fontsize=9)
    return 0.86 if "\n" not in text else 0.8


# Nothing that changes from run to run (no date), nor anything a reader needs.
METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
# Coordinates (of paths, positions and transforms): matplotlib writes six decimals
# of a point, where a tenth of a point is finer than the screen shows.
COORDINATES = re.compile(r'( (?:d|x|y|transform)=")([^"]*)"')
DECIMALS = re.compile(r"-?\d+\.\d+")
# A polyline: after its first point, "L" is implied.
POLYLINE = re.compile(r'd="(M [\d. -]+(?: L [\d. -]+)+)"')
UNROTATED = re.compile(r' transform="rotate\(-0 [\d. -]+\)"')
FONT = "font-family: 'DejaVu Sans', sans-serif; "
STYLE_SHEET = '<style type="text/css">'


def _rounded(attribute: re.Match) -> str:
    numbers = DECIMALS.sub(lambda number: f"{float(number[0]):.1f}", attribute[2])
    return f'{attribute[1]}{" ".join(numbers.split())}"'


def _compact(svg: str) -> str:
    """The same drawing in fewer bytes, for a page shows a dozen figures: rounded
    coordinates, implied "L"s, the font said once, no rotation by 0, no ids that
    nothing refers to, no space between tags."""
    svg = COORDINATES.sub(_rounded, svg)
    svg = POLYLINE.sub(lambda path: f'd="{path[1].replace(" L ", " ")}"', svg)
    svg = UNROTATED.sub("", svg)
    if STYLE_SHEET in svg:
        svg = svg.replace(FONT, "").replace(STYLE_SHEET, f"<style>text{{{FONT}}}", 1)
    referenced = set(re.findall(r"#([\w-]+)", svg))
    svg = re.sub(r' id="([^"]+)"', lambda m: m[0] if m[1] in referenced else "", svg)
    return re.sub(r">\s+<", "><", svg)


def _svg(figure, alt: str) -> str:
    """The figure as SVG text, with its alt text as the SVG's title."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata=METADATA)
    svg = _compact(buffer.getvalue())
    opening = svg.index(">", svg.index("<svg")) + 1
    return f"{svg[:opening]}<title>{escape(alt)}</title>{svg[opening:]}"


@contextlib.contextmanager
def _drawing():
    """A new figure in the style of the manual, quiet about the CJK glyphs that
    DejaVu Sans lacks (the browser draws them)."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(STYLE), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        yield Figure(figsize=(WIDTH, HEIGHT))


def loss_svg(spec: LossFigure, points: Sequence[Points], language: str) -> str:
    """The loss (left) and its derivative (right) for each setting."""
    with _drawing() as figure:
        values, derivatives = figure.subplots(1, 2)
        for index, (curve, curve_points) in enumerate(
            zip(spec.curves, points, strict=True)
        ):
            style = line_style(index)
            legend = translate(curve.legend, language)
            values.plot(curve_points.x, curve_points.values, label=legend, **style)
            derivatives.plot(curve_points.x, curve_points.derivatives, **style)
        right = Text("gradient" if spec.gradient else "derivative")
        values.set_ylabel(translate(Text("loss"), language))
        derivatives.set_ylabel(translate(right, language))
        for axes in (values, derivatives):
            axes.set_xlabel(translate(spec.axis.label, language))
            axes.locator_params(nbins=TICKS)
        top = _title(figure, figure_title(spec, language))
        figure.subplots_adjust(left=0.07, right=0.73, bottom=0.16, top=top, wspace=0.3)
        figure.legend(loc="center left", bbox_to_anchor=(0.74, 0.5), frameon=False)
        return _svg(figure, figure_alt(spec, language))


def overview_svg(spec: Overview, points: Sequence[Points], language: str) -> str:
    """A family's losses on one axis (each divided by its maximum if `normalised`)."""
    with _drawing() as figure:
        axes = figure.subplots()
        for index, (line, line_points) in enumerate(
            zip(spec.lines, points, strict=True)
        ):
            values = line_points.values
            if spec.normalised:
                values = values / np.max(np.abs(values))
            label = translate(line.label, language)
            axes.plot(line_points.x, values, label=label, **line_style(index))
        axes.set_xlim(spec.axis.start, spec.axis.stop)
        y_label = Text("normalised_loss" if spec.normalised else "loss")
        axes.set_ylabel(translate(y_label, language))
        axes.set_xlabel(translate(spec.axis.label, language))
        axes.locator_params(nbins=TICKS)
        top = _title(figure, overview_title(spec, language))
        figure.subplots_adjust(left=0.07, right=0.55, bottom=0.16, top=top)
        figure.legend(loc="center left", bbox_to_anchor=(0.56, 0.5), frameon=False)
        return _svg(figure, overview_alt(spec, language))
