"""Many small images as one picture: the plotly figure of a mosaic, with a caption per tile.

The mosaic (tiles, gaps, per-image scaling) is numbers built by
:mod:`compression.explain.mosaic`; here it becomes one heatmap, whose NaN gaps plotly
leaves transparent, with a small label above each tile.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from compression.figures.plot_style import MODEBAR_ROOM
from compression.figures.plot_style import title as chart_title

if TYPE_CHECKING:  # only for the annotations: the figures never import torch
    from compression.explain.mosaic import Mosaic


def mosaic_trace(
    values: np.ndarray,
    *,
    shown: np.ndarray | None = None,
    colorscale: str | list = "RdBu_r",
    zmin: float = -1.0,
    zmax: float = 1.0,
    hover_label: str = "value",
) -> go.Heatmap:
    """One heatmap coloured by the ``shown`` mosaic (default ``values``); hover gives ``values``."""
    return go.Heatmap(
        z=values if shown is None else shown,
        customdata=values,
        zmin=zmin,
        zmax=zmax,
        colorscale=colorscale,
        showscale=False,
        hoverongaps=False,
        hovertemplate=f"{hover_label} %{{customdata:.4g}}<extra></extra>",
    )


def caption_annotations(
    mosaic: Mosaic, captions: Sequence[str], xref: str = "x", yref: str = "y"
) -> list[dict]:
    """One small label above each tile of a mosaic (plotly annotation dicts)."""
    _, width = mosaic.tile_shape
    return [
        dict(
            x=left + (width - 1) / 2,
            y=top - 0.5,
            xref=xref,
            yref=yref,
            text=caption,
            showarrow=False,
            yanchor="bottom",
            font=dict(size=10),
        )
        for caption, (top, left) in zip(captions, mosaic.origins, strict=True)
    ]


def style_image_axes(figure: go.Figure, row: int | None = None, col: int | None = None) -> None:
    """Square pixels, first row at the top, no ticks: the axes of a picture."""
    figure.update_xaxes(visible=False, constrain="domain", row=row, col=col)
    figure.update_yaxes(
        visible=False,
        autorange="reversed",
        scaleanchor="x" if row is None else None,
        row=row,
        col=col,
    )


def image_grid_figure(
    mosaic: Mosaic,
    captions: Sequence[str] | None = None,
    *,
    colorscale: str | list = "gray",
    zmin: float = 0.0,
    zmax: float = 1.0,
    hover_label: str = "value",
    title: str | None = None,
) -> go.Figure:
    """A grid of images with a caption above each; pure function of its inputs.

    Build ``mosaic`` with ``captioned=True`` when there are captions, so they have room.
    """
    figure = go.Figure(
        mosaic_trace(
            mosaic.pixels, colorscale=colorscale, zmin=zmin, zmax=zmax, hover_label=hover_label
        )
    )
    if captions is not None and mosaic.origins:
        figure.update_layout(annotations=caption_annotations(mosaic, captions))
    style_image_axes(figure)
    figure.update_layout(
        title=chart_title(title),
        margin=dict(l=10, r=10, t=MODEBAR_ROOM + (30 if title else 0), b=10),
        height=140 + 110 * max(mosaic.rows, 1),  # an empty grid keeps one row's height
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return figure
