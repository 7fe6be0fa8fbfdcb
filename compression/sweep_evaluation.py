"""Accuracy and loss of sweep points: a fast path wherever it cannot change a prediction.

A point changes the weights from one layer ``L`` on, so its logits are ``t_L(L(a))`` with
``a = h_L(x)``, the input of ``L``, computed once (:mod:`compression.activation_reuse`).
Each point takes the first path that applies:

1. ``reference``: the weights from ``L`` on equal the reference's (a sparsity-0 point):
   the reference's own evaluation, computed once on the exact path;
2. ``bias only``: ``L`` is linear, its input finite and all its weights are zero
   (sparsity 1): its output ``b`` is written out for every image, the value the dense
   product gives, then ``t_L``;
3. ``sparse input``: ``L`` is linear, its input finite, and at most ``MAX_KEPT_FRACTION``
   of its input differs from the column's most common value: ``L(a)`` from
   :class:`compression.sparse_input.SparseInputLinear`, then ``t_L``. Kept only if every
   image's top logit beats its runner-up by ``TIE_MARGIN`` or more (a nan logit fails
   this), otherwise ``exact (near tie)``;
4. ``exact``: ``g_L(a)`` with the model's own operations (convolutions, dense inputs,
   an inf or nan in the input).

Paths 1, 2, 4 and ``exact (near tie)`` give the logits of
:func:`compression.report.analyze` bit for bit. Path 3 changes only the rounding of
``L``'s sums: when no logit moves by ``TIE_MARGIN / 2`` or more, every prediction, hence
the accuracy, equals analyze's (the winner led by ``TIE_MARGIN``), and the loss moves by
about the same rounding. On the shipped mlp the largest logit difference seen over a
whole per-layer sweep is 8.1e-6, 60x below ``TIE_MARGIN / 2`` (bench/sweep_speed.py); it is
a measured margin, not a proof for every input (the worst-case float32 error bound of a
784-term sum is far larger than the rounding that occurs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from .activation_reuse import ReusingEvaluator, run_segment
from .sparse_input import SparseInputLinear
from .train import Evaluation, evaluation_of

TIE_MARGIN = 1e-3  # top-1 minus top-2 logit below this: recompute the point exactly
MAX_KEPT_FRACTION = 0.5  # sparse input only when it skips at least half of the products

REFERENCE, BIAS_ONLY, SPARSE_INPUT = "reference", "bias only", "sparse input"
EXACT, EXACT_NEAR_TIE = "exact", "exact (near tie)"


@dataclass(frozen=True)
class PointEvaluation:
    evaluation: Evaluation
    path: str  # which of the module's paths gave it
    logits: list[torch.Tensor] = field(repr=False)  # (B, classes) per batch


def smallest_margin(logits: torch.Tensor) -> float:
    """min over images of (top-1 logit - top-2 logit); +inf for a single class."""
    if logits.shape[1] < 2 or len(logits) == 0:
        return float("inf")
    top_two = logits.topk(2, dim=1).values  # (N, 2)
    return float((top_two[:, 0] - top_two[:, 1]).min())


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
        self._sparse_inputs: list[SparseInputLinear] = []  # one per batch
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
            products = self._sparse_products(layer)
            if not products:
                return exact.logits(state, layer), EXACT
            logits = self._logits_after(state, layer, [p(weight, bias) for p in products])
            if not min(smallest_margin(batch) for batch in logits) >= TIE_MARGIN:  # nan too
                return exact.logits(state, layer), EXACT_NEAR_TIE
        return logits, SPARSE_INPUT

    def _equals_reference_from(self, state: dict[str, torch.Tensor], layer: str) -> bool:
        names = self._exact.split.suffix(layer).state_dict()
        return all(torch.equal(state[name], self._reference[name]) for name in names)

    def _inputs_finite(self, layer: str) -> bool:
        """True if every input entry is finite: 0 * a = 0 and a - r is exact arithmetic.

        Checked on the sum, which is finite only if every entry is (an inf or nan makes
        it inf or nan); an overflowing sum of finite entries just takes the exact path.
        """
        if layer not in self._finite:
            inputs = self._exact.layer_inputs(layer)
            self._finite[layer] = all(bool(batch.sum().isfinite()) for batch in inputs)
        return self._finite[layer]

    def _sparse_products(self, layer: str) -> list[SparseInputLinear]:
        """One SparseInputLinear per batch of ``layer``'s input; [] if too few entries skip."""
        if self._sparse_layer != layer:
            built = [SparseInputLinear(batch) for batch in self._exact.layer_inputs(layer)]
            if any(product.kept_fraction > MAX_KEPT_FRACTION for product in built):
                built = []
            self._sparse_layer, self._sparse_inputs = layer, built
        return self._sparse_inputs

    def _logits_after(
        self, state: dict[str, torch.Tensor], layer: str, outputs: list[torch.Tensor]
    ) -> list[torch.Tensor]:
        after = self._exact.split.after(layer)
        return [run_segment(after, state, output) for output in outputs]


def _bias_rows(weight: torch.Tensor, bias: torch.Tensor | None, rows: int) -> torch.Tensor:
    """(rows, out): what ``F.linear(a, 0, b)`` gives for finite ``a``, ``b`` in every row."""
    if bias is None:
        return torch.zeros(rows, weight.shape[0], dtype=weight.dtype)
    return bias.expand(rows, -1).contiguous()
