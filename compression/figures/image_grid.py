"""Many small images as one picture: a mosaic with gaps, and its plotly figure.

One heatmap of a tiled mosaic draws far faster than one subplot per image, which
matters when a slider redraws 36 weight images at once. Gaps are NaN, which
plotly leaves transparent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
import torch


def _as_array(images: np.ndarray | torch.Tensor) -> np.ndarray:
    if isinstance(images, torch.Tensor):
        images = images.detach().cpu().numpy()
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3:
        raise ValueError(f"expected images of shape (count, height, width), got {images.shape}")
    return images


def grid_shape(count: int, columns: int) -> tuple[int, int]:
    """(rows, columns) of a grid that holds ``count`` images, at most ``columns`` wide."""
    if columns < 1:
        raise ValueError(f"a grid needs at least one column, got {columns}")
    columns = max(1, min(columns, count))
    return math.ceil(count / columns), columns


def caption_gap(height: int) -> int:
    """Empty rows between two rows of tiles that leave room for a caption."""
    return max(1, math.ceil(0.3 * height))


def tile_origin(
    index: int, columns: int, height: int, width: int, gap: int = 1, row_gap: int | None = None
) -> tuple[int, int]:
    """Top-left (row, col) pixel of image ``index`` in the mosaic (row-major order)."""
    row_gap = gap if row_gap is None else row_gap
    return (index // columns) * (height + row_gap), (index % columns) * (width + gap)


def tile_images(
    images: np.ndarray | torch.Tensor,
    columns: int,
    gap: int = 1,
    row_gap: int | None = None,
    fill: float = np.nan,
) -> np.ndarray:
    """Lay out (k, h, w) images row by row, ``columns`` per row, ``gap`` pixels apart.

    Returns a (rows * (h + row_gap) - row_gap, cols * (w + gap) - gap) float array
    (``row_gap`` defaults to ``gap``); pixels between and after the images are
    ``fill`` (NaN: transparent in plotly).
    """
    images = _as_array(images)
    count, height, width = images.shape
    if count == 0:
        return np.full((0, 0), fill)
    row_gap = gap if row_gap is None else row_gap
    rows, columns = grid_shape(count, columns)
    mosaic = np.full((rows * (height + row_gap) - row_gap, columns * (width + gap) - gap), fill)
    for index, image in enumerate(images):
        top, left = tile_origin(index, columns, height, width, gap, row_gap)
        mosaic[top : top + height, left : left + width] = image
    return mosaic


def scale_each(images: np.ndarray | torch.Tensor) -> np.ndarray:
    """Divide every image by its own largest |value| (all-zero images stay 0): range [-1, 1]."""
    images = _as_array(images)
    peaks = np.abs(images).reshape(len(images), -1).max(axis=1, initial=0.0)
    return images / np.where(peaks > 0, peaks, 1.0)[:, None, None]


def mosaic_trace(
    images: np.ndarray | torch.Tensor,
    columns: int,
    *,
    shown: np.ndarray | torch.Tensor | None = None,
    colorscale: str | list = "RdBu_r",
    zmin: float = -1.0,
    zmax: float = 1.0,
    hover_label: str = "value",
    gap: int = 1,
    row_gap: int | None = None,
) -> go.Heatmap:
    """One heatmap of the tiled ``shown`` images (default: ``images``); hover gives ``images``."""
    values = tile_images(images, columns, gap, row_gap)
    colours = values if shown is None else tile_images(shown, columns, gap, row_gap)
    return go.Heatmap(
        z=colours,
        customdata=values,
        zmin=zmin,
        zmax=zmax,
        colorscale=colorscale,
        showscale=False,
        hoverongaps=False,
        hovertemplate=f"{hover_label} %{{customdata:.4g}}<extra></extra>",
    )


def caption_annotations(
    captions: Sequence[str],
    columns: int,
    height: int,
    width: int,
    gap: int = 1,
    row_gap: int | None = None,
    xref: str = "x",
    yref: str = "y",
) -> list[dict]:
    """One small label above each tile of a mosaic (plotly annotation dicts)."""
    _, columns = grid_shape(max(len(captions), 1), columns)
    labels = []
    for index, caption in enumerate(captions):
        top, left = tile_origin(index, columns, height, width, gap, row_gap)
        labels.append(
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
        )
    return labels


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
    images: np.ndarray | torch.Tensor,
    captions: Sequence[str] | None = None,
    columns: int = 8,
    *,
    colorscale: str | list = "gray",
    zmin: float = 0.0,
    zmax: float = 1.0,
    hover_label: str = "value",
    title: str | None = None,
) -> go.Figure:
    """A grid of images with a caption above each; pure function of its inputs."""
    array = _as_array(images)
    row_gap = caption_gap(array.shape[1]) if captions is not None else 1
    figure = go.Figure(
        mosaic_trace(
            array,
            columns,
            colorscale=colorscale,
            zmin=zmin,
            zmax=zmax,
            hover_label=hover_label,
            row_gap=row_gap,
        )
    )
    if captions is not None and len(array):
        figure.update_layout(
            annotations=caption_annotations(
                captions, columns, array.shape[1], array.shape[2], row_gap=row_gap
            )
        )
    style_image_axes(figure)
    rows, _ = grid_shape(max(len(array), 1), columns)
    figure.update_layout(
        title=title,
        margin=dict(l=10, r=10, t=40 if title else 20, b=10),
        height=120 + 110 * rows,
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return figure
