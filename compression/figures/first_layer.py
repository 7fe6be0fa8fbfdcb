"""What the first layer learned, drawn: its strongest units as pictures, before and after.

Numbers in (:class:`compression.explain.weights_view.FirstLayerPictures`), plotly out.
Red pixels excite a unit (positive weight), blue ones inhibit it (negative).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from compression.figures.image_grid import caption_annotations, mosaic_trace, style_image_axes

if TYPE_CHECKING:  # only for the annotations: the figures never import torch
    from compression.explain.weights_view import FirstLayerPictures

_SIGNED = "RdBu_r"  # red = positive (excites the unit), blue = negative (inhibits it)
_KEPT = [[0.0, "#f2f2f2"], [1.0, "#262626"]]  # pruned = light, kept = dark


def first_layer_figure(pictures: FirstLayerPictures) -> go.Figure:
    """Three panels: baseline weights, compressed weights, kept mask; same units in each.

    Each weight image is scaled to its own largest |W| (so weak units stay visible);
    hovering shows the true value.
    """
    titles = ("before compression", "after compression", "kept weights (dark)")
    figure = make_subplots(rows=1, cols=3, subplot_titles=titles, horizontal_spacing=0.03)
    panels = (
        (pictures.before, pictures.before_scaled, _SIGNED, -1.0, "weight"),
        (pictures.after, pictures.after_scaled, _SIGNED, -1.0, "weight"),
        (pictures.kept, pictures.kept, _KEPT, 0.0, "kept"),
    )
    noun = "filter" if pictures.layer.startswith("conv") else "unit"
    captions = [f"{noun} {unit}" for unit in pictures.units]
    annotations = list(figure.layout.annotations)
    for col, (values, shown, colours, low, label) in enumerate(panels, start=1):
        figure.add_trace(
            mosaic_trace(
                values.pixels, shown=shown.pixels, colorscale=colours, zmin=low, zmax=1.0,
                hover_label=label,
            ),
            row=1, col=col,
        )  # fmt: skip
        axis = "" if col == 1 else str(col)
        annotations += caption_annotations(values, captions, xref=f"x{axis}", yref=f"y{axis}")
        style_image_axes(figure, row=1, col=col)
        figure.update_yaxes(scaleanchor=f"x{axis}", row=1, col=col)
    figure.update_layout(
        annotations=annotations,
        height=90 + 75 * max(pictures.before.rows, 1),  # three panels of a wide page: ~60 px tiles
        margin=dict(l=10, r=10, t=50, b=10),
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return figure


def kept_per_input_figure(pictures: FirstLayerPictures) -> go.Figure:
    """One image: for every input pixel, the share of all units that keep its weight."""
    figure = go.Figure(
        go.Heatmap(
            z=pictures.kept_per_input, zmin=0.0, zmax=1.0, colorscale="Viridis",
            colorbar=dict(title="kept", tickformat=".0%"),
            hovertemplate="row %{y}, column %{x}: %{z:.0%} of units keep it<extra></extra>",
        )
    )  # fmt: skip
    style_image_axes(figure)
    figure.update_layout(
        title=f"{pictures.layer}: share of units that keep each input weight",
        height=360,
        margin=dict(l=10, r=10, t=40, b=10),
    )
    return figure
