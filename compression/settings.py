"""One object that describes a compression, and its validation.

Each field belongs to one control of one method (:mod:`compression.methods`); the
ranges, choices and rules a field must meet are read from that description.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from compression.methods import METHODS, Method


class SettingsError(ValueError):
    """A compression setting is out of range or names something that does not exist."""


@dataclass(frozen=True)
class CompressionSettings:
    """What to do to a trained model. The defaults change nothing.

    Pruning runs first (it decides which weights exist), binarization, k-bit
    quantization or weight sharing second (it decides the values of the survivors).
    """

    # Absolute magnitude cut: keep weights with |W| > prune_threshold (Han et al. 2015).
    prune_threshold: float | None = None
    # Or a target fraction of weights to remove, in [0, 1] (like torch's l1_unstructured).
    prune_sparsity: float | None = None
    # "layer": the sparsity applies to each layer; "global": one cut across all chosen layers.
    prune_scope: str = "layer"
    # "unstructured": single weights; "neurons": whole output rows/filters by L2 norm.
    prune_structure: str = "unstructured"
    # Ternary threshold as a multiple of mean|W| of the layer; None = no binarization,
    # 0 = pure binary sign(W), 0.7 = Ternary Weight Networks.
    binarize_threshold: float | None = None
    # Bits K of a symmetric integer code, 2 to 8: W_q = s * round(W / s), s = max|W| / (2^(K-1)-1);
    # None = no k-bit quantization. An alternative to binarization, never both.
    quantize_bits: int | None = None
    # Shared values K per layer, 2 to 256 (Deep Compression): 1-D k-means over the kept
    # weights, each stored as a ceil(log2 K)-bit index into K float32 centroids; None = none.
    share_weights: int | None = None
    # One scale per output channel (XNOR-Net) instead of one per tensor (binarize, quantize).
    per_channel: bool = False
    # Huffman-code each stored stream where that is smaller (size and file only; the
    # weights are the same either way).
    huffman: bool = False
    # Which weight layers to compress; None = all of them.
    layers: tuple[str, ...] | None = None

    @property
    def prunes(self) -> bool:
        return self.prune_threshold is not None or self.prune_sparsity is not None

    def __post_init__(self):
        # a whole number given as a float (a slider, a link: 4.0) is the integer it names
        for method in METHODS.values():
            for control in method.numbers():
                value = getattr(self, control.field)
                if control.integer and isinstance(value, float) and value.is_integer():
                    object.__setattr__(self, control.field, int(value))

    @property
    def binarizes(self) -> bool:
        return self.binarize_threshold is not None

    @property
    def is_identity(self) -> bool:
        return not any(method.is_used(self) for method in METHODS.values())

    @property
    def values_methods(self) -> list[Method]:
        """Every values method ``self`` uses (valid settings use at most one)."""
        return [m for m in METHODS.values() if m.quantize and m.is_used(self)]

    @property
    def positions_method(self) -> Method | None:
        """The method that decides which weights exist, if one is used."""
        return next((m for m in METHODS.values() if m.masks and m.is_used(self)), None)

    @property
    def values_method(self) -> Method | None:
        """The method that decides what the kept weights become, if one is used."""
        return next((m for m in METHODS.values() if m.quantize and m.is_used(self)), None)

    def chosen_layers(self, all_layers: list[str]) -> list[str]:
        """The compressed layers in forward order."""
        if self.layers is None:
            return list(all_layers)
        return [name for name in all_layers if name in self.layers]

    def validated(self, all_layers: list[str]) -> CompressionSettings:
        """Return self if every field is in range for a model with ``all_layers``, else raise."""
        for method in METHODS.values():
            problem = method.problems(self)
            if problem:
                raise SettingsError(problem)
        if self.layers is not None:
            unknown = [name for name in self.layers if name not in all_layers]
            if unknown:
                raise SettingsError(
                    f"unknown layer {', '.join(unknown)}; this model has {', '.join(all_layers)}"
                )
            if not self.layers:
                raise SettingsError("choose at least one layer to compress")
        return self

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (layers as a list)."""
        data = asdict(self)
        data["layers"] = None if self.layers is None else list(self.layers)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> CompressionSettings:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise SettingsError(f"unknown compression setting(s): {', '.join(sorted(unknown))}")
        layers = data.get("layers")
        return replace(cls(), **{**data, "layers": None if layers is None else tuple(layers)})
