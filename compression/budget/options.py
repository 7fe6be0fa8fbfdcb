"""Each layer's options, measured one layer at a time: the table the allocation reads.

An option of layer ``L`` is a values method (float32, binary, ternary or K-bit) with a
target sparsity. It is measured with the other layers as trained, on the per-layer sweep
paths of :mod:`compression.sweeps.sweep` (one sweep over the sparsities per values
method): its accuracy, and its bytes ``b_L`` = the model's accounted bytes minus the
other layers' trained bytes, so that a plan's bytes are exactly ``sum_L b_L``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import torch

from compression.layer_plan import compress_layer
from compression.methods.binarize import BINARIZE
from compression.methods.quantize import QUANTIZE
from compression.models import layer_names_for, module_for
from compression.settings import CompressionSettings
from compression.size import layer_size, size_rows
from compression.sweeps.sweep import SweepSpec, run_sweep
from compression.train import evaluate

# the values methods tried on every layer: as trained, the binarization presets, K bits
_BINARIZE_PRESETS = BINARIZE.control("binarize_threshold").presets
VALUES_OPTIONS: dict[str, CompressionSettings] = {
    "float32": CompressionSettings(),
    **{name: CompressionSettings(binarize_threshold=t) for t, name in _BINARIZE_PRESETS},
    **{f"int{k}": CompressionSettings(quantize_bits=k) for k in (8, 4, 2)},
}
SPARSITIES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98)
assert QUANTIZE.control("quantize_bits").check(2) is None  # the grid's bits are allowed


@dataclass(frozen=True)
class LayerOption:
    """One setting of one layer, measured with the other layers as trained."""

    layer: str
    values: str  # a key of VALUES_OPTIONS
    sparsity: float
    settings: CompressionSettings  # what compresses the layer (layers=None), as swept
    bytes: int  # the layer's accounted bytes (weights, positions, scales, biases)
    accuracy: float  # of the whole model with only this layer changed

    @property
    def label(self) -> str:
        return f"{self.values}, sparsity {self.sparsity:g}"


@dataclass(frozen=True)
class OptionTable:
    """Every layer's options, and the accuracy of the trained model they are compared with."""

    base_accuracy: float
    options: dict[str, list[LayerOption]]  # layer -> its options, forward order

    def drop(self, option: LayerOption) -> float:
        """Accuracy lost by this option alone (negative: it gained)."""
        return self.base_accuracy - option.accuracy


def smallest_layer_bytes(
    model_name: str,
    state: dict[str, torch.Tensor],
    values_options: dict[str, CompressionSettings] | None = None,
    sparsities: tuple[float, ...] | None = None,
) -> dict[str, int]:
    """Each layer's fewest bytes over the grid, from sizes alone (no test pass), so that a
    budget below their sum and the header is refused before the grid is measured.

    Only the largest sparsity of each values method is sized: a larger magnitude cut keeps
    a subset of the positions, and no code of :mod:`compression.size` grows when weights
    are dropped (fewer values, fewer or merged gaps, fewer kept rows).
    """
    values_options = VALUES_OPTIONS if values_options is None else values_options
    sparsities = SPARSITIES if sparsities is None else sparsities
    layers = layer_names_for(model_name)
    smallest = {}
    for name in layers:
        sizes = []
        for settings in values_options.values():
            one = replace(settings, prune_sparsity=max(sparsities))
            weight = compress_layer(state, layers, name, one)
            sizes.append(layer_size(name, weight, state.get(f"{name}.bias"))["compressed_bytes"])
        smallest[name] = int(min(sizes))
    return smallest


def option_table(
    model_name: str,
    state: dict[str, torch.Tensor],
    images: torch.Tensor,
    labels: torch.Tensor,
    values_options: dict[str, CompressionSettings] | None = None,
    sparsities: tuple[float, ...] | None = None,
    on_sweep: Callable[[str], None] | None = None,
) -> OptionTable:
    """Measure every (layer, values method, sparsity) of the grid; ``state`` is only read.

    ``values_options`` and ``sparsities`` default to :data:`VALUES_OPTIONS` and
    :data:`SPARSITIES`.
    """
    values_options = VALUES_OPTIONS if values_options is None else values_options
    sparsities = SPARSITIES if sparsities is None else sparsities
    layers = layer_names_for(model_name)
    trained_bytes = {row["layer"]: int(row["compressed_bytes"]) for row in size_rows(state, layers)}
    all_trained = sum(trained_bytes.values())
    options: dict[str, list[LayerOption]] = {name: [] for name in layers}
    for name in layers:
        others = all_trained - trained_bytes[name]
        for values, settings in values_options.items():
            base = replace(settings, layers=(name,))
            spec = SweepSpec("prune-sparsity", sparsities, per_layer=True, base=base)
            table = run_sweep(model_name, state, spec, images, labels)
            if on_sweep is not None:
                on_sweep(f"{name} {values}")
            for row in table.itertuples():
                sparsity = float(row.value)
                options[name].append(
                    LayerOption(
                        layer=name,
                        values=values,
                        sparsity=sparsity,
                        settings=replace(settings, prune_sparsity=sparsity),  # as swept
                        bytes=int(row.compressed_bytes) - others,
                        accuracy=float(row.accuracy),
                    )
                )
    base_accuracy = evaluate(module_for(model_name), state, images, labels).accuracy
    return OptionTable(base_accuracy, options)
