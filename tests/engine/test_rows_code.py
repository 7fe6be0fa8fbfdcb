"""Whole rows gone (neuron pruning): a bit per row and the smaller dense matrix, in the size
accounting, in the .cxm file and in the shapes reported."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from shared_data import random_state

from compression.compress import compress
from compression.files.codecs import StreamError, decode_rows, encode_rows
from compression.files.compact_format import load_compact
from compression.files.export import encode_layer, export_bytes
from compression.models import layer_names_for
from compression.settings import CompressionSettings
from compression.size import layer_size, size_table


def test_rows_stream_round_trips_to_every_weight_of_the_kept_rows():
    kept = np.array([True, False, False, True, False, False, False, False, True])
    stream = encode_rows(kept)
    assert stream == bytes([0b10010000, 0b10000000])
    positions = decode_rows(stream, rows=9, columns=3, stored=9)
    assert positions.tolist() == [0, 1, 2, 9, 10, 11, 24, 25, 26]


@pytest.mark.parametrize(
    ("stream", "rows", "stored", "reason"),
    [
        (bytes([0b11000000]), 4, 3 * 3, "keeps 2 rows"),
        (bytes([0b11001000]), 4, 2 * 3, "padding"),
        (bytes([0b11000000, 0]), 4, 2 * 3, "bytes"),
    ],
)
def test_rows_decoder_refuses_inconsistent_streams(stream, rows, stored, reason):
    with pytest.raises(StreamError, match=reason):
        decode_rows(stream, rows, 3, stored)


def test_a_layer_without_whole_rows_is_a_bit_per_row_and_the_kept_rows_densely():
    weight = torch.randn(10, 20)
    weight[[1, 4, 5, 8]] = 0
    weight[0, 3] = 0  # a zero inside a kept row is stored as 0.0
    row = layer_size("fc", weight, torch.randn(10))
    assert row["positions"] == "rows"
    assert row["position_bytes"] == 2  # ceil(10 / 8)
    assert row["value_bytes"] == 4 * 6 * 20
    assert row["compressed_bytes"] == 2 + 480 + 40
    assert row["kept_shape"] == (6, 20)
    assert row["shape"] == (10, 20)


def test_a_binary_layer_with_whole_rows_gone_stores_one_sign_bit_per_kept_weight():
    weight = torch.ones(16, 30)
    weight[::2] = 0
    weight[1] = -1
    row = layer_size("fc", weight, None)
    assert (row["values"], row["positions"]) == ("ternary", "rows")
    assert row["compressed_bytes"] == 2 + 8 * 30 // 8 + 4  # row bits, sign bits, one scale


def test_a_ternary_layer_with_zeros_in_kept_rows_stores_its_rows_as_2_bit_integers():
    weight = torch.ones(16, 30)
    weight[::2] = 0
    weight[1, 0] = 0  # a sign bit cannot hold this zero, a 2-bit integer can
    row = layer_size("fc", weight, None)
    # rows: 16 bits; 8 kept rows x 30 weights x 2 bits = 60 bytes; one scale
    assert (row["values"], row["positions"]) == ("int2", "rows")
    assert row["compressed_bytes"] == 2 + 60 + 4
    with pytest.raises(ValueError, match="kept rows"):
        encode_layer("fc", weight, None, "rows", values="sign")


@pytest.mark.parametrize("model", ["mlp", "cnn"])
@pytest.mark.parametrize("binarize", [None, 0.0])
def test_neuron_pruned_files_are_the_accounted_bytes_and_load_back(model, binarize):
    state, layers = random_state(model), layer_names_for(model)
    settings = CompressionSettings(
        prune_sparsity=0.89, prune_structure="neurons", binarize_threshold=binarize
    )
    compressed = compress(state, layers, settings).state
    table = size_table(compressed, layers).set_index("layer")
    assert (table.positions[layers[:-1]] == "rows").all()
    payload = export_bytes(model, compressed, settings)
    loaded = load_compact(payload)
    assert len(payload) == int(table.compressed_bytes.sum()) + loaded.metadata["header_bytes"]
    for key, tensor in compressed.items():
        assert torch.equal(loaded.state[key], tensor), key


def test_structured_pruning_is_smaller_than_unstructured_at_the_same_sparsity():
    state, layers = random_state("mlp"), layer_names_for("mlp")
    hidden = layers[:-1]  # the output layer keeps its rows under neuron pruning

    def hidden_bytes(structure: str) -> tuple[int, dict]:
        settings = CompressionSettings(
            prune_sparsity=0.89, prune_structure=structure, layers=tuple(hidden)
        )
        table = size_table(compress(state, layers, settings).state, layers).set_index("layer")
        return int(table.compressed_bytes[hidden].sum()), table.kept_shape.to_dict()

    structured, kept_shapes = hidden_bytes("neurons")
    unstructured, full_shapes = hidden_bytes("unstructured")
    assert structured < unstructured
    assert kept_shapes["fc1"] == (33, 784)
    assert kept_shapes["fc2"] == (11, 300)
    assert full_shapes["fc1"] == (300, 784)
