"""The byte ledger as a waterfall: the float32 model, what each part of the file adds or
saves, and the file (without its header). Numbers in (:class:`compression.ledger.ByteLedger`
or anything with ``dense_bytes``, ``steps`` of ``label``/``stored``/``change`` and
``file_bytes``), a Plotly figure out."""

from __future__ import annotations

import plotly.graph_objects as go

from compression.figures import palette
from compression.figures.plot_style import KILOBYTE, axis, layout

LABEL_ROOM = 115  # pixels left of the bars for the longest name, "compressed file"
INSIDE_FROM = 0.3  # a bar at least this share of the longest holds its own label
DENSE_LABEL = "float32 model"
FILE_LABEL = "compressed file"
# what each step is, for its hover line
STEP_MEANINGS = {
    "values": "the kept weights' values, in their code instead of 32-bit floats",
    "indices": "a ⌈log2 K⌉-bit index per kept weight of the shared layers",
    "positions": "where the stored weights are (float32 stores every weight)",
    "codebook": "the K shared values of each shared layer, float32",
    "scales": "the float32 scales of the sign and integer codes",
    "biases": "float32 in the file as in the model",
    "Huffman": "Huffman coding: its table less the bits it saves",
}


def _signed(count: int) -> str:
    """``−1,031.8 KB``; under a kilobyte in bytes: ``+12 bytes``."""
    sign = "+" if count >= 0 else "−"
    if abs(count) < KILOBYTE:
        return f"{sign}{abs(count):,} bytes"
    return f"{sign}{abs(count) / KILOBYTE:,.1f} KB"


def _text_place(kilobytes: float, top: float) -> str:
    """A bar's label inside a long bar (beside it, it would leave the chart), else beside."""
    return "inside" if abs(kilobytes) > INSIDE_FROM * top else "outside"


def ledger_waterfall(ledger, title: str = "From float32 to the file, part by part") -> go.Figure:
    """A waterfall of horizontal bars, top to bottom: the dense float32 bytes, one bar per
    step (its change), the file's bytes as the total; the hover gives each part's exact
    bytes in the file."""
    steps = list(ledger.steps)
    labels = [DENSE_LABEL, *(step.label for step in steps), FILE_LABEL]
    changes = [step.change for step in steps]
    values = [ledger.dense_bytes / KILOBYTE, *(c / KILOBYTE for c in changes), 0]
    texts = [
        f"{ledger.dense_bytes / KILOBYTE:,.1f} KB",
        *(_signed(c) for c in changes),
        f"{ledger.file_bytes / KILOBYTE:,.1f} KB",
    ]
    hovers = [
        f"{DENSE_LABEL}: {ledger.dense_bytes:,} bytes (every weight and bias as float32)",
        *(
            f"{s.label}: {s.stored:,} bytes in the file, {s.change:+,} bytes against "
            f"float32<br>{STEP_MEANINGS.get(s.label, '')}"
            for s in steps
        ),
        f"{FILE_LABEL}: {ledger.file_bytes:,} bytes (without the header)",
    ]
    top = max(ledger.dense_bytes, ledger.file_bytes) / KILOBYTE
    waterfall = go.Waterfall(
        orientation="h",  # the parts' names one a line: they fit a phone's width
        y=labels,
        x=values,
        measure=["absolute", *(["relative"] * len(steps)), "total"],
        text=texts,
        textposition=[_text_place(v, top) for v in [*values[:-1], ledger.file_bytes / KILOBYTE]],
        hovertext=hovers,
        hoverinfo="text",
        connector={"line": {"color": palette.REMOVED}},
        increasing={"marker": {"color": palette.THRESHOLD}},
        decreasing={"marker": {"color": palette.FINETUNED}},
        totals={"marker": {"color": palette.BASELINE}},  # the two sizes: float32, the file
        showlegend=False,
    )
    figure_layout = layout(title, height=140 + 34 * len(labels), legend=False)
    figure_layout.update(
        xaxis=axis(title={"text": "size (KB)"}, range=[0, 1.3 * top if top else 1]),
        yaxis=axis(autorange="reversed"),  # float32 at the top, the file at the bottom
        margin={**figure_layout["margin"], "l": LABEL_ROOM},
    )
    return go.Figure(data=[waterfall], layout=figure_layout)
