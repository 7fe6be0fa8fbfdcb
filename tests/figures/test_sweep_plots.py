"""Figure builders draw what the tables hold."""

from __future__ import annotations

import pandas as pd
import pytest

from compression.figures.sweep_plots import pareto_figure, sensitivity_figure
from compression.sweeps.sweep import SWEEP_COLUMNS, SWEEP_METHODS
from compression.sweeps.tradeoff import TRADEOFF_COLUMNS, pareto_front


def _sweep_table(method: str) -> pd.DataFrame:
    rows = []
    for layer, drop in (("fc1", 0.1), ("fc2", 0.3)):
        for value in (0.0, 0.5, 0.9):
            rows.append(
                {
                    "layer": layer, "method": method, "value": value,
                    "accuracy": 0.98 - drop * value, "loss": 0.05 + value, "sparsity": value / 2,
                    "layer_sparsity": value * 0.99, "compressed_bytes": int(1000 * (1 - value)),
                    "compression_ratio": 1 / (1 - value / 2),
                }
            )  # fmt: skip
    return pd.DataFrame(rows, columns=list(SWEEP_COLUMNS))


def test_sensitivity_draws_one_line_per_layer_against_layer_sparsity():
    table = _sweep_table("prune-threshold")
    figure = sensitivity_figure(
        table, SWEEP_METHODS["prune-threshold"].axis_title, baseline_accuracy=0.98
    )
    assert [trace.name for trace in figure.data] == ["fc1", "fc2"]
    fc2 = table[table.layer == "fc2"]
    assert list(figure.data[1].x) == fc2.layer_sparsity.tolist()
    assert list(figure.data[1].y) == fc2.accuracy.tolist()
    assert figure.layout.xaxis.title.text == "sparsity of the pruned layer(s)"
    assert [shape.y0 for shape in figure.layout.shapes] == [0.98]  # the baseline line
    assert "prune-threshold" in figure.data[0].hovertemplate


def test_sensitivity_of_a_binarization_sweep_is_drawn_against_the_threshold():
    table = _sweep_table("binarize-threshold")
    figure = sensitivity_figure(table, SWEEP_METHODS["binarize-threshold"].axis_title)
    assert list(figure.data[0].x) == [0.0, 0.5, 0.9]
    assert "binarization threshold" in figure.layout.xaxis.title.text
    assert not figure.layout.shapes


def test_sensitivity_refuses_a_table_of_two_methods():
    table = pd.concat([_sweep_table("prune-sparsity"), _sweep_table("binarize-threshold")])
    with pytest.raises(ValueError, match="one sweep method"):
        sensitivity_figure(table, "value")


def _grid() -> pd.DataFrame:
    sizes = [1000, 400, 300, 120, 500]
    accuracies = [0.98, 0.97, 0.90, 0.85, 0.95]
    table = pd.DataFrame(
        {
            "prune_method": "prune-sparsity", "prune_value": [0, 0.5, 0.9, 0.95, 0.6],
            "binarize_threshold": float("nan"), "accuracy": accuracies, "loss": 0.1,
            "sparsity": 0.5, "compressed_bytes": sizes, "compression_ratio": 2.0,
            "settings": [f"point {index}" for index in range(5)],
        }
    )  # fmt: skip
    table["on_front"] = pareto_front(sizes, accuracies)
    return table[list(TRADEOFF_COLUMNS)]


def test_pareto_chart_highlights_the_front_in_size_order_on_a_log_axis():
    grid = _grid()
    figure = pareto_figure(grid)
    others, front = figure.data
    assert figure.layout.xaxis.type == "log"
    assert list(front.x) == [120, 300, 400, 1000]  # point 4 (500 bytes, 0.95) is beaten
    assert list(front.text) == ["point 3", "point 2", "point 1", "point 0"]
    assert list(others.x) == [500]
    assert "%{text}" in front.hovertemplate  # hover shows each point's settings


def test_pareto_chart_marks_the_current_setting():
    figure = pareto_figure(_grid(), {"compressed_bytes": 350, "accuracy": 0.93, "label": "now"})
    current = figure.data[-1]
    assert (list(current.x), list(current.y), current.name) == ([350], [0.93], "now")
    assert current.marker.symbol == "star"
