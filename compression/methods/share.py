"""Weight sharing (Han et al. 2016, "Deep Compression", section 3).

The kept weights of a layer take one of ``K`` shared values (centroids) found by 1-D
k-means: ``min sum_i (w_i - c_{a_i})^2`` over the centroids ``c`` and the assignment
``a``. Centroids start evenly spaced between the smallest and largest kept weight (the
paper's linear initialisation), then Lloyd iterations alternate ``a_i = argmin_k
|w_i - c_k|`` and ``c_k = mean{w_i : a_i = k}`` until the assignment stops changing.
Pruned weights stay 0 and take no index. A layer then stores ``ceil(log2 K)`` bits per
kept weight plus ``K`` float32 centroids.

Retraining keeps the assignment and trains the centroids: ``W = c[a]``, so
``dL/dc_k = sum_{i : a_i = k} dL/dW_i``. This module is the engine only; tensors given to
it are never changed.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

MIN_CLUSTERS = 2
MAX_CLUSTERS = 2**15  # the largest K whose indices fit in int16
MAX_ITERATIONS = 1000
FLOAT_BITS = 32


class SharedWeights(NamedTuple):
    """The result of :func:`share_weights` for one layer."""

    weight: torch.Tensor  # shape and dtype of the input; c[a] where kept, 0 elsewhere
    centroids: torch.Tensor  # (K,) float32, ascending
    indices: torch.Tensor  # (kept,) uint8 or int16: a_i of each kept weight, flat order
    iterations: int  # Lloyd updates run (each one followed by a new assignment)


class SharedSize(NamedTuple):
    """Bits and bytes of a shared layer's values (positions of kept weights not included)."""

    index_bits: int  # ceil(log2 K) per kept weight
    centroid_bits: int  # 32 per centroid

    @property
    def bytes(self) -> int:
        """Each part rounded up to whole bytes, as in :mod:`compression.size`."""
        return -(-self.index_bits // 8) + -(-self.centroid_bits // 8)


def check_cluster_count(count: int) -> None:
    """Refuse a ``K`` outside ``2 .. 2^15`` (one clear sentence)."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"the number of shared values must be a whole number, not {count!r}")
    if not MIN_CLUSTERS <= count <= MAX_CLUSTERS:
        raise ValueError(
            f"the number of shared values must be {MIN_CLUSTERS} to {MAX_CLUSTERS}, not {count}"
        )


def index_bits(count: int) -> int:
    """Bits of one index among ``K`` values: ``ceil(log2 K)`` (1 for K = 2, 8 for K = 256)."""
    check_cluster_count(count)
    return (count - 1).bit_length()


def index_dtype(count: int) -> torch.dtype:
    """The smallest integer type of the indices: uint8 up to K = 256, else int16."""
    check_cluster_count(count)
    return torch.uint8 if count <= 256 else torch.int16


def shared_size(kept: int, count: int) -> SharedSize:
    """``ceil(log2 K) * kept`` index bits plus ``32 * K`` centroid bits."""
    if kept < 0:
        raise ValueError(f"the number of kept weights must be 0 or more, not {kept}")
    return SharedSize(index_bits(count) * kept, FLOAT_BITS * count)


def linear_centroids(values: torch.Tensor, count: int) -> torch.Tensor:
    """``c_k = min + k * (max - min) / (K - 1)``, k = 0 .. K-1, as float32."""
    check_cluster_count(count)
    low, high = values.min().double(), values.max().double()
    steps = torch.arange(count, dtype=torch.float64) / (count - 1)
    return (low + steps * (high - low)).float()


def _midpoints(centroids: np.ndarray) -> np.ndarray:
    """``(c_k + c_{k+1}) / 2`` in float64: exact for float32 centroids."""
    wide = centroids.astype(np.float64)
    return (wide[:-1] + wide[1:]) / 2


def nearest_centroid(values: torch.Tensor, centroids: torch.Tensor) -> torch.Tensor:
    """``a_i = argmin_k |w_i - c_k|`` for ascending ``c`` (int64); a tie goes to the lower k.

    ``a_i`` is the number of midpoints ``(c_k + c_{k+1}) / 2`` below ``w_i``, compared in
    float64 so that the midpoints are exact: O(n log K), no n × K table.
    """
    wide = values.detach().reshape(-1).double().numpy()
    return torch.from_numpy(np.searchsorted(_midpoints(centroids.numpy()), wide, side="left"))


class SortedValues(NamedTuple):
    """The kept weights in ascending order, with their running sums (both float64).

    In 1-D every cluster of a nearest-centroid assignment is a run of the sorted weights,
    so one sort makes each Lloyd iteration O(K log n): bounds by binary search, sums as
    differences of the running sums.
    """

    values: np.ndarray  # (n,) ascending
    prefix: np.ndarray  # (n + 1,): prefix[i] = sum of the i smallest values


def sorted_values(values: torch.Tensor) -> SortedValues:
    """The values as float64, ascending, with ``prefix[i] = sum`` of the ``i`` smallest."""
    ascending = np.sort(values.detach().reshape(-1).double().numpy())
    return SortedValues(ascending, np.concatenate([[0.0], np.cumsum(ascending)]))


def cluster_bounds(data: SortedValues, centroids: np.ndarray) -> np.ndarray:
    """End (exclusive) of each cluster in ``data.values``: the values ``<= (c_k + c_{k+1})/2``.

    The same assignment as :func:`nearest_centroid`; cluster k is ``ends[k-1] .. ends[k]``.
    """
    ends = np.searchsorted(data.values, _midpoints(centroids), side="right")
    return np.append(ends, data.values.size)


def _starts(ends: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], ends[:-1]])


def cluster_means(data: SortedValues, ends: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """``c_k = mean{w_i : a_i = k}`` as float32, ascending; an empty cluster keeps c_k.

    A mean is kept within its cluster's smallest and largest value (the running sums
    round), and a cluster of one repeated value gets exactly that value.
    """
    starts = _starts(ends)
    sizes = ends - starts
    first = data.values[np.minimum(starts, data.values.size - 1)]
    last = data.values[np.maximum(ends - 1, 0)]
    means = (data.prefix[ends] - data.prefix[starts]) / np.maximum(sizes, 1)
    means = np.where(first == last, first, np.clip(means, first, last))
    return np.sort(np.where(sizes > 0, means, centroids).astype(np.float32))


def _reseed_one_empty(data: SortedValues, ends: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Move the first empty centroid onto the worst-fitted weight, if any weight is off.

    The weight with the largest ``(w_i - c_{a_i})^2`` (the smallest such weight on a tie;
    it is the first or last of its cluster) becomes a centroid of its own: the error
    only drops. Nothing moves when no cluster is empty or every weight sits on a centroid.
    """
    starts = _starts(ends)
    filled = ends > starts
    if filled.all():
        return centroids
    own = np.tile(centroids[filled].astype(np.float64), 2)
    candidates = np.concatenate([data.values[starts[filled]], data.values[ends[filled] - 1]])
    errors = (candidates - own) ** 2
    if errors.max() == 0.0:
        return centroids
    moved = centroids.copy()
    moved[np.flatnonzero(~filled)[0]] = candidates[errors == errors.max()].min()
    return np.sort(moved)


def share_weights(
    weight: torch.Tensor,
    count: int,
    keep: torch.Tensor | None = None,
    max_iterations: int = MAX_ITERATIONS,
) -> SharedWeights:
    """Weight sharing of one layer: ``K = count`` shared values by 1-D k-means.

    Linear initialisation, then Lloyd iterations until the assignment stops changing or
    ``max_iterations`` updates. A cluster that ends an update empty while some weight is
    not exactly on a centroid is moved onto the worst-fitted weight (deterministic:
    first empty cluster, smallest worst weight); so K at least the number of distinct
    kept values reproduces them exactly. With ``keep`` (a pruning mask) only kept weights
    are clustered; the others stay 0 and take no index. No kept weight: centroids all 0.
    """
    check_cluster_count(count)
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, int):
        raise TypeError(f"max_iterations must be a whole number, not {max_iterations!r}")
    if max_iterations < 0:
        raise ValueError(f"max_iterations must be 0 or more, not {max_iterations}")
    if keep is None:
        keep = torch.ones_like(weight, dtype=torch.bool)
    if keep.shape != weight.shape or keep.dtype != torch.bool:
        raise ValueError(f"the keep mask must be a bool tensor of shape {tuple(weight.shape)}")
    values = weight.detach()[keep]
    if not bool(torch.isfinite(values).all()):
        raise ValueError("weights to share must be finite numbers (no NaN or infinity)")
    if values.numel() == 0:
        empty = torch.zeros(0, dtype=index_dtype(count))
        return SharedWeights(torch.zeros_like(weight), torch.zeros(count), empty, 0)
    data = sorted_values(values)
    centroids = linear_centroids(values, count).numpy()
    ends = cluster_bounds(data, centroids)
    iterations = 0
    while iterations < max_iterations:
        iterations += 1
        centroids = cluster_means(data, ends, centroids)
        centroids = _reseed_one_empty(data, ends, centroids)
        following = cluster_bounds(data, centroids)
        if np.array_equal(following, ends):
            break
        ends = following
    centroids = torch.from_numpy(centroids)
    indices = nearest_centroid(values, centroids).to(index_dtype(count))
    shared = shared_weight(centroids, indices, keep).to(weight.dtype)
    return SharedWeights(shared, centroids, indices, iterations)


def full_indices(indices: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """The index of every position of the layer (int64, shape of ``keep``); 0 where pruned."""
    if int(keep.sum()) != indices.numel():
        raise ValueError(f"{indices.numel()} indices for {int(keep.sum())} kept weights")
    every = torch.zeros(keep.shape, dtype=torch.int64)
    every[keep] = indices.long()
    return every


def shared_weight(
    centroids: torch.Tensor, indices: torch.Tensor, keep: torch.Tensor
) -> torch.Tensor:
    """``W = c[a] * keep``: the layer's weights, differentiable in the centroids.

    With the assignment fixed, autograd gives ``dL/dc_k = sum_{i kept, a_i = k} dL/dW_i``
    (:func:`centroid_gradients`); pruned positions pass no gradient.
    """
    return torch.where(keep, centroids[full_indices(indices, keep)], 0.0)


def centroid_gradients(
    weight_gradient: torch.Tensor, indices: torch.Tensor, keep: torch.Tensor, count: int
) -> torch.Tensor:
    """``dL/dc_k = sum_{i kept, a_i = k} dL/dW_i``: each centroid gathers its weights'
    gradients (the paper's rule, written out; equal to autograd through
    :func:`shared_weight`)."""
    check_cluster_count(count)
    kept_gradient = weight_gradient[keep]
    total = torch.zeros(count, dtype=kept_gradient.dtype)
    return total.index_add(0, indices.long(), kept_gradient)
