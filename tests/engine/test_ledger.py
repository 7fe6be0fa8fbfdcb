"""The byte ledger: from float32 to the file, part by part, summing to the size shown."""

from __future__ import annotations

import pytest
import torch

from compression.compress import compress
from compression.ledger import byte_ledger
from compression.settings import CompressionSettings
from compression.size import size_rows, size_summary

LAYERS = ["a", "b"]


def _tiny_state() -> dict[str, torch.Tensor]:
    """Two small layers with biases: 8x12 and 4x8."""
    generator = torch.Generator().manual_seed(3)
    return {
        "a.weight": torch.randn(8, 12, generator=generator),
        "a.bias": torch.randn(8, generator=generator),
        "b.weight": torch.randn(4, 8, generator=generator),
        "b.bias": torch.randn(4, generator=generator),
    }


def _rows(**settings) -> list[dict]:
    compressed = compress(_tiny_state(), LAYERS, CompressionSettings(**settings))
    return size_rows(compressed.state, LAYERS)


SETTINGS = [
    {},
    {"binarize_threshold": 0.0},
    {"prune_sparsity": 0.8, "binarize_threshold": 0.0},
    {"prune_sparsity": 0.5, "binarize_threshold": 0.7, "per_channel": True},
    {"prune_sparsity": 0.6, "quantize_bits": 4},
    {"quantize_bits": 3, "per_channel": True},
    {"prune_sparsity": 0.7, "share_weights": 4},
    {"share_weights": 16, "layers": ("a",)},
    {"prune_sparsity": 0.9},
]


@pytest.mark.parametrize("settings", SETTINGS)
def test_the_steps_lead_from_float32_to_the_size_shown(settings):
    rows = _rows(**settings)
    ledger = byte_ledger(rows)
    summary = size_summary(rows)["size_bytes"]
    assert ledger.dense_bytes == summary["dense_fp32"] == 4 * (8 * 12 + 8 + 4 * 8 + 4)
    assert ledger.file_bytes == summary["compressed"]
    assert ledger.dense_bytes + sum(step.change for step in ledger.steps) == ledger.file_bytes


@pytest.mark.parametrize("settings", SETTINGS)
def test_the_parts_stored_add_up_to_the_file(settings):
    ledger = byte_ledger(_rows(**settings))
    assert sum(step.stored for step in ledger.steps) == ledger.file_bytes


def test_a_float32_model_changes_nothing_and_stores_no_positions():
    ledger = byte_ledger(_rows())
    steps = {step.label: step for step in ledger.steps}
    assert list(steps) == ["values", "positions", "biases"]
    assert [step.change for step in ledger.steps] == [0, 0, 0]
    assert steps["values"].stored == 4 * (8 * 12 + 4 * 8)


def test_binary_weights_save_31_bits_of_32_and_add_one_scale_a_layer():
    steps = {step.label: step for step in byte_ledger(_rows(binarize_threshold=0.0)).steps}
    weights = 8 * 12 + 4 * 8
    assert steps["values"].stored == weights // 8  # a bit each: 12 + 4 bytes
    assert steps["values"].change == weights // 8 - 4 * weights
    assert steps["scales"].stored == steps["scales"].change == 2 * 4
    assert "codebook" not in steps and "indices" not in steps


def test_shared_layers_store_indices_and_a_codebook_of_k_values():
    steps = {s.label: s for s in byte_ledger(_rows(share_weights=16, layers=("a",))).steps}
    assert steps["indices"].stored == 8 * 12 * 4 // 8  # 4-bit indices into 16 values
    assert steps["codebook"].stored == 16 * 4  # the K centroids, float32
    assert steps["values"].stored == 4 * 4 * 8  # layer b left float32
    assert "scales" not in steps


def test_pruning_adds_positions():
    ledger = byte_ledger(_rows(prune_sparsity=0.8, binarize_threshold=0.0))
    steps = {step.label: step for step in ledger.steps}
    assert steps["positions"].change == steps["positions"].stored > 0


def test_huffman_coding_is_one_step_its_tables_less_what_its_codes_saved():
    generator = torch.Generator().manual_seed(5)
    state = {"a.weight": torch.randn(64, 256, generator=generator), "a.bias": torch.zeros(64)}
    settings = CompressionSettings(prune_sparsity=0.9, share_weights=8)
    compressed = compress(state, ["a"], settings).state
    plain, coded = size_rows(compressed, ["a"]), size_rows(compressed, ["a"], huffman=True)
    assert coded[0]["huffman"] and coded[0]["compressed_bytes"] < plain[0]["compressed_bytes"]
    ledger = byte_ledger(coded)
    huffman = next(step for step in ledger.steps if step.label == "Huffman")
    saved = coded[0]["huffman_saved_bytes"] - coded[0]["huffman_table_bytes"]
    assert huffman.change == huffman.stored == -saved < 0
    assert ledger.dense_bytes + sum(step.change for step in ledger.steps) == ledger.file_bytes
    assert sum(step.stored for step in ledger.steps) == ledger.file_bytes
    assert "Huffman" not in [step.label for step in byte_ledger(plain).steps]
