"""Small bar charts for the summaries: the data goes in the outbox, the PNG is drawn at sending.

A chart is plain JSON-able data, `{"labels": [...], "series": [{"values": [...], "scale": n}]}`:
one bar per period (labels are dates as digits, e.g. "11-24"), one panel per series, each bar
with its value on top; values are integers (money in minor units with `scale` = 10 ** the
currency's exponent, counts with scale 1). The image holds digits and bars only, no words, so
matplotlib's default font draws it in any language.

`render_png` uses the object-oriented API on an Agg canvas (no pyplot, no global state), one
figure per thread and per set of labels, reused: the frame and the dates are drawn once, and
each chart only blits its bars and values onto them (text is most of matplotlib's cost: a
figure drawn whole takes ~50 ms here, a blitted one a fraction of that). Still CPU work of
milliseconds: call it in an executor, never on the event loop.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from PIL import Image

Chart = dict[str, Any]
PERIODS = 8  # bars per chart
_COLOURS = ("#2b7bba", "#e0822b")
_WIDTH, _PANEL_HEIGHT, _DPI = 6.4, 2.0, 100
_HEADROOM = 1.2  # above the tallest bar, for its value
_local = threading.local()


def chart(labels: list[str], *series: tuple[list[int], int]) -> Chart | None:
    """The chart of `series` ((values, scale) pairs, one value per label), or None when there
    is nothing to draw (every value zero)."""
    if not any(value for values, _scale in series for value in values):
        return None
    assert all(len(values) == len(labels) for values, _scale in series)
    return {"labels": list(labels),
            "series": [{"values": list(values), "scale": scale} for values, scale in series]}


def amount(value: int, scale: int) -> str:
    """A value as digits: 1,234 (a count) or 12.34 (money, with the currency's decimals)."""
    if scale <= 1:
        return f"{value:,}"
    digits = len(str(scale)) - 1
    return f"{value / scale:,.{digits}f}"


@dataclass(slots=True)
class _Panel:
    axes: Axes
    bars: list[Rectangle]
    values: list[Text]


@dataclass(slots=True)
class _Canvas:
    figure: Figure
    canvas: FigureCanvasAgg
    panels: list[_Panel]
    background: Any  # the frame and the dates, as drawn once


def _canvas(labels: tuple[str, ...], panels: int) -> _Canvas:
    cache: OrderedDict[tuple[tuple[str, ...], int], _Canvas] = _local.__dict__.setdefault(
        "canvases", OrderedDict())
    key = (labels, panels)
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    figure = Figure(figsize=(_WIDTH, _PANEL_HEIGHT * panels), dpi=_DPI)
    canvas = FigureCanvasAgg(figure)
    positions = list(range(len(labels)))
    built = []
    height = 0.86 / panels
    for index in range(panels):
        ax = figure.add_axes((0.04, 0.1 + (panels - 1 - index) * height, 0.92, height - 0.04))
        bars = list(ax.bar(positions, [0.0] * len(labels), width=0.7, animated=True,
                           color=_COLOURS[index % len(_COLOURS)]))
        texts = [ax.text(x, 0.0, "", ha="center", va="bottom", fontsize=8, animated=True)
                 for x in positions]
        ax.set_ylim(0, _HEADROOM)
        ax.set_xlim(-0.6, len(labels) - 0.4)
        ax.yaxis.set_visible(False)
        ax.spines[["top", "right", "left"]].set_visible(False)
        ax.set_xticks(positions, list(labels) if index == panels - 1 else [])
        ax.tick_params(labelsize=8)
        built.append(_Panel(ax, bars, texts))
    canvas.draw()
    made = _Canvas(figure, canvas, built, canvas.copy_from_bbox(figure.bbox))
    cache[key] = made
    if len(cache) > 16:
        cache.popitem(last=False)
    return made


def render_png(data: Chart) -> bytes:
    """The chart as PNG bytes."""
    labels = tuple(str(label) for label in data["labels"])
    series = data["series"]
    made = _canvas(labels, len(series))
    made.canvas.restore_region(made.background)
    for panel, entry in zip(made.panels, series, strict=True):
        values = [int(v) for v in entry["values"]]
        scale = int(entry["scale"])
        top = max(1, *values)
        for bar, text, value in zip(panel.bars, panel.values, values, strict=True):
            height = max(0, value) / top
            bar.set_height(height)
            text.set_y(height)
            text.set_text(amount(value, scale) if value else "")
            panel.axes.draw_artist(bar)
            if value:
                panel.axes.draw_artist(text)
    width, height = made.canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), made.canvas.buffer_rgba(), "raw", "RGBA",
                             0, 1).convert("RGB")
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=3)
    return out.getvalue()
