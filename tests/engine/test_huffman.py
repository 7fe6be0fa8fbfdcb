"""Huffman coding: textbook lengths, canonical codes, the bit stream and the stored table."""

import itertools
import math

import numpy as np
import pytest

from compression.files.huffman import (
    MAX_CODE_LENGTH,
    HuffmanError,
    canonical_codes,
    code_lengths,
    count_symbols,
    decode,
    decode_table,
    encode,
    encode_table,
    encoded_bits,
    table_bytes,
)

# Cormen et al., "Introduction to Algorithms", section 16.3: a..f as 0..5
TEXTBOOK = {0: 45, 1: 13, 2: 12, 3: 16, 4: 9, 5: 5}


def _bit_string(stream: bytes, bits: int) -> str:
    return "".join(f"{byte:08b}" for byte in stream)[:bits]


def _best_prefix_code_cost(counts: list[int], max_length: int) -> int:
    """Brute force: the least sum n_s l_s over all lengths 1..max_length with Kraft <= 1."""
    best = None
    for lengths in itertools.product(range(1, max_length + 1), repeat=len(counts)):
        if sum(2.0**-length for length in lengths) <= 1:
            cost = sum(n * length for n, length in zip(counts, lengths, strict=True))
            best = cost if best is None else min(best, cost)
    return best


def test_the_textbook_counts_give_the_textbook_lengths_and_224_bits():
    lengths = code_lengths(TEXTBOOK)
    assert lengths == {0: 1, 1: 3, 2: 3, 3: 3, 4: 4, 5: 4}
    assert encoded_bits(TEXTBOOK, lengths) == 224


def test_canonical_codes_of_the_textbook_lengths_by_hand():
    # (length, symbol) order: a(1) b c d (3) e f (4)
    # a 0, b (0+1)<<2 = 100, c 101, d 110, e (110+1)<<1 = 1110, f 1111
    codes = canonical_codes(code_lengths(TEXTBOOK))
    assert codes == {0: 0b0, 1: 0b100, 2: 0b101, 3: 0b110, 4: 0b1110, 5: 0b1111}


def test_the_rfc_1951_example_gives_its_codes():
    # RFC 1951 section 3.2.2: lengths (3, 3, 3, 3, 3, 2, 4, 4) for A..H
    lengths = dict(enumerate([3, 3, 3, 3, 3, 2, 4, 4]))
    codes = canonical_codes(lengths)
    expected = ["010", "011", "100", "101", "110", "00", "1110", "1111"]
    assert [format(codes[s], f"0{lengths[s]}b") for s in range(8)] == expected


def test_a_hand_encoded_message_and_its_padding():
    # "face" = f a c e -> 1111 0 101 1110 = 12 bits -> 11110101 11100000
    lengths = code_lengths(TEXTBOOK)
    stream = encode(np.array([5, 0, 2, 4]), lengths)
    assert stream == bytes([0b11110101, 0b11100000])
    assert decode(stream, lengths, 4).tolist() == [5, 0, 2, 4]


def test_the_codes_are_prefix_free_and_fill_the_code_space():
    lengths = code_lengths(TEXTBOOK)
    codes = canonical_codes(lengths)
    words = [format(codes[s], f"0{lengths[s]}b") for s in lengths]
    assert not any(a != b and b.startswith(a) for a in words for b in words)
    assert sum(2.0 ** -len(word) for word in words) == 1.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_huffman_costs_as_little_as_the_best_prefix_code_by_brute_force(seed):
    counts = np.random.default_rng(seed).integers(1, 60, size=5).tolist()
    lengths = code_lengths(dict(enumerate(counts)))
    assert encoded_bits(dict(enumerate(counts)), lengths) == _best_prefix_code_cost(counts, 4)


def test_ties_are_broken_the_same_way_every_time():
    counts = {3: 1, 1: 1, 2: 1, 0: 1, 4: 2}
    first = code_lengths(counts)
    assert first == code_lengths(dict(reversed(list(counts.items()))))
    # equal counts: leaves before merged nodes, lower symbols first, older nodes first:
    # {0,1} -> 2; {2,3} -> 2; {4} with {0,1} -> 4; {2,3} with {4,0,1} -> 6
    assert first == {0: 3, 1: 3, 2: 2, 3: 2, 4: 2}
    assert encoded_bits(counts, first) == _best_prefix_code_cost([1, 1, 1, 1, 2], 4)


@pytest.mark.parametrize("seed", range(4))
def test_random_symbols_come_back_and_the_stream_has_the_counted_length(seed):
    rng = np.random.default_rng(seed)
    alphabet = int(rng.integers(2, 300))
    symbols = rng.geometric(0.2, size=int(rng.integers(1, 5000))) % alphabet
    counts = count_symbols(symbols)
    lengths = code_lengths(counts)
    stream = encode(symbols, lengths)
    bits = encoded_bits(counts, lengths)
    assert bits == sum(counts[s] * lengths[s] for s in counts)
    assert len(stream) == math.ceil(bits / 8)
    np.testing.assert_array_equal(decode(stream, lengths, symbols.size), symbols)


def test_the_encoded_bits_are_the_concatenated_codes():
    rng = np.random.default_rng(9)
    symbols = rng.integers(0, 6, size=50)
    lengths = code_lengths(TEXTBOOK)
    codes = canonical_codes(lengths)
    expected = "".join(format(codes[s], f"0{lengths[s]}b") for s in symbols.tolist())
    stream = encode(symbols, lengths)
    assert _bit_string(stream, len(expected)) == expected
    assert _bit_string(stream, 8 * len(stream))[len(expected) :] == "0" * (-len(expected) % 8)


def test_one_distinct_symbol_takes_one_bit_each():
    lengths = code_lengths({7: 10})
    assert lengths == {7: 1}
    stream = encode(np.full(10, 7), lengths)
    assert stream == bytes(2)
    assert decode(stream, lengths, 10).tolist() == [7] * 10


def test_no_symbol_is_an_empty_code_and_an_empty_stream():
    assert code_lengths({}) == {}
    assert code_lengths({3: 0}) == {}
    assert count_symbols(np.array([], dtype=np.int64)) == {}
    assert encode(np.array([], dtype=np.int64), {}) == b""
    assert decode(b"", {}, 0).size == 0


def test_count_symbols_counts_each_symbol_that_occurs():
    assert count_symbols(np.array([[3, 1], [3, 3]])) == {1: 1, 3: 3}


def test_fibonacci_counts_are_limited_to_the_length_cap_at_the_least_cost():
    counts = dict(enumerate([1, 1, 2, 3, 5, 8, 13]))  # Huffman: lengths up to 6
    assert max(code_lengths(counts).values()) == 6
    limited = code_lengths(counts, max_length=4)
    assert max(limited.values()) == 4
    assert sum(2.0**-length for length in limited.values()) <= 1
    assert encoded_bits(counts, limited) == _best_prefix_code_cost(list(counts.values()), 4)
    symbols = np.repeat(list(counts), list(counts.values()))
    stream = encode(symbols, limited)
    np.testing.assert_array_equal(decode(stream, limited, symbols.size), symbols)


def test_a_limit_loose_enough_leaves_huffman_lengths_unchanged():
    assert code_lengths(TEXTBOOK, max_length=4) == code_lengths(TEXTBOOK)


def test_a_limit_too_tight_for_the_symbols_is_refused():
    with pytest.raises(HuffmanError, match="longer than 2 bits"):
        code_lengths(dict.fromkeys(range(5), 1), max_length=2)


def test_the_table_is_one_length_byte_per_alphabet_symbol():
    lengths = code_lengths({1: 5, 3: 2, 4: 1})  # symbols 0 and 2 do not occur
    table = encode_table(lengths, alphabet=6)
    assert len(table) == table_bytes(6) == 6
    assert list(table) == [0, lengths[1], 0, lengths[3], lengths[4], 0]
    assert decode_table(table, 6) == lengths


def test_a_table_symbol_outside_the_alphabet_is_refused():
    with pytest.raises(HuffmanError, match="outside the alphabet"):
        encode_table({0: 1, 4: 1}, alphabet=4)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (bytes([1, 1, 1]), "too short"),  # three 1-bit codes
        (bytes([1, MAX_CODE_LENGTH + 1, 0]), "1 to 32"),
        (bytes([1, 1]), "2 bytes, 3 expected"),
    ],
)
def test_a_damaged_table_is_refused(table, message):
    with pytest.raises(HuffmanError, match=message):
        decode_table(table, 3)


def test_damaged_streams_are_refused_with_one_sentence():
    lengths = code_lengths(TEXTBOOK)
    stream = encode(np.array([5, 0, 2, 4]), lengths)  # 12 bits in 2 bytes
    with pytest.raises(HuffmanError, match="ends or holds no valid code"):
        decode(stream, lengths, 9)  # 12 bits of codes, 4 padding zeros read as "a": 16 bits
    # the padding zeros are valid codes of "a" (code 0): only the count tells them apart
    assert decode(stream, lengths, 8).tolist() == [5, 0, 2, 4, 0, 0, 0, 0]
    with pytest.raises(HuffmanError, match="zero padding"):
        decode(stream, lengths, 3)  # the fourth code is left over
    with pytest.raises(HuffmanError, match="zero padding"):
        decode(stream + b"\x00", lengths, 4)  # a byte too many
    with pytest.raises(HuffmanError, match="zero padding"):
        decode(bytes([0b11110101, 0b11100001]), lengths, 4)  # a padding bit set
    with pytest.raises(HuffmanError, match="cannot hold"):
        decode(stream, lengths, 10**12)


def test_a_bit_pattern_without_a_code_is_refused():
    lengths = {0: 1}  # only the code 0 exists
    with pytest.raises(HuffmanError, match="no valid code"):
        decode(bytes([0b01000000]), lengths, 2)


def test_encoding_a_symbol_without_a_code_is_refused():
    with pytest.raises(HuffmanError, match="no code"):
        encode(np.array([0, 9]), code_lengths(TEXTBOOK))


def test_the_default_cap_of_32_bits_holds_for_fibonacci_counts_that_need_39():
    fibonacci = [1, 1]
    while len(fibonacci) < 40:
        fibonacci.append(fibonacci[-1] + fibonacci[-2])
    counts = dict(enumerate(fibonacci))
    capped = code_lengths(counts, max_length=MAX_CODE_LENGTH)
    assert max(capped.values()) == MAX_CODE_LENGTH
    assert sum(2.0**-length for length in capped.values()) == 1.0
    symbols = np.array([0, 1, 2, 39, 38, 0])
    assert decode(encode(symbols, capped), capped, 6).tolist() == symbols.tolist()


@pytest.mark.parametrize("symbol", [-1, 2**16])
def test_symbols_outside_0_to_65535_are_refused(symbol):
    with pytest.raises(HuffmanError, match="0 to 65535"):
        code_lengths({0: 3, symbol: 1})
    with pytest.raises(HuffmanError, match="0 to 65535"):
        count_symbols(np.array([0, symbol]))
    with pytest.raises(HuffmanError, match="0 to 65535"):
        encode(np.array([0]), {0: 1, symbol: 1})


@pytest.mark.parametrize("count", [-1, 2.0, True])
def test_a_symbol_count_that_is_not_a_whole_number_is_refused(count):
    with pytest.raises(HuffmanError, match="number of symbols"):
        decode(b"\x00", {0: 1}, count)
