"""A control's value carried from one model to another, so that it keeps its meaning.

A share (target sparsity) and a multiple of the layer's mean|W| (binarize t) mean the
same on any model and carry as they are. An absolute cut does not: T = 0.024 removes
about 40% of one model's weights and a quarter of another's. It is carried as the cut
that removes the same share: the position ``T'`` of the new slider whose count
``#{|W_new| <= T'}`` is closest to ``s * n_new``, where ``s = #{|W_old| <= T} / n_old``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from compression.methods.controls import Control


def share_at_or_below(weights: Sequence[torch.Tensor], threshold: float) -> float:
    """The share of ``weights`` with ``|W| <= threshold`` (what a |W| cut removes)."""
    magnitudes = torch.cat([w.detach().abs().reshape(-1) for w in weights])
    return float((magnitudes <= threshold).sum()) / magnitudes.numel()


def same_share_cut(
    old_weights: Sequence[torch.Tensor],
    threshold: float,
    new_weights: Sequence[torch.Tensor],
    positions: Sequence[float],
) -> float:
    """The slider position that removes from ``new_weights`` the share ``threshold``
    removes from ``old_weights``; of positions removing as many, the nearest ``threshold``.

    The count to remove is ``round(s * n)``, the rounding of
    :func:`compression.methods.prune.threshold_for_sparsity`.
    """
    share = share_at_or_below(old_weights, threshold)
    magnitudes = torch.sort(torch.cat([w.detach().abs().reshape(-1) for w in new_weights])).values
    wanted = round(share * magnitudes.numel())
    cuts = torch.tensor(list(positions), dtype=magnitudes.dtype)
    removed = torch.searchsorted(magnitudes, cuts, right=True)  # #{|W| <= cut} per position
    miss = (removed - wanted).abs().to(torch.float64)
    distance = (cuts.to(torch.float64) - threshold).abs()
    best = min(range(len(cuts)), key=lambda index: (float(miss[index]), float(distance[index])))
    return list(positions)[best]


def carried_value(
    control: Control,
    value: float,
    old_weights: Sequence[torch.Tensor],
    new_weights: Sequence[torch.Tensor],
    positions: Sequence[float],
) -> float:
    """``value`` of ``control`` on the old model -> its value on the new one.

    A number whose slider range the model sets (``slider_high`` None) is an absolute
    |W| cut and keeps the share it removes; any other value carries as it is.
    """
    if control.slider_high is None:
        return same_share_cut(old_weights, value, new_weights, positions)
    return value
