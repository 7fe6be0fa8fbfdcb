"""Pruning masks for many sparsities of the same weights, from one sort of ``|W|``.

``sparsity_mask(W, s)`` removes the ``k = round(s * n)`` smallest ``|W|`` with a top-k per
call. With the magnitudes sorted once (``m_1 <= ... <= m_n``) the same set is
``|W| > m_k`` whenever ``m_k < m_{k+1}``: the k smallest are then unique. On a tie at
the cut (``m_k = m_{k+1}``) which of the equal weights top-k removes is its own choice,
so there the engine's function is called instead. The masks are therefore exactly those
of :func:`compression.compress.prune_masks`.
"""

from __future__ import annotations

import numpy as np
import torch

from compression.compress import prune_masks
from compression.settings import CompressionSettings


class MaskMaker:
    """:func:`compression.compress.prune_masks`, with sorted magnitudes kept between calls.

    Meant for one sweep: a group of weights is recognised by its layer names and tensors.
    """

    def __init__(self):
        self._sorted: dict[tuple, torch.Tensor] = {}

    def _sorted_magnitudes(self, group: dict[str, torch.Tensor]) -> torch.Tensor:
        key = tuple((name, id(weight)) for name, weight in group.items())
        if key not in self._sorted:
            scores = torch.cat([weight.detach().abs().reshape(-1) for weight in group.values()])
            # the same sorted values as scores.sort(), in a tenth of the time on 2 cores
            self._sorted[key] = torch.from_numpy(np.sort(scores.numpy()))
        return self._sorted[key]

    def _group_masks(
        self, group: dict[str, torch.Tensor], settings: CompressionSettings
    ) -> dict[str, torch.Tensor]:
        """Masks removing round(s * n) smallest |W| over the whole group (one cut)."""
        magnitudes = self._sorted_magnitudes(group)
        count = magnitudes.numel()
        removed = round(settings.prune_sparsity * count)  # the count of prune.sparsity_mask
        if 0 < removed < count and not magnitudes[removed - 1] < magnitudes[removed]:
            return prune_masks(group, settings, None)  # a tie: top-k chooses (unstructured)
        if removed == 0:
            return {name: torch.ones_like(w, dtype=torch.bool) for name, w in group.items()}
        if removed == count:
            return {name: torch.zeros_like(w, dtype=torch.bool) for name, w in group.items()}
        cut = magnitudes[removed - 1]
        return {name: weight.detach().abs() > cut for name, weight in group.items()}

    def masks(
        self,
        weights: dict[str, torch.Tensor],
        settings: CompressionSettings,
        output_layer: str | None = None,
    ) -> dict[str, torch.Tensor]:
        """Keep-masks for ``{layer: weight}``, equal to ``prune_masks(weights, settings,
        output_layer)``."""
        by_sparsity = settings.prune_sparsity is not None and settings.prune_threshold is None
        if not by_sparsity or settings.prune_structure != "unstructured":
            return prune_masks(weights, settings, output_layer)
        if settings.prune_scope == "global":
            return self._group_masks(weights, settings)
        masks = {}
        for name, weight in weights.items():
            masks.update(self._group_masks({name: weight}, settings))
        return masks
