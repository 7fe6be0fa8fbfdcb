"""Plot builders: pure functions from numbers to a Plotly figure (no Streamlit, no torch).

Colours come from :mod:`compression.figures.palette`, so "baseline" and "compressed" look the
same on every chart. Sizes are drawn in KB (1 KB = 1,000 bytes) with the exact
byte count in the hover text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from compression.figures import palette
from compression.figures.plot_style import KILOBYTE, MODEBAR_ROOM, axis, layout, styled
from compression.figures.weight_plot import layer_histogram, weight_histograms

TRAINING_CURVES_HEIGHT = 430  # pixels of the training curves (a page keeps this much for them)
RECOVERY_X_ROOM = 0.5  # epochs left free at both ends of the recovery chart, for labels
RECOVERY_RIGHT_MARGIN = 90  # pixels right of the recovery chart, for the baseline label

__all__ = [
    "KILOBYTE",
    "TRAINING_CURVES_HEIGHT",
    "configuration_bars",
    "digit_grid",
    "layer_histogram",
    "recovery_curve",
    "size_bars",
    "size_breakdown_bars",
    "sparsity_bars",
    "training_curves",
    "weight_histograms",
]


def _layout(fig: go.Figure, title: str, height: int, legend: bool = True) -> go.Figure:
    return styled(fig, title, height, legend)


# --- size and sparsity -------------------------------------------------------------------


def _bar_figure(
    traces: list[dict], title: str, height: int, y_axis: dict, legend: bool = True, **more
) -> go.Figure:
    """One ``go.Figure(data, layout)`` from plain dicts: validated once, not per update
    (these charts are rebuilt on every slider move)."""
    figure_layout = layout(title, height=height, legend=legend)
    figure_layout.update(xaxis=axis(title={"text": "layer"}), yaxis=axis(**y_axis), **more)
    return go.Figure(data=traces, layout=figure_layout)


def sparsity_bars(sizes: pd.DataFrame, title: str = "Weights removed per layer") -> go.Figure:
    """Per-layer weight sparsity in %, from a :func:`compression.size.size_table`."""
    percent = [100 * float(share) for share in sizes["sparsity"]]
    bars = {
        "type": "bar", "x": list(sizes["layer"]), "y": percent, "name": "compressed",
        "marker": {"color": palette.COMPRESSED}, "textposition": "outside",
        "text": [f"{p:.1f}%" for p in percent],
        "customdata": np.stack([sizes["params"], sizes["nonzero_params"]], axis=1),
        "hovertemplate": "%{x}: %{y:.2f}% of weights are 0<extra></extra>",
    }  # fmt: skip
    y_axis = {"title": {"text": "sparsity (% of weights = 0)"}, "range": [0, 108]}
    return _bar_figure([bars], title, 360, y_axis, legend=False)


def _with_total(sizes: pd.DataFrame) -> pd.DataFrame:
    """The layer rows of a size table plus a "total" row of their byte counts."""
    columns = ["dense_fp32_bytes", "compressed_bytes"]
    total = pd.DataFrame([{"layer": "total", **{c: int(sizes[c].sum()) for c in columns}}])
    return pd.concat([sizes[["layer", *columns]], total], ignore_index=True)


def size_bars(sizes: pd.DataFrame, title: str = "Size: float32 vs compressed") -> go.Figure:
    """Bytes per layer and in total, dense float32 next to the compressed encoding."""
    table = _with_total(sizes)
    traces = []
    for column, name, colour in (
        ("dense_fp32_bytes", "float32 (baseline)", palette.BASELINE),
        ("compressed_bytes", "compressed", palette.COMPRESSED),
    ):
        count = [int(c) for c in table[column]]
        traces.append(
            {
                "type": "bar", "x": list(table["layer"]), "y": [c / KILOBYTE for c in count],
                "name": name, "marker": {"color": colour}, "textposition": "outside",
                "text": [f"{c / KILOBYTE:,.1f}" for c in count], "customdata": count,
                "hovertemplate": "%{x}: %{customdata:,} bytes<extra>" + name + "</extra>",
            }
        )  # fmt: skip
    top = 1.15 * float(table["dense_fp32_bytes"].max()) / KILOBYTE
    y_axis = {"title": {"text": "size (KB)"}, "rangemode": "tozero", "range": [0, top]}
    return _bar_figure(traces, title, 420, y_axis, barmode="group")


def size_breakdown_bars(
    sizes: pd.DataFrame, title: str = "Where the compressed bytes go"
) -> go.Figure:
    """Compressed bytes per layer, stacked by part: positions, values, scales, biases, and
    Huffman code tables when a layer has them. Positions and values are the bytes written
    (Huffman-coded: the fixed-width bytes less the saving), so the stack is the layer."""
    traces = []
    parts = dict(palette.SIZE_PARTS)
    if "huffman_table_bytes" in sizes and sizes["huffman_table_bytes"].any():
        parts["huffman_table_bytes"] = palette.HUFFMAN_TABLES
    saved = {"position_bytes": "huffman_saved_position_bytes"}
    saved["value_bytes"] = "huffman_saved_value_bytes"
    for column, (name, colour) in parts.items():
        written = sizes[column] - (sizes[saved[column]] if saved.get(column) in sizes else 0)
        count = [int(c) for c in written]
        traces.append(
            {
                "type": "bar", "x": list(sizes["layer"]), "y": [c / KILOBYTE for c in count],
                "name": name, "marker": {"color": colour}, "customdata": count,
                "hovertemplate": "%{x} " + name + ": %{customdata:,} bytes<extra></extra>",
            }
        )  # fmt: skip
    return _bar_figure(traces, title, 420, {"title": {"text": "size (KB)"}}, barmode="stack")


def configuration_bars(table: pd.DataFrame, title: str = "What each step contributes") -> go.Figure:
    """Accuracy and size of each what-if of :func:`compression.measure.contribution_table`."""
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.12,
        subplot_titles=("Test accuracy (%)", "Size (KB)"),
    )
    colours = [
        palette.CONFIGURATIONS.get(name, palette.COMPRESSED) for name in table["configuration"]
    ]
    accuracy = 100 * table["accuracy"]
    fig.add_trace(
        go.Bar(
            x=table["configuration"],
            y=accuracy,
            marker_color=colours,
            showlegend=False,
            text=[f"{a:.2f}%" for a in accuracy],
            textposition="outside",
            hovertemplate="%{x}: %{y:.2f}% correct<extra></extra>",
        ),
        row=1,
        col=1,
    )
    count = table["size_bytes"].astype(int)
    fig.add_trace(
        go.Bar(
            x=table["configuration"],
            y=count / KILOBYTE,
            marker_color=colours,
            showlegend=False,
            text=[f"{c / KILOBYTE:,.1f} KB" for c in count],
            textposition="outside",
            customdata=count,
            hovertemplate="%{x}: %{customdata:,} bytes<extra></extra>",
        ),
        row=1,
        col=2,
    )
    # no axis titles: the subplot titles name them, and on a phone the second axis title
    # would sit on the first plot's bars
    fig.update_yaxes(range=[0, 110], row=1, col=1)
    fig.update_yaxes(range=[0, 1.2 * float(count.max()) / KILOBYTE], row=1, col=2)
    fig = _layout(fig, title, height=420, legend=False)
    # the title's row, then a row for the two subplot titles above the plots
    fig.update_layout(margin={"t": MODEBAR_ROOM + 60})
    return fig


# --- training ----------------------------------------------------------------------------


def training_curves(
    history: Sequence[dict],
    step_losses: Sequence[tuple[float, float]] = (),
    title: str = "Training",
) -> go.Figure:
    """Loss and accuracy against epochs.

    ``history``: the per-epoch records of :func:`compression.train.train`;
    ``step_losses``: (epoch position, batch loss) pairs, drawn as a thin line.
    """
    fig = make_subplots(
        rows=1, cols=2, horizontal_spacing=0.1, subplot_titles=("Loss", "Accuracy (%)")
    )
    if step_losses:
        x, y = zip(*step_losses, strict=True)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines",
                name="batch loss",
                opacity=0.45,
                line=_series_line("batch_loss", width=1),
                hovertemplate="epoch %{x:.2f}: loss %{y:.3f}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    epochs = [record["epoch"] for record in history]
    curves = (
        ("train_loss", "train loss", 1, 1),
        ("test_loss", "test loss", 1, 1),
        ("train_accuracy", "train accuracy", 100, 2),
        ("test_accuracy", "test accuracy", 100, 2),
    )
    for key, name, factor, col in curves:
        if history and key in history[0]:
            fig.add_trace(
                go.Scatter(
                    x=epochs,
                    y=[factor * record[key] for record in history],
                    name=name,
                    mode="lines+markers",
                    line=_series_line(key, width=2),
                    hovertemplate="epoch %{x}: %{y:.3f}<extra>" + name + "</extra>",
                ),
                row=1,
                col=col,
            )
    fig.update_xaxes(title_text="epoch", rangemode="tozero")
    fig.update_yaxes(title_text="cross-entropy", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="% correct", row=1, col=2)
    return _layout(fig, title, height=TRAINING_CURVES_HEIGHT)


def _series_line(series: str, width: int) -> dict:
    """The line of one training-chart series: its own colour and dash (see the palette)."""
    colour, dash = palette.TRAINING_SERIES[series]
    return {"color": colour, "width": width, "dash": dash}


def recovery_curve(
    compressed_accuracy: float,
    history: Sequence[dict],
    baseline_accuracy: float,
    title: str = "Accuracy while retraining the compressed model",
) -> go.Figure:
    """Test accuracy from the compressed model (epoch 0) through each retraining epoch.

    Each point's label sits above it, inside the plot (the x range has half an epoch to
    spare on both ends); the baseline's label sits in the right margin, level with its
    line, so the two never cover each other however close the accuracies are.
    """
    epochs = [0] + [record["epoch"] for record in history]
    accuracy = [100 * compressed_accuracy] + [100 * r["test_accuracy"] for r in history]
    fig = go.Figure(
        go.Scatter(
            x=epochs,
            y=accuracy,
            mode="lines+markers+text",
            name="compressed, retrained",
            line={"color": palette.FINETUNED, "width": 3},
            text=[f"{a:.2f}%" for a in accuracy],
            textposition="top center",
            cliponaxis=False,
            hovertemplate="epoch %{x}: %{y:.2f}%<extra></extra>",
        )
    )
    fig.add_hline(y=100 * baseline_accuracy, line={"color": palette.BASELINE, "dash": "dash"})
    fig.add_annotation(
        text=f"baseline<br>{100 * baseline_accuracy:.2f}%",
        xref="paper",
        x=1,
        xanchor="left",
        xshift=6,
        y=100 * baseline_accuracy,
        yref="y",
        showarrow=False,
        align="left",
        font={"color": palette.BASELINE},
    )
    low = min([*accuracy, 100 * baseline_accuracy])
    fig.update_yaxes(title_text="test accuracy (%)", range=[max(0, low - 5), 100.5])
    fig.update_xaxes(
        title_text="retraining epoch (0 = before)",
        dtick=1,
        range=[-RECOVERY_X_ROOM, max(epochs) + RECOVERY_X_ROOM],
    )
    _layout(fig, title, height=340, legend=False)
    return fig.update_layout(margin={"r": RECOVERY_RIGHT_MARGIN})


# --- data --------------------------------------------------------------------------------


def digit_grid(
    mosaic: np.ndarray,
    labels: Sequence[str],
    columns: int,
    tile_shape: tuple[int, int] = (28, 28),
    padding: int = 4,
    top: int = 12,
    title: str = "MNIST test digits",
    width: int = 700,
) -> go.Figure:
    """Real digits as dark ink on white (ink = 255), each under its label.

    ``mosaic``: :func:`compression.explain.mosaic.labelled_mosaic` of the images with
    ``columns``, ``padding`` and ``top``. ``width``: the expected drawing width in
    pixels, used to size the figure's height.
    """
    height, image_width = tile_shape
    fig = go.Figure(
        go.Heatmap(
            z=mosaic, colorscale="Greys", zmin=0, zmax=255, showscale=False, hoverinfo="skip"
        )
    )
    for index, label in enumerate(labels):
        fig.add_annotation(
            x=padding + (index % columns) * (image_width + padding) + image_width / 2,
            y=padding + (index // columns) * (height + padding + top) + top / 2,
            text=str(label),
            showarrow=False,
            font={"color": palette.BASELINE, "size": 12},
        )
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    header = MODEBAR_ROOM + 30  # the toolbar's row, then the title
    fig = _layout(
        fig, title, height=round(width * mosaic.shape[0] / mosaic.shape[1]) + header, legend=False
    )
    fig.update_layout(margin={"l": 0, "r": 0, "t": header, "b": 0})
    return fig
