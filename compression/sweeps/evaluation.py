"""Accuracy and loss of sweep points: a fast path wherever it cannot change a prediction.

A point changes the weights from one layer ``L`` on, so its logits are ``t_L(L(a))`` with
``a = h_L(x)``, the input of ``L``, computed once (:mod:`compression.sweeps.activation_reuse`).
Each point takes the first path that applies:

1. ``reference``: the weights from ``L`` on equal the reference's (a sparsity-0 point):
   the reference's own evaluation, computed once on the exact path;
2. ``bias only``: ``L`` is linear, its input finite and all its weights are zero
   (sparsity 1): its output ``b`` is written out for every image, the value the dense
   product gives, then ``t_L``;
3. ``sparse input``: ``L`` is linear, its input finite, and at most ``MAX_KEPT_FRACTION``
   of its input differs from the column's most common value: ``L(a)`` for all images at
   once from :class:`compression.sweeps.sparse_input.SparseInputLinear`, then ``t_L``. An image
   whose top logit does not beat its runner-up by ``TIE_MARGIN`` (a nan logit fails
   this) is a near tie: its batch of ``TEST_BATCH`` images is recomputed on the exact
   path, and the point's path is ``sparse input, exact near-tie batches``;
4. ``exact``: ``g_L(a)`` with the model's own operations, batch by batch (convolutions,
   dense inputs, an inf or nan in the input).

Paths 1, 2 and 4, and the recomputed batches of path 3, give the logits of
:func:`compression.measure.measure` bit for bit (the same batches of ``TEST_BATCH``).
Elsewhere path 3 changes only the rounding of ``L``'s sums: when no logit moves by
``TIE_MARGIN / 2`` or more, every prediction, hence the accuracy, equals measure's (the
winner led by ``TIE_MARGIN``), and the loss moves by about the same rounding. On the
shipped mlp the largest logit difference seen over a whole per-layer sweep is 8.1e-6, 60x
below ``TIE_MARGIN / 2`` (bench/sweep_speed.py); it is a measured margin, not a proof for
every input (the worst-case float32 error bound of a 784-term sum is far larger than the
rounding that occurs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from compression.sweeps.activation_reuse import ReusingEvaluator, run_segment, same_tensor
from compression.sweeps.sparse_input import SparseInputLinear
from compression.train import TEST_BATCH, Evaluation, evaluation_of

TIE_MARGIN = 1e-3  # top-1 minus top-2 logit below this: recompute that batch exactly
# Sparse input only when it skips at least 70% of the products: per multiply-add the sum
# over kept entries runs at about half the speed of a dense product (2 cores: 450M in
# 20 ms against 2.35G in 48 ms), and its index must be built first. mlp's fc1 reads 19%
# non-blank pixels (sparse); fc2 reads 47% nonzero ReLU outputs, measured 10% faster dense.
MAX_KEPT_FRACTION = 0.3

REFERENCE, BIAS_ONLY, SPARSE_INPUT = "reference", "bias only", "sparse input"
EXACT, EXACT_NEAR_TIES = "exact", "sparse input, exact near-tie batches"


@dataclass(frozen=True)
class PointEvaluation:
    evaluation: Evaluation
    path: str  # which of the module's paths gave it
    logits: list[torch.Tensor] = field(repr=False)  # (B, classes) per batch


def near_ties(logits: torch.Tensor) -> torch.Tensor:
    """(N,) bool: top-1 logit minus top-2 logit below ``TIE_MARGIN``, or nan; none for 1 class."""
    if logits.shape[1] < 2:
        return torch.zeros(len(logits), dtype=torch.bool)
    top_two = logits.topk(2, dim=1).values  # (N, 2)
    return ~(top_two[:, 0] - top_two[:, 1] >= TIE_MARGIN)  # a nan compares False


class SweepEvaluator:
    """:class:`ReusingEvaluator` with the paths of the module doc (same preconditions)."""

    def __init__(
        self,
        model_name: str,
        reference_state: dict[str, torch.Tensor],
        images: torch.Tensor,
        labels: torch.Tensor,
    ):
        self._exact = ReusingEvaluator(model_name, reference_state, images, labels)
        self._reference = reference_state
        self._reference_logits: list[torch.Tensor] | None = None
        self._sparse_layer: str | None = None
        self._sparse_input: SparseInputLinear | None = None  # of _sparse_layer's input
        self._finite: dict[str, bool] = {}  # layer: its input holds no inf or nan

    def evaluate(self, state: dict[str, torch.Tensor], layer: str) -> PointEvaluation:
        """Accuracy and loss of ``state``, whose tensors before ``layer`` are the reference's."""
        logits, path = self._logits(state, layer)
        return PointEvaluation(evaluation_of(logits, self._exact.labels), path, logits)

    def _logits(self, state: dict[str, torch.Tensor], layer: str) -> tuple[list, str]:
        exact = self._exact
        exact.check_prefix_unchanged(state, layer)
        if self._equals_reference_from(state, layer):
            if self._reference_logits is None:
                self._reference_logits = exact.reference_logits(layer)
            return self._reference_logits, REFERENCE
        linear = isinstance(exact.split.layer_module(layer), nn.Linear)
        if not linear or not self._inputs_finite(layer):
            return exact.logits(state, layer), EXACT
        weight, bias = state[f"{layer}.weight"], state.get(f"{layer}.bias")
        with torch.inference_mode():
            if not weight.any():
                inputs = exact.layer_inputs(layer)
                outputs = [_bias_rows(weight, bias, len(batch)) for batch in inputs]
                return self._logits_after(state, layer, outputs), BIAS_ONLY
            product = self._sparse_product(layer)
            if product is None:
                return exact.logits(state, layer), EXACT
            return self._sparse_logits(state, layer, product)

    def _sparse_logits(
        self, state: dict[str, torch.Tensor], layer: str, product: SparseInputLinear
    ) -> tuple[list, str]:
        """Path 3: every image through ``product`` at once, then near-tie batches exactly."""
        weight, bias = state[f"{layer}.weight"], state.get(f"{layer}.bias")
        whole = self._logits_after(state, layer, [product(weight, bias)])[0]  # (N, classes)
        logits = list(whole.split(TEST_BATCH))
        tied_rows = near_ties(whole).nonzero().flatten()
        redo = tied_rows.div(TEST_BATCH, rounding_mode="floor").unique().tolist()
        if not redo:
            return logits, SPARSE_INPUT
        inputs = self._exact.layer_inputs(layer)
        exact = run_segment(self._exact.split.suffix(layer), state, [inputs[b] for b in redo])
        for batch, batch_logits in zip(redo, exact, strict=True):
            logits[batch] = batch_logits
        return logits, EXACT_NEAR_TIES

    def _equals_reference_from(self, state: dict[str, torch.Tensor], layer: str) -> bool:
        names = self._exact.split.suffix(layer).state_dict()
        return all(same_tensor(state[name], self._reference[name]) for name in names)

    def _inputs_finite(self, layer: str) -> bool:
        """True if every input entry is finite: 0 * a = 0 and a - r is exact arithmetic.

        Checked on the sum, which is finite only if every entry is (an inf or nan makes
        it inf or nan); an overflowing sum of finite entries just takes the exact path.
        """
        if layer not in self._finite:
            inputs = self._exact.layer_inputs(layer)
            self._finite[layer] = all(bool(batch.sum().isfinite()) for batch in inputs)
        return self._finite[layer]

    def _sparse_product(self, layer: str) -> SparseInputLinear | None:
        """A SparseInputLinear of ``layer``'s input, all batches in one; None if too few skip."""
        if self._sparse_layer != layer:
            product = SparseInputLinear(torch.cat(self._exact.layer_inputs(layer)))
            if product.kept_fraction > MAX_KEPT_FRACTION:
                product = None
            self._sparse_layer, self._sparse_input = layer, product
        return self._sparse_input

    def _logits_after(
        self, state: dict[str, torch.Tensor], layer: str, outputs: list[torch.Tensor]
    ) -> list[torch.Tensor]:
        return run_segment(self._exact.split.after(layer), state, outputs)


def _bias_rows(weight: torch.Tensor, bias: torch.Tensor | None, rows: int) -> torch.Tensor:
    """(rows, out): what ``F.linear(a, 0, b)`` gives for finite ``a``, ``b`` in every row."""
    if bias is None:
        return torch.zeros(rows, weight.shape[0], dtype=weight.dtype)
    return bias.expand(rows, -1).contiguous()
