"""Many small images as one picture: tiles row by row with gaps, laid out by ``make_grid``.

Tile ``i`` of a mosaic ``c`` tiles wide has its top-left pixel at
``((i // c) * (h + row_gap), (i % c) * (w + gap))``; the pixels between and after the
tiles are NaN, which plotly leaves transparent. One heatmap of such a mosaic draws far
faster than one subplot per image, which matters when a slider redraws 36 weight
images at once. The figure is drawn by :mod:`compression.figures.image_grid`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.utils import make_grid


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


def _as_images(images: torch.Tensor | np.ndarray) -> torch.Tensor:
    """The images as a float64 CPU tensor of shape (count, height, width); other shapes fail."""
    images = torch.as_tensor(images).detach().to(device="cpu", dtype=torch.float64)
    if images.dim() != 3:
        raise ValueError(
            f"expected images of shape (count, height, width), got {tuple(images.shape)}"
        )
    return images


def tile_images(
    images: torch.Tensor | np.ndarray,
    columns: int,
    gap: int = 1,
    row_gap: int | None = None,
    fill: float = math.nan,
) -> np.ndarray:
    """Lay out (k, h, w) images row by row, ``columns`` per row, ``gap`` pixels apart.

    Returns a (rows * (h + row_gap) - row_gap, cols * (w + gap) - gap) float64 array
    (``row_gap`` defaults to ``gap``); pixels between and after the images are
    ``fill`` (NaN: transparent in plotly).
    """
    images = _as_images(images)
    count = len(images)
    if count == 0:
        return np.full((0, 0), fill)
    row_gap = gap if row_gap is None else row_gap
    _, columns = grid_shape(count, columns)
    # Each tile carries its gaps below and to its right, so make_grid can lay the tiles
    # edge to edge (padding 0); the gaps after the last row and column are cut off.
    padded = F.pad(images.unsqueeze(1), (0, gap, 0, row_gap), value=fill)
    grid = make_grid(padded, nrow=columns, padding=0, pad_value=fill)[0]  # channels are copies
    return grid[: grid.shape[0] - row_gap, : grid.shape[1] - gap].numpy()


def scale_each(images: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Divide every image by its own largest |value| (all-zero images stay 0): range [-1, 1]."""
    images = _as_images(images)
    peaks = images.abs().flatten(1).amax(dim=1)
    return images / torch.where(peaks > 0, peaks, 1.0)[:, None, None]


@dataclass(frozen=True)
class Mosaic:
    """Images tiled into one array, and where each tile sits (what a figure needs)."""

    pixels: np.ndarray  # float64 (H, W); NaN between and after the tiles
    origins: tuple[tuple[int, int], ...]  # top-left (row, col) pixel of each tile
    tile_shape: tuple[int, int]  # (h, w) of one tile
    rows: int  # rows of tiles (0 when there are no images)
    columns: int  # tiles per row


def mosaic_of(
    images: torch.Tensor | np.ndarray, columns: int, *, captioned: bool = False, gap: int = 1
) -> Mosaic:
    """``images`` (k, h, w) tiled ``columns`` per row; ``captioned`` leaves room above each row."""
    images = _as_images(images)
    count, height, width = images.shape
    row_gap = caption_gap(height) if captioned else gap
    rows, columns = grid_shape(count, columns)
    return Mosaic(
        pixels=tile_images(images, columns, gap, row_gap),
        origins=tuple(
            tile_origin(index, columns, height, width, gap, row_gap) for index in range(count)
        ),
        tile_shape=(height, width),
        rows=rows,
        columns=columns,
    )


def labelled_mosaic(
    pixels: torch.Tensor | np.ndarray, columns: int, padding: int = 4, top: int = 0
) -> np.ndarray:
    """Tile (N, H, W) images ``columns`` per row, ``padding`` apart, with ``top`` blank rows
    above each for its label; a margin of ``padding`` all round, every gap 0.

    The result has shape (rows * (H + padding + top) + padding, columns * (W + padding) +
    padding) and the images' dtype: ``make_grid``'s own layout of tiles of H + top rows.
    """
    images = torch.as_tensor(np.asarray(pixels))
    if images.dim() != 3:
        raise ValueError(f"expected images of shape (count, height, width), got {images.shape}")
    count = len(images)
    rows = math.ceil(count / columns)
    blank = torch.zeros((rows * columns - count, *images.shape[1:]), dtype=images.dtype)
    tiles = F.pad(torch.cat([images, blank]).unsqueeze(1), (0, 0, top, 0))  # label rows above
    # make_grid returns a lone tile as it is, without padding: give it a second row to lay
    # out, then cut that row off.
    extra = len(tiles) == 1
    if extra:
        tiles = torch.cat([tiles, torch.zeros_like(tiles)])
    grid = make_grid(tiles, nrow=columns, padding=padding, pad_value=0)[0]  # channels are copies
    if extra:
        grid = grid[: grid.shape[0] - tiles.shape[2] - padding]
    return grid.numpy()
