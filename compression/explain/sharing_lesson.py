"""The weight-sharing lesson's live numbers (Han et al. 2016, "Deep Compression", section 3).

k-means over a layer's kept weights: ``min sum_i (w_i - c_{a_i})^2``, linear start
``c_k = min + k (max - min) / (K - 1)``, then ``a_i = argmin_k |w_i - c_k|`` and
``c_k = mean{w_i : a_i = k}``. Each kept weight stores a ``ceil(log2 K)``-bit index and the
layer ``K`` float32 values; Huffman codes of the indices (section 4) give frequent
clusters shorter codes. Computed with the explorer's own :func:`share_weights` and
:func:`code_lengths`, so the numbers are the ones the Share weights page acts on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from compression.files.huffman import code_lengths, count_symbols, encoded_bits
from compression.methods.share import index_bits, linear_centroids, share_weights, shared_size
from compression.methods.weight_sharing import kept_weights
from compression.models import weight_key


def _shared(weight: torch.Tensor, count: int, keep: torch.Tensor | None):
    """k-means of the weights that take an index (kept and nonzero), and that mask."""
    taking = kept_weights(weight, keep)
    return share_weights(weight, count, taking), taking


def _huffman(indices: torch.Tensor) -> tuple[dict[int, int], dict[int, int]]:
    """Counts of each index and their Huffman code lengths (empty for no index)."""
    counts = count_symbols(indices.long().numpy())
    return counts, (code_lengths(counts) if counts else {})


def shared_values(
    state: dict[str, torch.Tensor],
    layers: Sequence[str],
    count: int,
    keep_masks: dict[str, torch.Tensor] | None = None,
) -> pd.DataFrame:
    """Per layer: the weights clustered, ``ceil(log2 K)``, bytes, mean squared error, and
    the Huffman code's mean length and the bits it saves on the indices.

    ``bytes = ceil(kept * ceil(log2 K) / 8) + 4 K`` (positions of kept weights not
    included); ``mse = mean (w_i - c_{a_i})^2`` over the kept weights; ``huffman_mean =
    sum_k n_k l_k / kept``; ``bits_saved = kept * ceil(log2 K) - sum_k n_k l_k`` (the
    Huffman table, one byte per value, not subtracted).
    """
    keep_masks = keep_masks or {}
    rows = []
    for layer in layers:
        weight = state[weight_key(layer)].detach()
        shared, taking = _shared(weight, count, keep_masks.get(layer))
        kept = int(taking.sum())
        error = (weight - shared.weight)[taking].double()
        counts, lengths = _huffman(shared.indices)
        coded = encoded_bits(counts, lengths)
        rows.append(
            {
                "layer": layer,
                "indexed": kept,
                "index_bits": index_bits(count),
                "shared_bytes": shared_size(kept, count).bytes,
                "mse": float((error**2).mean()) if kept else 0.0,
                "huffman_mean": coded / kept if kept else 0.0,
                "bits_saved": kept * index_bits(count) - coded,
            }
        )
    return pd.DataFrame(rows)


def layer_centroids(
    weight: torch.Tensor, count: int, keep: torch.Tensor | None = None
) -> pd.DataFrame:
    """One row per shared value ``k``: the linear start, the k-means value ``c_k``, the
    cluster's size ``n_k`` and its Huffman code length ``l_k`` (0 for an empty cluster)."""
    shared, taking = _shared(weight.detach(), count, keep)
    kept_values = weight.detach()[taking]
    start = (
        linear_centroids(kept_values, count).numpy()
        if kept_values.numel()
        else np.zeros(count, np.float32)
    )
    counts, lengths = _huffman(shared.indices)
    return pd.DataFrame(
        {
            "cluster": np.arange(count),
            "start": start,
            "centroid": shared.centroids.numpy(),
            "cluster_size": [counts.get(k, 0) for k in range(count)],
            "code_length": [lengths.get(k, 0) for k in range(count)],
        }
    )
