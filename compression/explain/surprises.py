"""One-line reasons for the numbers on the compress pages that surprise a newcomer.

Each function takes what a page measured (and, for the shipped model, the outcomes of
:mod:`compression.explain.retrained_story`) and returns Markdown sentences; an empty list
when nothing on screen needs explaining. Numbers come from the measurements, never typed.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from compression.compress import compress
from compression.explain.retrained_story import (
    BINARIZE_STORY,
    RETRAINING,
    Outcome,
    settings_key,
)
from compression.measure import Measurement
from compression.models import weight_key
from compression.settings import CompressionSettings

COMBINED, BINARIZED = "pruned + binarized", "binarized"


def _kb(count: int) -> str:
    return f"{count / 1000:,.1f} KB"


def _retraining() -> str:
    epochs = "1 epoch" if RETRAINING.epochs == 1 else f"{RETRAINING.epochs} epochs"
    return f"{epochs} of retraining on {RETRAINING.train_subset:,} images"


def weight_error(
    state: dict[str, torch.Tensor], layers: list[str], settings: CompressionSettings
) -> float:
    """||W_q - W|| / ||W|| over the compressed layers: how far the copy is from the real weights."""
    compressed = compress(state, layers, settings)
    chosen = compressed.settings.chosen_layers(layers)
    keys = [weight_key(name) for name in chosen]
    error = sum(float((compressed.state[k] - state[k]).square().sum()) for k in keys)
    total = sum(float(state[k].square().sum()) for k in keys)
    return (error / total) ** 0.5 if total else 0.0


def binarize_notes(
    measured: Measurement,
    outcomes: dict[str, Outcome],
    layers: list[str],
    errors: tuple[float, float] | None = None,
) -> list[str]:
    """Why accuracy jumps with t, why ternary costs bytes, and (shipped model) what
    retraining does to both. ``errors``: :func:`weight_error` at binary and at this t."""
    t = measured.settings.binarize_threshold
    if t is None:
        return []
    notes = [
        "**Why accuracy jumps as t moves:** the network was trained with real weights, and "
        "each t sends a different set of them to 0 or ±a. Before retraining, accuracy shows "
        "how those rounding errors happen to add up through the layers, which is largely "
        "chance; it is not a ranking of the settings."
    ]
    story = [
        outcomes.get(settings_key(replace(measured.settings, binarize_threshold=v), layers))
        for v in BINARIZE_STORY
    ]
    if all(story):
        steps = " · ".join(
            f"t = {v:g}: {o.before_accuracy:.2%} → {o.after_accuracy:.2%}"
            for v, o in zip(BINARIZE_STORY, story, strict=True)
        )
        notes.append(f"Measured on this model, before → after {_retraining()}: {steps}.")
    if t > 0 and measured.bits_per_weight > 1:
        notes.append(
            f"**Why t = {t:g} takes more bytes than binary:** {measured.bits_per_weight:.2f} "
            "bits per weight against 1. With three values (−a, 0, +a) the file stores where "
            f"the zeros are as well as the signs; with {measured.sparsity:.0%} zeros that "
            "costs more than the zeros save, until most weights are 0."
        )
    binary = outcomes.get(settings_key(replace(measured.settings, binarize_threshold=0.0), layers))
    here = outcomes.get(settings_key(measured.settings, layers))
    if (
        t > 0
        and binary
        and here
        and (
            here.before_accuracy < binary.before_accuracy
            and here.after_accuracy > binary.after_accuracy
        )
    ):
        closer = ""
        if errors is not None and errors[1] < errors[0]:
            closer = (
                f" Its copy of the weights is the closer one (error {errors[1]:.0%} of "
                f"‖W‖ against {errors[0]:.0%} for binary): the small weights it zeroes "
                "were blown up to ±a by binary"
            )
        notes.append(
            f"**Retraining reverses it:** before retraining t = {t:g} loses to binary "
            f"({here.before_accuracy:.2%} vs {binary.before_accuracy:.2%}); after "
            f"{_retraining()} it wins: {here.after_accuracy:.2%} vs "
            f"{binary.after_accuracy:.2%}.{closer}{'.' if closer else ''}"
        )
    return notes


def combine_notes(
    measurements: dict[str, Measurement], outcomes: dict[str, Outcome], layers: list[str]
) -> list[str]:
    """Why "pruned + binarized" can lose to "binarized" in bytes, and (shipped model) how
    the two compare after retraining at the settings on screen."""
    both, binarized = measurements.get(COMBINED), measurements.get(BINARIZED)
    if both is None or binarized is None or not (both.settings.prunes and both.settings.binarizes):
        return []  # another values method, or none
    notes = []
    if both.size_bytes > binarized.size_bytes:
        notes.append(
            f"**Why pruning adds bytes here ({_kb(both.size_bytes)} vs "
            f"{_kb(binarized.size_bytes)}):** a binarized weight is 1 bit, and at "
            f"{both.sparsity:.0%} sparsity storing where the zeros are costs more than the "
            "sign bits they save. Pruning a 1-bit layer pays only once most weights are gone."
        )
    if both.accuracy < binarized.accuracy:
        notes.append(
            f"**Why pruning first can cost accuracy ({both.accuracy:.2%} vs "
            f"{binarized.accuracy:.2%}):** before retraining, accuracy after binarizing "
            "depends on how the rounding errors happen to add up, which is largely chance."
        )
    here = outcomes.get(settings_key(both.settings, layers))
    alone = outcomes.get(settings_key(binarized.settings, layers))
    if here and alone:
        notes.append(
            f"Measured on this model after {_retraining()}: pruned + binarized "
            f"{here.after_accuracy:.2%} at {_kb(here.after_bytes)}, binarized "
            f"{alone.after_accuracy:.2%} at {_kb(alone.after_bytes)} "
            f"(before: {here.before_accuracy:.2%} and {alone.before_accuracy:.2%})."
        )
    return notes
