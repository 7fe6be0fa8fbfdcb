"""Figure builders draw what the tables hold."""

from __future__ import annotations

import colorsys
import itertools

import pandas as pd
import pytest

from compression.explain import papers
from compression.figures.sweep_plots import (
    LABEL_SIZE,
    PARETO_HEIGHT,
    PARETO_MARGIN,
    pareto_caption,
    pareto_figure,
    sensitivity_caption,
    sensitivity_figure,
)
from compression.sweeps.sweep import SWEEP_COLUMNS, SWEEP_METHODS
from compression.sweeps.tradeoff import (
    TRADEOFF_COLUMNS,
    MarkedPoint,
    front_in,
    pareto_front,
    with_current,
)

DENSE_BYTES, WEIGHTS = 4000, 1000  # the made-up model of _grid


def _with_ratios(table: pd.DataFrame, dense: int, weights: int) -> pd.DataFrame:
    """``table`` with both meanings of compression ratio, the nonzero weights from sparsity."""
    table["share_weights"] = float("nan")
    table["compression_ratio"] = dense / table["compressed_bytes"]
    table["kept_weights"] = (weights * (1 - table["sparsity"])).round().astype(int)
    table["parameter_ratio"] = weights / table["kept_weights"]
    return table


def _sweep_table(method: str, layers=(("fc1", 0.1), ("fc2", 0.3))) -> pd.DataFrame:
    rows = []
    for layer, drop in layers:
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
            "binarize_threshold": float("nan"), "quantize_bits": float("nan"),
            "accuracy": accuracies, "loss": 0.1,
            "sparsity": [0, 0.5, 0.9, 0.95, 0.6], "compressed_bytes": sizes,
            "settings": [f"point {index}" for index in range(5)],
        }
    )  # fmt: skip
    table = _with_ratios(table, DENSE_BYTES, WEIGHTS)
    table["on_front"] = pareto_front(sizes, accuracies)
    return table[list(TRADEOFF_COLUMNS)]


def test_pareto_chart_highlights_the_front_in_ratio_order_on_a_log_axis():
    grid = _grid()
    figure = pareto_figure(grid)
    others, front = figure.data
    assert figure.layout.xaxis.type == "log"
    assert "float32 bytes ÷ bytes stored" in figure.layout.xaxis.title.text
    # float32 bytes / bytes stored, more compressed to the right; point 4 (500 B) is beaten
    assert list(front.x) == [DENSE_BYTES / size for size in (1000, 400, 300, 120)]
    assert list(front.text) == ["point 0", "point 1", "point 2", "point 3"]
    assert list(others.x) == [DENSE_BYTES / 500]
    assert "%{text}" in front.hovertemplate  # hover shows each point's settings
    assert list(front.customdata[0]) == [1000, WEIGHTS]  # bytes, nonzero weights


def _point(label: str, size: int, accuracy: float, kept: int) -> MarkedPoint:
    return MarkedPoint(label, accuracy, size, DENSE_BYTES, WEIGHTS, kept)


def test_pareto_chart_marks_the_current_setting_and_its_front_includes_it():
    marked = with_current(_grid(), _point("now", 350, 0.93, 200))  # beats point 2 (300 B)
    figure = pareto_figure(marked)
    current = figure.data[-1]
    assert (list(current.x), list(current.y), current.name) == ([DENSE_BYTES / 350], [0.93],
                                                                "now")  # fmt: skip
    assert current.marker.symbol == "star"
    front = next(trace for trace in figure.data if trace.name == "Pareto front")
    assert sorted(front.x) == sorted(DENSE_BYTES / s for s in (120, 300, 350, 400, 1000))
    assert "★ now" in [note.text for note in figure.layout.annotations]
    assert "★ now: the front is computed over the grid and this setting" in pareto_caption(figure)


def test_a_budget_pick_is_a_diamond_beside_the_star_and_both_join_the_front():
    marked = with_current(_grid(), _point("now", 350, 0.93, 200))
    marked = with_current(marked, _point("fits in 250 bytes", 250, 0.92, 90), kind="budget")
    assert marked.current.tolist() == [False] * 5 + [True, False]
    assert marked.budget.tolist() == [False] * 6 + [True]
    figure = pareto_figure(marked)
    pick = next(trace for trace in figure.data if trace.name == "fits in 250 bytes")
    assert pick.marker.symbol == "diamond" and list(pick.x) == [DENSE_BYTES / 250]
    assert any(trace.marker.symbol == "star" for trace in figure.data)
    front = next(trace for trace in figure.data if trace.name == "Pareto front")
    assert DENSE_BYTES / 250 in list(front.x)  # nothing beats 250 bytes at 92%
    assert "◆ fits in 250 bytes: the byte budget's pick" in pareto_caption(figure)


def test_the_x_axis_switches_to_parameters_kept_and_the_front_follows_it():
    grid = _grid()
    grid.loc[4, "sparsity"] = 0.97  # 500 bytes but only 30 nonzero weights: the fewest
    grid = _with_ratios(grid, DENSE_BYTES, WEIGHTS)
    by_weights = front_in(grid, "parameters")
    figure = pareto_figure(by_weights, "parameters")
    assert "weights ÷ nonzero weights" in figure.layout.xaxis.title.text
    front = next(trace for trace in figure.data if trace.name == "Pareto front")
    # by bytes point 4 is beaten; by nonzero weights nothing has fewer than its 30
    assert "point 4" in list(front.text) and not grid.on_front[4]
    assert list(front.x) == sorted(front.x) and WEIGHTS / 30 in list(front.x)
    assert pareto_figure(grid).layout.xaxis.title.text != figure.layout.xaxis.title.text
    assert "nonzero weights and accuracy" in pareto_caption(figure)
    with pytest.raises(ValueError, match="means one of"):
        pareto_figure(grid, "pixels")


def _references(meaning: str) -> pd.DataFrame:
    return pd.DataFrame(papers.reference_points(meaning))


@pytest.mark.parametrize("meaning", ["bytes", "parameters"])
def test_paper_points_are_drawn_only_in_the_meaning_their_source_reports(meaning):
    grid = front_in(_grid(), meaning)
    references = _references(meaning)
    figure = pareto_figure(grid, meaning, references, tuple(papers.left_out(meaning)))
    published = [t for t in figure.data if t.legendgroup == "published"]
    ours = [t for t in figure.data if t.legendgroup == "reproduced in this app"]
    expected = references[references.source == "paper"]
    assert [t.name for t in published] == list(expected.name)
    assert [t.x[0] for t in published] == list(expected.ratio)
    assert [t.y[0] for t in published] == list(expected.accuracy)
    assert len({t.marker.symbol for t in published}) == len(published)  # told apart
    assert len(ours) == len(references[references.source != "paper"]) == 4
    assert all(t.marker.symbol.endswith("-open") for t in ours)
    assert len({t.marker.symbol for t in ours}) == len(ours)  # told apart
    by_name = {t.name: t for t in published}
    low, high = figure.layout.yaxis.range
    assert low <= min(references.accuracy) and max(references.accuracy) <= high
    caption = pareto_caption(figure)
    if meaning == "bytes":
        assert set(by_name) == {"Deep Compression", "BinaryConnect"}
        assert by_name["Deep Compression"].x[0] == pytest.approx(1070 / 27)  # its 40x
        assert "report only parameters kept: Han 2015, Sparse VD" in caption
    else:
        assert set(by_name) == {"Han 2015", "Sparse VD"}
        assert by_name["Sparse VD"].x[0] == 68
        assert "report only bytes stored: Deep Compression, BinaryConnect" in caption
    assert "each drawn only in the meaning of compression ratio its source reports" in caption


def test_without_references_the_chart_has_no_squares_and_the_caption_says_nothing_of_them():
    figure = pareto_figure(_grid())
    assert all(trace.legendgroup is None for trace in figure.data)
    assert "published" not in pareto_caption(figure)


# --- the sensitivity chart: axis, colours, caption ----------------------------------------


def test_the_sensitivity_axis_is_fitted_to_the_working_models_and_says_it_is_not_at_0():
    table = _sweep_table("prune-sparsity")
    table.loc[table.index[-1], "accuracy"] = 0.1  # fc2 at 90%: collapsed
    working = table.accuracy[table.accuracy > 0.5]
    figure = sensitivity_figure(table, "share", baseline_accuracy=0.98)
    low, high = figure.layout.yaxis.range
    assert 0.5 < low < working.min() and working.max() < high <= working.max() + 0.05
    assert f"starts at {low:.0%}, not 0" in figure.layout.yaxis.title.text
    caption = sensitivity_caption(figure)
    assert f"starts at {low:.0%}, not at 0" in caption
    assert "1 point(s) below it" in caption and "down to 10%" in caption
    full = sensitivity_figure(table, "share", fit_axis=False)
    assert full.layout.yaxis.range[0] == 0 and full.layout.yaxis.range[1] >= 1
    assert "not" not in full.layout.yaxis.title.text
    assert "below it" not in sensitivity_caption(full)


def _hue(color: str) -> float:
    red, green, blue = (int(color[index : index + 2], 16) / 255 for index in (1, 3, 5))
    return colorsys.rgb_to_hls(red, green, blue)[0] * 360


def test_every_layer_curve_has_its_own_hue_and_all_layers_is_neutral():
    layers = [(name, 0.1) for name in ("conv1", "conv2", "fc1", "fc2", "fc3", "all")]
    figure = sensitivity_figure(_sweep_table("prune-sparsity", layers), "share")
    colors = {trace.name: trace.line.color for trace in figure.data}
    for first, second in itertools.combinations([c for n, c in colors.items() if n != "all"], 2):
        distance = abs(_hue(first) - _hue(second))
        assert min(distance, 360 - distance) >= 35, (first, second)  # fc1/fc2 both blue: fails
    red, green, blue = (int(colors["all"][index : index + 2], 16) for index in (1, 3, 5))
    assert red == green == blue  # grey: no layer's colour
    assert [trace.line.dash for trace in figure.data] == ["solid"] * 5 + ["dot"]


def test_the_sensitivity_caption_names_exactly_the_lines_drawn():
    per_layer = sensitivity_figure(_sweep_table("prune-sparsity"), "share", baseline_accuracy=0.98)
    caption = sensitivity_caption(per_layer)
    assert "(fc1, fc2)" in caption and "dashed line is the baseline" in caption
    assert '"all"' not in caption  # no such line is drawn
    together = _sweep_table("prune-sparsity", (("all", 0.2),))
    caption = sensitivity_caption(sensitivity_figure(together, "share"))
    assert 'dotted line "all"' in caption
    assert "one layer" not in caption and "baseline" not in caption


# --- the Pareto chart: labels and collapsed models -------------------------------------------


def _real_grid() -> pd.DataFrame:
    """A grid like the shipped MLP's: a staircase front, several models collapsed at ~10%."""
    rows = [
        ("prune-sparsity", 0.0, None, 0.983, 1_066_440),
        ("prune-threshold", 0.02, None, 0.9828, 649_843),
        ("prune-threshold", 0.03, None, 0.9824, 452_615),
        ("prune-threshold", 0.05, 0.0, 0.9393, 31_658),
        ("prune-threshold", 0.05, 0.7, 0.9100, 29_874),
        ("prune-threshold", 0.03, 1.0, 0.8218, 28_833),
        ("prune-threshold", 0.07, 0.7, 0.7907, 18_646),
        ("prune-threshold", 0.05, 1.0, 0.6162, 16_430),
        ("prune-threshold", 0.1, 0.0, 0.6977, 8_509),
        ("prune-sparsity", 0.7, None, 0.9292, 352_545),
        ("prune-sparsity", 0.5, 0.7, 0.8664, 45_717),
        ("prune-sparsity", 0.98, 1.0, 0.1079, 4_259),
        ("prune-sparsity", 0.95, 1.0, 0.1081, 7_368),
        ("prune-sparsity", 0.98, None, 0.1093, 28_640),
    ]
    table = pd.DataFrame(
        rows, columns=["prune_method", "prune_value", "binarize_threshold", "accuracy",
                       "compressed_bytes"]
    )  # fmt: skip
    table["binarize_threshold"] = table["binarize_threshold"].astype(float)
    table["quantize_bits"] = float("nan")
    table["settings"] = [f"point {index}" for index in range(len(table))]
    table[["loss", "sparsity"]] = 0.0
    table = _with_ratios(table, 1_066_440, 266_200)
    table["on_front"] = pareto_front(table.compressed_bytes, table.accuracy)
    return table[list(TRADEOFF_COLUMNS)]


def _label_boxes(figure) -> list[tuple[float, float]]:
    """Each front label's vertical extent in pixels above the plot's bottom edge."""
    low, high = figure.layout.yaxis.range
    plot = PARETO_HEIGHT - PARETO_MARGIN["t"] - PARETO_MARGIN["b"]
    boxes = []
    for note in figure.layout.annotations:
        centre = (note.y - low) / (high - low) * plot - note.ay  # ay > 0 points down
        half = 1.25 * note.font.size / 2  # one line of text
        boxes.append((centre - half, centre + half))
    return boxes


def test_every_front_point_is_labelled_with_its_settings_and_no_labels_overlap():
    grid = _real_grid()
    figure = pareto_figure(grid)
    front = grid[grid.on_front & (grid.accuracy > 0.5)]
    texts = sorted(note.text for note in figure.layout.annotations)
    assert len(texts) == len(front)
    assert "no pruning, float32" in texts
    assert "|W| ≤ 0.05 pruned, binary" in texts  # t = 0: plain binary
    assert "|W| ≤ 0.07 pruned, binary t=0.7" in texts
    assert all(note.font.size >= LABEL_SIZE >= 14 for note in figure.layout.annotations)
    boxes = sorted(_label_boxes(figure))
    for (_, top), (bottom, _) in itertools.pairwise(boxes):
        assert top <= bottom, boxes


def test_k_bit_and_shared_front_points_are_named_beside_binary_and_float32():
    grid = _grid()
    grid.loc[1, "quantize_bits"] = 4.0  # 50% pruned, 4-bit: on the front
    grid.loc[2, "share_weights"] = 16.0  # 90% pruned, 16 shared values: on the front
    grid.loc[3, "binarize_threshold"] = 0.7
    texts = {note.text for note in pareto_figure(grid).layout.annotations}
    assert {
        "no pruning, float32", "50% pruned, int4", "90% pruned, 16 shared",
        "95% pruned, binary t=0.7",
    } <= texts  # fmt: skip


def test_collapsed_models_are_clipped_to_the_bottom_edge_and_counted():
    grid = _real_grid()
    figure = pareto_figure(grid)
    low, high = figure.layout.yaxis.range
    collapsed = grid[grid.accuracy < 0.5]
    assert collapsed.accuracy.max() < low < grid.accuracy[grid.accuracy > 0.5].min()
    assert high > grid.accuracy.max()
    clipped = next(trace for trace in figure.data if trace.name.startswith("below"))
    assert clipped.name == f"below {low:.0%} (3)" and len(clipped.x) == 3
    assert sorted(clipped.customdata) == sorted(collapsed.accuracy)  # true values in hover
    assert all(low <= y <= high for y in clipped.y)  # drawn on the edge, not off the chart
    for trace in figure.data:
        assert all(low <= y <= high for y in trace.y), trace.name
    caption = pareto_caption(figure)
    assert "3 collapsed model(s)" in caption and f"starts at {low:.0%}, not at 0" in caption
