"""Bit streams of the compact model file: positions of nonzero weights, sign bits, integers.

Each code comes as an encoder and its decoder, side by side; the bit counts are the
ones :mod:`compression.size` charges (every stream is rounded up to whole bytes):

- ``bitmask``: 1 bit per weight, ``numpy.packbits`` order (first weight = high bit);
- ``csr``: ``rows + 1`` little-endian uint32 row pointers, then one column index per
  nonzero as uint8/16/32 (the smallest that holds the column count);
- ``delta``: per nonzero, the run of zeros before it in ``b`` bits (high bit first);
  the code ``2^b - 1`` means "skip ``2^b - 1`` zeros, no weight" (Han et al. 2016);
- ``rows``: 1 bit per output row (first row = high bit); a set row stores every one of
  its weights, so the values are the smaller dense matrix of the kept rows;
- ``signs``: 1 bit per stored weight, 1 = negative;
- ``ints``: K bits per stored weight, two's complement, high bit first (K = 2 to 8);
- ``indices``: ``ceil(log2 K)`` bits per stored weight, unsigned, high bit first: which of
  a layer's K shared values (weight sharing, K = 2 to 256) the weight takes;
- ``huffman``: a table of one code-length byte per alphabet symbol, then the canonical
  Huffman codes of the symbols (:mod:`compression.files.huffman`): the K-bit integer codes,
  the shared-value indices or the delta entries, in place of their fixed-width bits.

Decoders take untrusted bytes: they check every count and index and raise
:class:`StreamError` (one sentence) instead of returning a wrong answer.
"""

from __future__ import annotations

import numpy as np

from compression.files.huffman import (
    HuffmanError,
    code_lengths,
    count_symbols,
    decode,
    decode_table,
    encode,
    encode_table,
    table_bytes,
)
from compression.size import csr_index_bits


class StreamError(ValueError):
    """A position or sign stream is inconsistent with the counts it should hold."""


def _unpack_exact(stream: bytes, count: int, what: str) -> np.ndarray:
    """The first ``count`` bits of ``stream`` as uint8 0/1; the stream must be exactly
    ``ceil(count / 8)`` bytes with zero padding bits."""
    if len(stream) != -(-count // 8):
        raise StreamError(f"{what} stream has {len(stream)} bytes, {-(-count // 8)} expected")
    bits = np.unpackbits(np.frombuffer(stream, dtype=np.uint8))
    if bits[count:].any():
        raise StreamError(f"{what} stream has nonzero padding bits")
    return bits[:count]


# bitmask: 1 bit per weight


def encode_bitmask(nonzero: np.ndarray) -> bytes:
    """Flat bool array -> packed bits, one per weight."""
    return np.packbits(nonzero.reshape(-1).astype(np.uint8)).tobytes()


def decode_bitmask(stream: bytes, count: int, stored: int) -> np.ndarray:
    """Flat positions (int64, increasing) of the set bits among ``count`` weights."""
    bits = _unpack_exact(stream, count, "bitmask")
    positions = np.flatnonzero(bits)
    if positions.size != stored:
        raise StreamError(f"bitmask marks {positions.size} weights, the header says {stored}")
    return positions


# rows: 1 bit per output row, every weight of a kept row stored


def encode_rows(kept_rows: np.ndarray) -> bytes:
    """Bool array with one entry per output row -> packed bits."""
    return np.packbits(kept_rows.reshape(-1).astype(np.uint8)).tobytes()


def decode_rows(stream: bytes, rows: int, columns: int, stored: int) -> np.ndarray:
    """Flat positions (int64, increasing) of every weight of the rows whose bit is set."""
    kept = np.flatnonzero(_unpack_exact(stream, rows, "rows"))
    if kept.size * columns != stored:
        raise StreamError(
            f"rows stream keeps {kept.size} rows of {columns} weights, the header says {stored}"
        )
    return (kept[:, None] * columns + np.arange(columns, dtype=np.int64)).reshape(-1)


# csr: row pointers + column indices


def csr_index_dtype(columns: int) -> np.dtype:
    """Little-endian unsigned type of a CSR column index (see ``size.csr_index_bits``)."""
    return np.dtype(f"<u{csr_index_bits(columns) // 8}")


def encode_csr(nonzero: np.ndarray) -> bytes:
    """(rows, columns) bool array -> uint32 row pointers, then column indices."""
    columns = nonzero.shape[1]
    row_pointers = np.concatenate([[0], np.cumsum(nonzero.sum(axis=1))]).astype("<u4")
    column_indices = np.nonzero(nonzero)[1].astype(csr_index_dtype(columns))
    return row_pointers.tobytes() + column_indices.tobytes()


def decode_csr(stream: bytes, rows: int, columns: int, stored: int) -> np.ndarray:
    """Flat positions ``row * columns + column`` of a CSR stream with ``stored`` nonzeros."""
    index_dtype = csr_index_dtype(columns)
    pointer_bytes = 4 * (rows + 1)
    if len(stream) != pointer_bytes + index_dtype.itemsize * stored:
        raise StreamError(f"csr stream has {len(stream)} bytes, not {rows} rows and {stored} ones")
    row_pointers = np.frombuffer(stream[:pointer_bytes], dtype="<u4").astype(np.int64)
    if row_pointers[0] != 0 or row_pointers[-1] != stored or (np.diff(row_pointers) < 0).any():
        raise StreamError("csr row pointers do not run from 0 up to the nonzero count")
    column_indices = np.frombuffer(stream[pointer_bytes:], dtype=index_dtype).astype(np.int64)
    if (column_indices >= columns).any():
        raise StreamError(f"csr column index beyond the {columns} columns")
    row_of = np.repeat(np.arange(rows, dtype=np.int64), np.diff(row_pointers))
    positions = row_of * columns + column_indices
    if (np.diff(positions) <= 0).any():
        raise StreamError("csr column indices are not strictly increasing within a row")
    return positions


# delta: escape-coded zero runs


def delta_entries(positions: np.ndarray, width: int) -> np.ndarray:
    """Codes of the delta stream: a run ``r`` of zeros becomes ``r // e`` escapes ``e``,
    then ``r % e``, with ``e = 2^width - 1``."""
    escape = 2**width - 1
    runs = np.diff(positions, prepend=-1) - 1
    counts = runs // escape + 1
    entries = np.full(int(counts.sum()), escape, dtype=np.int64)
    entries[np.cumsum(counts) - 1] = runs % escape
    return entries


def encode_delta(positions: np.ndarray, width: int) -> bytes:
    """Increasing flat positions -> ``width``-bit codes packed high bit first."""
    entries = delta_entries(positions, width)
    shifts = np.arange(width - 1, -1, -1, dtype=np.int64)
    bits = ((entries[:, None] >> shifts) & 1).astype(np.uint8)
    return np.packbits(bits.reshape(-1)).tobytes()


def decode_delta(stream: bytes, width: int, count: int, stored: int) -> np.ndarray:
    """Flat positions of the first ``stored`` weights coded in a delta stream.

    Position ``p_i = p_{i-1} + 1 + code`` (``p_{-1} = -1``); an escape adds ``e`` and
    emits nothing. The stream must end in the byte that holds the last weight's code.
    """
    if not 1 <= width <= 24:
        raise StreamError(f"delta width must be 1 to 24 bits, got {width}")
    if stored == 0:
        if stream:
            raise StreamError("delta stream of a layer without weights must be empty")
        return np.zeros(0, dtype=np.int64)
    escape = 2**width - 1
    whole_entries = 8 * len(stream) // width
    all_bits = np.unpackbits(np.frombuffer(stream, dtype=np.uint8))
    bits = all_bits[: whole_entries * width].reshape(whole_entries, width)
    entries = bits.astype(np.int64) @ (1 << np.arange(width - 1, -1, -1, dtype=np.int64))
    is_weight = entries != escape
    weight_entries = np.flatnonzero(is_weight)
    if weight_entries.size < stored:
        raise StreamError(f"delta stream codes {weight_entries.size} weights, not {stored}")
    used_entries = int(weight_entries[stored - 1]) + 1
    if -(-used_entries * width // 8) != len(stream) or all_bits[used_entries * width :].any():
        raise StreamError("delta stream has bits after its last weight")
    steps = np.where(is_weight[:used_entries], entries[:used_entries] + 1, escape)
    positions = np.cumsum(steps)[is_weight[:used_entries]] - 1
    if positions[-1] >= count:
        raise StreamError(f"delta stream points beyond the layer's {count} weights")
    return positions


def delta_positions(entries: np.ndarray, width: int, count: int, stored: int) -> np.ndarray:
    """Flat positions of the ``stored`` weights of decoded delta ``entries`` (as
    :func:`decode_delta`); the last entry must be a weight's, not an escape."""
    escape = 2**width - 1
    is_weight = entries != escape
    if int(is_weight.sum()) != stored or (stored and not is_weight[-1]):
        raise StreamError(f"delta stream codes {int(is_weight.sum())} weights, not {stored}")
    steps = np.where(is_weight, entries + 1, escape)
    positions = np.cumsum(steps)[is_weight] - 1
    if positions.size and positions[-1] >= count:
        raise StreamError(f"delta stream points beyond the layer's {count} weights")
    return positions


# signs: 1 bit per stored weight


def encode_signs(values: np.ndarray) -> bytes:
    """1 bit per value, set where the value is negative."""
    return np.packbits((values < 0).astype(np.uint8)).tobytes()


def decode_signs(stream: bytes, stored: int) -> np.ndarray:
    """+1.0 / -1.0 (float32) for each of ``stored`` sign bits."""
    bits = _unpack_exact(stream, stored, "sign")
    return np.where(bits == 1, np.float32(-1.0), np.float32(1.0))


# integers: K bits per stored weight, two's complement


def encode_ints(values: np.ndarray, bits: int) -> bytes:
    """Whole numbers in ``[-(2^(K-1) - 1), 2^(K-1) - 1]`` -> K-bit two's complement codes,
    packed high bit first."""
    codes = np.asarray(values, dtype=np.int64) & (2**bits - 1)
    shifts = np.arange(bits - 1, -1, -1, dtype=np.int64)
    return np.packbits(((codes[:, None] >> shifts) & 1).astype(np.uint8).reshape(-1)).tobytes()


def decode_ints(stream: bytes, stored: int, bits: int) -> np.ndarray:
    """The ``stored`` K-bit integers of a stream (float32); ``-2^(K-1)`` is not a symmetric
    K-bit value and is refused."""
    unpacked = _unpack_exact(stream, stored * bits, f"{bits}-bit integer")
    codes = unpacked.reshape(stored, bits).astype(np.int64) @ (1 << np.arange(bits - 1, -1, -1))
    return signed_ints(codes, bits)


def signed_ints(codes: np.ndarray, bits: int) -> np.ndarray:
    """K-bit two's complement codes ``0 .. 2^K - 1`` -> their values (float32); the code of
    ``-2^(K-1)`` is not a symmetric K-bit value and is refused."""
    values = np.where(codes >= 2 ** (bits - 1), codes - 2**bits, codes)
    if (values == -(2 ** (bits - 1))).any():
        raise StreamError(f"{bits}-bit integer stream holds {-(2 ** (bits - 1))}, outside the code")
    return values.astype(np.float32)


# indices: ceil(log2 K) bits per stored weight, unsigned (weight sharing)


def encode_indices(indices: np.ndarray, bits: int) -> bytes:
    """Whole numbers in ``[0, 2^bits - 1]`` -> ``bits``-bit unsigned codes, high bit first."""
    codes = np.asarray(indices, dtype=np.int64)
    shifts = np.arange(bits - 1, -1, -1, dtype=np.int64)
    return np.packbits(((codes[:, None] >> shifts) & 1).astype(np.uint8).reshape(-1)).tobytes()


def decode_indices(stream: bytes, stored: int, bits: int, count: int) -> np.ndarray:
    """The ``stored`` indices of a stream (int64); an index ``>= count`` (no such shared
    value) is refused."""
    unpacked = _unpack_exact(stream, stored * bits, f"{bits}-bit index")
    indices = unpacked.reshape(stored, bits).astype(np.int64) @ (1 << np.arange(bits - 1, -1, -1))
    if (indices >= count).any():
        raise StreamError(f"index stream names value {int(indices.max())} of only {count}")
    return indices


# huffman: a length byte per alphabet symbol, then the canonical codes


def encode_huffman(symbols: np.ndarray, alphabet: int) -> bytes:
    """Symbols ``0 .. alphabet - 1`` -> their code-length table, then their Huffman codes."""
    lengths = code_lengths(count_symbols(symbols))
    return encode_table(lengths, alphabet) + encode(symbols, lengths)


def decode_huffman(stream: bytes, alphabet: int, count: int) -> np.ndarray:
    """The ``count`` symbols (int64) of a Huffman stream over ``alphabet`` symbols."""
    table = table_bytes(alphabet)
    if len(stream) < table:
        raise StreamError(f"Huffman stream has {len(stream)} bytes, its table alone {table}")
    try:
        lengths = decode_table(stream[:table], alphabet)
        return decode(stream[table:], lengths, count)
    except HuffmanError as error:
        raise StreamError(f"Huffman stream: {error}") from None
