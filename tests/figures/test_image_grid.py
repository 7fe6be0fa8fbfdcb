"""A mosaic of many small images drawn as one heatmap with captions."""

from __future__ import annotations

import numpy as np

from compression.explain.mosaic import mosaic_of
from compression.figures.image_grid import image_grid_figure


def test_image_grid_figure_draws_the_mosaic_and_one_caption_per_image():
    images = np.random.default_rng(0).random((6, 28, 28))
    figure = image_grid_figure(
        mosaic_of(images, columns=4, captioned=True), [f"#{i}" for i in range(6)]
    )
    (heatmap,) = figure.data
    z = np.asarray(heatmap.z, dtype=float)
    np.testing.assert_array_equal(z[:28, :28], images[0])
    assert [a.text for a in figure.layout.annotations] == [f"#{i}" for i in range(6)]
    assert figure.layout.yaxis.autorange == "reversed"  # row 0 at the top, like an image


def test_captions_sit_above_the_middle_of_their_tiles():
    figure = image_grid_figure(mosaic_of(np.zeros((3, 10, 8)), columns=2, captioned=True), "abc")
    gap = 3  # caption_gap(10)
    positions = [(a.x, a.y) for a in figure.layout.annotations]
    assert positions == [(3.5, -0.5), (12.5, -0.5), (3.5, 10 + gap - 0.5)]
    assert figure.layout.height == 140 + 110 * 2
