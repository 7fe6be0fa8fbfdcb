"""A linear layer's output for many weight sets on one fixed input, skipping its common values.

With ``r`` the most common value of each input column in its first rows (a blank pixel,
a ReLU zero),

    y = a W^T + b = (a - r) W^T + (W r + b),

and most entries of ``a - r`` are exactly zero on MNIST (81% of the normalised pixels of
the test set, about half of mlp's hidden ReLU outputs). The input is therefore stored once
by rows as its entries that differ from ``r``, and each weight set costs one sum over
them, ``y_n = sum_{i: a_ni != r_i} (a_ni - r_i) W[:, i] + (W r + b)`` (an
``embedding_bag`` of the rows of ``W^T``), instead of a dense product over every entry.

The sums run in another order than a dense product's, so the result agrees with
``torch.nn.functional.linear`` in real arithmetic but not bit for bit (a few 1e-6 on
mlp's fc1); callers that need exact logits must check what they use it for.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

MODE_SAMPLE_ROWS = 512  # rows that choose r: torch.mode over all 10,000 costs more than a product


def common_values(inputs: torch.Tensor) -> torch.Tensor:
    """(K,) r: the most common value of each column among the first rows of (N, K) inputs."""
    return inputs[:MODE_SAMPLE_ROWS].mode(dim=0).values  # any r is exact algebra


class SparseInputLinear:
    """``F.linear(inputs, weight, bias)`` for many ``(weight, bias)``, over ``inputs != r``.

    Args:
        inputs: (N, K) activations, fixed for every call. ``kept_fraction`` is known at
            once; the index of the kept entries is built at the first call, so a caller
            that finds too much kept pays only for the count.
    """

    def __init__(self, inputs: torch.Tensor):
        if inputs.dim() != 2:
            raise ValueError(f"inputs must be (N, K), got shape {tuple(inputs.shape)}")
        self.common = common_values(inputs)  # (K,) r
        self._inputs = inputs
        self._kept = (inputs != self.common).reshape(-1)  # a_ni != r_i, flat
        count = int(torch.count_nonzero(self._kept))
        self.kept_fraction = count / inputs.numel() if inputs.numel() else 0.0  # of a != r
        self._index: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None

    def _entries(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(columns i, values a_ni - r_i, first entry of each row n) of the kept entries."""
        if self._index is None:
            rows, columns = self._inputs.shape
            # (M,) flat positions n * K + i, ascending; numpy's takes half torch.nonzero's time
            kept = torch.from_numpy(np.flatnonzero(self._kept.numpy()))
            row_starts = torch.searchsorted(kept, torch.arange(rows) * columns)  # (N,)
            kept_columns = kept % columns
            values = self._inputs.reshape(-1)[kept] - self.common[kept_columns]
            if len(kept) < 2**31:  # 32-bit indices: the same sums, about 5% faster
                kept_columns, row_starts = kept_columns.int(), row_starts.int()
            self._index = (kept_columns, values, row_starts)
            self._inputs = self._kept = None  # the index is all that is needed now
        return self._index

    def __call__(self, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        """(N, out) = (a - r) W^T + (W r + b); W r + b summed in float64, then rounded once."""
        columns, values, row_starts = self._entries()
        offset = weight.double() @ self.common.double()  # (out,)
        if bias is not None:
            offset = offset + bias.double()
        products = F.embedding_bag(
            columns,
            weight.t().contiguous(),  # (K, out): row i is W[:, i]
            row_starts,
            mode="sum",
            per_sample_weights=values,
        )  # (N, out)
        return products.add_(offset.to(weight.dtype))  # in place: no second (N, out) tensor
