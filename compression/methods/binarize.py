"""Binary and ternary weights (BinaryConnect / BNN, XNOR-Net, Ternary Weight Networks).

Forward: ``W_q = a * sign(W)`` where ``|W| > t * mean|W|`` and 0 elsewhere, with
``a = mean|W|`` of the kept weights (t = 0: binary, Courbariaux et al. 2015/2016,
Rastegari et al. 2016; t = 0.7: ternary, Li & Liu 2016).
Backward (straight-through estimator, Hubara et al. 2016): ``dL/dW = dL/dW_q * 1{|W| <= 1}``.
"""

from __future__ import annotations

import torch

TWN_THRESHOLD = 0.7  # Ternary Weight Networks: delta = 0.7 * mean|W|


def _group_dims(weight: torch.Tensor, per_channel: bool) -> tuple[int, ...]:
    """Dimensions reduced for one scale: all of them, or all but the output channel."""
    return tuple(range(1, weight.dim())) if per_channel else tuple(range(weight.dim()))


def _masked_mean_abs(
    weight: torch.Tensor, mask: torch.Tensor, dims: tuple[int, ...]
) -> torch.Tensor:
    """mean(|W|) over the entries where ``mask`` is True, per group; 0 for an empty group."""
    total = (weight.abs() * mask).sum(dim=dims, keepdim=True)
    count = mask.sum(dim=dims, keepdim=True)
    return total / count.clamp(min=1)


def binarize(
    weight: torch.Tensor,
    threshold: float = 0.0,
    per_channel: bool = False,
    keep: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Binary/ternary version of ``weight`` and its scale(s); ``weight`` is not changed.

    ``W_q = a * sign(W) * 1{|W| > t * mean|W|}``, ``a = mean|W|`` over the nonzero entries
    of ``W_q``. With ``keep`` (a pruning mask) the means run over kept weights only and
    pruned weights stay 0. Returns ``(W_q, a)``: ``a`` has shape () or (out_channels,).

    >>> binarize(torch.tensor([0.5, -1.5]))[0]
    tensor([ 1., -1.])
    """
    dims = _group_dims(weight, per_channel)
    weight = weight.detach()
    keep = torch.ones_like(weight, dtype=torch.bool) if keep is None else keep
    band = threshold * _masked_mean_abs(weight, keep, dims)
    nonzero = keep & (weight.abs() > band)
    scale = _masked_mean_abs(weight, nonzero, dims)
    quantized = scale * torch.sign(weight) * nonzero
    return quantized, scale.reshape(-1) if per_channel else scale.reshape(())


def straight_through(weight: torch.Tensor, quantized: torch.Tensor) -> torch.Tensor:
    """Value of ``quantized``, gradient of ``clamp(weight, -1, 1)`` (the BNN estimator).

    ``d out / d weight = 1{|W| <= 1}``: the gradient passes where |W| <= 1 and is
    cancelled where the real weight has left [-1, 1].
    """
    # Written as a mask rather than ``weight.clamp(-1, 1)``: torch 2.14 gives clamp a zero
    # gradient at exactly |W| = 1, and the rule above (BNN's) includes the boundary.
    passes = (weight.detach().abs() <= 1.0).to(weight.dtype)
    surrogate = weight * passes
    return surrogate + (quantized - surrogate).detach()


def binarize_ste(
    weight: torch.Tensor,
    threshold: float = 0.0,
    per_channel: bool = False,
    keep: torch.Tensor | None = None,
) -> torch.Tensor:
    """:func:`binarize` in the forward pass, straight-through gradient to ``weight``."""
    quantized, _ = binarize(weight, threshold, per_channel, keep)
    return straight_through(weight, quantized)
