"""A slider's whole curve: every position of one number control, measured at once.

A compress page's slider sets one number field ``f`` of the page's settings ``base``
(the rest fixed: another method, the layers, Huffman coding). Position ``v`` is the model
``compress(state, base with f = v)``, the swept value replacing what it stands for (a
pruning threshold replaces a target sparsity and the other way round). Every position is
measured with the numbers of :func:`compression.measure.measure`:

- accuracy and loss on the test images (:class:`compression.sweeps.evaluation.SweepEvaluator`:
  the accuracy equal to measure's, the loss to rounding, bit for bit off the sparse path);
- bytes, sparsity and bits per weight of :mod:`compression.size`, whole model and per layer;
- each layer's histogram: :class:`compression.explain.chart_data.LayerView` (the cut ±T,
  the ternary band and ±a, or the levels s·n or shared values; weights kept and zeroed per
  bin), the very views measure hands the charts.

It is faster than measuring position by position because the work that does not depend on
the position is done once: the activations before the first compressed layer, the sorted
magnitudes behind every pruning mask (:class:`compression.sweeps.masks.MaskMaker`), the
size rows and histogram bins of the untouched layers, and no copy of untouched tensors.
:func:`curve_points` yields positions one by one (nearest a start value first, if given),
so a page can draw the first ones while the rest are measured.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

import pandas as pd
import torch

from compression.compress import CompressedModel
from compression.explain.chart_data import (
    LayerView,
    WeightProfile,
    bits_per_weight,
    layer_views,
    weight_profiles,
)
from compression.methods import METHODS, all_controls
from compression.methods.controls import Control, Method
from compression.models import layer_names_for, output_layer, weight_key
from compression.settings import CompressionSettings, SettingsError
from compression.size import layer_size, size_rows, size_summary
from compression.sweeps.activation_reuse import same_tensor
from compression.sweeps.evaluation import SweepEvaluator
from compression.sweeps.masks import MaskMaker
from compression.sweeps.sweep import SweepMethod, sweep_method

DIGITS = 10  # slider values are rounded to this many decimals, as the page rounds its own


@dataclass(frozen=True)
class CurveLayer:
    """One weight layer at one position: its size row's numbers and its histogram."""

    name: str
    sparsity: float  # share of the weight tensor that is 0
    compressed_bytes: int  # weights and biases, compression.size's encoding
    bits_per_weight: float  # 8 * weight bytes / weights (biases apart)
    view: LayerView = field(repr=False)  # marks (cut, band, levels) and counts per bin


@dataclass(frozen=True)
class CurvePoint:
    """One slider position measured: what ``measure`` gives for its settings."""

    value: float  # the control's value (a share for a percent slider, not a percent)
    settings: CompressionSettings
    accuracy: float
    loss: float
    size_bytes: int
    dense_bytes: int
    sparsity: float  # of all parameters, weights and biases
    bits_per_weight: float  # over the compressed layers' weights
    layers: tuple[CurveLayer, ...] = field(repr=False)
    path: str = ""  # which path of the sweep evaluator gave accuracy and loss

    @property
    def compression_ratio(self) -> float:
        return self.dense_bytes / self.size_bytes if self.size_bytes else math.inf


def number_control(field_name: str) -> tuple[Method, Control]:
    """The method and number control that set ``field_name``; SettingsError if none does."""
    for method in METHODS.values():
        for control in method.numbers():
            if control.field == field_name:
                return method, control
    numbers = sorted(c.field for c in all_controls() if c.kind == "number")
    raise SettingsError(f"no slider sets {field_name!r}; choose one of {numbers}")


def slider_positions(
    field_name: str,
    state: dict[str, torch.Tensor],
    layers: list[str],
    starts: dict[str, float] | None = None,
) -> tuple[tuple[float, ...], float]:
    """Every value the page's slider of ``field_name`` can take, ascending, and its start.

    The range is the control's own (``low`` to ``slider_high`` by ``step``) or, for a
    model-dependent one, ``Method.slider_range`` over ``layers`` of ``state``. A percent
    slider moves by whole percents (the value is percent / 100); others are rounded to
    :data:`DIGITS` decimals, the values the page's slider hands on.
    """
    method, control = number_control(field_name)
    if control.slider_high is None:
        high, step, start = method.slider_range(state, layers, starts)
        low = control.low
    else:
        low, high, step = control.low, control.slider_high, control.step
        start = (starts or {}).get(field_name, control.start)
    if control.percent:
        low_p, high_p, step_p = round(low * 100), round(high * 100), round(step * 100)
        values = tuple(p / 100 for p in range(low_p, high_p + 1, step_p))
        return values, round(start * 100) / 100
    count = int(round((high - low) / step, 6))
    values = {round(low + index * step, DIGITS) for index in range(count + 1)}
    values = sorted(v for v in values | {round(high, DIGITS)} if low <= v <= high)
    return tuple(values), round(start, DIGITS)


def without_slider(base: CompressionSettings, field_name: str) -> CompressionSettings:
    """``base`` with the slider's field and what it replaces unset: the same for every
    position, so a cache can name a curve by it."""
    method = sweep_method(number_control(field_name)[1].sweep.name)
    return replace(base, **dict.fromkeys((*method.replaces, method.field)))


def nearest_first(positions: Iterable[float], start: float) -> list[float]:
    """``positions`` ordered by distance from ``start``; of two equally near, the higher first.

    Distances are rounded to :data:`DIGITS` decimals, so 0.48 and 0.52 are equally near 0.5.
    """
    return sorted(positions, key=lambda value: (round(abs(value - start), DIGITS), -value))


class CurveMeasurer:
    """Measures positions of one slider on one baseline; holds what they share.

    ``state`` (the trained weights) is read, never written; the points it yields hold
    numbers and histogram counts, no tensors of the model.
    """

    def __init__(
        self,
        model_name: str,
        state: dict[str, torch.Tensor],
        base: CompressionSettings,
        field_name: str,
        images: torch.Tensor,
        labels: torch.Tensor,
        profiles: dict[str, WeightProfile] | None = None,
    ):
        self._layers = layer_names_for(model_name)
        self._method: SweepMethod = sweep_method(number_control(field_name)[1].sweep.name)
        self._state, self._base = state, base.validated(self._layers)
        self._chosen = base.chosen_layers(self._layers)
        self._first = self._chosen[0]
        self._evaluator = SweepEvaluator(model_name, state, images, labels)
        self._masks = MaskMaker()
        self._rows = size_rows(state, self._layers, base.huffman)
        profiles = profiles if profiles is not None else weight_profiles(state, self._layers)
        self._profiles = profiles
        untouched = [name for name in self._layers if name not in self._chosen]
        plain = CompressedModel(state, {}, {}, base)
        self._views = {view.name: view for view in layer_views(state, plain, untouched, profiles)}

    @property
    def layers(self) -> list[str]:
        return list(self._layers)

    def settings_at(self, value: float) -> CompressionSettings:
        """``base`` with the slider at ``value`` (checked: SettingsError if out of range)."""
        return self._method.applied(self._base, self._method.check(value)).validated(self._layers)

    def measure(self, value: float) -> CurvePoint:
        """The slider at ``value``, with the numbers of ``measure`` on its settings."""
        settings = self.settings_at(value)
        compressed = self._compressed(settings)
        result = self._evaluator.evaluate(compressed.state, self._first)
        rows = self._size_rows(compressed.state)
        summary = size_summary(rows)
        views = dict(self._views)
        for view in layer_views(self._state, compressed, self._chosen, self._profiles):
            views[view.name] = view
        layers = tuple(
            CurveLayer(
                row["layer"],
                row["sparsity"],
                row["compressed_bytes"],
                row["bits_per_weight"],
                views[row["layer"]],
            )
            for row in rows
        )
        chosen_rows = pd.DataFrame([row for row in rows if row["layer"] in self._chosen])
        return CurvePoint(
            value=value,
            settings=settings,
            accuracy=result.evaluation.accuracy,
            loss=result.evaluation.loss,
            size_bytes=summary["size_bytes"]["compressed"],
            dense_bytes=summary["size_bytes"]["dense_fp32"],
            sparsity=summary["sparsity"],
            bits_per_weight=bits_per_weight(chosen_rows, self._chosen),
            layers=layers,
            path=result.path,
        )

    def _compressed(self, settings: CompressionSettings) -> CompressedModel:
        """:func:`compression.compress.compress` of the state, untouched tensors shared."""
        weights = {name: self._state[weight_key(name)].detach() for name in self._chosen}
        with torch.no_grad():
            keep = self._masks.masks(weights, settings, output_layer(self._layers))
            state, scales, values = dict(self._state), {}, settings.values_method
            for name, weight in weights.items():
                mask = keep.get(name)
                if values is not None:
                    state[weight_key(name)], scales[name] = values.quantize(weight, settings, mask)
                elif mask is not None:
                    state[weight_key(name)] = weight * mask
        return CompressedModel(state, keep, scales, settings)

    def _size_rows(self, state: dict[str, torch.Tensor]) -> list[dict]:
        """compression.size rows of ``state``: re-measured only where a weight changed."""
        huffman = self._base.huffman
        return [
            layer_size(name, state[weight_key(name)], state.get(f"{name}.bias"), huffman)
            if name in self._chosen
            and not same_tensor(state[weight_key(name)], self._state[weight_key(name)])
            else row
            for name, row in zip(self._layers, self._rows, strict=True)
        ]


def curve_points(
    model_name: str,
    state: dict[str, torch.Tensor],
    base: CompressionSettings,
    field_name: str,
    positions: Iterable[float],
    images: torch.Tensor,
    labels: torch.Tensor,
    start: float | None = None,
    profiles: dict[str, WeightProfile] | None = None,
) -> Iterator[CurvePoint]:
    """Measure the slider of ``field_name`` at each of ``positions``, yielding as it goes.

    In the given order, or nearest ``start`` first when ``start`` is given. Every position
    is checked before the first is measured (SettingsError: nothing measured).
    """
    measurer = CurveMeasurer(model_name, state, base, field_name, images, labels, profiles)
    order = list(positions) if start is None else nearest_first(positions, start)
    for value in order:
        measurer.settings_at(value)
    return (measurer.measure(value) for value in order)


def slider_curve(
    model_name: str,
    state: dict[str, torch.Tensor],
    base: CompressionSettings,
    field_name: str,
    images: torch.Tensor,
    labels: torch.Tensor,
    positions: Iterable[float] | None = None,
    starts: dict[str, float] | None = None,
) -> tuple[CurvePoint, ...]:
    """Every position of the page's slider (:func:`slider_positions`, or ``positions``),
    measured, in ascending order of value."""
    if positions is None:
        # the page ranges a model-dependent slider over every weight layer
        positions, _ = slider_positions(field_name, state, layer_names_for(model_name), starts)
    points = curve_points(model_name, state, base, field_name, sorted(positions), images, labels)
    return tuple(points)
