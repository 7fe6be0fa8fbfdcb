"""A different compression setting for each layer, applied layer by layer.

:class:`CompressionSettings` applies one setting to the layers it chooses. A
:class:`LayerPlan` maps each layer to its own setting (a layer left out stays as
trained); :func:`compress_plan` composes the one-layer results: layer ``L`` of the
result is layer ``L`` of ``compress(state, plan[L] restricted to L)``. A layer's
compression reads only that layer's weights, so the order does not matter, and a global
pruning scope on one layer acts like a per-layer one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from compression.compress import compress_with_masks, prune_masks
from compression.models import output_layer, weight_key
from compression.settings import CompressionSettings, SettingsError


@dataclass(frozen=True)
class LayerPlan:
    """``(layer, settings)`` pairs in forward order, one per compressed layer."""

    entries: tuple[tuple[str, CompressionSettings], ...]

    def settings_of(self, layer: str) -> CompressionSettings:
        """The setting of ``layer`` (the defaults, which change nothing, if it is not listed)."""
        return dict(self.entries).get(layer, CompressionSettings())

    def validated(self, all_layers: list[str]) -> LayerPlan:
        """Return self if each layer is known, listed once, and its setting is valid."""
        names = [name for name, _ in self.entries]
        unknown = [name for name in names if name not in all_layers]
        if unknown:
            raise SettingsError(
                f"unknown layer {', '.join(unknown)}; this model has {', '.join(all_layers)}"
            )
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise SettingsError(f"layer {', '.join(repeated)} is given more than one setting")
        for name, settings in self.entries:
            if settings.layers not in (None, (name,)):
                raise SettingsError(f"the setting of layer {name} names other layers")
            replace(settings, layers=(name,)).validated(all_layers)
        return self

    def to_dict(self) -> dict[str, dict]:
        """``{layer: CompressionSettings.to_dict() without "layers"}``, forward order."""
        result = {}
        for name, settings in self.entries:
            fields = settings.to_dict()
            del fields["layers"]
            result[name] = fields
        return result

    @classmethod
    def from_dict(cls, data: dict[str, dict]) -> LayerPlan:
        """Inverse of :meth:`to_dict` (call :meth:`validated` before using it)."""
        return cls(
            tuple((name, CompressionSettings.from_dict(fields)) for name, fields in data.items())
        )


def compress_layer(
    state: dict[str, torch.Tensor], layers: list[str], name: str, settings: CompressionSettings
) -> torch.Tensor:
    """The new weight of layer ``name`` under ``settings`` (``state`` is only read).

    Equal to ``compress(state, layers, replace(settings, layers=(name,)))``'s weight of
    ``name``; only that layer is copied.
    """
    one = replace(settings, layers=(name,)).validated(layers)
    key = weight_key(name)
    with torch.no_grad():
        keep = prune_masks({name: state[key]}, one, output_layer(layers))
    return compress_with_masks({key: state[key]}, [name], one, keep).state[key]


def compress_plan(
    state: dict[str, torch.Tensor], layers: list[str], plan: LayerPlan
) -> dict[str, torch.Tensor]:
    """Every tensor of the model, each listed layer compressed under its own setting."""
    plan.validated(layers)
    new_state = {key: tensor.detach().clone() for key, tensor in state.items()}
    for name, settings in plan.entries:
        new_state[weight_key(name)] = compress_layer(state, layers, name, settings)
    return new_state
