"""Weight sharing as a compression method: its control, its rules and its retraining.

A layer's kept weights become ``K`` shared values (centroids) by 1-D k-means
(:func:`compression.methods.share.share_weights`); each kept weight stores a
``ceil(log2 K)``-bit index and the layer ``K`` float32 centroids (Han et al. 2016).
Weight sharing is a *values* method, an alternative to binarization and k-bit
quantization. A weight that is 0 (pruned) stays 0 and takes no index.

Retraining keeps the assignment ``a`` found from the starting weights and trains the
centroids: ``W = c[a]``, so ``dL/dc_k = sum_{i : a_i = k} dL/dW_i`` (:class:`CentroidTraining`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import torch

from compression.methods.controls import NUMBER, Control, Method, SweepAxis
from compression.methods.quantize import conflicts as one_values_method
from compression.methods.share import share_weights, shared_weight

if TYPE_CHECKING:
    from compression.settings import CompressionSettings

SHARED_MIN, SHARED_MAX = 2, 256  # indices of 1 to 8 bits


def kept_weights(weight: torch.Tensor, keep: torch.Tensor | None) -> torch.Tensor:
    """The weights that take an index: kept by the mask (if any) and not 0."""
    nonzero = weight.detach() != 0
    return nonzero if keep is None else nonzero & keep


def share(
    weight: torch.Tensor, settings: CompressionSettings, keep: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``c[a]`` where a weight is kept and nonzero, 0 elsewhere; and the centroids ``c`` (K,)."""
    shared = share_weights(weight, int(settings.share_weights), kept_weights(weight, keep))
    return shared.weight, shared.centroids


def share_ste(
    weight: torch.Tensor, settings: CompressionSettings, keep: torch.Tensor | None
) -> torch.Tensor:
    """:func:`share` forward, the gradient passed to ``weight`` as is (straight through).

    Fine-tuning does not use it: it trains the centroids with the assignment fixed
    (:class:`CentroidTraining`); this is the generic values-method hook.
    """
    shared, _ = share(weight, settings, keep)
    return weight + (shared - weight).detach()


@dataclass(frozen=True)
class CentroidTraining:
    """Fine-tuning of shared layers: the centroids are the parameters, the assignment fixed.

    ``assignments[layer] = (indices, keep)`` from k-means on the starting weights; the
    layer's entry of the parameters is its centroids ``c`` (K,), and its weight is
    ``c[a] * keep`` (:func:`compression.methods.share.shared_weight`), so autograd gives
    each centroid the sum of its weights' gradients and pruned weights stay 0.
    """

    assignments: dict[str, tuple[torch.Tensor, torch.Tensor]]
    start: dict[str, torch.Tensor]  # the parameters to train: centroids in place of weights

    def weights(self, params: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The model's state for ``params``: every shared layer's weight ``c[a]``."""
        state = dict(params)
        for key, (indices, keep) in self.assignments.items():
            state[key] = shared_weight(params[key], indices, keep)
        return state

    def baked(self, params: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """:meth:`weights`, detached: the retrained model."""
        return {key: value.detach() for key, value in self.weights(params).items()}

    def after_step(self, params: dict[str, torch.Tensor]) -> None:
        """Nothing to re-zero: a pruned weight is 0 in ``c[a] * keep`` whatever ``c`` is."""


def centroid_training(
    state: dict[str, torch.Tensor], weight_keys: list[str], settings: CompressionSettings
) -> CentroidTraining:
    """K-means once on each of ``weight_keys`` of ``state`` (pruned weights already 0)."""
    assignments, start = {}, dict(state)
    for key in weight_keys:
        weight = state[key].detach()
        keep = kept_weights(weight, None)
        shared = share_weights(weight, int(settings.share_weights), keep)
        assignments[key] = (shared.indices, keep)
        start[key] = shared.centroids.to(weight.dtype)
    return CentroidTraining(assignments, start)


def conflicts(settings: CompressionSettings) -> str | None:
    """One values method per layer; and a per-channel scale has no meaning for sharing."""
    if settings.share_weights is not None and settings.per_channel:
        return (
            "one scale per output channel applies to binarization and quantization, not to "
            "weight sharing (K shared values per layer); drop one of them"
        )
    return one_values_method(settings)


def reconcile(settings: CompressionSettings) -> tuple[CompressionSettings, list[str]]:
    """A link that shares weights with another values method keeps the other one; a
    per-channel switch is dropped from a link that shares weights. Each with a sentence."""
    if settings.share_weights is None:
        return settings, []
    if settings.binarize_threshold is not None or settings.quantize_bits is not None:
        note = "the link gives shared values and another values method; not sharing weights"
        return replace(settings, share_weights=None), [note]
    if settings.per_channel:
        note = "the link shares weights and asks for one scale per channel; one per layer"
        return replace(settings, per_channel=False), [note]
    return settings, []


SHARE = Method(
    name="share",
    title="Share weights",
    controls=(
        Control(
            field="share_weights",
            kind=NUMBER,
            name="number of shared values",
            meaning="shared values per layer",
            label="Shared values per layer K",
            help="The kept weights of each layer are grouped by k-means into K clusters; "
            "each weight becomes its cluster's mean, stored as a ⌈log2 K⌉-bit index, and the "
            "layer stores the K means as float32. Fewer values: coarser weights, fewer bits.",
            cli_help="weight sharing: K shared values per layer by k-means, K = 2 to 256",
            url_key="shared",
            metavar="K",
            symbol="K",
            low=SHARED_MIN,
            high=SHARED_MAX,
            slider_high=SHARED_MAX,
            step=1,
            start=16,
            number_format="%d",
            integer=True,
            sweep=SweepAxis(
                "share-weights",
                "shared values per layer K",
                (256, 128, 64, 32, 16, 8, 4, 2),
                ("share_weights",),
            ),
        ),
    ),
    conflicts=conflicts,
    reconcile=reconcile,
    quantize=share,
    quantize_ste=share_ste,
    trainable_values=centroid_training,
    histogram_marks=(":orange[| the K shared values]",),
    choice_label="shared values",
)
