"""Shared values in the size accounting and the compact file: K distinct nonzero values
cost ceil(log2 K) bits per kept weight plus K float32s, the file is exactly that plus its
header and reads back to the same weights, and a damaged index stream is refused."""

from dataclasses import replace

import numpy as np
import pytest
import torch
from shared_data import random_state

from compression.compress import compress
from compression.files.codecs import StreamError, decode_indices, encode_indices
from compression.files.compact_format import CompactFormatError, load_compact, pack_header
from compression.files.export import encode_layer, export_bytes
from compression.models import layer_names_for
from compression.settings import CompressionSettings
from compression.size import layer_size, size_table


@pytest.mark.parametrize("bits", range(1, 9))
def test_indices_round_trip_through_their_unsigned_stream(bits):
    indices = np.array([0, 2**bits - 1, 1 % 2**bits, (2**bits) // 2, 0])
    stream = encode_indices(indices, bits)
    assert len(stream) == -(-bits * len(indices) // 8)
    assert decode_indices(stream, len(indices), bits, 2**bits).tolist() == indices.tolist()


def test_a_3_bit_index_stream_is_high_bit_first_and_an_index_past_k_is_refused():
    # 5 -> 101, 2 -> 010, 7 -> 111: 1010 1011 | 1000 0000 (zero padding)
    assert encode_indices(np.array([5, 2, 7]), 3) == bytes([0b10101011, 0b10000000])
    with pytest.raises(StreamError, match="value 7 of only 6"):
        decode_indices(bytes([0b10101011, 0b10000000]), 3, 3, 6)


CASES = {
    "mlp K=16": ("mlp", CompressionSettings(share_weights=16)),
    "mlp K=2": ("mlp", CompressionSettings(share_weights=2)),
    "mlp K=256": ("mlp", CompressionSettings(share_weights=256)),
    "mlp K=5, 90% pruned": ("mlp", CompressionSettings(share_weights=5, prune_sparsity=0.9)),
    "mlp K=32, neurons": (
        "mlp",
        CompressionSettings(share_weights=32, prune_sparsity=0.6, prune_structure="neurons"),
    ),
    "mlp K=64, fc2 only": ("mlp", CompressionSettings(share_weights=64, layers=("fc2",))),
    "cnn K=8, 50% pruned": ("cnn", CompressionSettings(share_weights=8, prune_sparsity=0.5)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_shared_file_is_the_accounted_bytes_plus_its_header_and_reads_back(case):
    model, settings = CASES[case]
    layers = layer_names_for(model)
    state = compress(random_state(model), layers, settings).state
    table = size_table(state, layers).set_index("layer")
    payload = export_bytes(model, state, settings)
    loaded = load_compact(payload)
    assert len(payload) == loaded.metadata["header_bytes"] + int(table.compressed_bytes.sum())
    for key, tensor in state.items():
        assert torch.equal(loaded.state[key], tensor), key
    assert CompressionSettings.from_dict(loaded.metadata["compression"]) == settings
    for name in settings.chosen_layers(layers):
        distinct = state[f"{name}.weight"].unique()
        count = int((distinct != 0).sum())
        assert count <= settings.share_weights
        assert table.loc[name, "values"] == f"shared{count}"
        assert table.loc[name, "scale_bytes"] == 4 * count


def test_k_distinct_values_are_accounted_as_shared_where_that_beats_integers():
    # three values of an 8-bit code, s * {-127, 5, 127}: 8-bit integers cost 8 bits each
    # plus a scale, 3 shared values 2 bits each plus three float32s
    scale = torch.tensor(0.01)
    codes = torch.tensor([-127.0, 5.0, 127.0])[torch.arange(4000) % 3]
    weight = (scale * codes).reshape(40, 100)
    row = layer_size("fc", weight, None)
    assert row["values"] == "shared3" and row["positions"] == "dense"
    assert row["value_bytes"] == 2 * 4000 // 8 and row["scale_bytes"] == 12
    # the same values, fewer weights: 3 float32s cost more than the 8-bit code saves
    small = layer_size("fc", weight[:1, :4], None)
    assert small["values"] == "int8"


def test_a_k_bit_quantized_or_binarized_layer_is_not_called_shared():
    layers = layer_names_for("mlp")
    for settings, label in (
        (CompressionSettings(quantize_bits=4), "int4"),
        (CompressionSettings(binarize_threshold=0.7), "ternary"),
    ):
        state = compress(random_state("mlp"), layers, settings).state
        assert set(size_table(state, layers)["values"]) == {label}


def test_up_to_256_distinct_nonzero_values_are_shared_and_257_are_float32():
    values = torch.linspace(0.5, 1.5, 257)  # no two of them s * n for one s of 8 bits
    for count, label in ((256, "shared256"), (257, "float32")):
        weight = values[torch.arange(16 * 257) % count].reshape(16, 257)
        assert layer_size("fc", weight, None)["values"] == label


def test_a_damaged_index_stream_or_codebook_is_refused_with_one_sentence():
    layers = layer_names_for("mlp")
    settings = CompressionSettings(share_weights=6)
    state = compress(random_state("mlp"), layers, settings).state
    payload = bytearray(export_bytes("mlp", state, settings))
    header = load_compact(bytes(payload)).metadata["header_bytes"]
    damaged = bytearray(payload)
    damaged[header] = 0xFF  # 3-bit indices 7, 7: fc1 has six shared values
    with pytest.raises(CompactFormatError, match=r"fc1.*value 7 of only 6"):
        load_compact(bytes(damaged))
    fc1_values = header + -(-3 * 300 * 784 // 8)  # the first of fc1's six float32s
    damaged = bytearray(payload)
    damaged[fc1_values : fc1_values + 4] = np.float32(np.nan).tobytes()
    with pytest.raises(CompactFormatError, match=r"fc1.*finite"):
        load_compact(bytes(damaged))


@pytest.mark.parametrize("count", [1, 257])
def test_a_header_with_a_shared_value_count_outside_2_to_256_is_refused(count):
    layers = layer_names_for("mlp")
    state = compress(random_state("mlp"), layers, CompressionSettings(share_weights=4)).state
    encoded = [
        encode_layer(name, state[f"{name}.weight"], state[f"{name}.bias"]) for name in layers
    ]
    records = [layer.record for layer in encoded]
    assert records[0].values == "shared" and records[0].scales == 4
    records[0] = replace(records[0], scales=count)  # streams left as they are
    payload = pack_header("mlp", "mnist", b"", records) + b"".join(e.streams for e in encoded)
    with pytest.raises(CompactFormatError, match=f"fc1.*{count} shared values; 2 to 256"):
        load_compact(payload)
