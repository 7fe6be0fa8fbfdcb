"""The Draw page's two charts: the 28 x 28 input a model sees, and both models' answers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from compression.figures import palette
from compression.figures.plot_style import axis, styled

PROBABILITY_HEIGHT = 380  # pixels of the probability chart
INPUT_SIZE = 280  # pixels per side of the input picture: 10 screen pixels per image pixel


def input_picture(image: np.ndarray, title: str = "What the models see (28 × 28)") -> go.Figure:
    """A (28, 28) image in [0, 1] as dark ink on white, one square per pixel (hover: value)."""
    fig = go.Figure(
        go.Heatmap(
            z=np.asarray(image, dtype=np.float64),
            colorscale="Greys",
            zmin=0.0,
            zmax=1.0,
            showscale=False,
            hovertemplate="row %{y}, column %{x}: %{z:.2f}<extra></extra>",
        )
    )
    side = len(fig.data[0].z)
    fig.add_shape(  # the field's edge: white paper on a white page needs a frame
        type="rect", x0=-0.5, y0=-0.5, x1=side - 0.5, y1=side - 0.5,
        line={"color": palette.REMOVED, "width": 1},
    )  # fmt: skip
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    header = 40
    fig = styled(fig, title, INPUT_SIZE + header, legend=False)
    fig.update_layout(margin={"l": 0, "r": 0, "t": header, "b": 0}, width=INPUT_SIZE)
    return fig


def probability_bars(
    class_names: Sequence[str],
    baseline: Sequence[float],
    compressed: Sequence[float],
    compressed_label: str = "compressed",
    title: str = "How sure each model is",
) -> go.Figure:
    """softmax(f(x)) per class, the baseline's and the compressed model's bars side by side."""
    names = [str(name) for name in class_names]
    fig = go.Figure()
    for label, values, colour in (
        ("baseline", baseline, palette.BASELINE),
        (compressed_label, compressed, palette.COMPRESSED),
    ):
        shares = np.asarray(values, dtype=np.float64)
        fig.add_bar(
            x=names,
            y=shares,
            name=label,
            marker_color=colour,
            text=[f"{share:.0%}" if share >= 0.05 else "" for share in shares],
            textposition="outside",
            hovertemplate=f"{label}<br>%{{x}}: %{{y:.1%}}<extra></extra>",
        )
    fig.update_layout(
        barmode="group",
        uniformtext={"minsize": 10, "mode": "show"},  # every share label at one size
        xaxis=axis(type="category", tickangle=-30 if max(map(len, names)) > 3 else 0),
        yaxis=axis(title="probability", range=[0, 1.12], tickformat=".0%", dtick=0.25),
    )
    return styled(fig, title, PROBABILITY_HEIGHT)
