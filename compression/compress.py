"""Apply a :class:`CompressionSettings` to trained weights, without side effects.

``compress(state, layers, settings)`` returns new tensors; the input state dict,
which the app shares between all sessions, is read and never written.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from compression.models import output_layer, weight_key
from compression.settings import CompressionSettings


@dataclass(frozen=True)
class CompressedModel:
    """New weights of a compressed model and what was done to each layer."""

    state: dict[str, torch.Tensor]  # every tensor of the model, freshly allocated
    keep_masks: dict[str, torch.Tensor]  # pruned layers only: True where a weight stays
    # layers of a values method only: a or s, shape () or (out,); shared layers' K centroids
    scales: dict[str, torch.Tensor]
    settings: CompressionSettings


def prune_masks(
    weights: dict[str, torch.Tensor],
    settings: CompressionSettings,
    output_layer: str | None,
) -> dict[str, torch.Tensor]:
    """Keep-masks for the given {layer: weight} under the positions method of ``settings``.

    ``output_layer`` names the model's class-score layer (:func:`compression.models.output_layer`):
    structured pruning never removes its rows. It has no default, so no caller can forget it
    (None only where no model is known).
    """
    method = settings.positions_method
    return {} if method is None else method.masks(weights, settings, output_layer)


def compress(
    state: dict[str, torch.Tensor], layers: list[str], settings: CompressionSettings
) -> CompressedModel:
    """Prune, then quantize (binarize), the chosen layers of ``state``; return new tensors.

    Pruned weights become 0 (``W * mask``), except that whole-neuron pruning leaves the
    last of ``layers`` (every weight layer, forward order: the class scores) whole. The
    values method turns the survivors into a few values (binarization: ``a * sign(W)``,
    see :mod:`compression.methods.binarize`; k-bit quantization: ``s * round(W / s)``, see
    :mod:`compression.methods.quantize`; weight sharing: ``c[a]`` by k-means, see
    :mod:`compression.methods.weight_sharing`). Other tensors are copied.
    """
    settings = settings.validated(layers)
    chosen = settings.chosen_layers(layers)
    with torch.no_grad():
        weights = {name: state[weight_key(name)] for name in chosen}
        masks = prune_masks(weights, settings, output_layer(layers))
    return compress_with_masks(state, layers, settings, masks)


def compress_with_masks(
    state: dict[str, torch.Tensor],
    layers: list[str],
    settings: CompressionSettings,
    keep_masks: dict[str, torch.Tensor],
) -> CompressedModel:
    """Like :func:`compress`, with the pruning masks given (held fixed by fine-tuning)."""
    new_state = {key: tensor.detach().clone() for key, tensor in state.items()}
    scales, values = {}, settings.values_method
    with torch.no_grad():
        for name in settings.chosen_layers(layers):
            weight, keep = state[weight_key(name)].detach(), keep_masks.get(name)
            if values is not None:
                new_state[weight_key(name)], scales[name] = values.quantize(weight, settings, keep)
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

    Pruned layers: ``W * mask`` with the mask held fixed; binarized or quantized layers:
    their values with a straight-through gradient. Others pass as they are.
    """
    view, values = dict(params), settings.values_method
    for name in settings.chosen_layers(layers):
        key, keep = weight_key(name), keep_masks.get(name)
        weight = params[key] if keep is None else params[key] * keep
        if values is not None:
            weight = values.quantize_ste(weight, settings, keep)
        view[key] = weight
    return view
