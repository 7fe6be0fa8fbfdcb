"""k-bit quantization: symmetric, uniform integers times one float32 scale.

Forward: ``s = max|W| / (2^(K-1) - 1)`` per tensor or per output channel, and
``W_q = s * clamp(round(W / s), -(2^(K-1) - 1), 2^(K-1) - 1)`` (round half to even), so a
weight is stored as a K-bit signed integer (Jacob et al. 2018, zero point 0).
Backward (straight-through estimator, Bengio et al. 2013): ``dL/dW = dL/dW_q``.
Quantization is a *values* method, an alternative to binarization; :data:`QUANTIZE`
describes its controls.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import torch

from compression.methods.controls import NUMBER, Control, Method, SweepAxis
from compression.methods.scales import PER_CHANNEL, group_dims

if TYPE_CHECKING:
    from compression.settings import CompressionSettings

BITS_MIN, BITS_MAX = 2, 8


def largest_level(bits: int) -> int:
    """The largest integer of a symmetric K-bit code: ``2^(K-1) - 1`` (127 for K = 8)."""
    return 2 ** (int(bits) - 1) - 1


def quantize_bits(
    weight: torch.Tensor,
    bits: int,
    per_channel: bool = False,
    keep: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """K-bit version of ``weight`` and its scale(s); ``weight`` is not changed.

    ``W_q = s * clamp(round(W / s), -q, q)`` with ``q = 2^(K-1) - 1`` and
    ``s = max|W| / q``. With ``keep`` (a pruning mask) the maximum runs over kept weights
    and pruned weights stay 0; a group without a nonzero weight gets ``s = 0``.
    Returns ``(W_q, s)``: ``s`` has shape () or (out_channels,).

    >>> quantize_bits(torch.tensor([0.5, -2.0, 3.0]), 2)[0]
    tensor([ 0., -3.,  3.])
    """
    top_level = largest_level(bits)
    dims = group_dims(weight, per_channel)
    weight = weight.detach()
    magnitude = weight.abs() if keep is None else weight.abs() * keep
    scale = magnitude.amax(dim=dims, keepdim=True) / top_level
    divisor = torch.where(scale > 0, scale, torch.ones_like(scale))
    codes = torch.round(weight / divisor).clamp(-top_level, top_level)
    if keep is not None:
        codes = codes * keep
    quantized = scale * codes
    return quantized, scale.reshape(-1) if per_channel else scale.reshape(())


def quantize_bits_ste(
    weight: torch.Tensor,
    bits: int,
    per_channel: bool = False,
    keep: torch.Tensor | None = None,
) -> torch.Tensor:
    """:func:`quantize_bits` in the forward pass, the gradient passed to ``weight`` as is.

    Every weight lies within ``[-max|W|, max|W|]``, the range the integers cover, so the
    straight-through gradient (fake quantization's) is 1 everywhere.
    """
    quantized, _ = quantize_bits(weight, bits, per_channel, keep)
    return weight + (quantized - weight).detach()


def quantize(
    weight: torch.Tensor, settings: CompressionSettings, keep: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`quantize_bits` with the bits and scale choice of ``settings``."""
    return quantize_bits(weight, int(settings.quantize_bits), settings.per_channel, keep)


def quantize_ste(
    weight: torch.Tensor, settings: CompressionSettings, keep: torch.Tensor | None
) -> torch.Tensor:
    """:func:`quantize_bits_ste` with the bits and scale choice of ``settings``."""
    return quantize_bits_ste(weight, int(settings.quantize_bits), settings.per_channel, keep)


def conflicts(settings: CompressionSettings) -> str | None:
    """A layer's values come from one values method: binarization or k-bit, not both."""
    used = settings.values_methods
    if len(used) > 1:
        names = " and the ".join(method.numbers()[0].name for method in used)
        return f"the {names} both decide a layer's values; set one of them, not both"
    return None


def reconcile(settings: CompressionSettings) -> tuple[CompressionSettings, list[str]]:
    """A link with both values methods keeps the binarization, with a sentence."""
    if settings.quantize_bits is not None and settings.binarize_threshold is not None:
        note = "the link gives both a binarization threshold and quantization bits; binarizing"
        return replace(settings, quantize_bits=None), [note]
    return settings, []


QUANTIZE = Method(
    name="quantize",
    title="Quantize",
    controls=(
        Control(
            field="quantize_bits",
            kind=NUMBER,
            name="quantization bits",
            meaning="bits per stored weight",
            label="Bits per weight K",
            help="Each weight becomes s·n, where n is a whole number from −(2^(K−1)−1) to "
            "2^(K−1)−1 stored in K bits and s = max|W| / (2^(K−1)−1). Fewer bits: fewer, "
            "coarser levels.",
            cli_help="quantize: K-bit symmetric integers times a float32 scale, K = 2 to 8",
            url_key="bits",
            metavar="K",
            symbol="K",
            low=BITS_MIN,
            high=BITS_MAX,
            slider_high=BITS_MAX,
            step=1,
            start=4,
            number_format="%d",
            integer=True,
            sweep=SweepAxis(
                "quantize-bits",
                "bits per weight K",
                tuple(range(BITS_MAX, BITS_MIN - 1, -1)),
                ("quantize_bits",),
            ),
        ),
        PER_CHANNEL,
    ),
    conflicts=conflicts,
    reconcile=reconcile,
    quantize=quantize,
    quantize_ste=quantize_ste,
    histogram_marks=(":orange[| the values s·n]",),
    choice_label="k-bit integers",
)
