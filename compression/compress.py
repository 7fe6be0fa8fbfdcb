"""Apply a :class:`CompressionSettings` to trained weights, without side effects.

``compress(state, layers, settings)`` returns new tensors; the input state dict,
which the app shares between all sessions, is read and never written.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from compression.methods.binarize import binarize, binarize_ste
from compression.methods.prune import (
    global_sparsity_masks,
    neuron_mask,
    sparsity_mask,
    threshold_mask,
)
from compression.settings import CompressionSettings


@dataclass(frozen=True)
class CompressedModel:
    """New weights of a compressed model and what was done to each layer."""

    state: dict[str, torch.Tensor]  # every tensor of the model, freshly allocated
    keep_masks: dict[str, torch.Tensor]  # pruned layers only: True where a weight stays
    scales: dict[str, torch.Tensor]  # binarized layers only: a, shape () or (out,)
    settings: CompressionSettings


def weight_key(layer: str) -> str:
    return f"{layer}.weight"


def prune_masks(
    weights: dict[str, torch.Tensor], settings: CompressionSettings
) -> dict[str, torch.Tensor]:
    """Keep-masks for the given {layer: weight} under the pruning part of ``settings``."""
    if settings.prune_threshold is not None:
        return {name: threshold_mask(w, settings.prune_threshold) for name, w in weights.items()}
    if settings.prune_sparsity is None:
        return {}
    if settings.prune_structure == "neurons":
        return {name: neuron_mask(w, settings.prune_sparsity) for name, w in weights.items()}
    if settings.prune_scope == "global":
        return global_sparsity_masks(weights, settings.prune_sparsity)
    return {name: sparsity_mask(w, settings.prune_sparsity) for name, w in weights.items()}


def compress(
    state: dict[str, torch.Tensor], layers: list[str], settings: CompressionSettings
) -> CompressedModel:
    """Prune, then binarize, the chosen layers of ``state``; return new tensors.

    Pruned weights become 0 (``W * mask``); binarized ones ``a * sign(W)`` over the
    survivors (see :func:`compression.methods.binarize.binarize`). Other tensors are copied.
    """
    settings = settings.validated(layers)
    chosen = settings.chosen_layers(layers)
    with torch.no_grad():
        masks = prune_masks({name: state[weight_key(name)] for name in chosen}, settings)
    return compress_with_masks(state, layers, settings, masks)


def compress_with_masks(
    state: dict[str, torch.Tensor],
    layers: list[str],
    settings: CompressionSettings,
    keep_masks: dict[str, torch.Tensor],
) -> CompressedModel:
    """Like :func:`compress`, with the pruning masks given (held fixed by fine-tuning)."""
    new_state = {key: tensor.detach().clone() for key, tensor in state.items()}
    scales = {}
    with torch.no_grad():
        for name in settings.chosen_layers(layers):
            weight, keep = state[weight_key(name)].detach(), keep_masks.get(name)
            if settings.binarizes:
                new_state[weight_key(name)], scales[name] = binarize(
                    weight, settings.binarize_threshold, settings.per_channel, keep
                )
            elif keep is not None:
                new_state[weight_key(name)] = weight * keep
    return CompressedModel(new_state, keep_masks, scales, settings)


def training_view(
    params: dict[str, torch.Tensor],
    keep_masks: dict[str, torch.Tensor],
    settings: CompressionSettings,
    layers: list[str],
) -> dict[str, torch.Tensor]:
    """The weights a compression-aware forward pass uses, differentiable w.r.t. ``params``.

    Pruned layers: ``W * mask`` with the mask held fixed; binarized layers: the
    binarized weight with a straight-through gradient (BNN). Others pass as they are.
    """
    view = dict(params)
    for name in settings.chosen_layers(layers):
        key, keep = weight_key(name), keep_masks.get(name)
        weight = params[key] if keep is None else params[key] * keep
        if settings.binarizes:
            weight = binarize_ste(weight, settings.binarize_threshold, settings.per_channel, keep)
        view[key] = weight
    return view
