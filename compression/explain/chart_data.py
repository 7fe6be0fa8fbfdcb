"""Numbers behind the explorer's charts: weight histograms, cuts, bands and levels.

Everything here reads tensors and returns NumPy arrays or plain numbers; the
inputs (a shared baseline, a compressed copy) are never changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from compression.compress import CompressedModel
from compression.methods.quantize import largest_level
from compression.models import weight_key
from compression.settings import CompressionSettings

MAX_BINS = 201  # histogram bins of a large layer; always odd, so one bin is centred on 0
MIN_BINS = 41
VIEW_QUANTILE = 0.995  # charts open on the |W| range that holds this share of the weights


@dataclass(frozen=True)
class LayerView:
    """What compression did to one layer, ready to draw.

    The histogram is of the *real* (baseline) weights, split by their fate: ``kept``
    counts weights that are nonzero after compression, ``zeroed`` those set to 0.
    """

    name: str
    edges: np.ndarray  # (bins + 1,) bin edges over [-max|W|, max|W|]
    view: float  # the charts show [-view, view]: 1.15 x the 99.5% quantile of |W| (<= max|W|)
    kept: np.ndarray  # (bins,) real weights per bin that stay nonzero
    zeroed: np.ndarray  # (bins,) real weights per bin that became 0
    prune_cut: float | None  # |W| at or below which pruning removed weights; None: no cut
    band: tuple[float, float] | None  # ternary band half-width t*mean|W| (min, max over scales)
    scale: tuple[float, float] | None  # binarized magnitude a (min, max over scales)
    negative: int  # weights that are < 0 after compression
    zero: int  # weights that are 0 after compression
    positive: int  # weights that are > 0 after compression
    # k-bit quantized layers: the values s*n, n = -(2^(K-1)-1)..2^(K-1)-1, of one scale (the
    # layer's, or the median channel's with one scale per channel), and K
    levels: tuple[float, ...] | None = None
    bits: int | None = None
    # weight sharing: ``levels`` are the layer's K shared values (its centroids)
    shared: bool = False

    @property
    def weights(self) -> int:
        return self.negative + self.zero + self.positive


def bin_count(weights: int) -> int:
    """Bins for a histogram of ``weights`` values: about 2*sqrt(n), odd, in [41, 201]."""
    bins = min(MAX_BINS, max(MIN_BINS, round(2 * math.sqrt(weights))))
    return bins if bins % 2 else bins + 1


def histogram_edges(weight: torch.Tensor, bins: int) -> np.ndarray:
    """``bins + 1`` equal-width edges over ``[-max|W|, max|W|]`` (``[-1, 1]`` for all zeros)."""
    reach = float(weight.detach().abs().max()) if weight.numel() else 0.0
    reach = reach if reach > 0 else 1.0
    return np.linspace(-reach, reach, bins + 1)


def view_reach(weight: torch.Tensor, quantile: float = VIEW_QUANTILE) -> float:
    """Half-width of the range a chart opens on: 1.15 x the ``quantile`` of |W|, at most max|W|.

    The few largest weights would otherwise squeeze the interesting middle.
    """
    magnitudes = weight.detach().abs().reshape(-1)
    reach = float(magnitudes.max()) if magnitudes.numel() else 0.0
    if reach == 0:
        return 1.0
    return min(reach, 1.15 * float(torch.quantile(magnitudes, quantile)))


def split_histogram(
    weight: torch.Tensor, stays: torch.Tensor, edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Counts of ``weight`` per bin where ``stays`` is True, and where it is False."""
    values = weight.detach().reshape(-1).numpy()
    keep = stays.reshape(-1).numpy()
    kept, _ = np.histogram(values[keep], bins=edges)
    zeroed, _ = np.histogram(values[~keep], bins=edges)
    return kept, zeroed


@dataclass(frozen=True)
class WeightProfile:
    """What a layer's histogram needs that depends on the baseline weights only.

    Computed once per baseline, it turns every later histogram into one ``bincount``.
    """

    edges: np.ndarray  # (bins + 1,) see histogram_edges
    view: float  # see view_reach
    bin_of: np.ndarray  # (weights,) int16: the bin of each weight, in flattened order
    counts: np.ndarray  # (bins,) weights per bin

    def split(self, stays: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """(kept, zeroed) counts per bin, like :func:`split_histogram`."""
        bins = len(self.counts)
        kept = np.bincount(self.bin_of[stays.reshape(-1).numpy()], minlength=bins)
        return kept, self.counts - kept


def weight_profile(weight: torch.Tensor) -> WeightProfile:
    """Bins of a layer's weights: ``np.histogram``'s rule (last bin closed) over its edges."""
    values = weight.detach().reshape(-1).numpy()
    edges = histogram_edges(weight, bin_count(values.size))
    bins = len(edges) - 1
    bin_of = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, bins - 1)
    bin_of = bin_of.astype(np.int16)
    return WeightProfile(edges, view_reach(weight), bin_of, np.bincount(bin_of, minlength=bins))


def weight_profiles(state: dict[str, torch.Tensor], layers: list[str]) -> dict[str, WeightProfile]:
    """A :class:`WeightProfile` per layer of ``layers``."""
    return {name: weight_profile(state[weight_key(name)]) for name in layers}


def ternary_band(
    weight: torch.Tensor, threshold: float, per_channel: bool, keep: torch.Tensor | None
) -> torch.Tensor:
    """The zero band of :func:`~compression.methods.binarize.binarize`: ``t * mean|W|``
    over kept weights.

    One value per tensor, or one per output channel with ``per_channel``.
    """
    magnitude = weight.detach().abs()
    keep = torch.ones_like(magnitude, dtype=torch.bool) if keep is None else keep
    dims = tuple(range(1, weight.dim())) if per_channel else tuple(range(weight.dim()))
    mean_kept = (magnitude * keep).sum(dim=dims) / keep.sum(dim=dims).clamp(min=1)
    return threshold * mean_kept.reshape(-1)


def prune_cut(weight: torch.Tensor, keep: torch.Tensor, settings: CompressionSettings):
    """The |W| cut that pruning applied: the threshold, or the largest removed |W|.

    None when nothing was removed or when whole neurons were removed (no single cut).
    """
    if settings.prune_threshold is not None:
        return float(settings.prune_threshold)
    if settings.prune_structure == "neurons" or bool(keep.all()):
        return None
    return float(weight.detach().abs()[~keep].max())


def _span(values: torch.Tensor) -> tuple[float, float]:
    return float(values.min()), float(values.max())


def layer_views(
    baseline: dict[str, torch.Tensor],
    compressed: CompressedModel,
    layers: list[str],
    profiles: dict[str, WeightProfile] | None = None,
) -> list[LayerView]:
    """A :class:`LayerView` per layer of ``layers``: ``baseline`` against ``compressed``.

    ``profiles`` (from :func:`weight_profiles` of ``baseline``) saves re-binning the
    baseline on every call; without it they are computed here.
    """
    profiles = profiles if profiles is not None else weight_profiles(baseline, layers)
    settings = compressed.settings
    views = []
    for name in layers:
        real = baseline[weight_key(name)].detach()
        result = compressed.state[weight_key(name)]
        profile = profiles[name]
        kept, zeroed = profile.split(result != 0)
        keep = compressed.keep_masks.get(name)
        band = scale = levels = bits = None
        shared = settings.share_weights is not None and name in compressed.scales
        if shared:
            levels = tuple(compressed.scales[name].tolist())
        elif name in compressed.scales:
            scales = compressed.scales[name].reshape(-1)
            used = scales[scales > 0]
            scale = _span(used) if used.numel() else (0.0, 0.0)
            if settings.binarize_threshold is not None:
                threshold = settings.binarize_threshold
                band = _span(ternary_band(real, threshold, settings.per_channel, keep))
            if settings.quantize_bits is not None:
                bits = int(settings.quantize_bits)
                levels = quantization_levels(used, bits)
        zero = int(zeroed.sum())
        positive = int((result > 0).sum())
        views.append(
            LayerView(
                name=name,
                edges=profile.edges,
                view=profile.view,
                kept=kept,
                zeroed=zeroed,
                prune_cut=None if keep is None else prune_cut(real, keep, settings),
                band=band,
                scale=scale,
                negative=result.numel() - zero - positive,
                zero=zero,
                positive=positive,
                levels=levels,
                bits=bits,
                shared=shared,
            )
        )
    return views


def quantization_levels(scales: torch.Tensor, bits: int) -> tuple[float, ...]:
    """The values ``s * n`` of a K-bit layer for its median scale ``s`` (float32 products,
    as the layer holds them); () when every scale is 0."""
    if not scales.numel():
        return ()
    top = largest_level(bits)
    steps = torch.arange(-top, top + 1, dtype=torch.float32)
    return tuple((scales.median() * steps).tolist())


def bits_per_weight(sizes: pd.DataFrame, layers: list[str]) -> float:
    """Storage of the weights of ``layers`` per weight: 8 * (positions + values + scales
    + Huffman tables - Huffman savings) / n.

    Biases are left out: they stay float32 and are not weights.
    """
    rows = sizes[sizes["layer"].isin(layers)]
    weights = sum(math.prod(shape) for shape in rows["shape"])
    parts = ["position_bytes", "value_bytes", "scale_bytes", "huffman_table_bytes"]
    stored = int(rows[parts].sum().sum()) - int(rows["huffman_saved_bytes"].sum())
    return 8 * stored / weights if weights else 0.0


def sample_digits(
    images: torch.Tensor, labels: torch.Tensor, count: int, seed: int = 0
) -> tuple[np.ndarray, list[int]]:
    """``count`` images (uint8, (count, 28, 28)) and labels drawn at random, fixed by ``seed``."""
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))[:count]
    pixels = (images[order, 0] * 255).round().to(torch.uint8).numpy()
    return pixels, [int(label) for label in labels[order]]
