"""How numbers read on screen: KB, %, points, bits. Pure functions, no Streamlit.

Sizes are decimal: 1 KB = 1,000 bytes (the exact count goes in the hover help).
Metric deltas start with ``+`` or ``-`` so Streamlit colours them.
"""

from __future__ import annotations

import math

import pandas as pd

from compression.figures.plots import KILOBYTE

# A table's whole-number columns, read like ``f"{n:,}"`` elsewhere: 235,500 (printf style).
WHOLE_NUMBER = "%,d"


def kilobytes(count: int) -> str:
    """``33,412`` -> ``"33.4 KB"``."""
    return f"{count / KILOBYTE:,.1f} KB"


def exact_bytes(count: int) -> str:
    """``33412`` -> ``"33,412 bytes"``."""
    return f"{int(count):,} bytes"


def count(number: int, noun: str) -> str:
    """A count with its noun, singular for one: ``(1, "epoch")`` -> ``"1 epoch"``,
    ``(60000, "image")`` -> ``"60,000 images"``."""
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def percent(fraction: float, digits: int = 1) -> str:
    """``0.9012`` -> ``"90.1 %"``."""
    return f"{100 * fraction:.{digits}f} %"


def accuracy(fraction: float) -> str:
    """Test accuracy with two decimals: ``0.9829`` -> ``"98.29 %"``."""
    return percent(fraction, 2)


def points(change: float) -> str:
    """A change of accuracy in percentage points: ``-0.0042`` -> ``"-0.42 pts"``."""
    value = 100 * change
    if abs(value) < 0.005:
        return "±0.00 pts"
    return f"{value:+.2f} pts"


def size_change(compressed: int, dense: int) -> str:
    """Relative change of size: ``(34927, 1066440)`` -> ``"-96.7 %"``."""
    if dense == 0:
        return "±0.0 %"
    value = 100 * (compressed - dense) / dense
    return "±0.0 %" if abs(value) < 0.05 else f"{value:+.1f} %"


def ratio(value: float) -> str:
    """``30.53`` -> ``"30.5×"``."""
    return "∞" if math.isinf(value) else f"{value:,.1f}×"


def bits(value: float) -> str:
    """Bits per weight with two decimals: ``1.0004`` -> ``"1.00"``."""
    return f"{value:.2f}"


def layer_table(sizes: pd.DataFrame) -> pd.DataFrame:
    """The per-layer size table of :func:`compression.size.size_table`, with readable columns."""
    kept_rows = [shape[0] for shape in sizes.get("kept_shape", sizes["shape"])]
    return pd.DataFrame(
        {
            "layer": sizes["layer"],
            "shape": [" × ".join(str(d) for d in shape) for shape in sizes["shape"]],
            "rows kept": [
                f"{kept} of {shape[0]}"
                for kept, shape in zip(kept_rows, sizes["shape"], strict=True)
            ],
            "parameters": sizes["params"].astype(int),
            "weights = 0": [percent(s) for s in sizes["sparsity"]],
            "values": sizes["values"],
            "positions": sizes["positions"],
            "bits / weight": [bits(b) for b in sizes["bits_per_weight"]],
            "float32": [kilobytes(b) for b in sizes["dense_fp32_bytes"]],
            "compressed": [kilobytes(b) for b in sizes["compressed_bytes"]],
            "compressed bytes": sizes["compressed_bytes"].astype(int),
            **_huffman_column(sizes),
        }
    )


def _huffman_column(sizes: pd.DataFrame) -> dict:
    """``{"Huffman": ...}``: which streams are Huffman-coded, when any layer's is."""
    if "huffman" not in sizes or not sizes["huffman"].any():
        return {}
    names = [
        " + ".join(part for part, on in (("values", v), ("positions", p)) if on) or "—"
        for v, p in zip(sizes["huffman_values"], sizes["huffman_positions"], strict=True)
    ]
    return {"Huffman": names}


def architecture_table(sizes: pd.DataFrame) -> pd.DataFrame:
    """Layer, shape and parameter count of each weight layer."""
    return pd.DataFrame(
        {
            "layer": sizes["layer"],
            "shape": [" × ".join(str(d) for d in shape) for shape in sizes["shape"]],
            "parameters": sizes["params"].astype(int),
        }
    )


def contribution_table(table: pd.DataFrame) -> pd.DataFrame:
    """The what-if table of :func:`compression.measure.contribution_table`, readable."""
    return pd.DataFrame(
        {
            "model": table["configuration"],
            "test accuracy": [accuracy(a) for a in table["accuracy"]],
            "change": [points(c) for c in table["accuracy_change"]],
            "size": [kilobytes(b) for b in table["size_bytes"]],
            "bytes": table["size_bytes"].astype(int),
            "smaller by": [ratio(r) for r in table["compression_ratio"]],
            "sparsity": [percent(s) for s in table["sparsity"]],
            "bits / weight": [bits(b) for b in table["bits_per_weight"]],
        }
    )
