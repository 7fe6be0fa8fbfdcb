"""Huffman coding (Huffman 1952), the third stage of Deep Compression (Han et al. 2016).

Symbols are whole numbers ``0 .. A-1`` of an alphabet of ``A`` (weight-sharing indices,
A = K). From the counts ``n_s`` of the symbols that occur:

- :func:`code_lengths`: lengths ``l_s`` that minimise ``sum_s n_s * l_s`` under Kraft's
  ``sum_s 2^-l_s <= 1`` (Huffman's merging of the two least frequent nodes), at most
  ``max_length`` bits (package-merge, Larmore & Hirschberg 1990, when Huffman's are longer);
- :func:`canonical_codes`: the codes follow from the lengths alone, symbols sorted by
  ``(length, symbol)``, each code the previous one plus 1, shifted left to its length
  (the canonical code of DEFLATE, RFC 1951 section 3.2.2);
- :func:`encode` / :func:`decode`: the codes back to back, first code bit in the high bit
  of the first byte, zero padding to a whole byte: ``ceil(sum_s n_s * l_s / 8)`` bytes;
- the table: one byte per alphabet symbol, its code length, 0 for a symbol that does not
  occur: ``A`` bytes (:func:`encode_table`, :func:`table_bytes`).

A single distinct symbol gets a 1-bit code (``0``); no symbol at all, an empty stream.
Decoders take untrusted bytes and raise :class:`HuffmanError` (one sentence).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping

import numpy as np

MAX_CODE_LENGTH = 32  # longest code this module writes or reads (one table byte holds it)
SYMBOL_LIMIT = 2**16  # symbols are 0 .. 65535 (weight-sharing indices are at most 2^15 - 1)


class HuffmanError(ValueError):
    """A Huffman table or stream is inconsistent."""


def count_symbols(symbols: np.ndarray) -> dict[int, int]:
    """``{symbol: count}`` of the symbols that occur, in increasing symbol order."""
    flat = np.asarray(symbols).reshape(-1)
    if flat.size and (
        not np.issubdtype(flat.dtype, np.integer) or flat.min() < 0 or flat.max() >= SYMBOL_LIMIT
    ):
        raise HuffmanError(f"symbols must be whole numbers from 0 to {SYMBOL_LIMIT - 1}")
    counts = np.bincount(flat.astype(np.int64)) if flat.size else np.zeros(0, np.int64)
    return {int(s): int(counts[s]) for s in np.flatnonzero(counts)}


def _huffman_lengths(counts: dict[int, int]) -> dict[int, int]:
    """Huffman's lengths. Ties: leaves before merged nodes, lower symbols first, older
    merged nodes first (each heap entry carries a unique serial)."""
    symbols = sorted(counts)
    heap = [(counts[s], serial, (s,)) for serial, s in enumerate(symbols)]
    heapq.heapify(heap)
    lengths = dict.fromkeys(symbols, 0)
    serial = len(symbols)
    while len(heap) > 1:
        first_count, _, first = heapq.heappop(heap)
        second_count, _, second = heapq.heappop(heap)
        for symbol in first + second:
            lengths[symbol] += 1
        heapq.heappush(heap, (first_count + second_count, serial, first + second))
        serial += 1
    return lengths


def _package_merge_lengths(counts: dict[int, int], max_length: int) -> dict[int, int]:
    """Optimal lengths of at most ``max_length`` bits (package-merge).

    Each symbol is a coin of value ``n_s`` at every denomination ``2^-1 .. 2^-L``; from the
    smallest denomination up, the items are paired into packages and merged with the
    coins; the ``2m - 2`` cheapest items of the last list hold each symbol ``l_s`` times.
    """
    symbols = sorted(counts, key=lambda s: (counts[s], s))
    size = len(symbols)
    coins = [(counts[s], np.eye(1, size, k, dtype=np.int64)[0]) for k, s in enumerate(symbols)]
    items = coins
    for _ in range(max_length - 1):
        packages = [
            (items[i][0] + items[i + 1][0], items[i][1] + items[i + 1][1])
            for i in range(0, len(items) - 1, 2)
        ]
        items = sorted(coins + packages, key=lambda item: item[0])  # stable: coins first
    chosen = sum(item[1] for item in items[: 2 * size - 2])
    return {s: int(chosen[k]) for k, s in enumerate(symbols)}


def code_lengths(counts: Mapping[int, int], max_length: int = MAX_CODE_LENGTH) -> dict[int, int]:
    """Code length of each symbol with a count above 0 (deterministic).

    Huffman's lengths when none exceeds ``max_length``, else the optimal lengths limited
    to ``max_length`` (which must allow ``2^max_length >= symbols``).
    """
    if not 1 <= max_length <= MAX_CODE_LENGTH:
        raise HuffmanError(f"the length limit must be 1 to {MAX_CODE_LENGTH}, not {max_length}")
    present = {int(s): int(n) for s, n in counts.items() if n > 0}
    if any(not 0 <= s < SYMBOL_LIMIT for s in present):
        raise HuffmanError(f"symbols must be whole numbers from 0 to {SYMBOL_LIMIT - 1}")
    if len(present) == 1:
        return dict.fromkeys(present, 1)
    if len(present) > 2**max_length:
        raise HuffmanError(f"{len(present)} symbols need codes longer than {max_length} bits")
    lengths = _huffman_lengths(present)
    if lengths and max(lengths.values()) > max_length:
        lengths = _package_merge_lengths(present, max_length)
    return lengths


def _check_lengths(lengths: Mapping[int, int]) -> None:
    """Lengths 1 .. MAX_CODE_LENGTH with Kraft's sum at most 1, in exact integers."""
    if any(not 0 <= s < SYMBOL_LIMIT for s in lengths):
        raise HuffmanError(f"symbols must be whole numbers from 0 to {SYMBOL_LIMIT - 1}")
    if any(not 1 <= length <= MAX_CODE_LENGTH for length in lengths.values()):
        raise HuffmanError(f"code lengths must be 1 to {MAX_CODE_LENGTH} bits")
    if sum(2 ** (MAX_CODE_LENGTH - length) for length in lengths.values()) > 2**MAX_CODE_LENGTH:
        raise HuffmanError("the code lengths are too short to be a prefix code")


def canonical_codes(lengths: Mapping[int, int]) -> dict[int, int]:
    """``{symbol: code}``: in ``(length, symbol)`` order, ``code = (previous + 1) << (l - l_prev)``,
    the first code 0."""
    _check_lengths(lengths)
    codes, code, previous = {}, -1, 0
    for symbol in sorted(lengths, key=lambda s: (lengths[s], s)):
        code = (code + 1) << (lengths[symbol] - previous)
        previous = lengths[symbol]
        codes[symbol] = code
    return codes


def encoded_bits(counts: Mapping[int, int], lengths: Mapping[int, int]) -> int:
    """Bits of the coded symbols: ``sum_s n_s * l_s``."""
    return sum(int(n) * lengths[s] for s, n in counts.items() if n > 0)


def _lookup(lengths: Mapping[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Code and length of every symbol ``0 .. max`` as arrays (length 0: no code)."""
    codes = canonical_codes(lengths)
    top = max(lengths) + 1
    code_of, length_of = np.zeros(top, np.int64), np.zeros(top, np.int64)
    code_of[list(codes)] = list(codes.values())
    length_of[list(lengths)] = list(lengths.values())
    return code_of, length_of


def encode(symbols: np.ndarray, lengths: Mapping[int, int]) -> bytes:
    """The canonical codes of ``symbols`` back to back, high bit first, zero-padded."""
    flat = np.asarray(symbols).reshape(-1).astype(np.int64)
    if flat.size == 0:
        return b""
    code_of, length_of = _lookup(lengths)
    if flat.min() < 0 or flat.max() >= length_of.size or not length_of[flat].all():
        raise HuffmanError("a symbol to encode has no code")
    sizes = length_of[flat]
    owner = np.repeat(np.arange(flat.size), sizes)  # the symbol each output bit belongs to
    starts = np.cumsum(sizes) - sizes
    place = np.arange(owner.size) - starts[owner]  # bit number within its code, 0 = high
    bits = (code_of[flat][owner] >> (sizes[owner] - 1 - place)) & 1
    return np.packbits(bits.astype(np.uint8)).tobytes()


def decode(stream: bytes, lengths: Mapping[int, int], count: int) -> np.ndarray:
    """The ``count`` symbols (int64) coded in ``stream``; the stream must end in the byte
    holding the last code, with zero padding bits.

    ``count`` comes from outside the stream (a file header): padding zeros can read as
    codes (the all-zero code word), so the stream alone does not say where it ends.

    Vectorised: the code that would start at every bit position is looked up at once (the
    next ``longest`` bits against the canonical codes' ranges), giving ``next[p] = p + l``;
    the chain ``0, next[0], next[next[0]], ...`` is then followed by doubling
    (``next^(2^j)``), ``log2(count)`` array steps instead of one Python step per symbol.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise HuffmanError(f"the number of symbols must be a whole number of 0 or more: {count!r}")
    if count == 0:
        if stream:
            raise HuffmanError(f"{len(stream)} bytes of codes for no symbol")
        return np.zeros(0, np.int64)
    if not lengths:
        raise HuffmanError(f"{count} symbols to decode with an empty code table")
    _check_lengths(lengths)
    bits = np.unpackbits(np.frombuffer(stream, dtype=np.uint8)).astype(np.int64)
    if count > bits.size:
        raise HuffmanError(f"{len(stream)} bytes cannot hold {count} codes")
    size = bits.size
    longest = max(lengths.values())
    padded = np.concatenate([bits, np.zeros(longest, np.int64)])
    window = np.zeros(size, np.int64)  # the next `longest` bits at every position
    for j in range(longest):
        window = (window << 1) | padded[j : j + size]
    order = sorted(lengths, key=lambda s: (lengths[s], s))
    ordered_lengths = np.array([lengths[s] for s in order], np.int64)
    codes = canonical_codes(lengths)
    ordered_codes = np.array([codes[s] for s in order], np.int64)
    # code k, left-aligned to `longest` bits, covers [code_k, code_k + 1) << (longest - l_k)
    ends = (ordered_codes + 1) << (longest - ordered_lengths)
    slot = np.searchsorted(ends, window, side="right")  # the code whose range holds window
    valid = slot < len(order)
    slot = np.minimum(slot, len(order) - 1)
    follow = np.arange(size) + ordered_lengths[slot]  # where the next code starts
    bad = size + 1  # no valid code here, or it runs past the stream's end
    follow = np.where(valid & (follow <= size), follow, bad)
    jump = np.concatenate([follow, [bad, bad]])  # from `size` (the end) nothing more is read
    starts = np.zeros(1, np.int64)  # starts of codes 0 .. 2^j - 1
    while starts.size < count:
        starts = np.concatenate([starts, jump[starts]])
        jump = jump[jump]
    starts = starts[:count]
    broken = np.flatnonzero(starts >= size)
    if broken.size:
        raise HuffmanError(f"the stream ends or holds no valid code after {int(broken[0]) - 1}")
    position = int(follow[starts[-1]])
    if position == bad:
        raise HuffmanError(f"the stream ends or holds no valid code after {count - 1}")
    if len(stream) != -(-position // 8) or bits[position:].any():
        raise HuffmanError("the stream does not end with zero padding after the last code")
    return np.array(order, np.int64)[slot[starts]]


def table_bytes(alphabet: int) -> int:
    """Bytes of the stored table: one length byte per alphabet symbol."""
    return alphabet


def encode_table(lengths: Mapping[int, int], alphabet: int) -> bytes:
    """Byte ``s`` = the code length of symbol ``s`` (0: it does not occur), ``s < alphabet``."""
    _check_lengths(lengths)
    if any(not 0 <= s < alphabet for s in lengths):
        raise HuffmanError(f"a symbol with a code is outside the alphabet of {alphabet}")
    table = np.zeros(alphabet, np.uint8)
    table[list(lengths)] = list(lengths.values())
    return table.tobytes()


def decode_table(table: bytes, alphabet: int) -> dict[int, int]:
    """``{symbol: length}`` from a stored table, checked (its size, lengths, Kraft's sum)."""
    if len(table) != table_bytes(alphabet):
        raise HuffmanError(f"the code table has {len(table)} bytes, {alphabet} expected")
    stored = np.frombuffer(table, dtype=np.uint8)
    lengths = {int(s): int(stored[s]) for s in np.flatnonzero(stored)}
    _check_lengths(lengths)
    return lengths
