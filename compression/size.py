"""How many bytes a model takes: dense float32 versus the compact encoding.

The encoding of a layer is read off its weight tensor, so it describes what is
really there (a checkpoint with baked-in ternary values is counted as ternary):

- values: ``float32`` (32 bits per stored weight), ``sign`` (1 bit per stored
  weight) when all nonzero ``|W|`` are equal per tensor or per output channel, or
  ``int`` (K = 2..8 bits per stored weight, two's complement) when every weight is
  ``s * n`` with ``s = max|W| / (2^(K-1) - 1)`` per tensor or per output channel and a whole
  ``|n| <= 2^(K-1) - 1``; sign and int add one float32 scale per tensor or per channel;
  or ``shared`` (weight sharing) when the layer holds K = 2..256 distinct nonzero values:
  a ``ceil(log2 K)``-bit index per stored weight plus the K values as float32;
- positions of the nonzero weights, whichever is cheapest:
  ``dense`` (every weight stored, 0 bits; only if none is zero),
  ``bitmask`` (1 bit per weight),
  ``csr`` (a column index per nonzero of 8/16/32 bits by the column count, plus
  32-bit row pointers: ``w_col * nnz + 32 * (rows + 1)``),
  ``delta`` (the run of zeros before each nonzero in ``b`` bits, code ``2^b - 1``
  meaning "skip ``2^b - 1`` zeros, no weight": ``b * (nnz + sum(gap // (2^b - 1)))``,
  with the best ``b`` per layer, as in Deep Compression's relative indices),
  ``rows`` (1 bit per output row; every weight of a kept row is stored: after neuron
  pruning, the smaller dense matrix of the kept rows; float32 or int values, or sign
  values when the kept rows hold no zero);
- biases: float32.

The value and position codes chosen are the pair with the fewest bytes. Each part is
rounded up to whole bytes: ``ceil(position_bits / 8) + ceil(value_bits / 8)
+ 4 * scales + 4 * biases``. A dense float32 layer costs ``4 * (weights + biases)``.

With ``huffman=True`` (Deep Compression's third stage, :mod:`compression.files.huffman`)
two streams may be Huffman-coded instead: the values of an ``int`` or ``shared`` code
(symbols: the K-bit two's complement codes, alphabet ``2^K``; the indices, alphabet K)
and the entries of a ``delta`` position code of ``b <= 12`` bits (alphabet ``2^b``). A
stream costs ``ceil(sum_s n_s * l_s / 8)`` bytes of codes plus its table, one byte per
alphabet symbol, and is Huffman-coded only when that is fewer bytes than its fixed-width
code (sign bits never are: no code is shorter than 1 bit). The row then says so
(``huffman_values``, ``huffman_positions``) and keeps ``position_bytes`` and
``value_bytes`` at the fixed-width bytes, with ``compressed_bytes = position_bytes +
value_bytes + scale_bytes + bias_bytes + huffman_table_bytes - huffman_saved_bytes``
(``huffman_saved_bytes``: fixed-width bytes minus Huffman code bytes of the coded streams).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from compression.files.huffman import code_lengths, encoded_bits

FLOAT_BITS = 32
DELTA_WIDTHS = range(1, 25)
INT_BITS = range(2, 9)  # K of the K-bit integer value codes
SHARED_COUNTS = range(2, 257)  # K of the shared-values code: indices of 1 to 8 bits
HUFFMAN_DELTA_WIDTHS = range(1, 13)  # delta entries Huffman-coded: tables of 2^b <= 4096 bytes


@dataclass(frozen=True)
class ValueCode:
    """How the nonzero weights of a layer are stored."""

    kind: str  # "float32", "sign", "int" (K-bit signed integers times a scale) or "shared"
    bits_per_value: int  # 32, 1, K, or ceil(log2 K) for K shared values
    scales: int  # float32 numbers stored besides (scales, or the K shared values)

    @property
    def holds_zero(self) -> bool:
        """Whether a stored value can be 0 (so zeros may be stored rather than skipped)."""
        return self.kind not in ("sign", "shared")


@dataclass(frozen=True)
class PositionCode:
    """How the positions of the nonzero weights are stored."""

    kind: str  # "dense", "bitmask", "csr" or "delta"
    bits: int  # total bits of the position stream (fixed-width)
    delta_width: int | None = None  # b, for "delta"
    huffman_bytes: int | None = None  # bytes of Huffman-coded entries (None: not coded)

    @property
    def table_bytes(self) -> int:
        """The Huffman table: a length byte per delta entry value ``0 .. 2^b - 1``."""
        return 0 if self.huffman_bytes is None else 2**self.delta_width

    @property
    def stream_bytes(self) -> int:
        """Bytes written: the fixed-width stream, or the table and the Huffman codes."""
        if self.huffman_bytes is None:
            return bytes_of(self.bits)
        return self.table_bytes + self.huffman_bytes


def value_code(weight: torch.Tensor) -> ValueCode:
    """``sign`` if every nonzero |W| is equal (per tensor or per output channel), else float32.

    Only the sign and float32 codes: :func:`value_codes` adds the K-bit integer code."""
    magnitudes = weight.detach().abs().reshape(weight.shape[0], -1)
    nonzero = magnitudes != 0
    if not bool(nonzero.any()):
        return ValueCode("sign", 1, 1)
    first = magnitudes[0]  # most float weights are settled on their first row, cheaply
    if not bool(((first == first.max()) | (first == 0)).all()):
        return ValueCode("float32", FLOAT_BITS, 0)
    row_max = magnitudes.max(dim=1, keepdim=True).values
    if not bool(((magnitudes == row_max) | ~nonzero).all()):
        return ValueCode("float32", FLOAT_BITS, 0)
    row_has = nonzero.any(dim=1)
    distinct = row_max[row_has].unique()
    scales = 1 if distinct.numel() == 1 else weight.shape[0]
    return ValueCode("sign", 1, scales)


def int_scales(weight: torch.Tensor, bits: int, per_row: bool) -> torch.Tensor:
    """The scales of a K-bit code: ``s = max|W| / (2^(K-1) - 1)``, shape (1,) or (rows,)."""
    row_max = weight.detach().abs().reshape(weight.shape[0], -1).amax(dim=1)
    return (row_max if per_row else row_max.max().reshape(1)) / (2 ** (bits - 1) - 1)


def int_codes(weight: torch.Tensor, bits: int, scales: torch.Tensor) -> torch.Tensor | None:
    """The integers ``n`` (rows x columns, float) with ``W == s * n`` exactly and
    ``|n| <= 2^(K-1) - 1`` for the given scales (one, or one per row); None if not."""
    flat = weight.detach().reshape(weight.shape[0], -1)
    scales = scales.reshape(-1, 1)
    codes = torch.round(flat / torch.where(scales > 0, scales, torch.ones_like(scales)))
    if bool((codes.abs() > 2 ** (bits - 1) - 1).any()) or not torch.equal(codes * scales, flat):
        return None
    return codes


def int_value_code(weight: torch.Tensor) -> ValueCode | None:
    """The K-bit code with the fewest bits (one scale first, then one per row) that holds
    ``weight`` exactly, or None.

    The first row with a nonzero weight is tried before the whole tensor: a float layer is
    settled on it, and a row with more distinct values than any K <= 8 has settles it at once.
    """
    flat = weight.detach().reshape(weight.shape[0], -1)
    row_max = flat.abs().amax(dim=1)
    probe = int(torch.argmax((row_max > 0).to(torch.uint8)))  # 0 when every row is zero
    if flat[probe].unique().numel() > 2 ** INT_BITS[-1] - 1:
        return None
    for bits in INT_BITS:
        for per_row in (False, True):
            top = row_max if per_row else row_max.max().reshape(1)
            scales = top / (2 ** (bits - 1) - 1)  # as int_scales
            row_scale = scales[probe : probe + 1] if per_row else scales
            probe_fits = int_codes(flat[probe : probe + 1], bits, row_scale) is not None
            if probe_fits and int_codes(flat, bits, scales) is not None:
                return ValueCode("int", bits, len(scales))
    return None


def shared_values(weight: torch.Tensor) -> torch.Tensor | None:
    """The distinct nonzero values of ``weight`` (ascending) when there are 2 to 256 of
    them, else None. The first row with a nonzero weight is probed first: a float layer
    usually has more than 256 values in one row."""
    flat = weight.detach().reshape(weight.shape[0], -1)
    probe = int(torch.argmax((flat != 0).any(dim=1).to(torch.uint8)))
    if flat[probe].unique().numel() > SHARED_COUNTS[-1] + 1:  # its zero may be one of them
        return None
    values = flat[flat != 0].unique()
    return values if values.numel() in SHARED_COUNTS else None


def shared_value_code(weight: torch.Tensor) -> ValueCode | None:
    """K shared values: a ``ceil(log2 K)``-bit index per stored weight and K float32
    values, when the layer holds K = 2..256 distinct nonzero values; else None."""
    values = shared_values(weight)
    if values is None:
        return None
    return ValueCode("shared", (values.numel() - 1).bit_length(), values.numel())


def value_codes(weight: torch.Tensor) -> list[ValueCode]:
    """Every value code that holds ``weight`` exactly: sign, the smallest K-bit code, the
    shared values, float32."""
    codes = [value_code(weight)]
    # Where sign values fit, 2-bit integers cost more with any position code but ``rows``
    # (they can store the zeros of a kept row): only a layer with an empty row needs them.
    empty_row = not bool((weight.detach().reshape(weight.shape[0], -1) != 0).any(dim=1).all())
    if codes[0].kind == "float32" or empty_row:
        integers = int_value_code(weight)
        codes += [integers] if integers is not None else []
    shared = shared_value_code(weight)
    codes += [shared] if shared is not None else []
    return list(dict.fromkeys([*codes, ValueCode("float32", FLOAT_BITS, 0)]))


def csr_index_bits(columns: int) -> int:
    """Width of a CSR column index: the smallest of 8, 16, 32 bits that holds ``columns``."""
    return next(width for width in (8, 16, 32) if columns <= 2**width)


def zero_runs(flat_nonzero: torch.Tensor) -> torch.Tensor:
    """Zeros before each nonzero of a flat bool tensor: ``p_i - p_{i-1} - 1``, ``p_{-1} = -1``."""
    positions = flat_nonzero.nonzero().reshape(-1)
    return torch.diff(positions, prepend=positions.new_tensor([-1])) - 1


def delta_bits(runs: torch.Tensor, width: int) -> int:
    """Bits of the delta code with ``width``-bit entries (escape = 2^width - 1 zeros)."""
    escape = 2**width - 1
    entries = runs.numel() + int((runs // escape).sum())
    return width * entries


def delta_bits_by_width(runs: torch.Tensor, widths: range) -> list[int]:
    """``[delta_bits(runs, b) for b in widths]``, from one histogram of the run lengths.

    ``sum_i (g_i // e) = sum_g count(g) * (g // e)``: the same integers, without a pass
    over every nonzero per width.
    """
    counts = torch.bincount(runs)  # counts[g]: nonzeros that follow g zeros
    gaps = torch.arange(counts.numel())
    width = torch.tensor(list(widths)).unsqueeze(1)  # (W, 1): every width at once
    escapes = (counts * (gaps // (2**width - 1))).sum(dim=1)  # (W,) escape entries per width
    return (width.squeeze(1) * (runs.numel() + escapes)).tolist()


def huffman_bytes(counts: dict[int, int]) -> int:
    """Bytes of the Huffman codes of symbols with these counts (no table):
    ``ceil(sum_s n_s * l_s / 8)``."""
    return bytes_of(encoded_bits(counts, code_lengths(counts))) if counts else 0


def _counts(histogram: np.ndarray) -> dict[int, int]:
    """``{symbol: count}`` of a histogram's nonzero entries."""
    return {int(s): int(histogram[s]) for s in np.flatnonzero(histogram)}


def delta_entry_counts(runs: torch.Tensor, width: int) -> dict[int, int]:
    """How often each entry of the ``width``-bit delta code occurs: a run ``g`` gives
    ``g // e`` escapes ``e = 2^width - 1`` and one entry ``g % e``."""
    escape = 2**width - 1
    gaps = torch.bincount(runs).numpy() if runs.numel() else np.zeros(0, np.int64)
    values = np.arange(gaps.size)
    histogram = np.bincount(values % escape, weights=gaps, minlength=escape + 1)
    histogram[escape] = int((gaps * (values // escape)).sum())
    return _counts(histogram.astype(np.int64))


def delta_huffman_code(runs: torch.Tensor, width: int, bits: int) -> PositionCode:
    """The ``width``-bit delta code, Huffman-coded when table + codes < ``ceil(bits / 8)``."""
    code = PositionCode("delta", bits, width, huffman_bytes(delta_entry_counts(runs, width)))
    return code if code.stream_bytes < bytes_of(bits) else PositionCode("delta", bits, width)


def position_codes(weight: torch.Tensor, huffman: bool = False) -> list[PositionCode]:
    """Every applicable position code of ``weight``, cheapest first (``huffman``: the delta
    codes Huffman-coded where that is smaller)."""
    flat = weight.detach().reshape(-1) != 0
    count, nonzeros = flat.numel(), int(torch.count_nonzero(flat))
    if nonzeros == count:
        return [PositionCode("dense", 0)]
    rows = weight.shape[0]
    columns = count // rows
    codes = [
        PositionCode("bitmask", count),
        PositionCode("csr", csr_index_bits(columns) * nonzeros + 32 * (rows + 1)),
    ]
    runs = zero_runs(flat)
    delta = delta_bits_by_width(runs, DELTA_WIDTHS)
    for width, bits in zip(DELTA_WIDTHS, delta, strict=True):
        coded = huffman and width in HUFFMAN_DELTA_WIDTHS
        codes.append(
            delta_huffman_code(runs, width, bits) if coded else PositionCode("delta", bits, width)
        )
    return sorted(codes, key=lambda code: (code.stream_bytes, code.bits))


def bytes_of(bits: int) -> int:
    return math.ceil(bits / 8)


def value_symbols(weight: torch.Tensor, values: ValueCode) -> np.ndarray | None:
    """The Huffman symbol of every weight (flat int64) under an ``int`` code (its K-bit two's
    complement code, 0 for a zero) or a ``shared`` code (its index among the K values); None
    for the other codes, which are never Huffman-coded."""
    flat = weight.detach().reshape(-1)
    if values.kind == "int":
        bits = values.bits_per_value
        codes = int_codes(weight, bits, int_scales(weight, bits, values.scales > 1))
        return codes.reshape(-1).numpy().astype(np.int64) & (2**bits - 1)
    if values.kind == "shared":
        return np.searchsorted(shared_values(weight).numpy(), flat.numpy()).astype(np.int64)
    return None


def value_alphabet(values: ValueCode) -> int:
    """Symbols a Huffman value table covers: ``2^K`` K-bit codes, or the K shared values."""
    return values.scales if values.kind == "shared" else 2**values.bits_per_value


@dataclass(frozen=True)
class ValueStream:
    """The bytes of a layer's value stream: fixed-width, or Huffman-coded with its table."""

    fixed_bytes: int
    huffman_bytes: int | None = None  # the codes, when Huffman-coded
    table_bytes: int = 0

    @property
    def stream_bytes(self) -> int:
        return (
            self.fixed_bytes
            if self.huffman_bytes is None
            else self.huffman_bytes + self.table_bytes
        )


def layer_size(
    name: str, weight: torch.Tensor, bias: torch.Tensor | None, huffman: bool = False
) -> dict:
    """One row of the size table: counts, sparsity, chosen codes and bytes of a layer.

    ``sparsity`` is the share of the weight tensor that is 0 (biases not counted, as in
    ``torch.nn.utils.prune`` and Distiller); ``param_sparsity`` counts weights and biases.
    ``kept_shape`` drops the output rows (neurons, filters) whose weights are all 0.
    ``huffman``: a stream may be Huffman-coded where that is smaller (module docstring).
    """
    weights = weight.numel()
    biases = 0 if bias is None else bias.numel()
    nonzero_weights = int(torch.count_nonzero(weight))
    nonzero_biases = 0 if bias is None else int(torch.count_nonzero(bias))
    sparse_positions = position_codes(weight, huffman)
    rows, columns = weight.shape[0], weights // weight.shape[0]
    row_has = weight.detach().reshape(rows, columns).any(dim=1)
    rows_kept = int(torch.count_nonzero(row_has))
    whole_rows = rows_kept * columns

    def positions_for(values: ValueCode) -> list[PositionCode]:
        positions = list(sparse_positions)
        if values.holds_zero and positions[0].kind != "dense":
            # a float or an integer can hold a zero, so storing every weight is a candidate
            positions.append(PositionCode("dense", 0))
        if rows_kept < rows and (values.holds_zero or nonzero_weights == whole_rows):
            # whole rows gone (neuron pruning): a bit per row, then the kept rows densely
            positions.append(PositionCode("rows", rows))
        return positions

    def stored(code: PositionCode) -> int:
        return {"dense": weights, "rows": whole_rows}.get(code.kind, nonzero_weights)

    streams: dict[tuple[ValueCode, str], ValueStream] = {}

    def value_stream(values: ValueCode, code: PositionCode) -> ValueStream:
        """The value stream for the weights ``code`` stores (computed once per set)."""
        kind = code.kind if code.kind in ("dense", "rows") else "sparse"
        key = (values, kind)
        if key not in streams:
            fixed = _value_bytes(values, stored(code))
            symbols = value_symbols(weight, values) if huffman else None
            streams[key] = ValueStream(fixed)
            if symbols is not None:
                flat = weight.detach().reshape(-1)
                chosen = {
                    "dense": torch.ones_like(flat, dtype=torch.bool),
                    "rows": row_has.repeat_interleave(columns),
                    "sparse": flat != 0,
                }[kind].numpy()
                counts = _counts(np.bincount(symbols[chosen], minlength=value_alphabet(values)))
                coded = ValueStream(fixed, huffman_bytes(counts), value_alphabet(values))
                streams[key] = coded if coded.stream_bytes < fixed else ValueStream(fixed)
        return streams[key]

    def cost(choice: tuple[ValueCode, PositionCode]) -> int:
        values, code = choice
        return code.stream_bytes + value_stream(values, code).stream_bytes + 4 * values.scales

    choices = [(v, p) for v in value_codes(weight) for p in positions_for(v)]
    values, position = min(choices, key=cost)  # ties: sign, integers, shared, float32
    value_part = value_stream(values, position)
    position_bytes = bytes_of(position.bits)
    value_bytes = value_part.fixed_bytes
    scale_bytes = 4 * values.scales
    table_bytes = position.table_bytes + value_part.table_bytes
    saved = (position_bytes + value_bytes) - (
        position.stream_bytes
        - position.table_bytes
        + value_part.stream_bytes
        - value_part.table_bytes
    )
    weight_bytes = position.stream_bytes + value_part.stream_bytes + scale_bytes
    params = weights + biases
    nonzero = nonzero_weights + nonzero_biases
    return {
        "layer": name,
        "shape": tuple(weight.shape),
        # the dense matrix left when the rows with no weight are dropped (neuron pruning)
        "kept_shape": (rows_kept, *weight.shape[1:]),
        "params": params,
        "nonzero_params": nonzero,
        "sparsity": 1 - nonzero_weights / weights,
        "param_sparsity": 1 - nonzero / params,
        "values": _value_label(values, nonzero_weights, weights),
        "positions": position.kind,
        "delta_width": position.delta_width,
        "scales": values.scales,
        "bits_per_weight": 8 * weight_bytes / weights,
        "huffman": position.huffman_bytes is not None or value_part.huffman_bytes is not None,
        "huffman_values": value_part.huffman_bytes is not None,
        "huffman_positions": position.huffman_bytes is not None,
        # fixed-width bytes of the chosen codes (before any Huffman coding)
        "position_bytes": position_bytes,
        "value_bytes": value_bytes,
        "scale_bytes": scale_bytes,
        "bias_bytes": 4 * biases,
        "huffman_table_bytes": table_bytes,
        "huffman_saved_bytes": saved,  # fixed-width minus Huffman code bytes, tables apart
        "dense_fp32_bytes": 4 * params,
        "compressed_bytes": weight_bytes + 4 * biases,
    }


def _value_bytes(values: ValueCode, stored: int) -> int:
    return bytes_of(values.bits_per_value * stored)


def _value_label(values: ValueCode, nonzero: int, count: int) -> str:
    if values.kind == "float32":
        return "float32"
    if values.kind == "int":
        return f"int{values.bits_per_value}"
    if values.kind == "shared":
        return f"shared{values.scales}"
    return "binary" if nonzero == count else "ternary"


def size_rows(
    state: dict[str, torch.Tensor], layers: list[str], huffman: bool = False
) -> list[dict]:
    """A :func:`layer_size` row per weight layer, in forward order."""
    return [
        layer_size(name, state[f"{name}.weight"], state.get(f"{name}.bias"), huffman)
        for name in layers
    ]


def size_table(
    state: dict[str, torch.Tensor], layers: list[str], huffman: bool = False
) -> pd.DataFrame:
    """:func:`size_rows` as a table."""
    return pd.DataFrame(size_rows(state, layers, huffman))


def size_summary(table: pd.DataFrame | list[dict]) -> dict:
    """Totals of a size table: parameters, sparsity, bytes and ratio dense/compressed.

    ``table`` is a :func:`size_table` or its rows (:func:`layer_size` dicts), which skips
    building a DataFrame where many tables are summed (a sweep).
    """

    def total(column: str) -> int:
        if isinstance(table, pd.DataFrame):
            return int(table[column].sum())
        return sum(int(row[column]) for row in table)

    params, nonzero = total("params"), total("nonzero_params")
    dense, compressed = total("dense_fp32_bytes"), total("compressed_bytes")
    return {
        "params": params,
        "nonzero_params": nonzero,
        "sparsity": 1 - nonzero / params if params else 0.0,
        "size_bytes": {"dense_fp32": dense, "compressed": compressed},
        "compression_ratio": dense / compressed if compressed else float("inf"),
    }
