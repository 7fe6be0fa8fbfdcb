"""Binary and ternary weights (BinaryConnect / BNN, XNOR-Net, Ternary Weight Networks).

Forward: ``W_q = a * sign(W)`` where ``|W| > t * mean|W|`` and 0 elsewhere, with
``a = mean|W|`` of the kept weights (t = 0: binary, Courbariaux et al. 2015/2016,
Rastegari et al. 2016; t = 0.7: ternary, Li & Liu 2016).
Backward (straight-through estimator, Hubara et al. 2016): ``dL/dW = dL/dW_q * 1{|W| <= 1}``.
Binarization is a *values* method: it decides what the kept weights become;
:data:`BINARIZE` describes its controls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from compression.methods.controls import NUMBER, Control, Method, SweepAxis
from compression.methods.scales import PER_CHANNEL, group_dims

if TYPE_CHECKING:
    from compression.settings import CompressionSettings

TWN_THRESHOLD = 0.7  # Ternary Weight Networks: delta = 0.7 * mean|W|


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
    dims = group_dims(weight, per_channel)
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


def quantize(
    weight: torch.Tensor, settings: CompressionSettings, keep: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`binarize` with the threshold and scale choice of ``settings``."""
    return binarize(weight, settings.binarize_threshold, settings.per_channel, keep)


def quantize_ste(
    weight: torch.Tensor, settings: CompressionSettings, keep: torch.Tensor | None
) -> torch.Tensor:
    """:func:`binarize_ste` with the threshold and scale choice of ``settings``."""
    return binarize_ste(weight, settings.binarize_threshold, settings.per_channel, keep)


BINARIZE = Method(
    name="binarize",
    title="Binarize",
    controls=(
        Control(
            field="binarize_threshold",
            kind=NUMBER,
            name="binarization threshold",
            meaning="a multiple of mean|W|",
            label="Binarization threshold t (× mean|W| of the layer)",
            help="Weights with |W| ≤ t·mean|W| become 0, the others ±a, where a is the mean "
            "|W| of those others. t = 0: pure binary, 1 bit per weight (BinaryConnect). "
            f"t = {TWN_THRESHOLD}: the ternary rule of Ternary Weight Networks.",
            cli_help="binarize: |W| <= B*mean|W| becomes 0 (0 = binary, 0.7 = ternary TWN)",
            url_key="binarize",
            metavar="B",
            symbol="t",
            low=0.0,
            high=10.0,
            slider_high=2.5,  # ~95% zeros: every shipped model is at chance level there
            step=0.05,
            start=0.0,
            presets=((0.0, "binary"), (TWN_THRESHOLD, "ternary")),
            sweep=SweepAxis(
                "binarize-threshold",
                "binarization threshold (x mean|W|)",
                (0.0, 0.2, 0.4, 0.6, 0.7, 0.8, 1.0, 1.2, 1.5),
                ("binarize_threshold",),
            ),
        ),
        PER_CHANNEL,
    ),
    quantize=quantize,
    quantize_ste=quantize_ste,
    histogram_marks=(":red[shaded: the band sent to 0]", ":orange[| the values ±a]"),
    choice_label="binary / ternary",
)
