"""Read-outs shared by the pages: the metrics (same labels everywhere) and the layer table.

Browser tests find numbers by these labels; keep them stable.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from compression.measure import Measurement
from ui import format as fmt

ACCURACY = "Test accuracy"
BASELINE_ACCURACY = "Baseline accuracy"
SIZE = "Compressed size"
DENSE_SIZE = "Float32 size"
SPARSITY = "Sparsity"
BITS = "Bits per weight"
RATIO = "Compression ratio"
RETRAINED_ACCURACY = "Accuracy after retraining"


def accuracy_metric(where, measured: Measurement, reference: Measurement) -> None:
    where.metric(
        ACCURACY,
        fmt.accuracy(measured.accuracy),
        delta=fmt.points(measured.accuracy - reference.accuracy),
        help=f"Share of the {len(measured.predictions):,} test images classified correctly; "
        "the change is in percentage points from the baseline "
        f"({fmt.accuracy(reference.accuracy)}).",
    )


def size_metric(where, measured: Measurement) -> None:
    where.metric(
        SIZE,
        fmt.kilobytes(measured.size_bytes),
        delta=fmt.size_change(measured.size_bytes, measured.dense_bytes),
        delta_color="inverse",
        help=f"{fmt.exact_bytes(measured.size_bytes)} in the compact encoding, against "
        f"{fmt.exact_bytes(measured.dense_bytes)} as float32 "
        f"({fmt.ratio(measured.compression_ratio)} smaller).",
    )


def sparsity_metric(where, measured: Measurement) -> None:
    where.metric(
        SPARSITY,
        fmt.percent(measured.sparsity),
        help=f"{measured.summary['params'] - measured.summary['nonzero_params']:,} of "
        f"{measured.summary['params']:,} parameters (weights and biases) are 0.",
    )


def bits_metric(where, measured: Measurement) -> None:
    where.metric(
        BITS,
        fmt.bits(measured.bits_per_weight),
        help="Storage per weight of the compressed layers (positions, values and scales; "
        "biases not counted). Float32 is 32.",
    )


def ratio_metric(where, measured: Measurement) -> None:
    where.metric(
        RATIO,
        fmt.ratio(measured.compression_ratio),
        help="Float32 bytes divided by compressed bytes, for the whole model.",
    )


def table(frame: pd.DataFrame) -> None:
    """``frame`` without its index, whole numbers with thousands separators (235,500)."""
    whole = {
        name: st.column_config.NumberColumn(format=fmt.WHOLE_NUMBER)
        for name in frame.columns
        if pd.api.types.is_integer_dtype(frame[name])
    }
    st.dataframe(frame, hide_index=True, column_config=whole)


def layer_table(measured: Measurement) -> None:
    """How each layer is stored and its bytes, with a caption saying what the columns mean."""
    table(fmt.layer_table(measured.sizes))
    st.caption(
        "values: float32, binary (±a) or ternary (0, ±a); positions: how the places of "
        "the nonzero weights are stored (dense, bitmask, csr, delta code, or one bit per "
        "row when whole rows are gone), whichever is smallest; rows kept: output rows "
        "(neurons, filters) with a weight left, the height of the smaller dense matrix; "
        "Huffman (with the sidebar's Huffman-code on): the streams stored as Huffman codes, "
        "tables included, where that is smaller. 1 KB = 1,000 bytes."
    )


def layers_warning(layers: tuple[str, ...]) -> bool:
    """True (and a warning) when no layer is chosen."""
    if layers:
        return False
    st.warning("Choose at least one layer to compress.")
    return True
