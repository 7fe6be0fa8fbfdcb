"""Figures of what-if results: sensitivity curves and the size/accuracy Pareto chart.

Pure functions from the tables of :mod:`compression.sweeps.sweep` and
:mod:`compression.sweeps.tradeoff` to plotly figures, and captions read back from what a
figure draws. The accuracy axis is fitted to the models that still work: a model below
``COLLAPSED_SHARE`` of the best accuracy drawn has collapsed (about 10%, chance, on MNIST)
and would squash the interesting band into a line; such points are counted, not drawn
to scale.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from compression.figures.palette import ALL_LAYERS_COLOR, LAYER_COLORS

FRONT_COLOR = "#d62728"
OTHER_COLOR = "#9aa5b1"
CURRENT_COLOR = "#1f77b4"
BUDGET_COLOR = "#9467bd"
PAPER_COLOR, REPRODUCTION_COLOR = "#222222", "#2ca02c"
# {meaning of "compression ratio": (grid column, axis title)}; the meanings of
# compression.explain.papers (not imported: the figures get numbers only)
RATIO_AXES = {
    "bytes": ("compression_ratio", "compression ratio: float32 bytes ÷ bytes stored (log scale)"),
    "parameters": (
        "parameter_ratio", "compression ratio: weights ÷ nonzero weights (log scale)",
    ),
}  # fmt: skip
SOURCES = {"paper": "published", "this app": "reproduced in this app"}  # reference sources
REFERENCE_SYMBOLS = ("square", "triangle-up", "pentagon", "hexagon")  # one per reference
COLLAPSED_SHARE = 0.5  # below half the best accuracy drawn, a model has collapsed
ALL_LAYERS = "all"  # compression.sweeps.sweep.ALL_LAYERS (no torch import here)
PARETO_HEIGHT, PARETO_MARGIN = 560, {"t": 30, "b": 60, "l": 70, "r": 30}
LABEL_SIZE = 14  # px: readable from the back of a room
LABEL_GAP = 20  # px between the centres of two front labels (> one line of LABEL_SIZE)


def accuracy_range(accuracies) -> tuple[float, float]:
    """The accuracy axis ``(low, high)`` fitted to the points that have not collapsed.

    The low end is the lowest accuracy not below ``COLLAPSED_SHARE`` x the best, the high
    end the best, each with a margin of 8% of the span (at least half a percentage point).
    """
    values = np.asarray(accuracies, dtype=float)
    working = values[values >= COLLAPSED_SHARE * values.max()]
    low, high = float(working.min()), float(values.max())
    pad = max(0.08 * (high - low), 0.005)
    return max(low - pad, 0.0), high + pad


def sensitivity_x(method: str, value_title: str) -> tuple[str, str]:
    """Column and axis title of the x axis: sparsity for pruning, the swept value otherwise."""
    if method.startswith("prune"):
        return "layer_sparsity", "sparsity of the pruned layer(s)"
    return "value", value_title


def layer_color(index: int, layer: str) -> str:
    """The colour of the ``index``-th curve: neutral for all layers, else a distinct hue."""
    return ALL_LAYERS_COLOR if layer == ALL_LAYERS else LAYER_COLORS[index % len(LAYER_COLORS)]


def sensitivity_figure(
    table: pd.DataFrame,
    value_title: str,
    baseline_accuracy: float | None = None,
    fit_axis: bool = True,
) -> go.Figure:
    """Accuracy against the swept setting, one line per layer (the pruning-sensitivity plot).

    ``table`` is a :func:`compression.sweeps.sweep.run_sweep` result (one method);
    ``value_title`` names its swept value (the sweep method's axis title), the x axis
    unless the method prunes, whose curves are drawn against the layers' sparsity. A dashed
    line marks ``baseline_accuracy`` when given. ``fit_axis``: the accuracy axis spans the
    points that have not collapsed (:func:`accuracy_range`), and its title says it does not
    start at 0; otherwise it runs from 0 to 100%. Hover shows value, loss and bytes.
    """
    methods = table["method"].unique()
    if len(methods) != 1:
        raise ValueError(f"a sensitivity plot shows one sweep method, got {list(methods)}")
    column, x_title = sensitivity_x(methods[0], value_title)
    figure = go.Figure()
    for index, (layer, points) in enumerate(table.groupby("layer", sort=False)):
        color = layer_color(index, str(layer))
        figure.add_trace(
            go.Scatter(
                x=points[column],
                y=points["accuracy"],
                mode="lines+markers",
                name=str(layer),
                line={"color": color, "dash": "dot" if layer == ALL_LAYERS else "solid"},
                marker={"color": color},
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
    y_title = "test accuracy"
    if fit_axis:
        shown = [*table["accuracy"], *([] if baseline_accuracy is None else [baseline_accuracy])]
        low, high = accuracy_range(shown)
        figure.update_yaxes(range=[low, high])
        if low > 0:
            y_title = f"test accuracy (axis starts at {low:.0%}, not 0)"
    else:
        figure.update_yaxes(range=[0, 1.02])
    figure.update_layout(
        xaxis_title=x_title, yaxis_title=y_title, yaxis_tickformat=".0%" if not fit_axis
        else ".1%", legend_title="layer", hovermode="closest", margin={"t": 30},
    )  # fmt: skip
    return figure


def points_below_axis(figure: go.Figure) -> list[float]:
    """Accuracies of the drawn points that lie below the figure's accuracy axis."""
    low = figure.layout.yaxis.range[0] if figure.layout.yaxis.range else None
    if low is None:
        return []
    return [float(y) for trace in figure.data if trace.y is not None for y in trace.y if y < low]


def sensitivity_caption(figure: go.Figure) -> str:
    """What a :func:`sensitivity_figure` draws, read from the figure itself."""
    names = [trace.name for trace in figure.data]
    layers = [name for name in names if name != ALL_LAYERS]
    parts = []
    if layers:
        listed = ", ".join(layers)
        parts.append(
            f"Each solid line is one layer ({listed}) compressed alone, the others left as trained."
        )
    if ALL_LAYERS in names:
        parts.append('The dotted line "all" compresses every layer at once.')
    if figure.layout.shapes:
        parts.append("The dashed line is the baseline's accuracy.")
    low = figure.layout.yaxis.range[0] if figure.layout.yaxis.range else 0
    if low > 0:
        below = points_below_axis(figure)
        parts.append(f"The accuracy axis starts at {low:.0%}, not at 0.")
        if below:
            parts.append(
                f"{len(below)} point(s) below it (collapsed models, down to {min(below):.0%}) "
                "run off the bottom; turn off *Fit the axis* to see them."
            )
    return " ".join(parts)


def _is_set(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def short_setting(row) -> str:
    """A grid point's settings in a few words: ``"90% pruned, binary t=0.7"``, or with k-bit
    weights ``"90% pruned, int4"``."""
    if row.get("current", False):
        return f"★ {row['settings']}"
    if row.get("budget", False):
        return f"◆ {row['settings']}"
    value, method = row["prune_value"], row["prune_method"]
    if value == 0:
        pruned = "no pruning"
    elif method == "prune-sparsity":
        pruned = f"{value:.0%} pruned"
    else:
        pruned = f"|W| ≤ {value:g} pruned"
    shared = row.get("share_weights")
    if _is_set(shared):
        return f"{pruned}, {int(shared)} shared"
    bits = row.get("quantize_bits")
    if _is_set(bits):
        return f"{pruned}, int{int(bits)}"
    threshold = row["binarize_threshold"]
    if not _is_set(threshold):
        return f"{pruned}, float32"
    return f"{pruned}, binary" + (f" t={threshold:g}" if threshold > 0 else "")


def _label_heights(wanted: list[float], top: float) -> list[float]:
    """Label centres (px from the plot's bottom) at least LABEL_GAP apart, near ``wanted``."""
    placed = []
    for height in wanted:  # wanted ascends: push each label up past the one below
        placed.append(max(height, placed[-1] + LABEL_GAP) if placed else height)
    if placed and placed[-1] > top:  # too high: push down from the top instead
        placed[-1] = top
        for index in range(len(placed) - 2, -1, -1):
            placed[index] = min(placed[index], placed[index + 1] - LABEL_GAP)
    return placed


def _front_labels(front: pd.DataFrame, x_range, y_range, x_column: str) -> list[dict]:
    """Annotations naming each front point, stacked so no two overlap (in pixels)."""
    plot_height = PARETO_HEIGHT - PARETO_MARGIN["t"] - PARETO_MARGIN["b"]
    to_px = plot_height / (y_range[1] - y_range[0])
    points = front.sort_values("accuracy")
    heights = [(a - y_range[0]) * to_px for a in points["accuracy"]]
    centres = _label_heights([h + LABEL_GAP for h in heights], plot_height - LABEL_SIZE)
    annotations = []
    for (_, row), height, centre in zip(points.iterrows(), heights, centres, strict=True):
        x = math.log10(row[x_column])
        on_left = (x - x_range[0]) / (x_range[1] - x_range[0]) < 0.4
        annotations.append(
            {
                "x": x, "y": row["accuracy"], "text": short_setting(row),
                "showarrow": True, "arrowhead": 0, "arrowwidth": 1, "arrowcolor": "#777",
                "ax": 30 if on_left else -30, "ay": -(centre - height),
                "xanchor": "left" if on_left else "right", "yanchor": "middle",
                "font": {"size": LABEL_SIZE}, "bgcolor": "rgba(255,255,255,0.8)",
                "name": "front label",
            }
        )  # fmt: skip
    return annotations


def _marked(grid: pd.DataFrame, column: str) -> pd.Series:
    return (
        grid[column].fillna(False).astype(bool)
        if column in grid
        else pd.Series(False, index=grid.index)
    )


def _reference_traces(references: pd.DataFrame) -> list[go.Scatter]:
    """One trace per published result (filled markers) or reproduction (open markers),
    named in the legend rather than beside the marker: they sit close together."""
    traces = []
    for source, group in SOURCES.items():
        points = references[references["source"] == source]
        color = PAPER_COLOR if source == "paper" else REPRODUCTION_COLOR
        for index, (_, ref) in enumerate(points.iterrows()):
            symbol = REFERENCE_SYMBOLS[index % len(REFERENCE_SYMBOLS)]
            traces.append(
                go.Scatter(
                    x=[ref["ratio"]], y=[ref["accuracy"]], text=[ref["name"]],
                    customdata=[[ref["citation"], ref["note"]]], mode="markers",
                    name=ref["name"], legendgroup=group, cliponaxis=False,
                    marker={"symbol": symbol if source == "paper" else f"{symbol}-open",
                            "size": 12, "color": color, "line": {"width": 2, "color": color}},
                    hovertemplate="<b>%{text}</b> (" + group + ")<br>%{x:.1f}× smaller<br>"
                    "accuracy %{y:.2%}<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
                )
            )  # fmt: skip
    return traces


def pareto_figure(
    grid: pd.DataFrame,
    meaning: str = "bytes",
    references: pd.DataFrame | None = None,
    left_out: tuple[str, ...] = (),
) -> go.Figure:
    """Accuracy against the compression ratio (log axis), Pareto front highlighted, named.

    ``grid`` is a :func:`compression.sweeps.tradeoff.tradeoff_grid` result, possibly with
    the person's setting (drawn as a star) and a byte budget's pick (a diamond) added by
    :func:`compression.sweeps.tradeoff.with_current`, its ``on_front`` taken in ``meaning``.
    ``meaning`` picks the x axis (:data:`RATIO_AXES`): ``"bytes"``, float32 bytes / bytes
    stored, or ``"parameters"``, weights / nonzero weights; more compressed is to the
    right. ``references`` (``name``, ``source``, ``ratio``, ``accuracy``, ``citation``,
    ``note``) are published or reproduced results in that meaning, one marker each;
    ``left_out`` names the ones that report only the other meaning (said in the caption).
    Each front point is labelled with its settings. The accuracy axis is fitted to the
    points that have not collapsed (:func:`accuracy_range`); the collapsed ones are drawn
    as ▼ on its bottom edge, their true accuracy in the hover.
    """
    if meaning not in RATIO_AXES:
        raise ValueError(f"a compression ratio means one of {sorted(RATIO_AXES)}")
    x_column, x_title = RATIO_AXES[meaning]
    references = references if references is not None else pd.DataFrame(
        columns=["name", "source", "ratio", "accuracy", "citation", "note"]
    )  # fmt: skip
    current, budget = _marked(grid, "current"), _marked(grid, "budget")
    y_range = accuracy_range([*grid["accuracy"], *references["accuracy"]])
    ratios = np.log10([*grid[x_column].astype(float), *references["ratio"].astype(float)])
    x_range = [float(ratios.min()) - 0.15, float(ratios.max()) + 0.15]
    below = grid["accuracy"] < y_range[0]
    figure = go.Figure()
    custom = ["compressed_bytes", "kept_weights"]
    hover = ("<b>%{text}</b><br>%{x:.1f}× smaller<br>%{customdata[0]:,} bytes · "
             "%{customdata[1]:,} nonzero weights<br>accuracy %{y:.2%}<extra></extra>")  # fmt: skip
    others = grid[~grid["on_front"] & ~current & ~budget & ~below]
    front = grid[grid["on_front"] & ~below].sort_values(x_column)
    figure.add_trace(
        go.Scatter(
            x=others[x_column], y=others["accuracy"], text=others["settings"],
            customdata=others[custom].to_numpy(), mode="markers", name="grid point",
            marker={"color": OTHER_COLOR, "size": 8}, hovertemplate=hover,
        )
    )  # fmt: skip
    figure.add_trace(
        go.Scatter(
            x=front[x_column], y=front["accuracy"], text=front["settings"],
            customdata=front[custom].to_numpy(), mode="lines+markers", name="Pareto front",
            line={"shape": "vh", "color": FRONT_COLOR},
            marker={"color": FRONT_COLOR, "size": 10}, hovertemplate=hover,
        )
    )  # fmt: skip
    clipped = grid[below & ~current & ~budget]
    if len(clipped):
        edge = y_range[0] + 0.01 * (y_range[1] - y_range[0])
        figure.add_trace(
            go.Scatter(
                x=clipped[x_column], y=[edge] * len(clipped), text=clipped["settings"],
                customdata=clipped["accuracy"], mode="markers",
                name=f"below {y_range[0]:.0%} ({len(clipped)})", cliponaxis=False,
                marker={"symbol": "triangle-down", "color": OTHER_COLOR, "size": 10},
                hovertemplate="<b>%{text}</b><br>%{x:.1f}× smaller<br>accuracy "
                "%{customdata:.2%} (below the axis)<extra></extra>",
            )
        )  # fmt: skip
    for trace in _reference_traces(references):
        figure.add_trace(trace)
    for marks, symbol, color in (
        (current, "star", CURRENT_COLOR),
        (budget, "diamond", BUDGET_COLOR),
    ):
        for _, row in grid[marks].iterrows():
            figure.add_trace(
                go.Scatter(
                    x=[row[x_column]], y=[max(row["accuracy"], y_range[0])],
                    text=[row["settings"]], customdata=[row[custom].to_numpy()],
                    mode="markers", name=row["settings"],
                    marker={"symbol": symbol, "size": 18, "color": color,
                            "line": {"width": 1, "color": "black"}},
                    hovertemplate=hover,
                )
            )  # fmt: skip
    figure.update_layout(
        xaxis_title=x_title, xaxis_type="log", xaxis_range=x_range,
        yaxis_range=list(y_range), yaxis_tickformat=".1%",
        yaxis_title=f"test accuracy (axis starts at {y_range[0]:.0%}, not 0)",
        hovermode="closest", height=PARETO_HEIGHT, margin=PARETO_MARGIN,
        annotations=_front_labels(front, x_range, y_range, x_column),
        legend={"orientation": "h", "yanchor": "top", "y": -0.14, "x": 0},
        meta={"meaning": meaning, "left_out": list(left_out)},
    )  # fmt: skip
    return figure


def pareto_caption(figure: go.Figure) -> str:
    """What a :func:`pareto_figure` draws, read from the figure itself."""
    low = figure.layout.yaxis.range[0]
    meta = figure.layout.meta or {}
    meaning = meta.get("meaning", "bytes")
    size = "bytes stored" if meaning == "bytes" else "nonzero weights"
    parts = [
        f"Red: the Pareto front, the settings no other one beats in both {size} and "
        "accuracy, each named by its settings; more compressed is to the right. Hover any "
        "point to see its settings.",
        f"The accuracy axis starts at {low:.0%}, not at 0, to show the front's band.",
    ]
    clipped = next((t for t in figure.data if t.name and t.name.startswith("below ")), None)
    if clipped is not None:
        count, lowest = len(clipped.x), min(clipped.customdata)
        parts.append(
            f"{count} collapsed model(s) (accuracy below {low:.0%}, down to {lowest:.0%}) "
            "are drawn as ▼ on the bottom edge."
        )
    stars = [t.name for t in figure.data if t.marker.symbol == "star"]
    if stars:
        parts.append(
            f"★ {stars[0]}: the front is computed over the grid and this setting together."
        )
    picks = [t.name for t in figure.data if t.marker.symbol == "diamond"]
    if picks:
        parts.append(f"◆ {picks[0]}: the byte budget's pick, measured; the front includes it.")
    groups = {group: [t.name for t in figure.data if t.legendgroup == group]
              for group in SOURCES.values()}  # fmt: skip
    drawn = "; ".join(f"{group}: {', '.join(names)}" for group, names in groups.items() if names)
    if drawn:
        parts.append(
            f"Filled markers are published results on MNIST, open ones this app's "
            f"reproductions on LeNet-300-100 ({drawn}), named in the legend, each drawn only "
            "in the meaning of compression ratio its source reports."
        )
    left_out = meta.get("left_out", [])
    if left_out:
        other = "parameters kept" if meaning == "bytes" else "bytes stored"
        parts.append(f"Not drawn here, as they report only {other}: {', '.join(left_out)}.")
    return " ".join(parts)
