"""Two settings of one baseline side by side: metrics, kept weights, classes and images.

Given the baseline's weights and two measured settings A and B
(:func:`compression.measure.measure`), :func:`compare` says what differs: the headline
numbers and B − A, which weights each keeps (a weight is *kept* when it is nonzero after
compression, so this covers pruning, the ternary band and quantization's zero level alike),
the accuracy on each class, and the test images exactly one of the two gets right. The
compressed copies are made again with :func:`compression.compress.compress` (the
measurements keep no tensors); the baseline is read, never written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from compression.compress import compress
from compression.explain.mosaic import Mosaic, mosaic_of
from compression.measure import Measurement, measure
from compression.models import module_for, weight_key, weight_layer_names
from compression.settings import CompressionSettings

# Codes of :func:`overlap_map`: what became of a weight under A and under B.
NEITHER, B_ONLY, A_ONLY, BOTH = 0, 1, 2, 3
OVERLAP_NAMES = {BOTH: "kept by both", A_ONLY: "kept by A only", B_ONLY: "kept by B only",
                 NEITHER: "kept by neither"}  # fmt: skip
# (metric name, Measurement attribute) of the side-by-side table, in the order shown.
METRICS = (
    ("accuracy", "accuracy"),
    ("size_bytes", "size_bytes"),
    ("sparsity", "sparsity"),
    ("bits_per_weight", "bits_per_weight"),
)


@dataclass(frozen=True)
class MaskOverlap:
    """How two keep-masks of one layer agree: counts of weights by their fate under A and B."""

    layer: str
    both: int  # kept by A and by B
    a_only: int  # kept by A, zero under B
    b_only: int  # zero under A, kept by B
    neither: int  # zero under both

    @property
    def weights(self) -> int:
        return self.both + self.a_only + self.b_only + self.neither

    def fractions(self) -> dict[str, float]:
        """Each count / all weights of the layer; the four sum to 1."""
        total = max(self.weights, 1)
        return {
            "both": self.both / total,
            "a_only": self.a_only / total,
            "b_only": self.b_only / total,
            "neither": self.neither / total,
        }


@dataclass(frozen=True)
class Disagreements:
    """Test images exactly one of A and B classifies correctly."""

    indices: torch.Tensor  # (k,) positions in the test set, ascending
    labels: torch.Tensor  # (k,) true classes
    a: torch.Tensor  # (k,) A's predictions
    b: torch.Tensor  # (k,) B's predictions
    only_a_right: int  # how many images A gets right and B wrong (all of them, not only k)
    only_b_right: int  # how many images B gets right and A wrong


@dataclass(frozen=True)
class Comparison:
    """Everything the compare view shows about settings A and B of one baseline."""

    a: Measurement
    b: Measurement
    metrics: pd.DataFrame  # metric, a, b, difference (b - a)
    overlaps: tuple[MaskOverlap, ...]  # one per weight layer, forward order
    maps: dict[str, np.ndarray]  # {layer: overlap_map}, 2-D (out, in[*kh*kw])
    per_class: pd.DataFrame  # class, images, a, b, difference (accuracies)
    disagreements: Disagreements


def kept_masks(
    state: dict[str, torch.Tensor], layers: list[str], settings: CompressionSettings
) -> dict[str, torch.Tensor]:
    """{layer: W_compressed != 0} for every weight layer (a layer left alone keeps its nonzeros)."""
    compressed = compress(state, layers, settings)
    return {name: compressed.state[weight_key(name)] != 0 for name in layers}


def mask_overlap(layer: str, keep_a: torch.Tensor, keep_b: torch.Tensor) -> MaskOverlap:
    """Counts of ``keep_a & keep_b``, ``keep_a & ~keep_b``, ``~keep_a & keep_b`` and neither."""
    if keep_a.shape != keep_b.shape:
        raise ValueError(f"{layer}: masks differ in shape, {tuple(keep_a.shape)} and "
                         f"{tuple(keep_b.shape)}")  # fmt: skip
    return MaskOverlap(
        layer,
        both=int((keep_a & keep_b).sum()),
        a_only=int((keep_a & ~keep_b).sum()),
        b_only=int((~keep_a & keep_b).sum()),
        neither=int((~keep_a & ~keep_b).sum()),
    )


def overlap_map(keep_a: torch.Tensor, keep_b: torch.Tensor) -> np.ndarray:
    """The layer's weights as a 2-D (out, rest) array of codes ``2*a + b``: 3 both, 2 A only,
    1 B only, 0 neither (a conv filter (out, in, kh, kw) becomes one row of in*kh*kw)."""
    codes = 2 * keep_a.to(torch.uint8) + keep_b.to(torch.uint8)
    return codes.reshape(codes.shape[0], -1).numpy()


def per_class_accuracy(
    predictions_a: torch.Tensor,
    predictions_b: torch.Tensor,
    labels: torch.Tensor,
    class_names: Sequence[str],
) -> pd.DataFrame:
    """Per true class c: images n_c, accuracy of A and of B (right_c / n_c), and B − A.

    The image-weighted mean of a column, sum(n_c * acc_c) / N, is that model's accuracy.
    """
    if not len(predictions_a) == len(predictions_b) == len(labels):
        raise ValueError("predictions and labels differ in length")
    k = len(class_names)
    images = torch.bincount(labels.long(), minlength=k)[:k]
    right_a = torch.bincount(labels[predictions_a.long() == labels].long(), minlength=k)[:k]
    right_b = torch.bincount(labels[predictions_b.long() == labels].long(), minlength=k)[:k]
    seen = images.clamp(min=1).double()
    table = pd.DataFrame(
        {
            "class": list(class_names),
            "images": images.numpy(),
            "a": (right_a / seen).numpy(),
            "b": (right_b / seen).numpy(),
        }
    )
    table["difference"] = table["b"] - table["a"]
    return table


def disagreements(
    predictions_a: torch.Tensor,
    predictions_b: torch.Tensor,
    labels: torch.Tensor,
    limit: int | None = 24,
) -> Disagreements:
    """Images with ``(a == label) != (b == label)``: the first ``limit`` of them, and counts."""
    if not len(predictions_a) == len(predictions_b) == len(labels):
        raise ValueError("predictions and labels differ in length")
    right_a = predictions_a.long() == labels
    right_b = predictions_b.long() == labels
    indices = torch.nonzero(right_a != right_b).reshape(-1)
    if limit is not None:
        indices = indices[: max(0, limit)]
    return Disagreements(
        indices=indices,
        labels=labels[indices],
        a=predictions_a[indices].long(),
        b=predictions_b[indices].long(),
        only_a_right=int((right_a & ~right_b).sum()),
        only_b_right=int((~right_a & right_b).sum()),
    )


def metric_table(a: Measurement, b: Measurement) -> pd.DataFrame:
    """One row per headline number: A's, B's and B − A."""
    rows = [
        {"metric": name, "a": getattr(a, attr), "b": getattr(b, attr)} for name, attr in METRICS
    ]
    table = pd.DataFrame(rows)
    table["difference"] = table["b"] - table["a"]
    return table


def compare(
    state: dict[str, torch.Tensor],
    a: Measurement,
    b: Measurement,
    labels: torch.Tensor,
    class_names: Sequence[str],
    limit: int | None = 24,
) -> Comparison:
    """Compare two measurements of ``state`` (measured on the test set ``labels`` belongs to)."""
    if a.model_name != b.model_name:
        raise ValueError(f"A is a {a.model_name}, B a {b.model_name}: compare one model")
    layers = weight_layer_names(module_for(a.model_name))
    masks_a = kept_masks(state, layers, a.settings)
    masks_b = kept_masks(state, layers, b.settings)
    return Comparison(
        a=a,
        b=b,
        metrics=metric_table(a, b),
        overlaps=tuple(mask_overlap(n, masks_a[n], masks_b[n]) for n in layers),
        maps={name: overlap_map(masks_a[name], masks_b[name]) for name in layers},
        per_class=per_class_accuracy(a.predictions, b.predictions, labels, class_names),
        disagreements=disagreements(a.predictions, b.predictions, labels, limit),
    )


def compare_settings(
    model_name: str,
    state: dict[str, torch.Tensor],
    settings_a: CompressionSettings,
    settings_b: CompressionSettings,
    images: torch.Tensor,
    labels: torch.Tensor,
    class_names: Sequence[str],
) -> Comparison:
    """Measure both settings of ``state`` on ``images`` and compare them."""
    a = measure(model_name, state, settings_a, images, labels)
    b = measure(model_name, state, settings_b, images, labels)
    return compare(state, a, b, labels, class_names)


def overlap_table(overlaps: Sequence[MaskOverlap]) -> pd.DataFrame:
    """One row per layer: weights and the four fractions (both, a_only, b_only, neither)."""
    return pd.DataFrame(
        [{"layer": o.layer, "weights": o.weights, **o.fractions()} for o in overlaps]
    )


def disagreement_captions(found: Disagreements, class_names: Sequence[str]) -> list[str]:
    """``"A 7 ✓ · B 1"`` per image: both predictions, the right one ticked."""

    def said(name: str, predicted: torch.Tensor, label: torch.Tensor) -> str:
        tick = " ✓" if int(predicted) == int(label) else ""
        return f"{name} {class_names[int(predicted)]}{tick}"

    return [
        f"{said('A', a, label)} · {said('B', b, label)}"
        for a, b, label in zip(found.a, found.b, found.labels, strict=True)
    ]


def disagreement_mosaic(images: torch.Tensor, found: Disagreements, columns: int = 6) -> Mosaic:
    """The disagreeing test images (``images``: the whole test set (N, 1, 28, 28), only read),
    tiled ``columns`` per row with room for a caption above each."""
    shown = images[found.indices].reshape(len(found.indices), *images.shape[-2:])
    return mosaic_of(shown, columns, captioned=True)
