"""What-if sweeps: accuracy, loss, sparsity and bytes for a list of values of one setting.

A sweep varies one setting (a :class:`SweepMethod`) over ``values``, either on all layers
at once (``layer = "all"``) or on one layer at a time (a sensitivity analysis). Every other
option comes from the fixed ``base`` settings, which must not already set the swept one
for a sweep over all layers:

- point ``("all", v)`` is the model ``compress(state, method.applied(base, v))``:
  the swept value replaces the same setting of ``base`` on the layers ``base`` chooses;
- point ``(L, v)`` is the model ``compress(state, base)`` in which layer ``L`` is replaced
  by ``compress(state, method.applied(base, v) restricted to L)``: the other layers stay at
  the baseline (the trained weights, or ``base`` applied to them), ``L`` gets the swept
  value together with the rest of ``base`` (e.g. a fixed binarization). On ``L`` alone a
  global pruning scope acts like a per-layer one. The swept layers are those ``base``
  chooses (all by default).

Each point's accuracy equals that of ``compression.measure.measure`` on the same weights,
and its loss equals measure's to rounding (bit for bit except on the fast path of
:mod:`compression.sweeps.evaluation`, which says what it guarantees); bytes come from
:mod:`compression.size`.

The table (and its CSV) has one row per point, in sweep order, with the columns:

- ``layer``: the swept layer, or ``"all"``;
- ``method``: ``prune-threshold``, ``prune-sparsity``, ``binarize-threshold`` or
  ``quantize-bits``;
- ``value``: the swept value;
- ``accuracy``: fraction of test images classified right, in [0, 1];
- ``loss``: mean cross-entropy on the test images;
- ``sparsity``: fraction of zero parameters (weights and biases) in the whole model;
- ``layer_sparsity``: fraction of zero weights in the swept layer(s);
- ``compressed_bytes``: size of the whole model in the compact encoding of compression.size;
- ``compression_ratio``: dense float32 bytes / compressed bytes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import torch

from compression.compress import compress, compress_with_masks
from compression.files.checkpoint import atomic_write_bytes
from compression.methods import all_controls
from compression.models import layer_names_for, output_layer, weight_key
from compression.settings import CompressionSettings, SettingsError
from compression.size import layer_size, size_rows, size_summary
from compression.sweeps.activation_reuse import same_tensor
from compression.sweeps.evaluation import SweepEvaluator
from compression.sweeps.masks import MaskMaker

SWEEP_COLUMNS = (
    "layer", "method", "value", "accuracy", "loss", "sparsity", "layer_sparsity",
    "compressed_bytes", "compression_ratio",
)  # fmt: skip
ALL_LAYERS = "all"
# A point costs about one test pass (~60 ms for the mlp): 1,000 values take a minute or two
# over all layers, a few per layer. Far more is a slip, and would run for hours.
MAX_SWEEP_VALUES = 1_000


@dataclass(frozen=True)
class SweepMethod:
    """One setting a sweep can vary: which field of CompressionSettings, and its range."""

    name: str  # as on the command line: "prune-sparsity"
    field: str  # the CompressionSettings field it sets
    low: float
    high: float | None  # None: no upper bound
    axis_title: str  # for plots
    replaces: tuple[str, ...]  # fields the swept value takes the place of
    integer: bool = False  # whole values only (bits)

    def check(self, value: float) -> float:
        """``value`` if it is a finite number in range (whole if so required), else
        SettingsError."""
        too_high = self.high is not None and value > self.high
        if not math.isfinite(value) or value < self.low or too_high:
            allowed = f">= {self.low:g}"
            if self.high is not None:
                allowed = f"between {self.low:g} and {self.high:g}"
            raise SettingsError(f"{self.name} values must be {allowed}, got {value:g}")
        if self.integer and not float(value).is_integer():
            raise SettingsError(f"{self.name} values must be whole numbers, got {value:g}")
        return value

    def applied(self, base: CompressionSettings, value: float) -> CompressionSettings:
        """``base`` with the swept value in place of the setting(s) it replaces."""
        return replace(base, **{**dict.fromkeys(self.replaces), self.field: value})

    def fixed_in(self, base: CompressionSettings) -> list[str]:
        """Fields of ``base`` the swept value would replace (set, so lost on a global sweep)."""
        return [name for name in self.replaces if getattr(base, name) is not None]


def _sweep_methods() -> dict[str, SweepMethod]:
    """Every number control with a sweep axis, from the methods' descriptions."""
    methods = {}
    for control in all_controls():
        axis = control.sweep
        if axis is not None:
            methods[axis.name] = SweepMethod(
                axis.name, control.field, control.low, control.high, axis.axis_title,
                axis.replaces, control.integer,
            )  # fmt: skip
    return methods


SWEEP_METHODS: dict[str, SweepMethod] = _sweep_methods()
DEFAULT_VALUES: dict[str, tuple[float, ...]] = {
    control.sweep.name: control.sweep.default_values
    for control in all_controls()
    if control.sweep is not None
}


def sweep_method(name: str) -> SweepMethod:
    if name not in SWEEP_METHODS:
        raise SettingsError(f"unknown sweep method {name!r}; choose one of {sorted(SWEEP_METHODS)}")
    return SWEEP_METHODS[name]


def parse_values(text: str, method_name: str) -> tuple[float, ...]:
    """``"0,0.1,0.5"`` -> ``(0.0, 0.1, 0.5)``, each checked against the method's range."""
    method = sweep_method(method_name)
    items = [item.strip() for item in text.split(",")]
    if not any(items):
        raise SettingsError("give at least one value to sweep, e.g. 0,0.5,0.9")
    _check_count(len(items))
    values = []
    for item in items:
        try:
            values.append(float(item))
        except ValueError:
            raise SettingsError(f"sweep value {item[:40]!r} is not a number") from None
    return tuple(method.check(value) for value in values)


def _check_count(count: int) -> None:
    if count > MAX_SWEEP_VALUES:
        raise SettingsError(f"a sweep takes at most {MAX_SWEEP_VALUES:,} values, got {count:,}")


@dataclass(frozen=True)
class SweepSpec:
    """What to sweep; hashable, so a page can cache results by it."""

    method: str  # a key of SWEEP_METHODS
    values: tuple[float, ...]  # in sweep order
    per_layer: bool = False  # one layer at a time (sensitivity) instead of all at once
    base: CompressionSettings = field(default_factory=CompressionSettings)  # fixed options

    def __post_init__(self):
        object.__setattr__(self, "values", tuple(float(value) for value in self.values))

    def validated(self, all_layers: list[str]) -> SweepSpec:
        """Return self if every point is a valid compression, else raise SettingsError."""
        method = sweep_method(self.method)
        if not self.values:
            raise SettingsError("give at least one value to sweep, e.g. 0,0.5,0.9")
        _check_count(len(self.values))
        base = self.base.validated(all_layers)
        replaced = method.fixed_in(base)
        if replaced and not self.per_layer:
            fixed = f"{replaced[0].replace('_', ' ')} {getattr(base, replaced[0]):g}"
            raise SettingsError(
                f"the fixed {fixed} would be replaced by the swept {self.method} on every "
                "layer; leave it out, or sweep one layer at a time"
            )
        for value in self.values:
            method.applied(base, method.check(value)).validated(all_layers)
        return self

    def swept_layers(self, all_layers: list[str]) -> list[str]:
        return self.base.chosen_layers(all_layers) if self.per_layer else [ALL_LAYERS]

    def point_count(self, all_layers: list[str]) -> int:
        return len(self.swept_layers(all_layers)) * len(self.values)


@dataclass(frozen=True)
class SweepPoint:
    """One compressed model of a sweep."""

    layer: str  # swept layer or "all"
    value: float
    settings: CompressionSettings  # what was applied to the changed layers
    state: dict[str, torch.Tensor] = field(repr=False)  # all tensors of the model
    changed: tuple[str, ...]  # layers whose weights differ from the baseline, forward order


@dataclass(frozen=True)
class SweepProgress:
    """What the progress callback is told after each point."""

    done: int  # points finished, 1-based
    total: int
    label: str  # the point just finished, e.g. "fc1 prune-sparsity 0.5"

    @property
    def fraction(self) -> float:
        return self.done / self.total


@dataclass(frozen=True)
class _Baseline:
    layers: list[str]  # every weight layer, forward order
    settings: CompressionSettings
    state: dict[str, torch.Tensor]  # compress(state, base): what unswept layers hold


def _baseline(model_name: str, state: dict[str, torch.Tensor], spec: SweepSpec) -> _Baseline:
    layers = layer_names_for(model_name)
    spec.validated(layers)
    return _Baseline(layers, spec.base, compress(state, layers, spec.base).state)


def _points(
    state: dict[str, torch.Tensor], spec: SweepSpec, baseline: _Baseline
) -> Iterator[SweepPoint]:
    method, layers, masks = sweep_method(spec.method), baseline.layers, MaskMaker()
    if not spec.per_layer:
        for value in spec.values:
            settings = method.applied(baseline.settings, value)
            chosen = settings.chosen_layers(layers)
            weights = {name: state[weight_key(name)] for name in chosen}
            keep = masks.masks(weights, settings, output_layer(layers))
            point = compress_with_masks(state, layers, settings, keep).state
            yield SweepPoint(ALL_LAYERS, value, settings, point, tuple(chosen))
        return
    for layer in spec.swept_layers(layers):
        key = weight_key(layer)
        for value in spec.values:
            settings = replace(method.applied(baseline.settings, value), layers=(layer,))
            keep = masks.masks({layer: state[key]}, settings, output_layer(layers))
            swept = compress_with_masks({key: state[key]}, [layer], settings, keep).state[key]
            yield SweepPoint(layer, value, settings, {**baseline.state, key: swept}, (layer,))


def sweep_points(
    model_name: str, state: dict[str, torch.Tensor], spec: SweepSpec
) -> Iterator[SweepPoint]:
    """The compressed models of a sweep, in order (``state`` is read, never written)."""
    return _points(state, spec, _baseline(model_name, state, spec))


def _weight_sparsity(state: dict[str, torch.Tensor], layers: tuple[str, ...]) -> float:
    weights = [state[weight_key(name)] for name in layers]
    nonzero = sum(int(torch.count_nonzero(weight)) for weight in weights)
    count = sum(weight.numel() for weight in weights)
    return (count - nonzero) / count


class PointSizes:
    """Size rows of compressed models that differ from a baseline in a few layers.

    Only changed layers whose tensors differ from the baseline's are re-measured with
    :func:`compression.size.layer_size`;
    the totals are :func:`compression.size.size_summary` of the whole table, so they equal
    ``size_summary(size_table(point_state, layers))``.
    """

    def __init__(
        self, baseline_state: dict[str, torch.Tensor], layers: list[str], huffman: bool = False
    ):
        self._layers, self._baseline, self._huffman = layers, baseline_state, huffman
        self._rows = size_rows(baseline_state, layers, huffman)

    def _differs(self, state: dict[str, torch.Tensor], name: str) -> bool:
        keys = [weight_key(name), f"{name}.bias"]
        return any(not same_tensor(state[key], self._baseline[key]) for key in keys if key in state)

    def summary(self, state: dict[str, torch.Tensor], changed: tuple[str, ...]) -> dict:
        rows = [
            layer_size(name, state[weight_key(name)], state.get(f"{name}.bias"), self._huffman)
            if name in changed and self._differs(state, name)
            else row
            for name, row in zip(self._layers, self._rows, strict=True)
        ]
        return size_summary(rows)


def run_sweep(
    model_name: str,
    state: dict[str, torch.Tensor],
    spec: SweepSpec,
    images: torch.Tensor,
    labels: torch.Tensor,
    on_point: Callable[[SweepProgress], None] | None = None,
) -> pd.DataFrame:
    """Measure every point of ``spec`` on ``images``; one row per point (see module doc).

    Activations before the first changed layer are computed once per swept layer, a
    linear layer's output skips its input's common values
    (:mod:`compression.sweeps.evaluation`), masks come from magnitudes sorted once per
    layer, and sizes are re-measured only for the changed layer: the numbers are those
    of ``measure`` on each point (the loss to rounding), found faster.
    """
    baseline = _baseline(model_name, state, spec)
    evaluator = SweepEvaluator(model_name, baseline.state, images, labels)
    sizes = PointSizes(baseline.state, baseline.layers, spec.base.huffman)
    total = spec.point_count(baseline.layers)
    rows = []
    for done, point in enumerate(_points(state, spec, baseline), start=1):
        evaluation = evaluator.evaluate(point.state, point.changed[0]).evaluation
        summary = sizes.summary(point.state, point.changed)
        rows.append(
            {
                "layer": point.layer,
                "method": spec.method,
                "value": point.value,
                "accuracy": evaluation.accuracy,
                "loss": evaluation.loss,
                "sparsity": summary["sparsity"],
                "layer_sparsity": _weight_sparsity(point.state, point.changed),
                "compressed_bytes": summary["size_bytes"]["compressed"],
                "compression_ratio": summary["compression_ratio"],
            }
        )
        if on_point is not None:
            on_point(SweepProgress(done, total, f"{point.layer} {spec.method} {point.value:g}"))
    return pd.DataFrame(rows, columns=list(SWEEP_COLUMNS))


def sweep_csv(table: pd.DataFrame) -> str:
    """The table as CSV text (full float precision), for a download button or a file."""
    return table.to_csv(index=False)


def write_sweep_csv(table: pd.DataFrame, path: Path) -> None:
    """Write :func:`sweep_csv` to ``path`` atomically (a reader never sees half a file)."""
    atomic_write_bytes(Path(path), sweep_csv(table).encode())
