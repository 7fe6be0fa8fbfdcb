"""Iterative magnitude pruning (Han et al. 2015): prune a little, retrain, prune again.

Round ``r`` of ``N`` keeps the share ``k_r = k^(r/N)`` of each chosen layer's weights, with
``k = 1 - target sparsity``: the same factor ``k^(1/N)`` removed every round, ending at the
target. Each round cuts the smallest ``|W|`` of the weights the last round left (a weight
once pruned stays pruned: the masks are nested) and retrains the survivors with the mask
held fixed. :func:`iterate` yields every round as it finishes, so a page can draw it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch

from compression.methods.prune import sparsity_mask
from compression.models import layer_names_for, module_for, weight_key
from compression.size import size_rows, size_summary
from compression.train import Progress, TrainConfig, evaluate, train_masked

ROUNDS_MAX = 20
RETRAIN = TrainConfig(epochs=1, learning_rate=5e-4)  # the retrain button's step size
HISTOGRAM_BINS = 60


@dataclass(frozen=True)
class Schedule:
    """What to prune and how to retrain between the cuts."""

    target_sparsity: float  # share of each chosen layer's weights removed after the last round
    rounds: int  # N
    retrain: TrainConfig = RETRAIN  # the recipe of the retraining after every cut
    layers: tuple[str, ...] | None = None  # the pruned layers (None: every weight layer)

    def validated(self, layers: list[str]) -> Schedule:
        if not 0 < self.target_sparsity < 1:
            raise ValueError(f"target sparsity must be in (0, 1), got {self.target_sparsity}")
        if not 1 <= self.rounds <= ROUNDS_MAX:
            raise ValueError(f"rounds must be between 1 and {ROUNDS_MAX}, got {self.rounds}")
        unknown = sorted(set(self.layers or ()) - set(layers))
        if unknown:
            raise ValueError(f"unknown layers {unknown}; the model has {layers}")
        if self.layers is not None and not self.layers:
            raise ValueError("choose at least one layer to prune")
        self.retrain.validated()
        return self

    def pruned_layers(self, layers: list[str]) -> list[str]:
        return list(layers) if self.layers is None else [n for n in layers if n in self.layers]


def kept_fractions(target_sparsity: float, rounds: int) -> list[float]:
    """``k^(r/N)`` for r = 1 .. N with ``k = 1 - target_sparsity``: the share kept after each
    round (the last is exactly ``k``)."""
    kept = 1 - target_sparsity
    return [kept ** (r / rounds) for r in range(1, rounds)] + [kept]


@dataclass(frozen=True)
class Histogram:
    """Counts of a layer's surviving (nonzero) weights in fixed bins: ``edges`` has one more
    entry than ``counts``, and the same edges every round, so the rounds compare."""

    layer: str
    edges: tuple[float, ...]
    counts: tuple[int, ...]


@dataclass(frozen=True)
class Round:
    """One finished round: its cut, its retrained weights and what they measure."""

    round: int  # 0 is the model before any cut
    kept_fraction: float  # the schedule's share of the pruned layers' weights kept
    masks: dict[str, torch.Tensor] = field(repr=False)  # {layer: True where a weight stays}
    state: dict[str, torch.Tensor] = field(repr=False)  # retrained, pruned weights at 0
    sparsity: float  # measured share of the pruned layers' weights that are 0
    pruned_accuracy: float  # test accuracy right after the cut, before retraining
    accuracy: float  # test accuracy after retraining
    size_bytes: int  # compact encoding (compression.size) of the retrained model
    dense_bytes: int  # every weight and bias as float32
    histogram: Histogram
    history: tuple[dict, ...] = ()  # the retraining's per-epoch records

    def numbers(self) -> dict:
        """The round's numbers, as ``iterate --json`` gives them and the charts read them."""
        return {
            "round": self.round,
            "kept_fraction": self.kept_fraction,
            "sparsity": self.sparsity,
            "pruned_accuracy": self.pruned_accuracy,
            "accuracy": self.accuracy,
            "size_bytes": self.size_bytes,
        }


def histogram_edges(weight: torch.Tensor, bins: int = HISTOGRAM_BINS) -> tuple[float, ...]:
    """``bins + 1`` equal steps over ``[-max|W|, max|W|]`` of the unpruned layer."""
    top = float(weight.detach().abs().max()) or 1.0
    return tuple(float(x) for x in torch.linspace(-top, top, bins + 1))


def survivors_histogram(layer: str, weight: torch.Tensor, edges: tuple[float, ...]) -> Histogram:
    """Counts of the nonzero weights of ``weight`` per bin; values outside fall in the end bins."""
    values = weight.detach().reshape(-1)
    values = values[values != 0].clamp(edges[0], edges[-1])
    counts = torch.histc(values, bins=len(edges) - 1, min=edges[0], max=edges[-1])
    return Histogram(layer, edges, tuple(int(c) for c in counts))


def nested_masks(
    state: dict[str, torch.Tensor],
    previous: dict[str, torch.Tensor],
    sparsity: float,
) -> dict[str, torch.Tensor]:
    """Keep the largest ``|W|`` of each layer so ``round(sparsity * n)`` weights are gone.

    Weights the ``previous`` masks removed are 0, so they are the first to go; the result is
    still and-ed with ``previous``, so a pruned weight stays pruned whatever the ties.
    """
    masks = {}
    for name, keep in previous.items():
        weight = state[weight_key(name)] * keep
        masks[name] = sparsity_mask(weight, sparsity) & keep
    return masks


def apply_masks(
    state: dict[str, torch.Tensor], masks: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """New tensors: ``W * mask`` for the masked layers' weights, copies of the rest."""
    keys = {weight_key(name): keep for name, keep in masks.items()}
    return {k: v.detach() * keys[k] if k in keys else v.detach().clone() for k, v in state.items()}


def sparsity_of(masks: dict[str, torch.Tensor]) -> float:
    """Share of the masked weights removed: ``1 - kept / total``."""
    total = sum(keep.numel() for keep in masks.values())
    return 1 - sum(int(keep.sum()) for keep in masks.values()) / total


def iterate(
    model_name: str,
    state: dict[str, torch.Tensor],
    schedule: Schedule,
    train_set: tuple[torch.Tensor, torch.Tensor],
    test_set: tuple[torch.Tensor, torch.Tensor],
    histogram_layer: str | None = None,
    on_step: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[Round]:
    """Round 0 (the model as given), then every prune-and-retrain round of ``schedule``.

    Round ``r`` cuts to ``1 - k^(r/N)`` sparsity per pruned layer
    (:func:`nested_masks`), tests the cut model, retrains it with the masks fixed
    (:func:`compression.train.train_masked`, ``schedule.retrain``) and tests it again.
    ``should_stop`` is passed to training: it raises
    :class:`compression.train.TrainingStopped` in the round being retrained. ``state`` is
    not changed.
    """
    layers = layer_names_for(model_name)
    schedule = schedule.validated(layers)
    pruned = schedule.pruned_layers(layers)
    histogram_layer = histogram_layer or pruned[0]
    if histogram_layer not in layers:
        raise ValueError(f"unknown layer {histogram_layer!r}; the model has {layers}")
    module = module_for(model_name)
    edges = histogram_edges(state[weight_key(histogram_layer)])
    masks = {name: torch.ones_like(state[weight_key(name)], dtype=torch.bool) for name in pruned}
    current = {key: tensor.detach().clone() for key, tensor in state.items()}

    def measured(number, kept, weights, pruned_accuracy, history=()):
        summary = size_summary(size_rows(weights, layers))
        accuracy = evaluate(module, weights, *test_set).accuracy
        return Round(
            round=number,
            kept_fraction=kept,
            masks={name: keep.clone() for name, keep in masks.items()},
            state=weights,
            sparsity=sparsity_of(masks),
            pruned_accuracy=accuracy if pruned_accuracy is None else pruned_accuracy,
            accuracy=accuracy,
            size_bytes=summary["size_bytes"]["compressed"],
            dense_bytes=summary["size_bytes"]["dense_fp32"],
            histogram=survivors_histogram(
                histogram_layer, weights[weight_key(histogram_layer)], edges
            ),
            history=tuple(history),
        )

    yield measured(0, 1.0, current, None)
    for number, kept in enumerate(kept_fractions(schedule.target_sparsity, schedule.rounds), 1):
        if should_stop is not None and should_stop():
            return
        masks = nested_masks(current, masks, 1 - kept)
        cut = apply_masks(current, masks)
        pruned_accuracy = evaluate(module, cut, *test_set).accuracy
        result = train_masked(
            model_name,
            cut,
            masks,
            *train_set,
            schedule.retrain,
            on_step=on_step,
            should_stop=should_stop,
        )
        current = result.state
        yield measured(number, kept, current, pruned_accuracy, result.history)
