"""Magnitude pruning (Han et al. 2015, "Learning both Weights and Connections").

Importance is ``|W|``; a mask is True where a weight is kept. Masks are computed
from tensors and never change them: applying one is ``W * mask``. Pruning is the
*positions* method: it decides which weights exist; :data:`PRUNE` describes its controls.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

import torch

from compression.methods.controls import (
    CHOICE,
    NUMBER,
    Alternatives,
    Control,
    Method,
    SweepAxis,
)
from compression.models import weight_key

if TYPE_CHECKING:
    from compression.settings import CompressionSettings


def threshold_mask(weight: torch.Tensor, threshold: float) -> torch.Tensor:
    """Keep ``|W| > threshold`` (the absolute cut of Han et al.)."""
    return weight.abs() > threshold


def _count_to_prune(sparsity: float, count: int) -> int:
    # The same rounding as torch.nn.utils.prune: round(amount * n).
    return round(sparsity * count)


def _smallest_removed(scores: torch.Tensor, sparsity: float) -> torch.Tensor:
    """Flat keep-mask that drops the round(s * n) smallest scores (ties: topk's order)."""
    flat = scores.reshape(-1)
    count = flat.numel()
    k = _count_to_prune(sparsity, count)
    if 2 * k <= count:  # few to remove: find them
        keep = torch.ones_like(flat, dtype=torch.bool)
        if k > 0:
            keep[torch.topk(flat, k, largest=False).indices] = False
    else:  # many to remove: finding the few survivors is faster (5 ms vs 25 ms for fc1)
        keep = torch.zeros_like(flat, dtype=torch.bool)
        if k < count:
            keep[torch.topk(flat, count - k, largest=True).indices] = True
    return keep


def sparsity_mask(weight: torch.Tensor, sparsity: float) -> torch.Tensor:
    """Remove the fraction ``sparsity`` of weights with the smallest ``|W|`` in this tensor.

    Removes ``round(s * n)`` weights, the same set as
    ``torch.nn.utils.prune.l1_unstructured(module, "weight", amount=s)`` (ties aside).
    """
    return _smallest_removed(weight.abs(), sparsity).reshape(weight.shape)


def global_sparsity_masks(
    weights: dict[str, torch.Tensor], sparsity: float
) -> dict[str, torch.Tensor]:
    """One magnitude cut across all given tensors that removes ``round(s * total)`` weights.

    Like ``torch.nn.utils.prune.global_unstructured`` with ``L1Unstructured``.
    """
    scores = torch.cat([w.abs().reshape(-1) for w in weights.values()])
    flat_keep = _smallest_removed(scores, sparsity)
    masks, start = {}, 0
    for name, weight in weights.items():
        masks[name] = flat_keep[start : start + weight.numel()].reshape(weight.shape)
        start += weight.numel()
    return masks


def neuron_mask(weight: torch.Tensor, sparsity: float) -> torch.Tensor:
    """Remove whole output rows/filters: the fraction ``sparsity`` with the smallest L2 norm.

    Row importance ``||W[i]||_2``; the same rows as
    ``torch.nn.utils.prune.ln_structured(module, "weight", amount=s, n=2, dim=0)``.
    """
    row_norms = weight.reshape(weight.shape[0], -1).norm(p=2, dim=1)
    keep_rows = _smallest_removed(row_norms, sparsity)
    return keep_rows.reshape(-1, *([1] * (weight.dim() - 1))).expand_as(weight).clone()


def keep_every_row(weight: torch.Tensor) -> torch.Tensor:
    """The mask of an output layer under neuron pruning: a row is a class, and a class
    whose row is gone can never be predicted, so nothing is removed."""
    return torch.ones_like(weight, dtype=torch.bool)


def threshold_for_sparsity(weights: list[torch.Tensor], sparsity: float) -> float:
    """The absolute |W| cut that leaves about ``sparsity`` of the given weights below it."""
    scores = torch.cat([w.abs().reshape(-1) for w in weights])
    k = _count_to_prune(sparsity, scores.numel())
    if k == 0:
        return 0.0
    return float(torch.kthvalue(scores, k).values)


def _round_step(value: float) -> float:
    """The one of 1, 2 or 5 times a power of ten nearest ``value`` on a log scale."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    candidates = [m * power for m in (1, 2, 5, 10)]
    return min(candidates, key=lambda step: abs(math.log(step / value)))


# The |W| slider ends where this share of the weights is gone: on the shipped MNIST and
# Fashion-MNIST models accuracy is down to 10-35% there (chance is 10%), so the track
# holds the whole fall and little of the collapsed tail.
TOP_SHARE = 0.98
SLIDER_POSITIONS = 50  # about this many steps: an arrow key moves the cut visibly


class ThresholdRange(NamedTuple):
    """Bounds of an absolute |W| slider, in round numbers."""

    top: float  # slider maximum, a whole number of steps
    step: float  # slider step: 1, 2 or 5 times a power of ten
    start: float  # the |W| cut that removes the starting share, rounded to a step


def prune_threshold_range(
    state: dict[str, torch.Tensor],
    layers: list[str],
    starts: dict[str, float] | None = None,
    top_share: float = TOP_SHARE,
    positions: int = SLIDER_POSITIONS,
) -> ThresholdRange:
    """Range of an absolute |W| slider over ``layers``: 0 to the ``top_share`` quantile of |W|.

    ``step`` is the round number nearest ``quantile / positions`` (so 32-79 steps for
    ``positions`` 50); ``top`` is that quantile rounded up to a step. The slider starts at
    the cut that removes the share the target-sparsity slider starts at (``starts``,
    {field: start}; the control's own start by default), so both modes open on the same model.
    """
    magnitudes = torch.cat([state[weight_key(name)].detach().abs().reshape(-1) for name in layers])
    quantile = float(torch.quantile(magnitudes, top_share))
    step = _round_step(quantile / positions)
    top = step * math.ceil(round(quantile / step, 6))
    share = (starts or {}).get("prune_sparsity", PRUNE.control("prune_sparsity").start)
    cut = float(torch.quantile(magnitudes, share))
    start = min(top, step * round(cut / step))
    return ThresholdRange(round(top, 10), step, round(start, 10))


def masks(
    weights: dict[str, torch.Tensor],
    settings: CompressionSettings,
    output_layer: str | None,
) -> dict:
    """Keep-masks for the given {layer: weight} under the pruning part of ``settings``.

    Whole-neuron pruning leaves every row of ``output_layer`` (the model's class scores).
    """
    if settings.prune_threshold is not None:
        return {name: threshold_mask(w, settings.prune_threshold) for name, w in weights.items()}
    if settings.prune_sparsity is None:
        return {}
    if settings.prune_structure == "neurons":
        sparsity = settings.prune_sparsity
        return {
            name: keep_every_row(w) if name == output_layer else neuron_mask(w, sparsity)
            for name, w in weights.items()
        }
    if settings.prune_scope == "global":
        return global_sparsity_masks(weights, settings.prune_sparsity)
    return {name: sparsity_mask(w, settings.prune_sparsity) for name, w in weights.items()}


def conflicts(settings: CompressionSettings) -> str | None:
    """Neuron pruning removes a share of whole rows in each layer: no |W| cut, no global cut."""
    if settings.prune_structure == "neurons" and settings.prune_threshold is not None:
        return "neuron pruning takes a target sparsity, not an absolute threshold"
    if settings.prune_structure == "neurons" and settings.prune_scope == "global":
        return "neuron pruning works per layer; use prune scope 'layer'"
    return None


def reconcile(settings: CompressionSettings) -> tuple[CompressionSettings, list[str]]:
    """Settings from a link made consistent, one rule at a time, each with a sentence."""
    notes = []
    if settings.prune_threshold is not None and settings.prune_sparsity is not None:
        notes.append("the link gives both a pruning threshold and a sparsity; using the sparsity")
        settings = replace(settings, prune_threshold=None)
    if settings.prune_structure == "neurons":
        if settings.prune_threshold is not None:
            notes.append("neuron pruning takes a sparsity, not a threshold; pruning single weights")
            settings = replace(settings, prune_structure="unstructured")
        elif settings.prune_scope == "global":
            notes.append("neuron pruning works per layer; using prune_scope 'layer'")
            settings = replace(settings, prune_scope="layer")
    return settings, notes


OUTPUT_LAYER_NOTE = (
    "The output layer {output} keeps all its rows: each row is the score of one class, "
    "and a class without its row could never be predicted."
)
PRUNING_CUTS = (0.0, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2)
REPLACED_BY_A_CUT = ("prune_threshold", "prune_sparsity")

PRUNE = Method(
    name="prune",
    title="Prune",
    controls=(
        Control(
            field="prune_threshold",
            kind=NUMBER,
            name="pruning threshold",
            meaning="an absolute |W|",
            label="Pruning threshold T (remove weights with |W| ≤ T)",
            help="An absolute cut on the weight magnitude, the same for every chosen layer "
            "(Han et al. 2015). The slider ends where 98% of the weights are gone.",
            cli_help="remove weights with |W| <= T (absolute)",
            metavar="T",
            symbol="T",
            low=0.0,
            high=None,
            slider_high=None,  # from the model: prune_threshold_range
            number_format="%.3f",
            sweep=SweepAxis(
                "prune-threshold", "pruning threshold |W|", PRUNING_CUTS, REPLACED_BY_A_CUT
            ),
        ),
        Control(
            field="prune_sparsity",
            kind=NUMBER,
            name="target sparsity",
            label="Target sparsity (% of weights removed)",
            help="Remove this share of the weights with the smallest |W|.",
            cli_help="remove this fraction of the weights with the smallest |W|",
            metavar="S",
            symbol="s",
            low=0.0,
            high=1.0,
            slider_high=0.98,
            step=0.02,
            start=0.5,
            percent=True,
            sweep=SweepAxis(
                "prune-sparsity",
                "target sparsity",
                tuple(step / 10 for step in range(11)),
                REPLACED_BY_A_CUT,
            ),
        ),
        Control(
            field="prune_scope",
            kind=CHOICE,
            name="prune scope",
            label="Where the share applies",
            help="Global: one cut for all chosen layers, so layers with small weights lose more.",
            cli_help="'layer': the share applies to each layer; 'global': one cut across them",
            choices=("layer", "global"),
            choice_labels={"layer": "in each layer", "global": "across all chosen layers"},
            default="layer",
            only_with="prune_sparsity",
        ),
        Control(
            field="prune_structure",
            kind=CHOICE,
            name="prune structure",
            label="Remove whole neurons",
            help="Remove entire output rows/filters with the smallest L2 norm (per layer only); "
            "the output layer keeps every row, one per class.",
            cli_help="'neurons' removes whole output rows/filters by L2 norm "
            "(with --prune-sparsity); the output layer keeps every row, one per class",
            note_when_on=OUTPUT_LAYER_NOTE,
            widget_name="prune_neurons",
            choices=("unstructured", "neurons"),
            default="unstructured",
            toggle_value="neurons",
            only_with="prune_sparsity",
            disabled_when=("prune_scope", "global"),
            disabled_reason="Whole neurons are removed layer by layer: choose "
            "“in each layer” to use it.",
        ),
    ),
    alternatives=Alternatives(
        widget_name="prune_mode",
        label="Set the cut by",
        help="Prune by an absolute cut on |W| (same cut everywhere) or by the fraction of "
        "weights to remove.",
        options=(
            ("threshold", "prune_threshold", "magnitude |W|"),
            ("sparsity", "prune_sparsity", "target sparsity"),
        ),
    ),
    histogram_marks=(":red[¦ the cut ±T]",),
    conflicts=conflicts,
    reconcile=reconcile,
    masks=masks,
    slider_range=prune_threshold_range,
)
