"""New mistakes of a compressed model and its confusion matrix, against hand counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from shared_data import BASELINE, COMPRESSED, LABELS

from compression.explain.errors_view import (
    confusion_matrix,
    gallery_captions,
    gallery_mosaic,
    misclassified_gallery,
    prediction_changes,
)


def test_gallery_lists_examples_the_compression_broke():
    gallery = misclassified_gallery(BASELINE, COMPRESSED, LABELS, limit=None)
    assert gallery.indices.tolist() == [1, 4, 6]  # index 3 was already wrong before
    assert gallery.labels.tolist() == [1, 1, 2]
    assert gallery.baseline.tolist() == [1, 1, 2]
    assert gallery.compressed.tolist() == [2, 0, 1]
    assert gallery.total == 3


def test_gallery_limit_keeps_the_first_ones_and_the_total():
    gallery = misclassified_gallery(BASELINE, COMPRESSED, LABELS, limit=2)
    assert gallery.indices.tolist() == [1, 4]
    assert gallery.total == 3
    assert misclassified_gallery(BASELINE, BASELINE, LABELS).total == 0


def test_prediction_changes_account_for_the_accuracy_difference():
    changes = prediction_changes(BASELINE, COMPRESSED, LABELS)
    assert changes == {"both_right": 4, "lost": 3, "gained": 1, "both_wrong": 0}
    accuracy = lambda p: float((p == LABELS).float().mean())  # noqa: E731
    n = len(LABELS)
    assert accuracy(COMPRESSED) - accuracy(BASELINE) == pytest.approx(
        (changes["gained"] - changes["lost"]) / n
    )


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    matrix = confusion_matrix(COMPRESSED, LABELS, ["a", "b", "c"])
    # true 0 (idx 0, 5): predicted 0, 0; true 1 (1, 4, 7): 2, 0, 1; true 2 (2, 3, 6): 2, 2, 1
    assert matrix.to_numpy().tolist() == [[2, 0, 0], [1, 1, 1], [0, 1, 2]]
    assert list(matrix.index) == ["a", "b", "c"] and list(matrix.columns) == ["a", "b", "c"]
    assert matrix.index.name == "true" and matrix.columns.name == "predicted"


def test_confusion_matrix_matches_pandas_crosstab_on_random_predictions():
    generator = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 10, (2000,), generator=generator)
    predictions = torch.randint(0, 10, (2000,), generator=generator)
    names = [str(i) for i in range(10)]
    reference = pd.crosstab(labels.numpy(), predictions.numpy()).reindex(
        index=range(10), columns=range(10), fill_value=0
    )
    matrix = confusion_matrix(predictions, labels, names)
    np.testing.assert_array_equal(matrix.to_numpy(), reference.to_numpy())
    assert matrix.to_numpy().sum() == 2000
    assert np.trace(matrix.to_numpy()) == int((predictions == labels).sum())


def test_a_class_never_seen_still_gets_its_row_and_column():
    matrix = confusion_matrix(torch.tensor([0, 0]), torch.tensor([0, 0]), ["x", "y", "z"])
    assert matrix.shape == (3, 3) and matrix.to_numpy().sum() == 2


def test_bad_inputs_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="differ in length"):
        misclassified_gallery(BASELINE, COMPRESSED[:-1], LABELS)
    with pytest.raises(ValueError, match=r"class indices in 0\.\.1"):
        confusion_matrix(COMPRESSED, LABELS, ["a", "b"])


def test_gallery_mosaic_tiles_the_broken_test_images_in_order_of_their_captions():
    images = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    gallery = misclassified_gallery(BASELINE, COMPRESSED, LABELS)
    assert gallery_captions(gallery, ["zero", "one", "two"]) == [
        "one → two", "one → zero", "two → one",
    ]  # fmt: skip
    mosaic = gallery_mosaic(images, gallery, columns=2)
    assert (mosaic.rows, mosaic.columns, mosaic.tile_shape) == (2, 2, (28, 28))
    for (top, left), index in zip(mosaic.origins, [1, 4, 6], strict=True):
        tile = mosaic.pixels[top : top + 28, left : left + 28]
        np.testing.assert_array_equal(tile, images[index, 0].numpy())
