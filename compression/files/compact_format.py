"""The compact model file (``.cxm``): its layout, and a parser that trusts nothing.

Layout (little-endian), a header and then the streams of every layer in forward order::

    magic "\\x93CXM" | version u8 | compressor u8 (0 none, 1 zlib, 2 bz2, 3 lzma)
    model name (u8 length + ASCII) | data set name (u8 length + ASCII)
    settings (u16 length + compact JSON; length 0 = not recorded) | layer count u8
    per layer: name (u8 length + ASCII) | ndim u8 | dims u32 x ndim | has_bias u8
               value code u8 (0 float32, 1 sign, K = 2..8: K-bit integers,
                              9 shared: K = scales shared values, ceil(log2 K)-bit indices)
               scales u32 | position code u8 | delta width u8
               stored u32 | position bytes u32
               version 2 only: huffman u8 (bit 0: values, bit 1: positions Huffman-coded)
               | value bytes u32 | delta entries u32 (codes in a Huffman delta stream)
    per layer: positions | values | scales (float32) | biases (float32)

Version 1 has no Huffman-coded stream; a file written with Huffman coding allowed is
version 2 (even if no layer's stream turned out smaller Huffman-coded). A Huffman-coded
stream is its table (a code-length byte per symbol: ``2^K`` for K-bit integers, K for
K shared values, ``2^b`` for b-bit delta entries) and then the canonical codes
(:mod:`compression.files.huffman`, :func:`compression.files.codecs.decode_huffman`).

The streams are exactly the parts :mod:`compression.size` counts, so a file is
``header + sum(compressed_bytes)`` bytes; with a general-purpose compressor the
streams (not the header) are packed by it, and the file is smaller than that.

:func:`load_compact` checks the magic, the version, the model, every layer's name and
shape against the model, and every count and length against the bytes really present
(after unpacking at most the declared length), before it decodes anything.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass, replace

import numpy as np
import torch

from compression.data import DATASETS
from compression.files.checkpoint import Checkpoint, CheckpointError
from compression.files.codecs import (
    StreamError,
    csr_index_dtype,
    decode_bitmask,
    decode_csr,
    decode_delta,
    decode_huffman,
    decode_indices,
    decode_ints,
    decode_rows,
    decode_signs,
    delta_positions,
    signed_ints,
)
from compression.files.packing import COMPRESSORS, PackingError, unpack
from compression.files.quoting import quoted, shortened
from compression.files.reading import MAX_MODEL_FILE_BYTES
from compression.models import MODELS, build_model, weight_layer_names
from compression.settings import CompressionSettings, SettingsError

MAGIC = b"\x93CXM"
FORMAT_VERSION = 1  # without Huffman coding
HUFFMAN_VERSION = 2  # with Huffman coding allowed
VERSIONS = (FORMAT_VERSION, HUFFMAN_VERSION)
HUFFMAN_DELTA_WIDTHS = range(1, 13)  # as compression.size's
FILE_SUFFIX = ".cxm"
MAX_FILE_BYTES = MAX_MODEL_FILE_BYTES  # refuse anything larger before reading it
MAX_SETTINGS_BYTES = 1024
# index = value code in the file: 0 float32, 1 sign, K = 2..8 for K-bit integers, 9 shared
VALUE_CODES = ("float32", "sign", *(f"int{bits}" for bits in range(2, 9)), "shared")
SHARED_COUNTS = range(2, 257)  # K of "shared": the float32s after the indices
POSITION_CODES = ("dense", "bitmask", "csr", "delta", "rows")  # index = position code in the file

_PREAMBLE = struct.Struct("<4sBB")  # magic, version, compressor
_LAYER_CODES = struct.Struct("<BBIBBII")  # has_bias, value, scales, position, width, stored, bytes
_HUFFMAN_CODES = struct.Struct("<BII")  # version 2: huffman flags, value bytes, delta entries


class CompactFormatError(CheckpointError):
    """A file is not a valid compact model of a known network."""


@dataclass(frozen=True)
class LayerRecord:
    """The header entry of one layer: its shape and how its streams are coded."""

    name: str
    shape: tuple[int, ...]
    has_bias: bool
    values: str  # "float32", "sign", "int2" ... "int8" or "shared"
    scales: int  # float32s after the values: 0, 1 or shape[0] scales; K shared values
    positions: str  # "dense", "bitmask", "csr", "delta" or "rows"
    delta_width: int  # b of the delta code, 0 otherwise
    stored: int  # weights in the value stream (all of them for "dense")
    position_bytes: int
    huffman_values: bool = False  # the value stream is a Huffman table + codes
    huffman_positions: bool = False  # the delta stream is a Huffman table + codes
    coded_value_bytes: int = 0  # bytes of a Huffman-coded value stream
    delta_entries: int = 0  # codes in a Huffman-coded delta stream

    @property
    def count(self) -> int:
        return math.prod(self.shape)

    @property
    def value_alphabet(self) -> int:
        """Symbols of a Huffman value table: K shared values, or the 2^K integer codes."""
        return self.scales if self.values == "shared" else 2**self.value_bits

    @property
    def value_bits(self) -> int:
        """Bits per stored weight: 32, 1 (a sign), K, or ceil(log2 K) for K shared values."""
        if self.values == "shared":
            return (self.scales - 1).bit_length()
        return {"float32": 32, "sign": 1}.get(self.values) or int(self.values[3:])

    @property
    def value_bytes(self) -> int:
        if self.huffman_values:
            return self.coded_value_bytes
        return -(-self.value_bits * self.stored // 8)

    @property
    def bias_bytes(self) -> int:
        return 4 * self.shape[0] if self.has_bias else 0

    @property
    def stream_bytes(self) -> int:
        return self.position_bytes + self.value_bytes + 4 * self.scales + self.bias_bytes


def settings_json(settings: CompressionSettings | None) -> bytes:
    """The settings that differ from the defaults, as compact JSON (b"" for None)."""
    if settings is None:
        return b""
    defaults = CompressionSettings().to_dict()
    changed = {k: v for k, v in settings.to_dict().items() if v != defaults[k]}
    return json.dumps(changed, separators=(",", ":"), sort_keys=True).encode("ascii")


def _short_text(text: str, what: str) -> bytes:
    if not text.isascii() or len(text) > 255:  # the reader's u8 length and ASCII check
        raise ValueError(f"the {what} {quoted(text)} is not ASCII text of at most 255 characters")
    return struct.pack("<B", len(text)) + text.encode("ascii")


def pack_header(
    model_name: str,
    dataset: str,
    settings: bytes,
    records: list[LayerRecord],
    compressor: str = "none",
    huffman: bool = False,
) -> bytes:
    """The header bytes for the given layer records (see the module docstring); version 2
    with ``huffman`` (Huffman-coded streams allowed), else version 1.

    Raises ``ValueError`` for a field the reader would refuse (settings over
    :data:`MAX_SETTINGS_BYTES`, a name that is not short ASCII text) before writing anything.
    """
    if len(settings) > MAX_SETTINGS_BYTES:
        raise ValueError(
            f"the compression settings take {len(settings):,} bytes as JSON; a compact model "
            f"file holds at most {MAX_SETTINGS_BYTES:,}"
        )
    if not huffman and any(r.huffman_values or r.huffman_positions for r in records):
        raise ValueError("a Huffman-coded stream needs a file written with Huffman coding")
    version = HUFFMAN_VERSION if huffman else FORMAT_VERSION
    parts = [
        _PREAMBLE.pack(MAGIC, version, COMPRESSORS.index(compressor)),
        _short_text(model_name, "model name"),
        _short_text(dataset, "data set name"),
        struct.pack("<H", len(settings)) + settings,
        struct.pack("<B", len(records)),
    ]
    for record in records:
        parts += [
            _short_text(record.name, "layer name"),
            struct.pack(f"<B{len(record.shape)}I", len(record.shape), *record.shape),
            _LAYER_CODES.pack(
                record.has_bias,
                VALUE_CODES.index(record.values),
                record.scales,
                POSITION_CODES.index(record.positions),
                record.delta_width,
                record.stored,
                record.position_bytes,
            ),
        ]
        if huffman:
            flags = int(record.huffman_values) | 2 * int(record.huffman_positions)
            parts.append(_HUFFMAN_CODES.pack(flags, record.value_bytes, record.delta_entries))
    return b"".join(parts)


class _Reader:
    """Reads fields front to back; running out of bytes is a clear error, never a crash."""

    def __init__(self, data: bytes, label: str):
        self.data, self.offset, self.label = memoryview(data), 0, label

    def fail(self, message: str) -> CompactFormatError:
        return CompactFormatError(f"{self.label}: {message}")

    def take(self, size: int, what: str) -> bytes:
        if size > len(self.data) - self.offset:
            raise self.fail(f"the file ends inside the {what}; it is truncated or not a model")
        chunk = bytes(self.data[self.offset : self.offset + size])
        self.offset += size
        return chunk

    def unpack(self, layout: struct.Struct, what: str) -> tuple:
        return layout.unpack(self.take(layout.size, what))

    def text(self, what: str) -> str:
        (length,) = struct.unpack("<B", self.take(1, what))
        raw = self.take(length, what)
        if not raw.isascii():
            raise self.fail(f"the {what} is not ASCII text")
        return raw.decode("ascii")

    @property
    def remaining(self) -> int:
        return len(self.data) - self.offset


def load_compact(data: bytes, limit: int = MAX_FILE_BYTES, label: str = "upload") -> Checkpoint:
    """Parse a compact model file into a :class:`Checkpoint` of dense float32 tensors.

    Raises :class:`CompactFormatError` (one sentence) for a file over ``limit`` bytes,
    a wrong magic or version, an unknown model or data set, layers that differ from
    the model's, or counts and lengths that the bytes present cannot hold. Nothing is
    allocated in proportion to a declared size before these checks pass.
    """
    if len(data) > limit:
        raise CompactFormatError(
            f"{label}: {len(data):,} bytes is over the {limit:,}-byte limit for a model file"
        )
    reader = _Reader(data, label)
    magic, version, compressor_code = reader.unpack(_PREAMBLE, "file header")
    if magic != MAGIC:
        raise reader.fail("not a compact model file (wrong magic bytes)")
    if version not in VERSIONS:
        raise reader.fail(
            f"compact model version {version} is not supported "
            f"(this program reads versions {FORMAT_VERSION} and {HUFFMAN_VERSION})"
        )
    if compressor_code >= len(COMPRESSORS):
        raise reader.fail(f"unknown compressor code {compressor_code}")
    compressor = COMPRESSORS[compressor_code]
    model_name = reader.text("model name")
    if model_name not in MODELS:
        raise reader.fail(f"unknown model {quoted(model_name)}; known: {sorted(MODELS)}")
    dataset = reader.text("data set name")
    if dataset not in DATASETS:
        raise reader.fail(f"unknown data set {quoted(dataset)}; known: {sorted(DATASETS)}")
    expected = build_model(model_name, seed=0)
    layers = weight_layer_names(expected)
    settings = _read_settings(reader, layers)
    records = _read_records(reader, model_name, expected.state_dict(), layers, version)
    header_bytes = reader.offset
    declared = sum(record.stream_bytes for record in records)
    body = reader.take(reader.remaining, "weights")
    try:
        streams = _Reader(unpack(body, compressor, declared), label)
    except PackingError as error:
        raise reader.fail(f"{error}; the file is truncated or damaged") from None
    state = {}
    for record in records:
        try:
            weight, bias = _decode_layer(record, streams)
        except StreamError as error:
            raise reader.fail(f"layer {record.name}: {error}") from None
        state[f"{record.name}.weight"] = weight
        if bias is not None:
            state[f"{record.name}.bias"] = bias
    if set(state) != set(expected.state_dict()):
        raise reader.fail(f"the {model_name} model has tensors this format cannot hold")
    metadata = {
        "dataset": dataset,
        "compression": None if settings is None else settings.to_dict(),
        "file_format": "compact",
        "format_version": version,
        "compressor": compressor,
        "file_bytes": len(data),
        "header_bytes": header_bytes,
        "stream_bytes": declared,  # before the compressor, as the size accounting counts
    }
    return Checkpoint(model_name, state, metadata)


def _read_settings(reader: _Reader, layers: list[str]) -> CompressionSettings | None:
    (length,) = struct.unpack("<H", reader.take(2, "settings length"))
    if length > MAX_SETTINGS_BYTES:
        raise reader.fail(f"the settings take {length} bytes, at most {MAX_SETTINGS_BYTES} allowed")
    raw = reader.take(length, "settings")
    if not raw:
        return None
    try:
        fields = json.loads(raw.decode("ascii"))
        if not isinstance(fields, dict):
            raise SettingsError("not a JSON object")
        return CompressionSettings.from_dict(fields).validated(layers)
    except (ValueError, TypeError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        reason = shortened(str(error), 120)
        raise reader.fail(f"the compression settings are not valid ({reason})") from None


def _read_records(
    reader: _Reader,
    model_name: str,
    expected: dict[str, torch.Tensor],
    layers: list[str],
    version: int = FORMAT_VERSION,
) -> list[LayerRecord]:
    (layer_count,) = struct.unpack("<B", reader.take(1, "layer count"))
    if layer_count != len(layers):
        raise reader.fail(f"it has {layer_count} layers, the {model_name} model has {len(layers)}")
    records = []
    for name in layers:
        found = reader.text("layer name")
        if found != name:
            raise reader.fail(f"layer {quoted(found)} where the {model_name} model has '{name}'")
        (ndim,) = struct.unpack("<B", reader.take(1, f"shape of {name}"))
        shape = struct.unpack(f"<{ndim}I", reader.take(4 * ndim, f"shape of {name}"))
        needed = tuple(expected[f"{name}.weight"].shape)
        if shape != needed:
            raise reader.fail(
                f"layer {name} has shape {shape}, the {model_name} model needs {needed}"
            )
        codes = reader.unpack(_LAYER_CODES, f"codes of layer {name}")
        record = _checked_record(reader, name, shape, codes, f"{name}.bias" in expected)
        if version == HUFFMAN_VERSION:
            huffman = reader.unpack(_HUFFMAN_CODES, f"Huffman codes of layer {name}")
            record = _checked_huffman(reader, record, huffman)
        records.append(record)
    return records


def _checked_huffman(reader: _Reader, record: LayerRecord, codes: tuple) -> LayerRecord:
    """``record`` with its Huffman fields, once they fit its codes and counts."""
    flags, value_bytes, entries = codes

    def fail(problem: str) -> CompactFormatError:
        return reader.fail(f"layer {record.name}: {problem}")

    values, positions = bool(flags & 1), bool(flags & 2)
    if flags > 3:
        raise fail(f"unknown Huffman flags {flags}")
    if values and (record.values not in ("shared", *VALUE_CODES[2:9]) or not record.stored):
        raise fail(f"{record.values} values cannot be Huffman-coded")
    if positions and (
        record.positions != "delta" or record.delta_width not in HUFFMAN_DELTA_WIDTHS
    ):
        raise fail(f"{record.positions} positions cannot be Huffman-coded")
    if values:  # a table, then codes of 1 to 32 bits per stored weight
        low = record.value_alphabet + -(-record.stored // 8)
        if not low <= value_bytes <= record.value_alphabet + 4 * record.stored:
            raise fail(f"{value_bytes:,} bytes of Huffman-coded values do not fit the layer")
    elif value_bytes != record.value_bytes:
        raise fail(f"{value_bytes:,} bytes of values, {record.value_bytes:,} expected")
    if positions:
        table = 2**record.delta_width
        fits = record.stored <= entries <= record.count and (
            table + -(-entries // 8) <= record.position_bytes <= table + 4 * entries
        )
        if not fits:
            raise fail(f"{entries:,} Huffman-coded delta entries do not fit the layer")
    elif entries:
        raise fail(f"{entries:,} delta entries for positions that are not Huffman-coded")
    return replace(
        record,
        huffman_values=values,
        huffman_positions=positions,
        coded_value_bytes=value_bytes if values else 0,
        delta_entries=entries,
    )


def _checked_record(
    reader: _Reader, name: str, shape: tuple[int, ...], codes: tuple, model_has_bias: bool
) -> LayerRecord:
    """A :class:`LayerRecord` whose counts fit its shape and whose lengths fit its codes."""
    has_bias, value_code, scales, position_code, width, stored, position_bytes = codes

    def fail(problem: str) -> CompactFormatError:
        return reader.fail(f"layer {name}: {problem}")

    if has_bias != model_has_bias:
        raise fail(f"the bias flag is {has_bias}, the model's is {int(model_has_bias)}")
    if value_code >= len(VALUE_CODES) or position_code >= len(POSITION_CODES):
        raise fail(f"unknown value code {value_code} or position code {position_code}")
    values, positions = VALUE_CODES[value_code], POSITION_CODES[position_code]
    count, rows = math.prod(shape), shape[0]
    if stored > count:
        raise fail(f"{stored:,} stored weights, but the layer has only {count:,}")
    allowed_scales = (0,) if values == "float32" else (1, rows)
    if values == "shared" and scales not in SHARED_COUNTS:
        raise fail(f"{scales} shared values; 2 to 256 are allowed")
    if values != "shared" and scales not in allowed_scales:
        raise fail(f"{scales} scales; {values} values need {' or '.join(map(str, allowed_scales))}")
    if (positions == "delta") != (width > 0) or width > 24:
        raise fail(f"delta width {width} does not fit position code {positions!r}")
    bound = {
        "dense": 0,
        "bitmask": -(-count // 8),
        "csr": 4 * (rows + 1) + csr_index_dtype(count // rows).itemsize * stored,
        "delta": -(-width * count // 8),  # at most one code per weight
        "rows": -(-rows // 8),
    }[positions]
    exact = positions != "delta"
    if position_bytes > bound or (exact and position_bytes != bound):
        raise fail(f"{position_bytes:,} bytes of {positions} positions do not fit the layer")
    if positions == "dense" and stored != count:
        raise fail(f"dense positions need all {count:,} weights stored, not {stored:,}")
    return LayerRecord(
        name, shape, bool(has_bias), values, scales, positions, width, stored, position_bytes
    )


def _float32s(raw: bytes, what: str) -> np.ndarray:
    numbers = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    if not np.isfinite(numbers).all():
        raise StreamError(f"its {what} are not all finite numbers")
    return numbers


def _decode_layer(record: LayerRecord, reader: _Reader) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Dense float32 weight (and bias) of one layer from its four streams."""
    count, rows = record.count, record.shape[0]
    position_stream = reader.take(record.position_bytes, f"positions of {record.name}")
    value_stream = reader.take(record.value_bytes, f"values of {record.name}")
    scale_stream = reader.take(4 * record.scales, f"scales of {record.name}")
    bias_stream = reader.take(record.bias_bytes, f"bias of {record.name}")
    if record.huffman_positions:
        entries = decode_huffman(position_stream, 2**record.delta_width, record.delta_entries)
        positions = delta_positions(entries, record.delta_width, count, record.stored)
    elif record.positions == "dense":
        positions = np.arange(count, dtype=np.int64)
    elif record.positions == "bitmask":
        positions = decode_bitmask(position_stream, count, record.stored)
    elif record.positions == "csr":
        positions = decode_csr(position_stream, rows, count // rows, record.stored)
    elif record.positions == "rows":
        positions = decode_rows(position_stream, rows, count // rows, record.stored)
    else:
        positions = decode_delta(position_stream, record.delta_width, count, record.stored)
    symbols = None
    if record.huffman_values:
        symbols = decode_huffman(value_stream, record.value_alphabet, record.stored)
    if record.values == "float32":
        values = _float32s(value_stream, "weights")
    elif record.values == "shared":
        shared = _float32s(scale_stream, "shared values")
        if symbols is None:
            symbols = decode_indices(value_stream, record.stored, record.value_bits, len(shared))
        values = shared[symbols]
    else:
        scales = _float32s(scale_stream, "scales")
        if (scales < 0).any():
            raise StreamError("a scale is negative")
        row_scale = scales[0] if record.scales == 1 else scales[positions // (count // rows)]
        if record.values == "sign":
            units = decode_signs(value_stream, record.stored)
        elif symbols is not None:
            units = signed_ints(symbols, record.value_bits)
        else:
            units = decode_ints(value_stream, record.stored, record.value_bits)
        values = units * row_scale
    flat = np.zeros(count, dtype=np.float32)
    flat[positions] = values
    weight = torch.from_numpy(flat.reshape(record.shape))
    bias = torch.from_numpy(_float32s(bias_stream, "biases")) if record.has_bias else None
    return weight, bias
