"""Accuracy against size over a grid of pruning x values settings, and its Pareto front.

Each grid point is ``compress(state, base with the pruning cut p and values option v)``
for every ``p`` of each pruning sweep method of the grid (by default both ways of pruning:
a target sparsity and an absolute ``|W|`` cut) and every values option ``v``: a
binarization threshold ``b`` (``None`` = float32 weights) or a k-bit width ``K``
(``W_q = s * clamp(round(W / s), -q, q)``, ``q = 2^(K-1) - 1``). The grid values replace
those settings of ``base``, whose other options (scope, structure, per-channel scales,
layers) apply throughout. A point is on the Pareto
front when no other point is at most as large and at least as accurate, and strictly
better in one of the two. :func:`with_current` adds the person's own setting to the
table and computes the front again, so that point can never sit above the front.

The table has one row per point, pruning methods outer, then their values, then the
binarization thresholds and the k-bit widths, with columns
``prune_method``, ``prune_value``, ``binarize_threshold`` (NaN = off), ``quantize_bits``
(NaN = not quantized), ``accuracy``,
``loss``, ``sparsity``, ``compressed_bytes``, ``compression_ratio``, ``settings`` (a label
for hover text) and ``on_front`` (bool); :func:`with_current` adds ``current`` (bool).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
import torch

from compression.compress import compress_with_masks
from compression.models import layer_names_for, output_layer, weight_key
from compression.settings import CompressionSettings, SettingsError
from compression.sweeps.activation_reuse import ReusingEvaluator
from compression.sweeps.masks import MaskMaker
from compression.sweeps.sweep import PointSizes, SweepProgress, sweep_method

TRADEOFF_COLUMNS = (
    "prune_method", "prune_value", "binarize_threshold", "quantize_bits", "accuracy", "loss",
    "sparsity", "compressed_bytes", "compression_ratio", "settings", "on_front",
)  # fmt: skip
PRUNE_METHODS = ("prune-sparsity", "prune-threshold")
TOO_FEW = (
    "give at least one pruning value and one values option "
    "(float32, a binarization threshold or a bit width)"
)
QUANTIZE_SWEEP = "quantize-bits"  # the sweep method whose range checks the k-bit widths
DEFAULT_PRUNE_SPARSITIES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98)
DEFAULT_PRUNE_THRESHOLDS = (0.02, 0.03, 0.05, 0.07, 0.1)
DEFAULT_PRUNE_GRID = {
    "prune-sparsity": DEFAULT_PRUNE_SPARSITIES,
    "prune-threshold": DEFAULT_PRUNE_THRESHOLDS,
}
DEFAULT_BINARIZE_THRESHOLDS = (None, 0.0, 0.7, 1.0)
DEFAULT_QUANTIZE_BITS = (8, 4)  # the What if page's k-bit widths; the engine adds none
CURRENT_METHOD = "yours"  # prune_method of the row with_current adds


def pareto_front(sizes: Sequence[float], accuracies: Sequence[float]) -> np.ndarray:
    """True where no other point has ``size <= s`` and ``accuracy >= a``, one of them strict.

    Smaller is better for size, larger for accuracy; equal points are both on the front.
    """
    size, accuracy = np.asarray(sizes, dtype=float), np.asarray(accuracies, dtype=float)
    if size.shape != accuracy.shape:
        raise ValueError(f"{size.size} sizes but {accuracy.size} accuracies")
    # other[i, j]: point j compared with point i
    no_worse = (size[None, :] <= size[:, None]) & (accuracy[None, :] >= accuracy[:, None])
    better = (size[None, :] < size[:, None]) | (accuracy[None, :] > accuracy[:, None])
    return ~(no_worse & better).any(axis=1)


def settings_label(
    prune_method: str, prune_value: float, binarize: float | None, bits: int | None = None
) -> str:
    """``"prune-sparsity 0.9, binarize 0.7"`` (``binarize off`` when None), or with
    ``bits`` ``"prune-sparsity 0.9, 4-bit"``."""
    if bits is not None:
        values = f"{int(bits)}-bit"
    else:
        values = "binarize off" if binarize is None else f"binarize {binarize:g}"
    return f"{prune_method} {prune_value:g}, {values}"


def grid_settings(
    base: CompressionSettings,
    prune_grid: Mapping[str, Sequence[float]],
    binarize_values: Sequence[float | None],
    all_layers: list[str],
    bits_values: Sequence[int] = (),
) -> list[tuple[str, CompressionSettings]]:
    """Every (pruning method, settings) combination in table order, each validated.

    ``prune_grid`` maps each pruning sweep method to its values, e.g.
    ``{"prune-sparsity": (0.5, 0.9), "prune-threshold": (0.05,)}``; each pruning value is
    combined with every binarization value, then with every k-bit width of ``bits_values``.
    """
    if not prune_grid:
        raise SettingsError(TOO_FEW)
    unknown = [name for name in prune_grid if name not in PRUNE_METHODS]
    if unknown:
        raise SettingsError(f"the grid prunes by one of {PRUNE_METHODS}, got {unknown[0]!r}")
    if not any(prune_grid.values()) or not (binarize_values or bits_values):
        raise SettingsError(TOO_FEW)
    bits_method = sweep_method(QUANTIZE_SWEEP)
    bits_values = [int(bits_method.check(float(bits))) for bits in bits_values]
    grid = []
    for prune_method, prune_values in prune_grid.items():
        method = sweep_method(prune_method)
        for prune_value in prune_values:
            pruned = method.applied(base, method.check(prune_value))
            for binarize in binarize_values:
                point = replace(pruned, binarize_threshold=binarize)
                grid.append((prune_method, point.validated(all_layers)))
            for bits in bits_values:
                point = replace(pruned, binarize_threshold=None, quantize_bits=bits)
                grid.append((prune_method, point.validated(all_layers)))
    return grid


def tradeoff_grid(
    model_name: str,
    state: dict[str, torch.Tensor],
    images: torch.Tensor,
    labels: torch.Tensor,
    prune_values: Sequence[float] | None = None,
    binarize_values: Sequence[float | None] = DEFAULT_BINARIZE_THRESHOLDS,
    prune_method: str = "prune-sparsity",
    base: CompressionSettings | None = None,
    on_point: Callable[[SweepProgress], None] | None = None,
    prune_grid: Mapping[str, Sequence[float]] | None = None,
    bits_values: Sequence[int] = (),
) -> pd.DataFrame:
    """Accuracy, loss and bytes of every grid point (numbers of ``measure``), front marked.

    The pruning values are ``prune_grid`` ({method: values}; default: both ways of pruning,
    :data:`DEFAULT_PRUNE_GRID`) or, for one method only, ``prune_values`` of ``prune_method``;
    each is combined with every ``binarize_values`` and every k-bit width of ``bits_values``.
    """
    layers = layer_names_for(model_name)
    base = (base or CompressionSettings()).validated(layers)
    if prune_grid is not None and prune_values is not None:
        raise SettingsError("give the pruning values once: prune_grid or prune_values")
    if prune_grid is None:
        prune_grid = DEFAULT_PRUNE_GRID if prune_values is None else {prune_method: prune_values}
    grid = grid_settings(base, prune_grid, binarize_values, layers, bits_values)
    evaluator = ReusingEvaluator(model_name, state, images, labels)
    masks, sizes, rows = MaskMaker(), PointSizes(state, layers, base.huffman), []
    for done, (prune_method, settings) in enumerate(grid, start=1):
        chosen = settings.chosen_layers(layers)
        weights = {name: state[weight_key(name)] for name in chosen}
        keep = masks.masks(weights, settings, output_layer(layers))
        point = compress_with_masks(state, layers, settings, keep).state
        evaluation = evaluator.evaluate(point, chosen[0])  # layers before it are untouched
        summary = sizes.summary(point, tuple(chosen))
        prune_value = getattr(settings, sweep_method(prune_method).field)
        bits = settings.quantize_bits
        label = settings_label(prune_method, prune_value, settings.binarize_threshold, bits)
        rows.append(
            {
                "prune_method": prune_method,
                "prune_value": prune_value,
                "binarize_threshold": settings.binarize_threshold,
                "quantize_bits": bits,
                "accuracy": evaluation.accuracy,
                "loss": evaluation.loss,
                "sparsity": summary["sparsity"],
                "compressed_bytes": summary["size_bytes"]["compressed"],
                "compression_ratio": summary["compression_ratio"],
                "settings": label,
            }
        )
        if on_point is not None:
            on_point(SweepProgress(done, len(grid), label))
    table = pd.DataFrame(rows, columns=list(TRADEOFF_COLUMNS[:-1]))
    for column in ("binarize_threshold", "quantize_bits"):
        table[column] = table[column].astype(float)  # None -> NaN
    table["on_front"] = pareto_front(table["compressed_bytes"], table["accuracy"])
    return table


def with_current(
    grid: pd.DataFrame, compressed_bytes: int, accuracy: float, label: str
) -> pd.DataFrame:
    """``grid`` plus one row for the person's own setting, the front computed over both.

    The new row has ``prune_method`` :data:`CURRENT_METHOD`, ``settings`` ``label`` and
    ``current`` True; a grid point it beats leaves the front, and it joins the front
    when nothing in the grid beats it.
    """
    row = pd.DataFrame(
        [{"prune_method": CURRENT_METHOD, "accuracy": float(accuracy),
          "compressed_bytes": int(compressed_bytes), "settings": label}]
    )  # fmt: skip
    both = pd.concat([grid.assign(current=False), row.assign(current=True)], ignore_index=True)
    both["on_front"] = pareto_front(both["compressed_bytes"], both["accuracy"])
    return both
