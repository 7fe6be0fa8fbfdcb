"""File sizes known before writing: what the download labels state."""

from __future__ import annotations

import pytest

from compression.compress import compress
from compression.files.export import (
    compact_download,
    compact_file_size,
    float32_download,
    float32_file_size,
)
from compression.models import build_model, layer_names_for
from compression.settings import CompressionSettings
from compression.size import size_summary, size_table


@pytest.mark.parametrize("model_name", ["mlp", "cnn"])
@pytest.mark.parametrize(
    "settings",
    [
        None,
        CompressionSettings(binarize_threshold=0.0),
        CompressionSettings(prune_sparsity=0.95, binarize_threshold=0.7, per_channel=True),
        CompressionSettings(prune_threshold=0.02, layers=("fc2",)),
    ],
)
def test_sizes_known_in_advance_equal_the_written_files(model_name, settings):
    state = build_model(model_name, seed=3).state_dict()
    layers = layer_names_for(model_name)
    compressed = compress(state, layers, settings or CompressionSettings()).state
    accounted = size_summary(size_table(compressed, layers))["size_bytes"]["compressed"]
    metadata = {"compression": None if settings is None else settings.to_dict()}
    # sizes from the uncompressed weights: only names, shapes and settings matter
    assert compact_file_size(model_name, state, accounted, settings, "mnist") == len(
        compact_download(model_name, compressed, settings, "mnist").payload
    )
    assert float32_file_size(model_name, state, metadata) == len(
        float32_download(model_name, compressed, metadata).payload
    )
