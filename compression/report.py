"""The answer to a what-if: compress trained weights, then measure accuracy and size."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pandas as pd
import torch
from torch import nn

from compression.compress import CompressedModel, compress
from compression.models import build_model, weight_layer_names
from compression.settings import CompressionSettings
from compression.size import size_summary, size_table
from compression.train import Evaluation, evaluate


@dataclass(frozen=True)
class Report:
    """Accuracy and size of one compressed model."""

    model_name: str
    settings: CompressionSettings
    evaluation: Evaluation
    sizes: pd.DataFrame = field(repr=False)  # one row per layer, see compression.size
    compressed: CompressedModel = field(repr=False)

    @property
    def summary(self) -> dict:
        return size_summary(self.sizes)

    def to_dict(self) -> dict:
        """The JSON object of ``python -m compression evaluate --json``."""
        summary = self.summary
        layers = [
            {
                "name": row.layer,
                "shape": list(row.shape),
                "params": int(row.params),
                "nonzero_params": int(row.nonzero_params),
                "sparsity": float(row.sparsity),
                "bits_per_weight": float(row.bits_per_weight),
                "values": row.values,
                "positions": row.positions,
                "size_bytes": {
                    "dense_fp32": int(row.dense_fp32_bytes),
                    "compressed": int(row.compressed_bytes),
                },
            }
            for row in self.sizes.itertuples()
        ]
        return {
            "model": self.model_name,
            "accuracy": self.evaluation.accuracy,
            "loss": self.evaluation.loss,
            **summary,
            "settings": self.settings.to_dict(),
            "layers": layers,
        }


_THREAD_MODULES = threading.local()


def module_for(model_name: str) -> nn.Module:
    """A module of the architecture to run with ``functional_call``, one per thread.

    ``functional_call`` swaps the module's tensors for the duration of a call, so a
    module must not be shared between threads (Streamlit runs each session in its own).
    """
    modules = getattr(_THREAD_MODULES, "modules", None)
    if modules is None:
        modules = _THREAD_MODULES.modules = {}
    if model_name not in modules:
        modules[model_name] = build_model(model_name, seed=0).eval()
    return modules[model_name]


def analyze(
    model_name: str,
    state: dict[str, torch.Tensor],
    settings: CompressionSettings,
    images: torch.Tensor,
    labels: torch.Tensor,
) -> Report:
    """Compress ``state`` (left untouched), test it on ``images`` and count its bytes."""
    module = module_for(model_name)
    layers = weight_layer_names(module)
    compressed = compress(state, layers, settings)
    evaluation = evaluate(module, compressed.state, images, labels)
    return Report(
        model_name, compressed.settings, evaluation, size_table(compressed.state, layers),
        compressed,
    )  # fmt: skip
