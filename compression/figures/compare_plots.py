"""Two settings A and B of one baseline, drawn side by side (numbers from compression.compare).

Pure functions: layer views, tables and arrays in, Plotly figures out. A is always drawn in
:data:`palette.SETTING_A`, B in :data:`palette.SETTING_B`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from compression.figures import palette
from compression.figures.image_grid import image_grid_figure
from compression.figures.plot_style import MODEBAR_ROOM, axis, layout

if TYPE_CHECKING:  # only for the annotations: the figures never import torch
    from compression.explain.chart_data import LayerView
    from compression.explain.mosaic import Mosaic

MAX_LEVEL_LINES = 33  # a layer's values drawn as lines up to 5 bits (or 33 shared values)
# The overlap map's four codes (compression.compare: 2*kept_by_A + kept_by_B), in code order.
OVERLAP_PARTS = (
    ("kept by neither", palette.OVERLAP_NEITHER),
    ("kept by B only", palette.SETTING_B),
    ("kept by A only", palette.SETTING_A),
    ("kept by both", palette.OVERLAP_BOTH),
)
# The fractions of compression.compare.MaskOverlap.fractions, stacked in this order.
FRACTION_PARTS = (
    ("both", "kept by both", palette.OVERLAP_BOTH),
    ("a_only", "kept by A only", palette.SETTING_A),
    ("b_only", "kept by B only", palette.SETTING_B),
    ("neither", "kept by neither", palette.OVERLAP_NEITHER),
)


def _value_marks(view: LayerView) -> list[float]:
    """Where a setting acts on the axis of real weights: its cut, its band, its values."""
    marks = []
    if view.prune_cut is not None:
        marks += [-view.prune_cut, view.prune_cut]
    if view.band is not None and view.band[1] > 0:
        marks += [-view.band[1], view.band[1]]
    if view.scale is not None and view.levels is None:
        marks += [-view.scale[1], view.scale[1]]
    if view.levels and len(view.levels) <= MAX_LEVEL_LINES:
        marks += list(view.levels)
    return marks


def _step(edges: np.ndarray, counts: np.ndarray, name: str, colour: str, **more) -> dict:
    """Bins as one step line: point i on the left edge of bin i, a last one closing it."""
    heights = [*map(int, counts), int(counts[-1])]
    ranges = [f"{low:.3f} to {high:.3f}" for low, high in itertools.pairwise(edges)]
    return {
        "type": "scatter", "x": [float(e) for e in edges], "y": heights,
        "customdata": [*ranges, ranges[-1]], "mode": "lines",
        "line": {"shape": "hv", "width": 2, "color": colour}, "name": name,
        "hovertemplate": "W from %{customdata}: %{y:,} weights<extra>" + name + "</extra>",
        **more,
    }  # fmt: skip


def histogram_overlay(view_a: LayerView, view_b: LayerView, height: int = 330) -> go.Figure:
    """One layer's real weights (grey), the ones A keeps nonzero and the ones B keeps, as
    step lines over the same bins, with each setting's cut, band or values as thin lines."""
    if view_a.name != view_b.name or len(view_a.edges) != len(view_b.edges):
        raise ValueError("A and B must describe the same layer of the same baseline")
    edges = view_a.edges
    traces = [
        _step(edges, view_a.kept + view_a.zeroed, "all weights", palette.REMOVED,
              fill="tozeroy", fillcolor="rgba(186, 176, 172, 0.35)"),
        _step(edges, view_a.kept, "kept by A", palette.SETTING_A),
        _step(edges, view_b.kept, "kept by B", palette.SETTING_B, line_dash="dash"),
    ]  # fmt: skip
    reach = 1.08 * max([view_a.view, *map(abs, _value_marks(view_a) + _value_marks(view_b))])
    shapes = [
        {"type": "line", "xref": "x", "yref": "y domain", "x0": x, "x1": x, "y0": 0, "y1": 1,
         "line": {"color": colour, "width": 1, "dash": dash}}
        for view, colour, dash in ((view_a, palette.SETTING_A, "solid"),
                                   (view_b, palette.SETTING_B, "dash"))
        for x in _value_marks(view)
    ]  # fmt: skip
    figure_layout = layout(f"{view_a.name}: weights kept by A and by B", height=height)
    figure_layout.update(
        xaxis=axis(title={"text": "real weight value W"}, range=[-reach, reach]),
        yaxis=axis(title={"text": "weights per bin"}),
        shapes=shapes,
    )
    return go.Figure(data=traces, layout=figure_layout)


def overlap_bars(table: pd.DataFrame, title: str = "Which weights each keeps") -> go.Figure:
    """Per layer, the shares of weights kept by both, A only, B only and neither, stacked
    to 100% (``table``: :func:`compression.compare.overlap_table`)."""
    layers = [str(name) for name in table["layer"]]
    traces = [
        {
            "type": "bar", "orientation": "h", "y": layers, "x": [100 * float(v) for v in
            table[column]], "name": name, "marker": {"color": colour},
            "hovertemplate": "%{y}: %{x:.1f}% " + name + "<extra></extra>",
        }
        for column, name, colour in FRACTION_PARTS
    ]  # fmt: skip
    figure_layout = layout(title, height=150 + 40 * len(layers))
    figure_layout.update(
        barmode="stack",
        xaxis=axis(title={"text": "% of the layer's weights"}, range=[0, 100]),
        yaxis=axis(autorange="reversed", type="category"),
    )
    return go.Figure(data=traces, layout=figure_layout)


def overlap_heatmap(codes: np.ndarray, layer: str) -> go.Figure:
    """A layer's weight matrix (rows: output neurons or filters), each weight coloured by
    who keeps it: both, A only, B only or neither (``codes``: compression.compare.overlap_map)."""
    scale = []
    for code, (_, colour) in enumerate(OVERLAP_PARTS):  # a step per code: 4 flat bands
        scale += [[code / 4, colour], [(code + 1) / 4, colour]]
    names = np.array([name for name, _ in OVERLAP_PARTS])
    rows, columns = codes.shape
    figure = go.Figure(
        go.Heatmap(
            z=codes, zmin=-0.5, zmax=3.5, colorscale=scale, customdata=names[codes],
            colorbar={"tickvals": [0, 1, 2, 3], "ticktext": list(names), "len": 0.9},
            hovertemplate="row %{y}, input %{x}: %{customdata}<extra></extra>",
        )
    )  # fmt: skip
    figure.update_layout(
        layout(f"{layer}: where A and B keep different weights", height=380, legend=False)
    )
    figure.update_layout(margin={"l": 60, "r": 20, "t": MODEBAR_ROOM + 40, "b": 50})
    figure.update_xaxes(title={"text": f"input ({columns:,})"})
    figure.update_yaxes(title={"text": f"output row ({rows:,})"}, autorange="reversed")
    return figure


def per_class_bars(table: pd.DataFrame, title: str = "Accuracy per class") -> go.Figure:
    """Grouped bars: each class's accuracy under A and under B, in % (``table``:
    :func:`compression.compare.per_class_accuracy`)."""
    classes = [str(name) for name in table["class"]]
    traces = [
        {
            "type": "bar", "x": classes, "y": [100 * float(v) for v in table[column]],
            "name": name, "marker": {"color": colour},
            "hovertemplate": "%{x}: %{y:.2f}%<extra>" + name + "</extra>",
        }
        for column, name, colour in (("a", "A", palette.SETTING_A), ("b", "B", palette.SETTING_B))
    ]  # fmt: skip
    low = min([100.0, *(100 * float(v) for v in table[["a", "b"]].to_numpy().ravel())])
    figure_layout = layout(title, height=360)
    figure_layout.update(
        barmode="group",
        xaxis=axis(type="category"),
        yaxis=axis(title={"text": "accuracy (%)"}, range=[max(0.0, low - 5), 100]),
    )
    return go.Figure(data=traces, layout=figure_layout)


def disagreement_grid(
    mosaic: Mosaic, captions: Sequence[str], only_a_right: int, only_b_right: int
) -> go.Figure:
    """The test images exactly one of A and B gets right, each captioned with both answers;
    the title counts all of them (a page says how many are shown)."""
    title = f"Right by A only: {only_a_right:,} · by B only: {only_b_right:,}"  # phone-short
    return image_grid_figure(mosaic, captions, hover_label="pixel", title=title)
