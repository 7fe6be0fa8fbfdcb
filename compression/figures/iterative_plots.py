"""Charts of iterative pruning and the lottery-ticket rewind: numbers in, figures out.

``rounds`` are plain dicts (round, kept_fraction, sparsity, pruned_accuracy, accuracy,
size_bytes), one per finished round, round 0 the model before any cut.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from compression.figures import palette
from compression.figures.plot_style import KILOBYTE, MODEBAR_ROOM, styled

ROUNDS_HEIGHT = 430  # pixels of the rounds chart (the page keeps this much while it is live)
LOTTERY_HEIGHT = 400
SURVIVORS = "#54A24B"  # the surviving weights: the retrained colour
FIRST = "rgba(76, 120, 168, 0.35)"  # the layer's weights before any cut, as an outline
# the three ways to train one mask, and the dense model they are held against
TICKET = "#54A24B"
REINIT = "#E45756"
ITERATIVE = "#F58518"


def rounds_chart(
    rounds: Sequence[dict],
    histogram: dict | None,
    first_histogram: dict | None = None,
    planned_rounds: int | None = None,
    title: str = "Iterative pruning, round by round",
) -> go.Figure:
    """Left: test accuracy (after the cut, after retraining) and size per round. Right: the
    chosen layer's surviving weights now (bars) and before any cut (outline).

    ``histogram``: {layer, edges, counts} (:class:`compression.iterative.Histogram` as a dict);
    ``planned_rounds`` fixes the x range, so the curves grow into a chart that does not move.
    """
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.55, 0.45],
        horizontal_spacing=0.16,
        specs=[[{"secondary_y": True}, {}]],
        subplot_titles=(
            "Accuracy and size per round",
            "Surviving weights"
            + (f" of {histogram['layer']}" if histogram else "")
            + " (count per bin)",
        ),
    )
    numbers = [r["round"] for r in rounds]
    fig.add_trace(
        go.Scatter(
            x=numbers,
            y=[100 * r["pruned_accuracy"] for r in rounds],
            name="after the cut",
            mode="markers",
            marker={"color": palette.COMPRESSED, "size": 8, "symbol": "x"},
            hovertemplate="round %{x}, cut: %{y:.2f}%<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=numbers,
            y=[100 * r["accuracy"] for r in rounds],
            name="after retraining",
            mode="lines+markers",
            line={"color": palette.FINETUNED, "width": 3},
            hovertemplate="round %{x}, retrained: %{y:.2f}%<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=numbers,
            y=[r["size_bytes"] / KILOBYTE for r in rounds],
            name="size (KB)",
            mode="lines+markers",
            line={"color": palette.BASELINE, "width": 2, "dash": "dot"},
            customdata=[[r["size_bytes"], 100 * r["sparsity"]] for r in rounds],
            hovertemplate="round %{x}: %{customdata[0]:,} bytes, "
            "%{customdata[1]:.1f}% pruned<extra></extra>",
        ),
        row=1,
        col=1,
        secondary_y=True,
    )
    last = max([planned_rounds or 0, *numbers, 1])
    fig.update_xaxes(
        title_text="round (0 = before)", dtick=1, range=[-0.3, last + 0.3], row=1, col=1
    )
    accuracies = [100 * r[k] for r in rounds for k in ("pruned_accuracy", "accuracy")]
    low = min(accuracies, default=90.0)
    fig.update_yaxes(
        title_text="test accuracy (%)",
        range=[max(0, low - 3), 100.5],
        row=1,
        col=1,
        secondary_y=False,
    )
    top = max([r["size_bytes"] / KILOBYTE for r in rounds], default=1.0)
    fig.update_yaxes(
        title_text="size (KB)",
        range=[0, 1.1 * top],
        showgrid=False,
        tickmode="auto",
        nticks=5,
        row=1,
        col=1,
        secondary_y=True,
    )
    drawn = (
        (first_histogram, FIRST, "before any cut", True),
        (histogram, SURVIVORS, "survivors now", False),
    )
    for shown, colour, name, outline in drawn:
        if shown is None:
            continue
        edges = shown["edges"]
        centres = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
        fig.add_trace(
            go.Bar(
                x=centres,
                y=shown["counts"],
                width=edges[1] - edges[0],
                name=name,
                marker=(
                    {"color": "rgba(0,0,0,0)", "line": {"color": colour, "width": 1}}
                    if outline
                    else {"color": colour}
                ),
                hovertemplate="W ≈ %{x:.3f}: %{y:,} weights<extra>" + name + "</extra>",
            ),
            row=1,
            col=2,
        )
    fig.update_xaxes(title_text="weight value W", row=1, col=2)
    if histogram is not None and max(histogram["counts"], default=0) > 0:
        # the survivors fill the plot; the dense layer's peak at 0 runs off its top
        fig.update_yaxes(range=[0, 1.15 * max(histogram["counts"])], row=1, col=2)
    fig = styled(fig, title, ROUNDS_HEIGHT)
    fig.update_layout(barmode="overlay", bargap=0, margin={"t": MODEBAR_ROOM + 60, "r": 60})
    return fig


def lottery_chart(
    curves: dict[str, Sequence[float]],
    iterative_accuracy: float,
    baseline_accuracy: float,
    title: str = "One mask, three ways to train it",
) -> go.Figure:
    """Test accuracy per epoch of each retraining in ``curves`` ({name: accuracies, epoch 1
    first}), against the iteratively pruned model and the dense baseline (dashed lines).

    The first curve is drawn as the rewound ticket, the second as the random re-init.
    """
    fig = go.Figure()
    colours = (TICKET, REINIT)
    for index, (name, accuracies) in enumerate(curves.items()):
        fig.add_trace(
            go.Scatter(
                x=list(range(1, len(accuracies) + 1)),
                y=[100 * a for a in accuracies],
                name=name,
                mode="lines+markers",
                line={"color": colours[index % len(colours)], "width": 3},
                hovertemplate="epoch %{x}: %{y:.2f}%<extra>" + name + "</extra>",
            )
        )
    epochs = max((len(a) for a in curves.values()), default=1)
    for level, name, colour in (
        (iterative_accuracy, "iteratively pruned", ITERATIVE),
        (baseline_accuracy, "dense baseline", palette.BASELINE),
    ):
        fig.add_trace(
            go.Scatter(
                x=[0.75, epochs + 0.25],
                y=[100 * level, 100 * level],
                name=f"{name} ({100 * level:.2f}%)",
                mode="lines",
                line={"color": colour, "width": 2, "dash": "dash"},
                hovertemplate=f"{name}: %{{y:.2f}}%<extra></extra>",
            )
        )
    every = [
        100 * a
        for a in (*(x for c in curves.values() for x in c), iterative_accuracy, baseline_accuracy)
    ]
    fig.update_xaxes(title_text="training epoch", dtick=1, range=[0.75, epochs + 0.25])
    fig.update_yaxes(title_text="test accuracy (%)", range=[max(0, min(every) - 3), 100.5])
    return styled(fig, title, LOTTERY_HEIGHT)
