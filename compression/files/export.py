"""Write a model as a compact file whose size is the size the app reports.

Each layer is stored with the codes :func:`compression.size.layer_size` picks, as the
streams it counts (positions, values, scales, biases), after a small header (see
:mod:`compression.files.compact_format`). So ``len(file) == header + sum(compressed_bytes)``,
which the writer checks for every layer. Also: the files a user can download.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from compression.files.checkpoint import Checkpoint, checkpoint_bytes
from compression.files.codecs import (
    delta_entries,
    encode_bitmask,
    encode_csr,
    encode_delta,
    encode_huffman,
    encode_indices,
    encode_ints,
    encode_rows,
    encode_signs,
)
from compression.files.compact_format import FILE_SUFFIX, LayerRecord, pack_header, settings_json
from compression.files.packing import pack
from compression.models import build_model, layer_names_for, weight_layer_names
from compression.settings import CompressionSettings
from compression.size import (
    int_codes,
    int_scales,
    layer_size,
    shared_values,
    value_code,
)


@dataclass(frozen=True)
class EncodedLayer:
    """A layer's header entry and its streams, in file order."""

    record: LayerRecord
    streams: bytes = field(repr=False)  # positions + values + scales + biases


def encode_layer(
    name: str,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    positions: str | None = None,
    delta_width: int | None = None,
    values: str | None = None,
    huffman: bool = False,
) -> EncodedLayer:
    """Encode one layer with the cheapest codes of the size accounting.

    ``positions`` (and ``delta_width``) force another position code, ``values`` ("sign"
    or "float32") another value code; without them the stream lengths must equal the
    accounting's bytes, or this raises ``RuntimeError``. ``huffman``: the streams the
    accounting Huffman-codes (``layer_size(..., huffman=True)``) are written so.
    """
    accounted = layer_size(name, weight, bias, huffman)
    label = accounted["values"]
    chosen = label if label == "float32" or label.startswith("int") else "sign"
    chosen = "shared" if label.startswith("shared") else chosen
    scales = int(accounted["scales"])
    forced = positions is not None or values is not None
    if values is not None and values != chosen:
        scales = value_code(weight).scales if values == "sign" else 0
    values = chosen if values is None else values
    huffman_values = huffman_positions = False
    if positions is None:
        positions, delta_width = accounted["positions"], accounted["delta_width"]
        huffman_positions = bool(accounted["huffman_positions"])
    if not forced:
        huffman_values = bool(accounted["huffman_values"])
    flat = weight.detach().to(torch.float32).reshape(-1).numpy()
    count, rows = flat.size, weight.shape[0]
    nonzero = flat != 0
    kept_rows = nonzero.reshape(rows, -1).any(axis=1)
    if positions == "dense":
        stored_at = np.arange(count)
    elif positions == "rows":  # every weight of a row with a nonzero one
        stored_at = np.flatnonzero(np.repeat(kept_rows, count // rows))
    else:
        stored_at = np.flatnonzero(nonzero)
    if positions == "dense" and values in ("sign", "shared") and not nonzero.all():
        raise ValueError(f"layer {name}: {values} values cannot be stored densely, it has zeros")
    if positions == "rows" and values in ("sign", "shared") and not nonzero[stored_at].all():
        raise ValueError(f"layer {name}: {values} values cannot store the zeros of its kept rows")
    if positions == "delta" and delta_width not in range(1, 25):
        raise ValueError(f"layer {name}: the delta code needs a width of 1 to 24 bits")
    if positions == "dense":
        position_stream = b""
    elif positions == "bitmask":
        position_stream = encode_bitmask(nonzero)
    elif positions == "csr":
        position_stream = encode_csr(nonzero.reshape(rows, count // rows))
    elif positions == "delta" and huffman_positions:
        entries = delta_entries(stored_at, int(delta_width))
        position_stream = encode_huffman(entries, 2 ** int(delta_width))
    elif positions == "delta":
        position_stream = encode_delta(stored_at, int(delta_width))
    elif positions == "rows":
        position_stream = encode_rows(kept_rows)
    else:
        raise ValueError(f"unknown position code {positions!r}")
    stored_values = flat[stored_at]
    if values == "float32":
        value_stream, scale_values = stored_values.astype("<f4").tobytes(), np.zeros(0)
    elif values.startswith("int"):  # W = s * n: the n of the stored weights, K bits each
        bits, per_row = int(values[3:]), scales > 1
        scale_tensor = int_scales(weight, bits, per_row)
        codes = int_codes(weight, bits, scale_tensor).reshape(-1).numpy()
        if huffman_values:  # the K-bit two's complement codes as symbols
            symbols = codes[stored_at].astype(np.int64) & (2**bits - 1)
            value_stream = encode_huffman(symbols, 2**bits)
        else:
            value_stream = encode_ints(codes[stored_at], bits)
        scale_values = scale_tensor.numpy()
    elif values == "shared":  # the index of each stored weight among the K values
        scale_values = shared_values(weight).numpy()
        indices = np.searchsorted(scale_values, stored_values)
        if huffman_values:
            value_stream = encode_huffman(indices, len(scale_values))
        else:
            value_stream = encode_indices(indices, (len(scale_values) - 1).bit_length())
    else:
        value_stream = encode_signs(stored_values)
        row_magnitudes = np.abs(flat).reshape(rows, -1).max(axis=1)  # |W| of each row's nonzeros
        scale_values = row_magnitudes.max(keepdims=True) if scales == 1 else row_magnitudes
    scale_stream = scale_values.astype("<f4").tobytes()
    bias_stream = b"" if bias is None else bias.detach().numpy().astype("<f4").tobytes()
    if not forced:
        _check_against_accounting(name, accounted, position_stream, value_stream, bias_stream)
    entry_count = len(entries) if huffman_positions else 0
    record = LayerRecord(
        name=name,
        shape=tuple(weight.shape),
        has_bias=bias is not None,
        values=values,
        scales=scales,
        positions=positions,
        delta_width=int(delta_width) if positions == "delta" else 0,
        stored=len(stored_at),
        position_bytes=len(position_stream),
        huffman_values=huffman_values,
        huffman_positions=huffman_positions,
        coded_value_bytes=len(value_stream) if huffman_values else 0,
        delta_entries=entry_count,
    )
    return EncodedLayer(record, position_stream + value_stream + scale_stream + bias_stream)


def _check_against_accounting(
    name: str, accounted: dict, position_stream: bytes, value_stream: bytes, bias_stream: bytes
) -> None:
    """The streams' lengths against the row; a Huffman-coded stream against its share of
    ``compressed_bytes`` (tables plus codes)."""
    written = (len(position_stream) + len(value_stream), len(bias_stream))
    coded = accounted["huffman_table_bytes"] - accounted["huffman_saved_bytes"]
    counted = (
        accounted["position_bytes"] + accounted["value_bytes"] + coded,
        accounted["bias_bytes"],
    )
    if not accounted["huffman"]:
        written = (len(position_stream), len(value_stream), len(bias_stream))
        counted = (accounted["position_bytes"], accounted["value_bytes"], accounted["bias_bytes"])
    if written != counted:
        raise RuntimeError(
            f"layer {name}: wrote {written} bytes of positions/values/biases, "
            f"the size accounting counts {counted}"
        )


def export_bytes(
    model_name: str,
    state: dict[str, torch.Tensor],
    settings: CompressionSettings | None = None,
    dataset: str = "mnist",
    compressor: str = "none",
    huffman: bool | None = None,
) -> bytes:
    """The compact file of ``state`` (every tensor of ``model_name``).

    ``settings`` is recorded in the header as how the weights were made (None: not
    recorded). ``compressor`` ("zlib", "bz2", "lzma") packs the streams after the
    header; with "none" the file is ``header + sum(compressed_bytes)`` bytes.
    ``huffman`` (default: the settings' ``huffman``) Huffman-codes each stream where the
    size accounting finds it smaller, in a version-2 file.
    """
    huffman = huffman_of(settings) if huffman is None else huffman
    model = build_model(model_name, seed=0)
    expected = model.state_dict()
    if set(state) != set(expected):
        raise ValueError(f"the weights do not match the {model_name} model's tensors")
    for key, tensor in state.items():
        if tuple(tensor.shape) != tuple(expected[key].shape):
            needed = tuple(expected[key].shape)
            raise ValueError(f"{key} has shape {tuple(tensor.shape)}, the model needs {needed}")
        if not bool(torch.isfinite(tensor).all()):
            raise ValueError(f"{key} holds a NaN or an infinity; it cannot be exported")
    encoded = [
        encode_layer(name, state[f"{name}.weight"], state.get(f"{name}.bias"), huffman=huffman)
        for name in weight_layer_names(model)
    ]
    records = [layer.record for layer in encoded]
    header = pack_header(model_name, dataset, settings_json(settings), records, compressor, huffman)
    return header + pack(b"".join(layer.streams for layer in encoded), compressor)


def huffman_of(settings: CompressionSettings | None) -> bool:
    """Whether ``settings`` ask for Huffman coding (None: no)."""
    return bool(settings is not None and settings.huffman)


@dataclass(frozen=True)
class DownloadFile:
    """A file to offer for download: its name, type and bytes."""

    file_name: str
    mime: str
    payload: bytes = field(repr=False)

    @property
    def size_bytes(self) -> int:
        return len(self.payload)


def compact_download(
    model_name: str,
    state: dict[str, torch.Tensor],
    settings: CompressionSettings | None = None,
    dataset: str = "mnist",
) -> DownloadFile:
    """The compressed model (already compressed weights ``state``) as a ``.cxm`` file."""
    return DownloadFile(
        f"{model_name}-{dataset}-compressed{FILE_SUFFIX}",
        "application/octet-stream",
        export_bytes(model_name, state, settings, dataset),
    )


def float32_download(
    model_name: str, state: dict[str, torch.Tensor], metadata: dict | None = None
) -> DownloadFile:
    """``state`` as a plain float32 training checkpoint (``torch.save``, loads anywhere)."""
    dense = {key: tensor.detach().to(torch.float32) for key, tensor in state.items()}
    payload = checkpoint_bytes(Checkpoint(model_name, dense, dict(metadata or {})))
    return DownloadFile(f"{model_name}-float32.pt", "application/octet-stream", payload)


def compact_file_size(
    model_name: str,
    state: dict[str, torch.Tensor],
    accounted_bytes: int,
    settings: CompressionSettings | None = None,
    dataset: str = "mnist",
) -> int:
    """Bytes of :func:`compact_download`'s file without writing it: header + accounted.

    ``accounted_bytes`` is the size accounting's total (``size_summary``). The header's
    fields have fixed widths, so its length depends only on the names, the shapes of
    ``state`` (any weights of the model), the settings and the data set.
    """
    records = [
        LayerRecord(
            name=name,
            shape=tuple(state[f"{name}.weight"].shape),
            has_bias=f"{name}.bias" in state,
            values="float32",
            scales=0,
            positions="dense",
            delta_width=0,
            stored=0,
            position_bytes=0,
        )
        for name in layer_names_for(model_name)
    ]
    header = pack_header(
        model_name, dataset, settings_json(settings), records, huffman=huffman_of(settings)
    )
    return len(header) + int(accounted_bytes)


def float32_file_size(
    model_name: str, state: dict[str, torch.Tensor], metadata: dict | None = None
) -> int:
    """Bytes of :func:`float32_download`'s file for any weights of the shapes of ``state``.

    ``torch.save`` stores tensors uncompressed, so the size depends on the names, the
    shapes and ``metadata``, never on the values.
    """
    return float32_download(model_name, state, metadata).size_bytes
