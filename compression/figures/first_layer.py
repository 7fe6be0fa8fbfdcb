"""What the first layer learned, drawn: its strongest units as pictures, before and after.

Numbers in (:class:`compression.explain.weights_view.FirstLayerPictures`), plotly out.
Red pixels excite a unit (positive weight), blue ones inhibit it (negative).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go

from compression.figures.image_grid import caption_annotations, mosaic_trace, style_image_axes
from compression.figures.plot_style import MODEBAR_ROOM, title

if TYPE_CHECKING:  # only for the annotations: the figures never import torch
    from compression.explain.weights_view import FirstLayerPictures

_SIGNED = "RdBu_r"  # red = positive (excites the unit), blue = negative (inhibits it)
_KEPT = [[0.0, "#f2f2f2"], [1.0, "#262626"]]  # pruned = light, kept = dark


PANELS = ("before compression", "after compression", "kept weights (dark)")


def first_layer_panels(pictures: FirstLayerPictures) -> list[tuple[str, go.Figure]]:
    """Three panels, (title, figure) each: baseline weights, compressed weights, kept mask;
    the same units in each. One figure a panel, so a page can put them side by side on a
    wide screen and stack them on a phone (where one figure of three would leave ~25 pixels
    a picture, too narrow for its caption). The titles are for the page to show.

    Each weight image is scaled to its own largest |W| (so weak units stay visible);
    hovering shows the true value.
    """
    panels = (
        (pictures.before, pictures.before_scaled, _SIGNED, -1.0, "weight"),
        (pictures.after, pictures.after_scaled, _SIGNED, -1.0, "weight"),
        (pictures.kept, pictures.kept, _KEPT, 0.0, "kept"),
    )
    noun = "filter" if pictures.layer.startswith("conv") else "unit"
    captions = [f"{noun} {unit}" for unit in pictures.units]
    figures = []
    for heading, (values, shown, colours, low, label) in zip(PANELS, panels, strict=True):
        figure = go.Figure(
            mosaic_trace(
                values.pixels, shown=shown.pixels, colorscale=colours, zmin=low, zmax=1.0,
                hover_label=label,
            )
        )  # fmt: skip
        style_image_axes(figure)
        figure.update_yaxes(scaleanchor="x")
        figure.update_layout(
            annotations=caption_annotations(values, captions),
            height=MODEBAR_ROOM + 20 + 75 * max(pictures.before.rows, 1),  # ~60 px tiles
            margin=dict(l=10, r=10, t=MODEBAR_ROOM, b=10),
            plot_bgcolor="rgba(0,0,0,0)",
        )
        figures.append((heading, figure))
    return figures


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
        title=title(f"{pictures.layer}: share of units that keep each input weight"),
        height=380,
        margin=dict(l=10, r=10, t=MODEBAR_ROOM + 30, b=10),
    )
    return figure
