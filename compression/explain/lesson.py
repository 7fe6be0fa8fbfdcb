"""The Learn page's live numbers: each formula, evaluated on the user's current weights.

Every function is pure (weights and settings in, a small table out) and uses the
same code as the explorer (``binarize``, ``quantize_bits``, ``threshold_for_sparsity``),
so the numbers a student reads next to a formula are the ones the sliders act on. Which
table goes with which lesson, and the lessons' text, are the app's: :mod:`ui.lessons`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch

from compression.methods.binarize import binarize, binarize_ste
from compression.methods.prune import threshold_for_sparsity
from compression.methods.quantize import largest_level, quantize_bits
from compression.models import weight_key


def layer_scales(state: dict[str, torch.Tensor], layers: Sequence[str]) -> pd.DataFrame:
    """Per layer: ``a = mean|W|``, the scale of binary ``W_b = a * sign(W)``, and max|W|."""
    rows = []
    for layer in layers:
        weight = state[weight_key(layer)].detach()
        _, scale = binarize(weight, threshold=0.0)
        rows.append(
            {
                "layer": layer,
                "params": weight.numel(),
                "mean_abs": float(scale),  # = a
                "max_abs": float(weight.abs().max()),
            }
        )
    return pd.DataFrame(rows)


def ternary_band(
    state: dict[str, torch.Tensor],
    layers: Sequence[str],
    threshold: float,
    keep_masks: dict[str, torch.Tensor] | None = None,
) -> pd.DataFrame:
    """Per layer: the band ``delta = t * mean|W|`` and how many weights it sets to 0.

    With ``keep_masks`` (pruning) the mean runs over kept weights and pruned ones are
    not counted as zeroed by the band. ``scale`` is ``a`` over the weights left nonzero.
    """
    keep_masks = keep_masks or {}
    rows = []
    for layer in layers:
        weight = state[weight_key(layer)].detach()
        keep = keep_masks.get(layer, torch.ones_like(weight, dtype=torch.bool))
        quantized, scale = binarize(weight, threshold, keep=keep)
        kept = int(keep.sum())
        zeroed = int((keep & (quantized == 0)).sum())
        rows.append(
            {
                "layer": layer,
                "band": threshold * float((weight.abs() * keep).sum()) / max(kept, 1),
                "considered": kept,
                "zeroed": zeroed,
                "zeroed_fraction": zeroed / kept if kept else 0.0,
                "scale": float(scale),
            }
        )
    return pd.DataFrame(rows)


def quantization_levels(
    state: dict[str, torch.Tensor],
    layers: Sequence[str],
    bits: int,
    per_channel: bool = False,
    keep_masks: dict[str, torch.Tensor] | None = None,
) -> pd.DataFrame:
    """Per layer: the scale ``s = max|W| / (2^(K-1) - 1)`` of K-bit weights, the number of
    levels ``2^K - 1``, the share of weights that round to 0, and the mean ``|W - W_q|``.

    ``W_q`` is :func:`~compression.methods.quantize.quantize_bits`, the explorer's own.
    ``per_channel``: one ``s`` per output row, the column ``mean_scale`` their mean (else
    ``scale_s``). With ``keep_masks`` (pruning) only kept weights are counted and averaged.
    """
    keep_masks = keep_masks or {}
    rows = []
    for layer in layers:
        weight = state[weight_key(layer)].detach()
        keep = keep_masks.get(layer, torch.ones_like(weight, dtype=torch.bool)).bool()
        quantized, scale = quantize_bits(weight, bits, per_channel, keep)
        kept = int(keep.sum())
        zeroed = int((keep & (quantized == 0)).sum())
        error = (weight - quantized).abs()[keep]
        rows.append(
            {
                "layer": layer,
                "mean_scale" if per_channel else "scale_s": float(scale.mean()),
                "levels": 2 * largest_level(bits) + 1,
                "zeroed_fraction": zeroed / kept if kept else 0.0,
                "mean_error": float(error.mean()) if kept else 0.0,
            }
        )
    return pd.DataFrame(rows)


STE_EXAMPLE_WEIGHTS = (-1.6, -0.7, -0.05, 0.3, 0.9, 1.2)
STE_EXAMPLE_UPSTREAM = (0.5, -1.0, 2.0, 1.0, -0.5, 1.5)  # dL/dW_b, picked by hand


def straight_through_example(
    weights: Sequence[float] = STE_EXAMPLE_WEIGHTS,
    upstream: Sequence[float] = STE_EXAMPLE_UPSTREAM,
) -> pd.DataFrame:
    """A worked example of the straight-through estimator, computed two ways.

    Forward ``W_b = a * sign(W)`` with ``a = mean|W|``; backward through autograd on
    ``L = sum(g * W_b)`` (so ``dL/dW_b = g``) next to the formula ``g * 1{|W| <= 1}``.
    """
    weight = torch.tensor(weights, dtype=torch.float32, requires_grad=True)
    gradient_in = torch.tensor(upstream, dtype=torch.float32)
    if weight.shape != gradient_in.shape:
        raise ValueError("give as many upstream gradients as weights")
    forward = binarize_ste(weight)
    (forward * gradient_in).sum().backward()
    passes = weight.detach().abs() <= 1
    return pd.DataFrame(
        {
            "w": weight.detach().numpy(),
            "w_b": forward.detach().numpy(),
            "upstream_grad": gradient_in.numpy(),
            "passes": passes.numpy(),
            "grad_autograd": weight.grad.numpy(),
            "grad_formula": (gradient_in * passes).numpy(),
        }
    )


def pruning_thresholds(
    state: dict[str, torch.Tensor],
    layers: Sequence[str],
    sparsity: float,
    scope: str = "layer",
) -> pd.DataFrame:
    """Per layer: the |W| cut that removes the fraction ``sparsity`` and what it removes.

    ``scope="layer"``: the round(s * n)-th smallest |W| of each layer;
    ``scope="global"``: one cut over all the layers' weights together.
    """
    if not 0 <= sparsity <= 1:
        raise ValueError(f"sparsity must be between 0 and 1, got {sparsity}")
    if scope not in ("layer", "global"):
        raise ValueError(f"scope must be 'layer' or 'global', got {scope!r}")
    weights = {layer: state[weight_key(layer)].detach() for layer in layers}
    shared_cut = threshold_for_sparsity(list(weights.values()), sparsity)
    rows = []
    for layer, weight in weights.items():
        cut = shared_cut if scope == "global" else threshold_for_sparsity([weight], sparsity)
        removed = int((weight.abs() <= cut).sum()) if sparsity > 0 else 0
        rows.append(
            {
                "layer": layer,
                "threshold": cut,
                "params": weight.numel(),
                "removed": removed,
                "removed_fraction": removed / weight.numel(),
            }
        )
    return pd.DataFrame(rows)


def removed_by_threshold(
    state: dict[str, torch.Tensor], layers: Sequence[str], threshold: float
) -> pd.DataFrame:
    """Per layer: how many weights an absolute cut ``|W| <= threshold`` removes."""
    rows = []
    for layer in layers:
        weight = state[weight_key(layer)].detach()
        removed = int((weight.abs() <= threshold).sum())
        rows.append(
            {
                "layer": layer,
                "threshold": float(threshold),
                "params": weight.numel(),
                "removed": removed,
                "removed_fraction": removed / weight.numel(),
            }
        )
    return pd.DataFrame(rows)
