"""Position and sign streams: round trips, lengths equal to the size accounting, and
decoders that refuse inconsistent input."""

import numpy as np
import pytest
import torch

from compression.files.codecs import (
    StreamError,
    decode_bitmask,
    decode_csr,
    decode_delta,
    decode_signs,
    delta_entries,
    encode_bitmask,
    encode_csr,
    encode_delta,
    encode_signs,
)
from compression.size import bytes_of, csr_index_bits, delta_bits, zero_runs


def random_mask(rows: int, columns: int, density: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((rows, columns)) < density


MASKS = [
    random_mask(1, 1, 1.0, 0),
    random_mask(3, 5, 0.5, 1),  # 15 weights: padding bits in the last byte
    random_mask(30, 300, 0.08, 2),
    random_mask(10, 1000, 0.002, 3),  # long zero runs: the delta code needs escapes
    random_mask(7, 9, 0.0, 4),  # nothing kept
]


@pytest.mark.parametrize("mask", MASKS, ids=lambda m: f"{m.shape}-{int(m.sum())}")
def test_bitmask_round_trip_gives_the_set_positions(mask):
    stream = encode_bitmask(mask)
    assert len(stream) == bytes_of(mask.size)
    positions = decode_bitmask(stream, mask.size, int(mask.sum()))
    np.testing.assert_array_equal(positions, np.flatnonzero(mask))


@pytest.mark.parametrize("mask", MASKS, ids=lambda m: f"{m.shape}-{int(m.sum())}")
def test_csr_round_trip_and_length_match_the_size_accounting(mask):
    rows, columns = mask.shape
    stream = encode_csr(mask)
    counted_bits = csr_index_bits(columns) * int(mask.sum()) + 32 * (rows + 1)
    assert len(stream) == bytes_of(counted_bits)
    positions = decode_csr(stream, rows, columns, int(mask.sum()))
    np.testing.assert_array_equal(positions, np.flatnonzero(mask))


def test_csr_uses_16_bit_columns_beyond_256_columns():
    mask = random_mask(2, 300, 0.5, 5)
    stream = encode_csr(mask)
    assert len(stream) == 4 * 3 + 2 * int(mask.sum())
    np.testing.assert_array_equal(decode_csr(stream, 2, 300, int(mask.sum())), np.flatnonzero(mask))


@pytest.mark.parametrize("width", range(1, 25))
@pytest.mark.parametrize("mask", MASKS[1:4], ids=lambda m: f"{m.shape}-{int(m.sum())}")
def test_delta_round_trip_and_length_match_the_size_accounting_for_every_width(mask, width):
    positions = np.flatnonzero(mask)
    stream = encode_delta(positions, width)
    runs = zero_runs(torch.from_numpy(mask.reshape(-1)))
    assert len(stream) == bytes_of(delta_bits(runs, width))
    np.testing.assert_array_equal(decode_delta(stream, width, mask.size, positions.size), positions)


def test_delta_code_of_a_hand_worked_example():
    # positions 0, 3, 4, 12 -> zero runs 0, 2, 0, 7; width 2: escape 3 = "skip 3 zeros"
    positions = np.array([0, 3, 4, 12])
    np.testing.assert_array_equal(delta_entries(positions, 2), [0, 2, 0, 3, 3, 1])
    # 00 10 00 11 | 11 01 (0000 padding)
    assert encode_delta(positions, 2) == bytes([0b00100011, 0b11010000])
    np.testing.assert_array_equal(
        decode_delta(bytes([0b00100011, 0b11010000]), 2, 13, 4), positions
    )


def test_delta_of_a_layer_without_weights_is_empty():
    assert encode_delta(np.zeros(0, dtype=np.int64), 3) == b""
    assert decode_delta(b"", 3, 100, 0).size == 0


def test_signs_round_trip_as_plus_and_minus_one():
    values = np.array([0.5, -0.5, -0.5, 0.5, 0.5, 0.5, -0.5, 0.5, -0.5], dtype=np.float32)
    stream = encode_signs(values)
    assert stream == bytes([0b01100010, 0b10000000])
    np.testing.assert_array_equal(decode_signs(stream, values.size), np.sign(values))


@pytest.mark.parametrize(
    ("decode", "reason"),
    [
        (lambda: decode_bitmask(bytes([0b11000000]), 8, 3), "marks 2"),
        (lambda: decode_bitmask(bytes([0b11000001]), 7, 2), "padding"),
        (lambda: decode_bitmask(bytes([0xFF, 0xFF]), 8, 8), "bytes"),
        (lambda: decode_signs(bytes([0b10000000]), 12), "bytes"),
        # rows 2, columns 4, 2 nonzeros: pointers 0, 2, 1 go down
        (lambda: decode_csr(_csr([0, 2, 1], [0, 1]), 2, 4, 2), "row pointers"),
        (lambda: decode_csr(_csr([0, 1, 2], [0, 4]), 2, 4, 2), "beyond"),
        (lambda: decode_csr(_csr([0, 2, 2], [1, 1]), 2, 4, 2), "strictly increasing"),
        (lambda: decode_csr(_csr([0, 1, 2], [0, 1]), 2, 4, 3), "bytes"),
        # width 4: codes 5, 5 -> positions 5 and 11, but the layer has 10 weights
        (lambda: decode_delta(bytes([0x55]), 4, 10, 2), "beyond"),
        (lambda: decode_delta(bytes([0x55]), 4, 100, 3), "codes 2"),
        (lambda: decode_delta(bytes([0x50, 0x00]), 4, 100, 1), "after its last"),
        (lambda: decode_delta(bytes([0x51]), 4, 100, 1), "after its last"),
        (lambda: decode_delta(b"\x00", 0, 100, 1), "width"),
    ],
)
def test_decoders_refuse_inconsistent_streams(decode, reason):
    with pytest.raises(StreamError, match=reason):
        decode()


def _csr(pointers: list[int], columns: list[int]) -> bytes:
    return np.array(pointers, dtype="<u4").tobytes() + np.array(columns, dtype="u1").tobytes()
