"""Weight histograms with the compression drawn on them: the cut, the band, the values.

Built as one ``go.Figure(data, layout)`` from plain dicts: adding shapes one by one
to a subplot figure costs ~1 s for three layers, this costs a few milliseconds,
which matters because it is redrawn on every slider move.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from compression.figures import palette
from compression.figures.plot_style import MODEBAR_ROOM, axis, layout

if TYPE_CHECKING:  # only for the annotations: the figures never import torch
    from compression.explain.chart_data import LayerView

_H_GAP, _V_GAP = 0.06, 0.16  # space between subplots, as a fraction of the figure
_NOTE = {"size": 11}
LAYER_HEIGHT = 270  # pixels of one layer's histogram on a page


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.0f}%" if total else "0%"


class _Cell:
    """One subplot: its axis names and where it sits on the page."""

    def __init__(self, index: int, rows: int, columns: int):
        self.number = index + 1
        row, column = divmod(index, columns)
        width = (1 - (columns - 1) * _H_GAP) / columns
        height = (1 - (rows - 1) * _V_GAP) / rows
        left = column * (width + _H_GAP)
        top = 1 - row * (height + _V_GAP)
        self.x_domain, self.y_domain = [left, left + width], [top - height, top]
        self.first_column = column == 0
        suffix = "" if self.number == 1 else str(self.number)
        self.x, self.y = f"x{suffix}", f"y{suffix}"

    def line(self, x: float, colour: str, dash: str, width: int, name: str, legend: bool):
        return {
            "type": "line", "xref": self.x, "yref": f"{self.y} domain", "x0": x, "x1": x,
            "y0": 0, "y1": 1, "line": {"color": colour, "dash": dash, "width": width},
            "name": name, "legendgroup": name, "showlegend": legend,
        }  # fmt: skip

    def band(self, x0: float, x1: float, fill: str, opacity: float = 1.0):
        return {
            "type": "rect", "xref": self.x, "yref": f"{self.y} domain", "x0": x0, "x1": x1,
            "y0": 0, "y1": 1, "fillcolor": fill, "opacity": opacity, "line": {"width": 0},
            "layer": "below",
        }  # fmt: skip

    def note(self, x: float, y: float, text: str, colour: str, anchor: str = "center"):
        return {
            "xref": self.x, "yref": f"{self.y} domain", "x": x, "y": y, "text": text,
            "showarrow": False, "xanchor": anchor, "yanchor": "top",
            "font": {**_NOTE, "color": colour}, "bgcolor": "rgba(255,255,255,0.8)",
        }  # fmt: skip


def _cut_marks(view: LayerView, cell: _Cell, first: bool) -> tuple[list, list]:
    cut, name = view.prune_cut, "pruning cut |W| = T"
    shapes = [cell.band(-cut, cut, palette.THRESHOLD_FILL)]
    shapes += [cell.line(s * cut, palette.THRESHOLD, "dash", 2, name, first and s > 0)
               for s in (-1, 1)]  # fmt: skip
    return shapes, [cell.note(cut, 1, f"cut {cut:.3g}", palette.THRESHOLD, "left")]


def _band_marks(view: LayerView, cell: _Cell, first: bool) -> tuple[list, list]:
    low, high = view.band
    if high <= 0:
        return [], []
    name = "ternary band t·mean|W|"
    shapes = [cell.band(-high, high, palette.THRESHOLD_FILL)]
    shapes += [cell.line(s * low, palette.THRESHOLD, "dot", 2, name, first and s > 0)
               for s in (-1, 1)]  # fmt: skip
    text = f"band ±{low:.3g}" if math.isclose(low, high) else f"band ±{low:.3g}…{high:.3g}"
    return shapes, [cell.note(-high, 1, text, palette.THRESHOLD, "right")]


def _level_marks(view: LayerView, cell: _Cell, first: bool) -> tuple[list, list]:
    """The values a binarized layer holds, -a, 0 and +a, with the share of weights at each."""
    low, high = view.scale
    one_scale = math.isclose(low, high)
    name = "binarized values 0, ±a"
    shapes, notes = [], []
    for sign, count, label in ((-1, view.negative, "−a"), (1, view.positive, "+a")):
        if not one_scale:
            shapes.append(cell.band(sign * low, sign * high, palette.COMPRESSED, 0.25))
        x = sign * (high if sign > 0 else low)
        shapes.append(cell.line(x, palette.COMPRESSED, "solid", 3, name, first and sign > 0))
        value = f"{sign * high:+.3g}" if one_scale else "per channel"
        notes.append(
            cell.note(x, 0.88, f"{label} = {value}<br>{_share(count, view.weights)}",
                      palette.COMPRESSED, "left" if sign > 0 else "right")
        )  # fmt: skip
    notes.append(cell.note(0, 0.64, f"0<br>{_share(view.zero, view.weights)}", palette.COMPRESSED))
    return shapes, notes


def _quantized_marks(view: LayerView, cell: _Cell, first: bool) -> tuple[list, list]:
    """The 2^K - 1 values a K-bit layer holds, s·n, each a thin line; the step s noted."""
    low, high = view.scale
    reach = _reach(view)
    name = f"{view.bits}-bit values s·n"
    drawn = [x for x in view.levels if abs(x) <= reach]
    shapes = [
        cell.line(x, palette.COMPRESSED, "solid", 1, name, first and index == 0)
        for index, x in enumerate(drawn)
    ]
    step = f"s = {high:.3g}" if math.isclose(low, high) else f"s = {low:.3g}…{high:.3g}"
    scope = "" if math.isclose(low, high) else "<br>(median channel's drawn)"
    notes = [
        cell.note(-reach, 1, f"{len(view.levels)} values, {step}{scope}", palette.COMPRESSED,
                  "left"),
        cell.note(0, 0.64, f"0<br>{_share(view.zero, view.weights)}", palette.COMPRESSED),
    ]  # fmt: skip
    return shapes, notes


def _shared_marks(view: LayerView, cell: _Cell, first: bool) -> tuple[list, list]:
    """The K shared values of a layer (its k-means centroids), each a thin line."""
    reach = _reach(view)
    drawn = [x for x in view.levels if abs(x) <= reach]
    shapes = [
        cell.line(x, palette.COMPRESSED, "solid", 1, "shared values (centroids)", first and i == 0)
        for i, x in enumerate(drawn)
    ]
    notes = [
        cell.note(-reach, 1, f"{len(view.levels)} shared values", palette.COMPRESSED, "left"),
        cell.note(0, 0.64, f"0<br>{_share(view.zero, view.weights)}", palette.COMPRESSED),
    ]
    return shapes, notes


def _histogram_area(edges, counts, name: str, colour: str, cell: _Cell, legend: bool) -> dict:
    """Bins drawn as one filled step line, stacked on the other trace of the same subplot.

    Point ``i`` sits on the left edge of bin ``i`` at height ``counts[i]``; a last point on
    the right edge closes the last bin. One SVG path per trace instead of one per bar
    draws several times faster in the browser, and looks the same as touching bars.
    """
    heights = [*map(int, counts), int(counts[-1])]
    ranges = [f"{low:.3f} to {high:.3f}" for low, high in itertools.pairwise(edges)]
    return {
        "type": "scatter", "x": [float(edge) for edge in edges], "y": heights,
        "customdata": [*ranges, ranges[-1]], "mode": "lines", "stackgroup": cell.x,
        "line": {"shape": "hv", "width": 0, "color": colour}, "fillcolor": colour,
        "name": name, "legendgroup": name, "showlegend": legend,
        "xaxis": cell.x, "yaxis": cell.y,
        "hovertemplate": "W from %{customdata}: %{y:,} weights<extra>" + name + "</extra>",
    }  # fmt: skip


def _reach(view: LayerView) -> float:
    """Half-width of the x range: the usual weights, and every mark that is drawn."""
    marks = [view.view, view.prune_cut or 0.0]
    marks += [view.band[1]] if view.band is not None else []
    marks += [view.scale[1]] if view.scale is not None and view.levels is None else []
    marks += [max(map(abs, view.levels))] if view.shared and view.levels else []
    return 1.08 * max(marks)


def _layer_parts(
    view: LayerView, cell: _Cell, legend: bool, x_title: str = "real weight value W"
) -> tuple[list, list, list, dict]:
    """One layer's histogram in ``cell`` -> (traces, shapes, notes, axes): the kept and zeroed
    weights, and the marks of whatever acted on it (cut, band, values)."""
    traces, shapes, notes = [], [], []
    for counts, name, colour in (
        (view.kept, "kept (nonzero)", palette.BASELINE),
        (view.zeroed, "set to 0", palette.REMOVED),
    ):
        traces.append(_histogram_area(view.edges, counts, name, colour, cell, legend))
    for present, marks in (
        (view.prune_cut is not None, _cut_marks),
        (view.band is not None, _band_marks),
        (view.scale is not None and view.levels is None, _level_marks),
        (bool(view.levels) and not view.shared, _quantized_marks),
        (bool(view.levels) and view.shared, _shared_marks),
    ):
        if present:
            more_shapes, more_notes = marks(view, cell, legend)
            shapes += more_shapes
            notes += more_notes
    reach = _reach(view)
    axes = {
        cell.x.replace("x", "xaxis"): axis(
            domain=cell.x_domain, anchor=cell.y, range=[-reach, reach],
            title={"text": x_title},
        ),
        cell.y.replace("y", "yaxis"): axis(
            domain=cell.y_domain, anchor=cell.x,
            title={"text": "weights per bin" if cell.first_column else None},
        ),
    }  # fmt: skip
    return traces, shapes, notes, axes


def layer_histogram(view: LayerView, height: int = LAYER_HEIGHT) -> go.Figure:
    """One layer's histogram with its marks, named under its x axis; no title, no legend.

    For a page that lays the layers out side by side (or stacked on a phone) and tells
    the colours in its own text. The top margin is the toolbar's row.
    """
    name = f"W in {view.name} ({view.weights:,} weights)"
    traces, shapes, notes, axes = _layer_parts(view, _Cell(0, 1, 1), False, x_title=name)
    figure_layout = layout(None, height=height, legend=False)
    figure_layout.update(
        axes, shapes=shapes, annotations=notes,
        margin={"l": 55, "r": 10, "t": MODEBAR_ROOM, "b": 45},
    )  # fmt: skip
    return go.Figure(data=traces, layout=figure_layout)


def weight_histograms(
    views: Sequence[LayerView], title: str = "Weights per layer", columns: int = 3
) -> go.Figure:
    """A histogram of the real weights of each layer, split into kept and zeroed, in one
    figure of ``columns`` subplots a row (a report's picture; a page uses
    :func:`layer_histogram`, one figure a layer, which stacks on a narrow screen).

    Draws the pruning cut (dashed), the ternary band (dotted, shaded), the values a
    binarized layer ends up with (0, ±a, with their share of weights), the values s·n
    of a k-bit quantized layer and the K shared values of a shared layer (thin lines).
    """
    columns = max(1, min(columns, len(views)))
    rows = math.ceil(len(views) / columns)
    traces, shapes, notes, axes = [], [], [], {}
    for index, view in enumerate(views):
        cell = _Cell(index, rows, columns)
        more_traces, more_shapes, more_notes, more_axes = _layer_parts(view, cell, index == 0)
        traces += more_traces
        shapes += more_shapes
        notes += more_notes
        axes |= more_axes
        notes.append(
            {
                "xref": "paper", "yref": "paper", "x": sum(cell.x_domain) / 2,
                "y": cell.y_domain[1], "yanchor": "bottom", "showarrow": False,
                "text": f"{view.name} · {view.weights:,} weights", "font": {"size": 14},
            }
        )  # fmt: skip
    figure_layout = layout(title, height=330 * rows + 110)
    figure_layout.update(axes, shapes=shapes, annotations=notes)
    return go.Figure(data=traces, layout=figure_layout)
