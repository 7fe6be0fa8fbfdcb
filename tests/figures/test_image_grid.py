"""Tiling many small images into one picture."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from compression.figures.image_grid import grid_shape, image_grid_figure, scale_each, tile_images


def test_tiles_are_placed_row_by_row_with_nan_gaps():
    images = np.arange(5 * 2 * 3, dtype=float).reshape(5, 2, 3)  # five 2x3 images
    mosaic = tile_images(images, columns=2, gap=1)
    # 3 rows of tiles: 3*2 + 2 gaps = 8 high; 2 columns: 2*3 + 1 gap = 7 wide
    assert mosaic.shape == (8, 7)
    np.testing.assert_array_equal(mosaic[0:2, 0:3], images[0])
    np.testing.assert_array_equal(mosaic[0:2, 4:7], images[1])
    np.testing.assert_array_equal(mosaic[3:5, 0:3], images[2])
    np.testing.assert_array_equal(mosaic[6:8, 0:3], images[4])
    assert np.isnan(mosaic[2]).all() and np.isnan(mosaic[:, 3]).all()  # the gaps
    assert np.isnan(mosaic[6:8, 4:7]).all()  # no sixth image: empty slot
    assert np.count_nonzero(~np.isnan(mosaic)) == images.size


def test_row_gap_leaves_room_for_captions():
    mosaic = tile_images(np.ones((4, 2, 2)), columns=2, gap=1, row_gap=3)
    assert mosaic.shape == (2 + 3 + 2, 2 + 1 + 2)
    assert np.isnan(mosaic[2:5]).all()


def test_grid_never_has_more_columns_than_images():
    assert grid_shape(3, 8) == (1, 3)
    assert grid_shape(17, 8) == (3, 8)
    with pytest.raises(ValueError, match="at least one column"):
        grid_shape(3, 0)


def test_scale_each_divides_every_image_by_its_own_peak():
    images = torch.tensor([[[2.0, -4.0]], [[0.0, 0.0]], [[0.5, 0.25]]])
    scaled = scale_each(images)
    np.testing.assert_allclose(scaled, [[[0.5, -1.0]], [[0.0, 0.0]], [[1.0, 0.5]]])


def test_image_grid_figure_draws_the_mosaic_and_one_caption_per_image():
    images = np.random.default_rng(0).random((6, 28, 28))
    figure = image_grid_figure(images, [f"#{i}" for i in range(6)], columns=4)
    (heatmap,) = figure.data
    z = np.asarray(heatmap.z, dtype=float)
    np.testing.assert_array_equal(z[:28, :28], images[0])
    assert [a.text for a in figure.layout.annotations] == [f"#{i}" for i in range(6)]
    assert figure.layout.yaxis.autorange == "reversed"  # row 0 at the top, like an image


def test_rejects_a_flat_vector():
    with pytest.raises(ValueError, match="count, height, width"):
        tile_images(np.zeros(784), columns=4)
