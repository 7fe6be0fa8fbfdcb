"""Magnitude pruning (Han et al. 2015, "Learning both Weights and Connections").

Importance is ``|W|``; a mask is True where a weight is kept. Masks are computed
from tensors and never change them: applying one is ``W * mask``.
"""

from __future__ import annotations

import torch


def threshold_mask(weight: torch.Tensor, threshold: float) -> torch.Tensor:
    """Keep ``|W| > threshold`` (the absolute cut of Han et al.)."""
    return weight.abs() > threshold


def _count_to_prune(sparsity: float, count: int) -> int:
    # The same rounding as torch.nn.utils.prune: round(amount * n).
    return round(sparsity * count)


def _smallest_removed(scores: torch.Tensor, sparsity: float) -> torch.Tensor:
    """Flat keep-mask that drops the round(s * n) smallest scores (ties: topk's order)."""
    flat = scores.reshape(-1)
    count = flat.numel()
    k = _count_to_prune(sparsity, count)
    if 2 * k <= count:  # few to remove: find them
        keep = torch.ones_like(flat, dtype=torch.bool)
        if k > 0:
            keep[torch.topk(flat, k, largest=False).indices] = False
    else:  # many to remove: finding the few survivors is faster (5 ms vs 25 ms for fc1)
        keep = torch.zeros_like(flat, dtype=torch.bool)
        if k < count:
            keep[torch.topk(flat, count - k, largest=True).indices] = True
    return keep


def sparsity_mask(weight: torch.Tensor, sparsity: float) -> torch.Tensor:
    """Remove the fraction ``sparsity`` of weights with the smallest ``|W|`` in this tensor.

    Removes ``round(s * n)`` weights, the same set as
    ``torch.nn.utils.prune.l1_unstructured(module, "weight", amount=s)`` (ties aside).
    """
    return _smallest_removed(weight.abs(), sparsity).reshape(weight.shape)


def global_sparsity_masks(
    weights: dict[str, torch.Tensor], sparsity: float
) -> dict[str, torch.Tensor]:
    """One magnitude cut across all given tensors that removes ``round(s * total)`` weights.

    Like ``torch.nn.utils.prune.global_unstructured`` with ``L1Unstructured``.
    """
    scores = torch.cat([w.abs().reshape(-1) for w in weights.values()])
    flat_keep = _smallest_removed(scores, sparsity)
    masks, start = {}, 0
    for name, weight in weights.items():
        masks[name] = flat_keep[start : start + weight.numel()].reshape(weight.shape)
        start += weight.numel()
    return masks


def neuron_mask(weight: torch.Tensor, sparsity: float) -> torch.Tensor:
    """Remove whole output rows/filters: the fraction ``sparsity`` with the smallest L2 norm.

    Row importance ``||W[i]||_2``; the same rows as
    ``torch.nn.utils.prune.ln_structured(module, "weight", amount=s, n=2, dim=0)``.
    """
    row_norms = weight.reshape(weight.shape[0], -1).norm(p=2, dim=1)
    keep_rows = _smallest_removed(row_norms, sparsity)
    return keep_rows.reshape(-1, *([1] * (weight.dim() - 1))).expand_as(weight).clone()


def threshold_for_sparsity(weights: list[torch.Tensor], sparsity: float) -> float:
    """The absolute |W| cut that leaves about ``sparsity`` of the given weights below it."""
    scores = torch.cat([w.abs().reshape(-1) for w in weights])
    k = _count_to_prune(sparsity, scores.numel())
    if k == 0:
        return 0.0
    return float(torch.kthvalue(scores, k).values)
