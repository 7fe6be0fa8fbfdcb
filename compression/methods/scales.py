"""What the values methods share: one scale per layer, or one per output channel.

Binarization (``a``) and k-bit quantization (``s``) both turn a layer's weights into a
scale times a few integers; :data:`PER_CHANNEL` chooses whether that scale is one number
for the tensor or one per output row/filter (XNOR-Net). Each method lists this control,
so the same flag (``--per-channel``) applies to whichever values method is used.
"""

from __future__ import annotations

import torch

from compression.methods.controls import FLAG, Control


def group_dims(weight: torch.Tensor, per_channel: bool) -> tuple[int, ...]:
    """Dimensions reduced for one scale: all of them, or all but the output channel."""
    return tuple(range(1, weight.dim())) if per_channel else tuple(range(weight.dim()))


PER_CHANNEL = Control(
    field="per_channel",
    kind=FLAG,
    name="one scale per output channel",
    label="One scale per output channel",
    help="Each output neuron/filter gets its own scale (XNOR-Net) instead of one per layer.",
    cli_help="one scale per output channel (binarize, quantize)",
)
