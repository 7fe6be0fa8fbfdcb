"""The confusion matrix and the gallery of new mistakes, drawn."""

from __future__ import annotations

import numpy as np
import torch
from shared_data import BASELINE, COMPRESSED, LABELS

from compression.explain.errors_view import (
    confusion_matrix,
    gallery_captions,
    gallery_mosaic,
    misclassified_gallery,
)
from compression.figures.errors import confusion_figure, gallery_figure


def test_confusion_figure_shows_every_count_and_highlights_mistakes():
    matrix = confusion_matrix(COMPRESSED, LABELS, ["a", "b", "c"])
    (heatmap,) = confusion_figure(matrix, "compressed").data
    np.testing.assert_array_equal(np.asarray(heatmap.z), matrix.to_numpy())
    assert heatmap.zmax == 1  # the largest off-diagonal count, not the diagonal's 2


def test_gallery_figure_shows_the_broken_test_images_with_captions():
    images = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    gallery = misclassified_gallery(BASELINE, COMPRESSED, LABELS)
    names = ["zero", "one", "two"]
    assert gallery_captions(gallery, names) == ["one → two", "one → zero", "two → one"]
    tiled = gallery_mosaic(images, gallery, columns=3)
    figure = gallery_figure(tiled, gallery_captions(gallery, names), gallery.total)
    mosaic = np.asarray(figure.data[0].z, dtype=float)
    np.testing.assert_allclose(mosaic[:28, :28], images[1, 0].numpy(), rtol=1e-6)
    np.testing.assert_allclose(mosaic[:28, 29:57], images[4, 0].numpy(), rtol=1e-6)
    assert figure.layout.title.text == "3 new mistakes"


def test_a_limited_gallery_says_how_many_it_shows():
    gallery = misclassified_gallery(BASELINE, COMPRESSED, LABELS, limit=2)
    tiled = gallery_mosaic(torch.rand(8, 1, 28, 28), gallery)
    figure = gallery_figure(tiled, gallery_captions(gallery, ["a", "b", "c"]), gallery.total)
    assert figure.layout.title.text.endswith("(2 shown)")
    assert [a.text for a in figure.layout.annotations] == ["b → c", "b → a"]


def test_an_empty_gallery_still_draws():
    gallery = misclassified_gallery(LABELS, LABELS, LABELS)
    tiled = gallery_mosaic(torch.rand(8, 1, 28, 28), gallery)
    figure = gallery_figure(tiled, gallery_captions(gallery, ["a", "b", "c"]), gallery.total)
    assert figure.layout.title.text == "0 new mistakes"
