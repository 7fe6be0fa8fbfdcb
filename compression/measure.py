"""One setting measured: accuracy, bytes and the charts' numbers of a compressed model.

:func:`measure` compresses a trained state (left untouched), tests it on a labelled set
(the whole test set for the explorer and ``python -m compression evaluate``), counts its
bytes and bins its weights. A :class:`Measurement` holds only small, picklable data, so
the explorer can cache it; a caller that needs the compressed tensors calls
:func:`compression.compress.compress` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd
import torch

from compression.compress import compress
from compression.explain.chart_data import LayerView, WeightProfile, bits_per_weight, layer_views
from compression.models import module_for, weight_layer_names
from compression.settings import CompressionSettings
from compression.size import size_summary, size_table
from compression.train import evaluate


@dataclass(frozen=True)
class Measurement:
    """Accuracy, size and per-layer views of one compressed model."""

    model_name: str
    settings: CompressionSettings
    accuracy: float  # fraction of test images classified correctly
    loss: float  # mean cross-entropy on the test set
    sizes: pd.DataFrame = field(repr=False)  # compression.size.size_table, one row per layer
    summary: dict = field(repr=False)  # compression.size.size_summary of ``sizes``
    compressed_layers: tuple[str, ...]  # the layers the settings touch
    bits_per_weight: float  # over the compressed layers' weights (no biases)
    layers: tuple[LayerView, ...] = field(repr=False)
    # (N,) predicted class of every test image, uint8 (10 classes; 10 KB for 10,000 images)
    predictions: torch.Tensor = field(repr=False, compare=False)

    @property
    def size_bytes(self) -> int:
        return self.summary["size_bytes"]["compressed"]

    @property
    def dense_bytes(self) -> int:
        return self.summary["size_bytes"]["dense_fp32"]

    @property
    def sparsity(self) -> float:
        """Fraction of all parameters (weights and biases) that are 0."""
        return self.summary["sparsity"]

    @property
    def compression_ratio(self) -> float:
        return self.summary["compression_ratio"]

    def to_dict(self) -> dict:
        """The JSON object of ``python -m compression evaluate --json``."""
        layers = [
            {
                "name": row.layer,
                "shape": list(row.shape),
                "kept_shape": list(row.kept_shape),  # rows with a nonzero weight
                "params": int(row.params),
                "nonzero_params": int(row.nonzero_params),
                "sparsity": float(row.sparsity),  # of the weight tensor
                "param_sparsity": float(row.param_sparsity),  # weights and biases
                "bits_per_weight": float(row.bits_per_weight),
                "values": row.values,
                "positions": row.positions,
                "huffman": bool(row.huffman),  # a stream of the layer is Huffman-coded
                "size_bytes": {
                    "dense_fp32": int(row.dense_fp32_bytes),
                    "compressed": int(row.compressed_bytes),
                },
            }
            for row in self.sizes.itertuples()
        ]
        return {
            "model": self.model_name,
            "accuracy": self.accuracy,
            "loss": self.loss,
            **self.summary,
            "settings": self.settings.to_dict(),
            "layers": layers,
        }


def measure(
    model_name: str,
    state: dict[str, torch.Tensor],
    settings: CompressionSettings,
    images: torch.Tensor,
    labels: torch.Tensor,
    profiles: dict[str, WeightProfile] | None = None,
) -> Measurement:
    """Compress ``state`` under ``settings``, test it on ``images`` and describe every layer.

    ``profiles``: :func:`compression.explain.chart_data.weight_profiles` of ``state``, if at
    hand (it saves binning the trained weights again).
    """
    module = module_for(model_name)
    layers = weight_layer_names(module)
    compressed = compress(state, layers, settings)
    evaluation = evaluate(module, compressed.state, images, labels)
    sizes = size_table(compressed.state, layers, settings.huffman)
    chosen = compressed.settings.chosen_layers(layers)
    return Measurement(
        model_name=model_name,
        settings=compressed.settings,
        accuracy=evaluation.accuracy,
        loss=evaluation.loss,
        sizes=sizes,
        summary=size_summary(sizes),
        compressed_layers=tuple(chosen),
        bits_per_weight=bits_per_weight(sizes, chosen),
        layers=tuple(layer_views(state, compressed, layers, profiles)),
        predictions=evaluation.predictions.to(torch.uint8),
    )


def split_settings(settings: CompressionSettings) -> dict[str, CompressionSettings]:
    """The four what-ifs that show what pruning and binarization each contribute.

    ``baseline`` changes nothing, ``pruned`` keeps only the pruning part of
    ``settings``, ``binarized`` only the binarization part, the last is ``settings``.
    """
    return {
        "baseline": CompressionSettings(layers=settings.layers),
        "pruned": replace(settings, binarize_threshold=None, per_channel=False),
        "binarized": replace(settings, prune_threshold=None, prune_sparsity=None),
        "pruned + binarized": settings,
    }


def contribution_table(measurements: dict[str, Measurement]) -> pd.DataFrame:
    """A row per what-if: accuracy, bytes and their change from the ``baseline`` row.

    ``accuracy_change`` is in fractions (x100 for points); ``size_fraction`` is
    compressed bytes / baseline bytes.
    """
    reference = measurements["baseline"]
    rows = [
        {
            "configuration": name,
            "accuracy": measured.accuracy,
            "accuracy_change": measured.accuracy - reference.accuracy,
            "size_bytes": measured.size_bytes,
            "size_fraction": measured.size_bytes / reference.size_bytes,
            "compression_ratio": reference.size_bytes / measured.size_bytes,
            "sparsity": measured.sparsity,
            "bits_per_weight": measured.bits_per_weight,
        }
        for name, measured in measurements.items()
    ]
    return pd.DataFrame(rows)
