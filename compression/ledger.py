"""The byte ledger: from the dense float32 model to the compressed file, part by part.

It starts at the float32 bytes ``4 * (weights + biases)`` and adds one step per part of
the file, each the part's bytes in the file minus what it took as float32:

- ``values`` (or ``indices`` for shared layers): ``value_bytes - 4 * weights`` (float32
  weights become 1-bit signs, K-bit integers or ``ceil(log2 K)``-bit indices; a weight
  not stored takes nothing);
- ``positions``: ``+ position_bytes`` (float32 stores every weight, so no positions);
- ``codebook`` (the K shared values of shared layers) and ``scales`` (the others):
  ``+ scale_bytes``;
- ``biases``: ``+ 0`` (float32 in the file as in the model; shown for their bytes);
- ``Huffman``: ``huffman_table_bytes - huffman_saved_bytes`` (its code tables, less the
  bytes its codes saved on the positions and values above), where a layer is Huffman-coded.

So ``dense + sum(changes) == sum(compressed_bytes)``: the file without its header
(``docs/format.md``), the size the pages show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

FLOAT_BYTES = 4


@dataclass(frozen=True)
class LedgerStep:
    """One part of the file: its bytes there, and their change from float32."""

    label: str  # "values", "indices", "positions", "codebook", "scales", "biases", "Huffman"
    stored: int  # bytes of this part in the file (Huffman: its tables less what it saved)
    change: int  # bytes added (+) or saved (-) against the float32 model


@dataclass(frozen=True)
class ByteLedger:
    """Dense float32 bytes, the steps, and the file's bytes (without the header)."""

    dense_bytes: int
    steps: tuple[LedgerStep, ...]
    file_bytes: int


def _is_shared(row: Mapping) -> bool:
    return str(row["values"]).startswith("shared")


def _weights(row: Mapping) -> int:
    """Weights of the layer: its parameters less its biases (``bias_bytes = 4 * biases``)."""
    return int(row["params"]) - int(row["bias_bytes"]) // FLOAT_BYTES


def byte_ledger(rows: Iterable[Mapping] | pd.DataFrame) -> ByteLedger:
    """The ledger of a model from its size rows (:func:`compression.size.size_rows` or
    a size table). A step no layer has (no shared layer: no indices, no codebook;
    no Huffman-coded layer, no biases) is left out; ``positions`` is always there."""
    if isinstance(rows, pd.DataFrame):
        rows = rows.to_dict("records")
    rows = list(rows)
    shared = [row for row in rows if _is_shared(row)]
    others = [row for row in rows if not _is_shared(row)]

    def total(part: Iterable[Mapping], column: str) -> int:
        return sum(int(row.get(column, 0) or 0) for row in part)

    def values_step(label: str, part: list[Mapping]) -> LedgerStep:
        stored = total(part, "value_bytes")
        return LedgerStep(label, stored, stored - FLOAT_BYTES * sum(map(_weights, part)))

    def added(label: str, part: list[Mapping], column: str) -> LedgerStep:
        return LedgerStep(label, total(part, column), total(part, column))  # none in float32

    biases = total(rows, "bias_bytes")
    huffman = total(rows, "huffman_table_bytes") - total(rows, "huffman_saved_bytes")
    candidates = [
        (bool(others), values_step("values", others)),
        (bool(shared), values_step("indices", shared)),
        (True, added("positions", rows, "position_bytes")),
        (bool(shared), added("codebook", shared, "scale_bytes")),
        (total(others, "scale_bytes") > 0, added("scales", others, "scale_bytes")),
        (biases > 0, LedgerStep("biases", biases, 0)),  # float32 in the file too
        (any(row.get("huffman") for row in rows), LedgerStep("Huffman", huffman, huffman)),
    ]  # fmt: skip
    steps = tuple(step for shown, step in candidates if shown)
    return ByteLedger(total(rows, "dense_fp32_bytes"), steps, total(rows, "compressed_bytes"))
