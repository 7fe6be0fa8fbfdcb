"""Huffman coding in the size accounting and the .cxm file: what a stream costs (worked by
hand), which streams are coded (only smaller ones), and files of exactly those bytes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from compression.files.codecs import decode_huffman, encode_huffman
from compression.files.compact_format import CompactFormatError, load_compact
from compression.files.export import export_bytes
from compression.files.huffman import code_lengths, decode, encode
from compression.models import build_model, layer_names_for
from compression.size import delta_entry_counts, layer_size, size_table

# four shared values, ascending: -0.53 (index 0), 0.11 (1), 0.37 (2), 0.91 (3)
SHARED = torch.tensor([-0.53, 0.11, 0.37, 0.91])


def _shared_layer() -> torch.Tensor:
    """(1, 64), no zero: 56 weights take index 1, 4 index 2, 2 index 0, 2 index 3."""
    indices = [1] * 56 + [2] * 4 + [0] * 2 + [3] * 2
    return SHARED[torch.tensor(indices)].reshape(1, 64)


def test_a_shared_layer_by_hand():
    # Huffman on counts {1: 56, 2: 4, 0: 2, 3: 2}: 0 and 3 merge (4), that node and 2
    # merge (8), then 1: lengths 1 -> 1, 2 -> 2, 0 and 3 -> 3 bits.
    # codes: 56*1 + 4*2 + 2*3 + 2*3 = 76 bits = 10 bytes; the table 4 bytes (K = 4)
    # fixed: 2-bit indices, 64 * 2 = 128 bits = 16 bytes -> 14 < 16, Huffman-coded
    row = layer_size("fc", _shared_layer(), None, huffman=True)
    assert (row["values"], row["positions"]) == ("shared4", "dense")
    assert row["huffman"] and row["huffman_values"] and not row["huffman_positions"]
    assert row["value_bytes"] == 16  # fixed-width, as without Huffman
    assert row["huffman_table_bytes"] == 4
    assert row["huffman_saved_bytes"] == 16 - 10
    assert row["scale_bytes"] == 16  # the four float32 shared values
    assert row["compressed_bytes"] == 10 + 4 + 16
    assert row["bits_per_weight"] == 8 * 30 / 64


def test_the_ledger_sums_to_the_compressed_bytes():
    for huffman in (False, True):
        row = layer_size("fc", _shared_layer(), torch.ones(1), huffman=huffman)
        parts = ["position_bytes", "value_bytes", "scale_bytes", "bias_bytes"]
        total = sum(row[part] for part in parts) + row["huffman_table_bytes"]
        assert total - row["huffman_saved_bytes"] == row["compressed_bytes"]


def test_without_huffman_nothing_is_coded_and_the_fixed_width_bytes_are_counted():
    row = layer_size("fc", _shared_layer(), None)
    assert not row["huffman"] and row["huffman_table_bytes"] == row["huffman_saved_bytes"] == 0
    assert row["compressed_bytes"] == 16 + 16


def test_a_stream_is_huffman_coded_only_when_smaller_table_included():
    # 16 weights, counts {1: 14, 2: 1, 3: 1}: codes 14 + 2 + 2 = 18 bits = 3 bytes, table 4
    # bytes: 7 > 4 fixed-width bytes, so the indices stay 2-bit
    small = SHARED[torch.tensor([1] * 13 + [2, 3, 0])].reshape(1, 16)
    row = layer_size("fc", small, None, huffman=True)
    assert not row["huffman"]
    assert row["compressed_bytes"] == layer_size("fc", small, None)["compressed_bytes"]


def test_delta_entries_by_hand():
    # runs of 0, 4 and 9 zeros with 2-bit entries (escape 3): 0 | 3 1 | 3 3 3 0
    runs = torch.tensor([0, 4, 9])
    assert delta_entry_counts(runs, 2) == {0: 2, 1: 1, 3: 4}


def test_huffman_never_costs_more_than_fixed_width():
    generator = torch.Generator().manual_seed(0)
    for density in (0.02, 0.1, 0.5):
        weight = torch.randn(60, 200, generator=generator)
        weight[torch.rand(60, 200, generator=generator) > density] = 0
        plain = layer_size("fc", weight, None)
        coded = layer_size("fc", weight, None, huffman=True)
        assert coded["compressed_bytes"] <= plain["compressed_bytes"]
        assert coded["huffman_saved_bytes"] >= coded["huffman_table_bytes"]


def _sparse_state(values: str, density: float, seed: int = 0) -> dict[str, torch.Tensor]:
    """The mlp's weights with ``density`` kept, made int5 or 8 shared values or float."""
    state = build_model("mlp", seed=seed).state_dict()
    generator = torch.Generator().manual_seed(seed)
    for key, tensor in state.items():
        if not key.endswith("weight"):
            continue
        kept = torch.rand(tensor.shape, generator=generator) < density
        tensor = 0.05 * torch.randn(tensor.shape, generator=generator)  # bell-shaped
        top = tensor[kept].abs().max()  # the scale of the weights that stay
        if values == "int5":
            tensor = torch.round(tensor / (top / 15)).clamp(-15, 15) * (top / 15)
        elif values == "shared8":
            levels = torch.linspace(-top, top, 8)
            tensor = levels[torch.bucketize(tensor, levels).clamp(max=7)]
        state[key] = torch.where(kept, tensor, torch.zeros_like(tensor))
    return state


@pytest.mark.parametrize("values", ["int5", "shared8", "float32"])
@pytest.mark.parametrize("density", [0.08, 1.0])
def test_the_file_is_the_accounted_bytes_and_reads_back_the_same(values, density):
    state = _sparse_state(values, density)
    layers = layer_names_for("mlp")
    table = size_table(state, layers, huffman=True)
    payload = export_bytes("mlp", state, None, "mnist", huffman=True)
    loaded = load_compact(payload)
    assert len(payload) == loaded.metadata["header_bytes"] + int(table.compressed_bytes.sum())
    assert loaded.metadata["format_version"] == 2
    for key, tensor in state.items():
        assert torch.equal(loaded.state[key], tensor), key
    assert size_table(loaded.state, layers, huffman=True).equals(table)
    if values != "float32" or density < 1:  # something to code: it is coded somewhere
        assert table["huffman"].any()


def test_sparse_layers_huffman_code_both_streams():
    table = size_table(_sparse_state("int5", 0.08), layer_names_for("mlp"), huffman=True)
    fc1 = table.iloc[0]
    assert (fc1["positions"], fc1["values"]) == ("delta", "int5")
    assert fc1["huffman_values"] and fc1["huffman_positions"]


def test_without_huffman_the_file_stays_version_1():
    payload = export_bytes("mlp", _sparse_state("int5", 0.08), None, "mnist")
    assert load_compact(payload).metadata["format_version"] == 1


def test_a_damaged_huffman_stream_is_refused_in_one_sentence():
    state = _sparse_state("shared8", 0.08)
    payload = bytearray(export_bytes("mlp", state, None, "mnist", huffman=True))
    header = load_compact(bytes(payload)).metadata["header_bytes"]
    refused = 0
    for offset in range(header, header + 400, 7):  # fc1's tables and first codes
        damaged = bytearray(payload)
        damaged[offset] ^= 0xFF
        try:
            loaded = load_compact(bytes(damaged))
        except CompactFormatError as error:
            assert "\n" not in str(error)
            refused += 1
        else:
            assert not all(torch.equal(loaded.state[k], state[k]) for k in state)
    assert refused > 0


def test_huffman_streams_round_trip_and_decode_fast_enough_for_a_large_layer():
    symbols = np.random.default_rng(0).geometric(0.3, size=200_000).clip(max=63) - 1
    stream = encode_huffman(symbols, 64)
    assert decode_huffman(stream, 64, symbols.size).tolist() == symbols.tolist()


def test_decode_agrees_with_a_bit_by_bit_reading():
    rng = np.random.default_rng(1)
    symbols = rng.integers(0, 9, size=500) ** 2 % 37
    lengths = code_lengths({int(s): int((symbols == s).sum()) for s in set(symbols.tolist())})
    stream = encode(symbols, lengths)
    # independent reference: read bits one at a time against the code words
    from compression.files.huffman import canonical_codes

    words = {format(c, f"0{lengths[s]}b"): s for s, c in canonical_codes(lengths).items()}
    bits = "".join(f"{byte:08b}" for byte in stream)
    read, word = [], ""
    for bit in bits:
        word += bit
        if word in words:
            read.append(words[word])
            word = ""
        if len(read) == symbols.size:
            break
    assert decode(stream, lengths, symbols.size).tolist() == read == symbols.tolist()
