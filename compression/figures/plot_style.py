"""The look shared by every chart: title, legend place, margins, font, units."""

from __future__ import annotations

import plotly.graph_objects as go

KILOBYTE = 1000  # bytes; sizes are shown in KB with the exact count on hover
FONT = {"size": 13}
MARGIN = {"l": 60, "r": 20, "t": 70, "b": 50}
LEGEND_ROOM = 110  # pixels under the plot for the x-axis title and a one-row legend


def axis(**fields) -> dict:
    """An axis that keeps to the fixed margins (``automargin`` off).

    With it on, Plotly measures the tick labels after drawing and draws the chart again
    when they need more room: about 40% of a slider-driven chart's time in the browser
    (measured with ``bench/browser_latency.py``). :data:`MARGIN` has room for the labels.
    """
    return {"automargin": False, **fields}


def layout(title: str, height: int, legend: bool = True) -> dict:
    """Layout fields: title top left, legend in a row under the plot."""
    bottom = LEGEND_ROOM if legend else MARGIN["b"]
    return {
        "title": {"text": title, "x": 0, "xanchor": "left"},
        "height": height,
        "margin": {**MARGIN, "b": bottom},
        "font": FONT,
        "legend": {
            "orientation": "h",
            "yanchor": "top",
            "y": -70 / max(height - MARGIN["t"] - bottom, 1),
            "x": 0,
            "xanchor": "left",
        },
        "bargap": 0.15,
        "showlegend": legend,
    }


def styled(fig: go.Figure, title: str, height: int, legend: bool = True) -> go.Figure:
    """``fig`` with the shared :func:`layout` applied."""
    fig.update_layout(**layout(title, height, legend))
    return fig
