"""Figures of what-if results: sensitivity curves and the size/accuracy Pareto chart.

Pure functions from the tables of :mod:`compression.sweeps.sweep` and
:mod:`compression.sweeps.tradeoff` to plotly figures; nothing is computed here beyond
choosing what to draw.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

FRONT_COLOR = "#d62728"
OTHER_COLOR = "#9aa5b1"
CURRENT_COLOR = "#1f77b4"


def sensitivity_x(method: str, value_title: str) -> tuple[str, str]:
    """Column and axis title of the x axis: sparsity for pruning, the swept value otherwise."""
    if method.startswith("prune"):
        return "layer_sparsity", "sparsity of the pruned layer(s)"
    return "value", value_title


def sensitivity_figure(
    table: pd.DataFrame, value_title: str, baseline_accuracy: float | None = None
) -> go.Figure:
    """Accuracy against the swept setting, one line per layer (the pruning-sensitivity plot).

    ``table`` is a :func:`compression.sweeps.sweep.run_sweep` result (one method);
    ``value_title`` names its swept value (the sweep method's axis title), the x axis
    unless the method prunes, whose curves are drawn against the layers' sparsity. A dashed
    line marks ``baseline_accuracy`` when given. Hover shows value, loss and bytes.
    """
    methods = table["method"].unique()
    if len(methods) != 1:
        raise ValueError(f"a sensitivity plot shows one sweep method, got {list(methods)}")
    column, x_title = sensitivity_x(methods[0], value_title)
    figure = go.Figure()
    for layer, points in table.groupby("layer", sort=False):
        figure.add_trace(
            go.Scatter(
                x=points[column],
                y=points["accuracy"],
                mode="lines+markers",
                name=str(layer),
                customdata=points[["value", "loss", "compressed_bytes"]].to_numpy(),
                hovertemplate=(
                    f"<b>{layer}</b><br>{methods[0]} %{{customdata[0]:g}}<br>"
                    "accuracy %{y:.2%}<br>loss %{customdata[1]:.4f}<br>"
                    "%{customdata[2]:,} bytes<extra></extra>"
                ),
            )
        )
    if baseline_accuracy is not None:
        figure.add_hline(
            y=baseline_accuracy, line_dash="dash", line_color="gray",
            annotation_text="baseline", annotation_position="bottom left",
        )  # fmt: skip
    figure.update_layout(
        xaxis_title=x_title, yaxis_title="test accuracy", yaxis_tickformat=".0%",
        legend_title="layer", hovermode="closest", margin={"t": 30},
    )  # fmt: skip
    return figure


def pareto_figure(grid: pd.DataFrame, current: dict | None = None) -> go.Figure:
    """Accuracy against compressed bytes (log axis), Pareto front highlighted and joined.

    ``grid`` is a :func:`compression.sweeps.tradeoff.tradeoff_grid` result; hover shows each
    point's settings. ``current`` (``compressed_bytes``, ``accuracy`` and ``label``) adds a star
    for the user's setting.
    """
    figure = go.Figure()
    hover = "<b>%{text}</b><br>%{x:,} bytes<br>accuracy %{y:.2%}<extra></extra>"
    others = grid[~grid["on_front"]]
    front = grid[grid["on_front"]].sort_values("compressed_bytes")
    figure.add_trace(
        go.Scatter(
            x=others["compressed_bytes"], y=others["accuracy"], text=others["settings"],
            mode="markers", name="grid point", marker={"color": OTHER_COLOR, "size": 8},
            hovertemplate=hover,
        )
    )  # fmt: skip
    figure.add_trace(
        go.Scatter(
            x=front["compressed_bytes"], y=front["accuracy"], text=front["settings"],
            mode="lines+markers", name="Pareto front", line={"shape": "hv", "color": FRONT_COLOR},
            marker={"color": FRONT_COLOR, "size": 10}, hovertemplate=hover,
        )
    )  # fmt: skip
    if current is not None:
        figure.add_trace(
            go.Scatter(
                x=[current["compressed_bytes"]], y=[current["accuracy"]],
                text=[current.get("label", "current setting")], mode="markers",
                name=current.get("label", "current setting"),
                marker={"symbol": "star", "size": 18, "color": CURRENT_COLOR,
                        "line": {"width": 1, "color": "black"}},
                hovertemplate=hover,
            )
        )  # fmt: skip
    figure.update_layout(
        xaxis_title="compressed size (bytes, log scale)", yaxis_title="test accuracy",
        xaxis_type="log", xaxis_dtick=1,  # ticks at powers of ten only
        yaxis_tickformat=".0%", hovermode="closest", margin={"t": 30},
    )  # fmt: skip
    return figure
