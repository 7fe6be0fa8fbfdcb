"""What compression cost, example by example: new mistakes and the confusion matrix.

Everything here is a function of prediction vectors (N,) of class indices, as
returned in ``Evaluation.predictions``; no model is run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import torch

from compression.explain.mosaic import Mosaic, mosaic_of


def _check_same_length(**vectors: torch.Tensor) -> None:
    lengths = {name: len(vector) for name, vector in vectors.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} {length}" for name, length in lengths.items())
        raise ValueError(f"prediction and label vectors differ in length: {described}")


@dataclass(frozen=True)
class Gallery:
    """Test examples the baseline got right and the compressed model gets wrong."""

    indices: torch.Tensor  # (k,) positions in the test set, ascending
    labels: torch.Tensor  # (k,) true classes (= the baseline's predictions)
    baseline: torch.Tensor  # (k,) baseline predictions
    compressed: torch.Tensor  # (k,) compressed predictions
    total: int  # how many such examples exist (k <= total when limited)


def misclassified_gallery(
    baseline_predictions: torch.Tensor,
    compressed_predictions: torch.Tensor,
    labels: torch.Tensor,
    limit: int | None = 24,
) -> Gallery:
    """Examples with ``baseline == label`` and ``compressed != label``, first ``limit`` of them.

    ``total`` counts all of them, so a page can say "showing 24 of 131".
    """
    _check_same_length(
        baseline=baseline_predictions, compressed=compressed_predictions, labels=labels
    )
    lost = (baseline_predictions == labels) & (compressed_predictions != labels)
    indices = torch.nonzero(lost).reshape(-1)
    total = len(indices)
    if limit is not None:
        indices = indices[: max(0, limit)]
    return Gallery(
        indices=indices,
        labels=labels[indices],
        baseline=baseline_predictions[indices],
        compressed=compressed_predictions[indices],
        total=total,
    )


def prediction_changes(
    baseline_predictions: torch.Tensor, compressed_predictions: torch.Tensor, labels: torch.Tensor
) -> dict[str, int]:
    """How many examples both get right, only the baseline, only the compressed model, neither.

    ``accuracy(compressed) - accuracy(baseline) = (gained - lost) / N``.
    """
    _check_same_length(
        baseline=baseline_predictions, compressed=compressed_predictions, labels=labels
    )
    base_right = baseline_predictions == labels
    comp_right = compressed_predictions == labels
    return {
        "both_right": int((base_right & comp_right).sum()),
        "lost": int((base_right & ~comp_right).sum()),
        "gained": int((~base_right & comp_right).sum()),
        "both_wrong": int((~base_right & ~comp_right).sum()),
    }


def confusion_matrix(
    predictions: torch.Tensor, labels: torch.Tensor, classes: Sequence[str]
) -> pd.DataFrame:
    """Counts ``C[i, j]`` of examples of true class ``i`` predicted as ``j``.

    Rows are true classes, columns predictions, both named by ``classes``;
    ``C = bincount(k * label + prediction).reshape(k, k)``.
    """
    _check_same_length(predictions=predictions, labels=labels)
    k = len(classes)
    for name, vector in (("predictions", predictions), ("labels", labels)):
        if len(vector) and not (int(vector.min()) >= 0 and int(vector.max()) < k):
            raise ValueError(f"{name} must be class indices in 0..{k - 1}")
    flat = labels.long() * k + predictions.long()
    counts = torch.bincount(flat, minlength=k * k).reshape(k, k)
    index = pd.Index(list(classes), name="true")
    columns = pd.Index(list(classes), name="predicted")
    return pd.DataFrame(counts.numpy(), index=index, columns=columns)


def gallery_captions(gallery: Gallery, class_names: Sequence[str]) -> list[str]:
    """ "true → compressed" for each example (the baseline predicted the true class)."""
    return [
        f"{class_names[int(t)]} → {class_names[int(c)]}"
        for t, c in zip(gallery.labels, gallery.compressed, strict=True)
    ]


def gallery_mosaic(images: torch.Tensor, gallery: Gallery, columns: int = 8) -> Mosaic:
    """The gallery's test images tiled ``columns`` per row, with room for a caption above each.

    ``images`` is the whole test set (N, 1, 28, 28) in [0, 1]; it is indexed, not changed.
    """
    shown = images[gallery.indices].reshape(len(gallery.indices), *images.shape[-2:])
    return mosaic_of(shown, columns, captioned=True)
