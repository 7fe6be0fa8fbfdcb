"""K-bit weights in the compact file: exactly the accounted bytes plus the header, read
back to the same weights; files written before the integer codes still read."""

from pathlib import Path

import numpy as np
import pytest
import torch
from shared_data import random_state

from compression.compress import compress
from compression.files.codecs import StreamError, decode_ints, encode_ints
from compression.files.compact_format import CompactFormatError, load_compact
from compression.files.export import export_bytes
from compression.files.model_file import load_model_file
from compression.methods.quantize import largest_level
from compression.models import layer_names_for
from compression.settings import CompressionSettings
from compression.size import size_table

# a format-1 file: the binary LeNet-300-100 of an earlier papers bench (20,088 bytes)
OLD_FILE = Path(__file__).resolve().parents[2] / "tests" / "data" / "mlp-format-v1-binary.cxm"


@pytest.mark.parametrize("bits", range(2, 9))
def test_integers_round_trip_through_their_k_bit_stream(bits):
    top = largest_level(bits)
    values = np.array([-top, -1, 0, 1, top, 3 % (top + 1), -(2 % (top + 1))])
    stream = encode_ints(values, bits)
    assert len(stream) == -(-bits * len(values) // 8)
    assert decode_ints(stream, len(values), bits).tolist() == values.tolist()


def test_a_4_bit_stream_is_twos_complement_high_bit_first():
    # 3 -> 0011, -3 -> 1101, 7 -> 0111: 0011 1101 | 0111 0000 (zero padding)
    assert encode_ints(np.array([3, -3, 7]), 4) == bytes([0b00111101, 0b01110000])


def test_the_code_outside_the_symmetric_range_is_refused():
    with pytest.raises(StreamError, match="-8"):
        decode_ints(bytes([0b10000000]), 2, 4)  # 1000 = -8 is not a symmetric 4-bit value
    with pytest.raises(StreamError, match="padding"):
        decode_ints(bytes([0b00010001]), 1, 4)


CASES = {
    "mlp 8 bits": ("mlp", CompressionSettings(quantize_bits=8)),
    "mlp 4 bits per channel": ("mlp", CompressionSettings(quantize_bits=4, per_channel=True)),
    "mlp 4 bits, 90% pruned": ("mlp", CompressionSettings(quantize_bits=4, prune_sparsity=0.9)),
    "mlp 2 bits": ("mlp", CompressionSettings(quantize_bits=2)),
    "mlp 5 bits, neurons": (
        "mlp",
        CompressionSettings(quantize_bits=5, prune_sparsity=0.6, prune_structure="neurons"),
    ),
    "mlp 6 bits, fc2 only": ("mlp", CompressionSettings(quantize_bits=6, layers=("fc2",))),
    "cnn 4 bits per channel, 50% pruned": (
        "cnn",
        CompressionSettings(quantize_bits=4, per_channel=True, prune_sparsity=0.5),
    ),
    "cnn 7 bits": ("cnn", CompressionSettings(quantize_bits=7)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_quantized_file_is_the_accounted_bytes_plus_its_header_and_reads_back(case):
    model, settings = CASES[case]
    layers = layer_names_for(model)
    state = compress(random_state(model), layers, settings).state
    table = size_table(state, layers)
    payload = export_bytes(model, state, settings)
    loaded = load_compact(payload)
    header = loaded.metadata["header_bytes"]
    assert len(payload) == header + int(table.compressed_bytes.sum())
    for key, tensor in state.items():
        assert torch.equal(loaded.state[key], tensor), key
    assert CompressionSettings.from_dict(loaded.metadata["compression"]) == settings
    bits = settings.quantize_bits
    chosen = settings.chosen_layers(layers)
    if bits > 2:  # two bits give 0, +-s: ternary, which a sign bit can store for less
        for label in table.set_index("layer")["values"][chosen]:
            # pruning can leave so few of the 2^K - 1 levels that indices into them are
            # cheaper: K' < 2^(K-1) shared values, ceil(log2 K') < K bits each
            shared = label.startswith("shared") and int(label[6:]) < 2 ** (bits - 1)
            assert label == f"int{bits}" or (shared and settings.prunes), label


def test_k_bit_values_cost_k_bits_each_plus_the_float32_scales():
    layers = layer_names_for("mlp")
    for per_channel in (False, True):
        settings = CompressionSettings(quantize_bits=5, per_channel=per_channel)
        state = compress(random_state("mlp"), layers, settings).state
        for row in size_table(state, layers).itertuples():
            weights = int(np.prod(row.shape))
            assert row.values == "int5"
            scales = row.shape[0] if per_channel else 1
            assert row.scales == scales and row.scale_bytes == 4 * scales
            if row.positions == "dense":
                assert row.value_bytes == -(-5 * weights // 8)
            assert row.bits_per_weight == pytest.approx(
                8 * (row.position_bytes + row.value_bytes + row.scale_bytes) / weights
            )


def test_a_damaged_integer_stream_is_refused_with_one_sentence():
    layers = layer_names_for("mlp")
    settings = CompressionSettings(quantize_bits=4)
    state = compress(random_state("mlp"), layers, settings).state
    payload = bytearray(export_bytes("mlp", state, settings))
    header = load_compact(bytes(payload)).metadata["header_bytes"]
    payload[header] = 0x88  # the first two weights of fc1 become -8, outside the code
    with pytest.raises(CompactFormatError, match=r"fc1.*-8"):
        load_compact(bytes(payload))


def test_a_file_written_before_the_integer_codes_still_reads():
    old = load_model_file(OLD_FILE)
    assert old.metadata["file_format"] == "compact" and old.metadata["format_version"] == 1
    layers = layer_names_for(old.model_name)
    table = size_table(old.state, layers)
    assert len(OLD_FILE.read_bytes()) == old.metadata["header_bytes"] + int(
        table.compressed_bytes.sum()
    )
