"""The Draw page's charts: the input as an image, and both models' probabilities per class."""

from __future__ import annotations

import numpy as np
import pytest

from compression.figures import palette
from compression.figures.drawing_plots import input_picture, probability_bars

FASHION = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")  # fmt: skip


def test_the_input_is_drawn_pixel_for_pixel_as_ink_on_paper():
    image = np.random.default_rng(1).random((28, 28)).astype(np.float32)
    figure = input_picture(image)
    (heatmap,) = figure.data
    np.testing.assert_allclose(np.asarray(heatmap.z, dtype=float), image, rtol=1e-6)
    assert (heatmap.zmin, heatmap.zmax) == (0.0, 1.0)  # 0 paper, 1 full ink
    assert figure.layout.yaxis.autorange == "reversed"  # row 0 on top, as drawn
    assert figure.layout.yaxis.scaleanchor == "x"  # square pixels


@pytest.mark.parametrize("names", [tuple("0123456789"), FASHION])
def test_both_models_bars_stand_side_by_side_per_class(names):
    rng = np.random.default_rng(2)
    baseline, compressed = rng.dirichlet(np.ones(10)), rng.dirichlet(np.ones(10))
    figure = probability_bars(names, baseline, compressed, compressed_label="pruned")
    first, second = figure.data
    assert (first.name, second.name) == ("baseline", "pruned")
    assert (first.marker.color, second.marker.color) == (palette.BASELINE, palette.COMPRESSED)
    assert list(first.x) == list(second.x) == list(names)
    np.testing.assert_allclose(first.y, baseline)
    np.testing.assert_allclose(second.y, compressed)
    assert figure.layout.barmode == "group"
    assert figure.layout.yaxis.range[0] == 0 and figure.layout.yaxis.range[1] >= 1
    best = int(np.argmax(compressed))
    assert second.text[best] == f"{compressed[best]:.0%}"  # the share written on its bar
    assert figure.layout.xaxis.tickangle == (0 if names[0] == "0" else -30)
