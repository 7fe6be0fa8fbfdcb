"""What compression cost, drawn: the confusion matrix and the gallery of new mistakes.

Numbers in (a confusion-matrix DataFrame, a mosaic of test images and their captions
from :mod:`compression.explain.errors_view`), plotly out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from compression.figures.image_grid import image_grid_figure
from compression.figures.plot_style import MODEBAR_ROOM
from compression.figures.plot_style import title as chart_title

if TYPE_CHECKING:  # only for the annotations: the figures never import torch
    from compression.explain.mosaic import Mosaic


def confusion_figure(matrix: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Heatmap of a confusion matrix with the count in every cell.

    The colour scale stops at the largest *off-diagonal* count, so the mistakes
    are visible next to the much larger diagonal (which shows as the darkest colour).
    """
    counts = matrix.to_numpy()
    off_diagonal = counts.copy()
    for i in range(min(counts.shape)):
        off_diagonal[i, i] = 0
    names = [str(name) for name in matrix.columns]
    figure = go.Figure(
        go.Heatmap(
            z=counts, x=names, y=[str(name) for name in matrix.index],
            zmin=0, zmax=max(int(off_diagonal.max()), 1), colorscale="Blues",
            text=counts, texttemplate="%{text}", showscale=False,
            hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
        )
    )  # fmt: skip
    figure.update_xaxes(title="predicted", side="top", type="category")
    figure.update_yaxes(title="true", autorange="reversed", type="category")
    figure.update_layout(
        title=chart_title(title), height=500, margin=dict(l=10, r=10, t=MODEBAR_ROOM + 80, b=10)
    )
    return figure


def gallery_figure(mosaic: Mosaic, captions: Sequence[str], total: int) -> go.Figure:
    """The new mistakes (white on black), each captioned "true → compressed".

    ``mosaic`` holds the shown test images (``errors_view.gallery_mosaic``), ``captions``
    one per image (``errors_view.gallery_captions``); ``total`` counts all new mistakes,
    shown or not.
    """
    title = f"{total:,} new mistakes"  # short: one line on a phone
    if len(captions) < total:
        title += f" ({len(captions)} shown)"
    return image_grid_figure(mosaic, captions, hover_label="pixel", title=title)
