"""Charts as SVG, drawn by matplotlib on the server: the same picture in the dashboard, the
annual report's HTML page and its PDF (WeasyPrint draws inline SVG).

Accessibility (docs/statistics.md): every chart carries its title as the SVG ``<title>`` and a
``<desc>`` that says where its numbers are (a table beside each chart, and its CSV); text stays
text (``svg.fonttype: none``) so it can be read, zoomed and translated; the colours are the
Okabe-Ito palette, told apart with every common colour-vision deficiency, and a series also
differs by hatching, so it can be told apart in black and white. Output is deterministic (no
date, fixed ids), so a frozen report's hash does not depend on when its charts were drawn.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, vermillion,
# reddish purple, sky blue, yellow, black.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
HATCHES = ("", "//", "..", "xx", "\\\\", "oo", "--", "++")
Series = Sequence[tuple[str, Sequence[float]]]

_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "flagdesk",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titleweight": "bold",
    "axes.titlesize": 10,
}
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Series,
    *,
    value_label: str,
    stacked: bool = False,
    horizontal: bool = False,
    description: str = "",
    legend: str = "best",
) -> str:
    """Bars for each category, one colour per series; grouped side by side, or ``stacked``.

    ``legend``: ``"best"`` (inside the axes, where matplotlib finds room) or ``"right"``
    (outside, to the right of the axes: never over a bar, for bars that fill the axes)."""
    height = max(2.6, 0.32 * len(categories) + 1.2) if horizontal else 3.0
    fig = Figure(figsize=(6.4, height))
    with rc_context(_RC):
        ax = fig.add_subplot()
        positions = list(range(len(categories)))
        count = max(len(series), 1)
        width = 0.8 if stacked else 0.8 / count
        base = [0.0] * len(categories)
        for n, (label, values) in enumerate(series):
            shift = 0.0 if stacked else (n - (count - 1) / 2) * width
            where = [p + shift for p in positions]
            style = {
                "label": label,
                "color": PALETTE[n % len(PALETTE)],
                "hatch": HATCHES[n % len(HATCHES)],
                "edgecolor": "white",
                "linewidth": 0.5,
            }
            if horizontal:
                ax.barh(where, values, height=width, left=base if stacked else None, **style)
            else:
                ax.bar(where, values, width=width, bottom=base if stacked else None, **style)
            if stacked:
                base = [b + v for b, v in zip(base, values, strict=True)]
        _value_axis(ax.xaxis if horizontal else ax.yaxis, series)
        if horizontal:
            ax.set_yticks(positions, categories)
            ax.invert_yaxis()
            ax.set_xlabel(value_label)
        else:
            ax.set_xticks(
                positions,
                categories,
                rotation=30 if len(categories) > 6 else 0,
                ha="right" if len(categories) > 6 else "center",
            )
            ax.set_ylabel(value_label)
        ax.set_title(title, loc="left")
        if len(series) > 1:
            _legend(ax, legend)
        fig.tight_layout()
        return _svg(fig, title, description)


def _value_axis(axis: Any, series: Series) -> None:
    """Whole-number ticks (counts, percentages and hours read best without "0.25"), and an
    axis from 0 to 1 when every value is 0 or withheld, rather than one centred on 0."""
    axis.set_major_locator(MaxNLocator(integer=True))
    values = [v for _label, vs in series for v in vs if v]
    if not values:
        if axis.axis_name == "x":
            axis.axes.set_xlim(0, 1)
        else:
            axis.axes.set_ylim(0, 1)


def _legend(ax: Axes, where: str) -> None:
    if where == "right":
        ax.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    else:
        ax.legend(frameon=False, fontsize=8)


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Series,
    *,
    value_label: str,
    description: str = "",
) -> str:
    """One line per series over ``x_labels`` (months, years), each with its own marker."""
    markers = ("o", "s", "^", "D", "v", "P", "X", "*")
    fig = Figure(figsize=(6.4, 3.0))
    with rc_context(_RC):
        ax = fig.add_subplot()
        xs = list(range(len(x_labels)))
        for n, (label, values) in enumerate(series):
            ax.plot(
                xs,
                values,
                label=label,
                color=PALETTE[n % len(PALETTE)],
                marker=markers[n % len(markers)],
                linewidth=1.5,
                markersize=4,
            )
        ax.set_xticks(xs, x_labels, rotation=30 if len(x_labels) > 6 else 0)
        ax.set_ylabel(value_label)
        ax.set_ylim(bottom=0)
        _value_axis(ax.yaxis, series)
        ax.set_title(title, loc="left")
        if len(series) > 1:
            ax.legend(frameon=False, fontsize=8)
        fig.tight_layout()
        return _svg(fig, title, description)


def _svg(fig: Figure, title: str, description: str) -> str:
    """The figure as inline SVG markup: no XML prologue, a ``<title>`` and ``<desc>``, and
    ``role="img"`` so assistive technology reads it as one picture with that name."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    markup = _PROLOGUE.sub("", buffer.getvalue(), count=1)
    head = _SVG_OPEN.search(markup)
    if head is None:  # matplotlib always writes one root <svg>; never publish a broken one
        raise ValueError("matplotlib wrote no <svg> element")
    opening = head.group(0)[:-1] + ' role="img">'
    extra = f"<title>{escape(title)}</title>"
    if description:
        extra += f"<desc>{escape(description)}</desc>"
    return markup[: head.start()] + opening + extra + markup[head.end() :]


_STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style>", re.S)


def _attributes(declarations: str) -> str:
    pairs = (d.partition(":") for d in declarations.split(";") if ":" in d)
    return "".join(
        f' {name.strip()}="{escape(value.strip(), {chr(34): "&quot;"})}"'
        for name, _c, value in pairs
    )


def without_inline_styles(svg: str) -> str:
    """``svg`` (from ``bar_chart``/``line_chart``) drawn with SVG presentation attributes
    (``fill="#0072b2"``) instead of CSS (``style="fill: #0072b2"``, a ``<style>`` element).

    A page under a strict Content-Security-Policy (``style-src`` without ``'unsafe-inline'``,
    as flagdesk's staff pages) ignores inline CSS, and matplotlib writes its colours, fonts
    and strokes as inline CSS: the chart would show as a black box. Presentation attributes
    are not CSS, so the same picture shows everywhere (WeasyPrint reads them too). The
    ``<style>`` element's one rule (``*{stroke-linejoin: round; stroke-linecap: butt}``)
    becomes attributes of the root element, which every element inherits unless it sets its
    own, as the rule did.
    """
    rules = _STYLE_ELEMENT.search(svg)
    svg = _STYLE_ELEMENT.sub("", svg)
    svg = _STYLE_ATTRIBUTE.sub(lambda m: _attributes(m.group(1)), svg)
    if rules:
        body = rules.group(1).strip()
        if body.startswith("*{") and body.endswith("}"):
            head = _SVG_OPEN.search(svg)
            if head is not None:
                opening = head.group(0)[:-1] + _attributes(body[2:-1]) + ">"
                svg = svg[: head.start()] + opening + svg[head.end() :]
    return svg
