"""The look shared by every chart: title, legend place, margins, font, units."""

from __future__ import annotations

import plotly.graph_objects as go

KILOBYTE = 1000  # bytes; sizes are shown in KB with the exact count on hover
FONT = {"size": 13}
MODEBAR_ROOM = 36  # pixels at the top of a chart for Plotly's toolbar, kept free of the title
MARGIN = {"l": 60, "r": 20, "t": 70, "b": 50}
LEGEND_ROOM = 110  # pixels under the plot for the x-axis title and a one-row legend


def axis(**fields) -> dict:
    """An axis that keeps to the fixed margins (``automargin`` off).

    With it on, Plotly measures the tick labels after drawing and draws the chart again
    when they need more room: about 40% of a slider-driven chart's time in the browser
    (measured with ``bench/browser_latency.py``). :data:`MARGIN` has room for the labels.
    """
    return {"automargin": False, **fields}


def title(text: str | None) -> dict:
    """A chart title at the top left, under the toolbar's row (:data:`MODEBAR_ROOM`).

    The toolbar sits at the top right; on a phone-wide chart it would cover a title drawn
    in the same row. A chart's top margin needs ``MODEBAR_ROOM`` + ~25 pixels per title line.
    """
    return {
        "text": text, "x": 0, "xanchor": "left", "xref": "container",
        "y": 1, "yanchor": "top", "yref": "container", "pad": {"t": MODEBAR_ROOM, "l": 10},
    }  # fmt: skip


def layout(title_text: str, height: int, legend: bool = True) -> dict:
    """Layout fields: title top left under the toolbar, legend in a row under the plot."""
    bottom = LEGEND_ROOM if legend else MARGIN["b"]
    return {
        "title": title(title_text),
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


def styled(fig: go.Figure, title_text: str, height: int, legend: bool = True) -> go.Figure:
    """``fig`` with the shared :func:`layout` applied."""
    fig.update_layout(**layout(title_text, height, legend))
    return fig
