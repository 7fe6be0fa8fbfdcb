"""Tiling many small images into one picture."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from compression.explain.mosaic import (
    caption_gap,
    grid_shape,
    labelled_mosaic,
    mosaic_of,
    scale_each,
    tile_images,
)


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


def test_one_image_and_no_image_are_tiled_too():
    image = torch.rand(1, 3, 4)
    np.testing.assert_array_equal(tile_images(image, columns=5, gap=2, row_gap=3), image[0])
    assert tile_images(torch.zeros(0, 3, 4), columns=5).shape == (0, 0)


def test_grid_never_has_more_columns_than_images():
    assert grid_shape(3, 8) == (1, 3)
    assert grid_shape(17, 8) == (3, 8)
    with pytest.raises(ValueError, match="at least one column"):
        grid_shape(3, 0)


def test_scale_each_divides_every_image_by_its_own_peak():
    images = torch.tensor([[[2.0, -4.0]], [[0.0, 0.0]], [[0.5, 0.25]]])
    scaled = scale_each(images)
    np.testing.assert_allclose(scaled, [[[0.5, -1.0]], [[0.0, 0.0]], [[1.0, 0.5]]])


def test_a_captioned_mosaic_knows_where_each_tile_sits():
    images = torch.rand(5, 28, 28, generator=torch.Generator().manual_seed(0))
    mosaic = mosaic_of(images, columns=3, captioned=True)
    gap = caption_gap(28)
    assert (mosaic.rows, mosaic.columns, mosaic.tile_shape) == (2, 3, (28, 28))
    assert mosaic.origins == ((0, 0), (0, 29), (0, 58), (28 + gap, 0), (28 + gap, 29))
    np.testing.assert_array_equal(mosaic.pixels, tile_images(images, 3, row_gap=gap))
    top, left = mosaic.origins[4]
    np.testing.assert_allclose(mosaic.pixels[top : top + 28, left : left + 28], images[4])


def test_rejects_a_flat_vector():
    with pytest.raises(ValueError, match="count, height, width"):
        tile_images(np.zeros(784), columns=4)


def test_digit_mosaic_places_each_image_in_its_cell():
    pixels = np.arange(1, 7, dtype=np.uint8).reshape(6, 1, 1).repeat(2, 1).repeat(3, 2)  # (6,2,3)
    mosaic = labelled_mosaic(pixels, columns=4, padding=1, top=2)
    assert mosaic.shape == (2 * (2 + 1 + 2) + 1, 4 * (3 + 1) + 1)
    assert (mosaic[3:5, 1:4] == 1).all()  # first image: below padding + label space
    assert (mosaic[3 + 5 : 5 + 5, 1 + 4 : 4 + 4] == 6).all()  # sixth: row 2, column 2
    assert mosaic.sum() == sum(range(1, 7)) * 6


def test_a_lone_digit_gets_the_same_margins_and_label_room_as_many():
    pixels = np.full((1, 2, 3), 9, dtype=np.uint8)
    mosaic = labelled_mosaic(pixels, columns=1, padding=1, top=2)
    assert mosaic.shape == (2 + 1 + 2 + 1, 3 + 1 + 1)
    assert (mosaic[3:5, 1:4] == 9).all() and mosaic.sum() == 9 * 6
