"""Plot builders: data in, a Plotly figure out, with the numbers and marks a reader needs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import torch

from compression.compress import compress
from compression.explain.chart_data import LayerView, layer_views
from compression.figures import palette, plots
from compression.figures.plot_style import MODEBAR_ROOM
from compression.models import build_model
from compression.settings import CompressionSettings
from compression.size import size_table

LAYERS = ["fc1", "fc2", "fc3"]


@pytest.fixture(scope="module")
def state():
    return {k: v.detach().clone() for k, v in build_model("mlp", seed=5).state_dict().items()}


def views_for(state, settings):
    return layer_views(state, compress(state, LAYERS, settings), LAYERS)


def vertical_lines(fig: go.Figure, colour: str) -> list[float]:
    return sorted(
        shape.x0
        for shape in fig.layout.shapes
        if shape.type == "line" and shape.line.color == colour
    )


def test_histogram_areas_hold_every_weight_in_baseline_and_removed_colours(state):
    views = views_for(state, CompressionSettings(prune_sparsity=0.5))
    fig = plots.weight_histograms(views)
    assert len(fig.data) == 2 * len(LAYERS)
    kept = [t for t in fig.data if t.fillcolor == palette.BASELINE]
    zeroed = [t for t in fig.data if t.fillcolor == palette.REMOVED]
    for view, kept_area, zeroed_area in zip(views, kept, zeroed, strict=True):
        # one point per bin on its left edge, and a last point closing the last bin
        assert list(kept_area.x) == pytest.approx(list(view.edges))
        assert sum(kept_area.y[:-1]) + sum(zeroed_area.y[:-1]) == view.weights
        assert sum(zeroed_area.y[:-1]) == view.zero
        assert kept_area.stackgroup == zeroed_area.stackgroup  # zeroed stacked on kept
        assert kept_area.line.shape == "hv"


def test_histogram_hover_names_the_bin_range_and_its_count(state):
    view = views_for(state, CompressionSettings(prune_sparsity=0.5))[0]
    kept = plots.weight_histograms([view]).data[0]
    low, high = view.edges[0], view.edges[1]
    assert kept.customdata[0] == f"{low:.3f} to {high:.3f}"
    assert "%{y:,} weights" in kept.hovertemplate


def test_histogram_draws_the_pruning_cut_on_both_sides_of_zero(state):
    fig = plots.weight_histograms(views_for(state, CompressionSettings(prune_threshold=0.03)))
    cuts = vertical_lines(fig, palette.THRESHOLD)
    assert cuts == pytest.approx([-0.03] * 3 + [0.03] * 3)
    assert all(axis.title.text == "real weight value W" for axis in _x_axes(fig))


def test_histogram_marks_the_band_and_the_binarized_values(state):
    views = views_for(state, CompressionSettings(binarize_threshold=0.7))
    fig = plots.weight_histograms(views)
    band = vertical_lines(fig, palette.THRESHOLD)
    levels = vertical_lines(fig, palette.COMPRESSED)
    expected_band = sorted(s * v.band[0] for v in views for s in (-1, 1))
    expected_levels = sorted(s * v.scale[0] for v in views for s in (-1, 1))
    assert band == pytest.approx(expected_band)
    assert levels == pytest.approx(expected_levels)
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "+a = " in texts and "band ±" in texts


def test_histogram_view_includes_a_cut_beyond_the_usual_range(state):
    views = views_for(state, CompressionSettings(prune_threshold=0.5))
    fig = plots.weight_histograms(views)
    for axis in _x_axes(fig):
        assert axis.range[1] >= 0.5


def _x_axes(fig):
    return [fig.layout[name] for name in fig.layout if name.startswith("xaxis")]


@pytest.fixture(scope="module")
def sizes(state):
    pruned = compress(state, LAYERS, CompressionSettings(prune_sparsity=0.9)).state
    return size_table(pruned, LAYERS)


def test_size_bars_show_kilobytes_with_exact_bytes_on_hover_and_a_total(sizes):
    fig = plots.size_bars(sizes)
    dense, compressed = fig.data
    assert list(dense.x) == [*LAYERS, "total"]
    assert list(compressed.customdata) == [
        *sizes["compressed_bytes"],
        sizes["compressed_bytes"].sum(),
    ]
    assert compressed.y[-1] == pytest.approx(sizes["compressed_bytes"].sum() / 1000)
    assert dense.marker.color == palette.BASELINE and compressed.marker.color == palette.COMPRESSED
    assert fig.layout.yaxis.title.text == "size (KB)"


def test_size_breakdown_stacks_the_parts_to_the_compressed_bytes(sizes):
    fig = plots.size_breakdown_bars(sizes)
    stacked = np.sum([trace.customdata for trace in fig.data], axis=0)
    np.testing.assert_array_equal(stacked, sizes["compressed_bytes"])


def test_with_huffman_the_stack_is_still_the_compressed_bytes_tables_included(state):
    pruned = {key: torch.where(t.abs() > 0.03, t, 0 * t) for key, t in state.items()}
    rounded = {key: torch.round(t * 64) / 64 for key, t in pruned.items()}  # few values
    sizes = size_table(rounded, ["fc1", "fc2", "fc3"], huffman=True)
    assert sizes["huffman"].any()
    fig = plots.size_breakdown_bars(sizes)
    assert fig.data[-1].name == "Huffman tables"
    stacked = np.sum([trace.customdata for trace in fig.data], axis=0)
    np.testing.assert_array_equal(stacked, sizes["compressed_bytes"])


def test_sparsity_bars_are_percent_of_weights(sizes):
    fig = plots.sparsity_bars(sizes)
    np.testing.assert_allclose(fig.data[0].y, 100 * sizes["sparsity"])
    assert fig.data[0].text[0].endswith("%")


def test_charts_redrawn_on_every_slider_move_keep_to_their_margins(state, sizes):
    """Axes that may not push the margins: Plotly then draws a chart once, not twice."""
    views = views_for(state, CompressionSettings(prune_threshold=0.03))
    for fig in (
        plots.weight_histograms(views),
        plots.sparsity_bars(sizes),
        plots.size_bars(sizes),
        plots.size_breakdown_bars(sizes),
    ):
        axes = [fig.layout[name] for name in fig.layout if name.startswith(("xaxis", "yaxis"))]
        assert len(axes) >= 2
        assert all(axis.automargin is False for axis in axes)


def test_training_curves_plot_each_recorded_series_against_epochs():
    history = [
        {
            "epoch": 1,
            "train_loss": 0.5,
            "train_accuracy": 0.8,
            "test_loss": 0.4,
            "test_accuracy": 0.85,
        },
        {
            "epoch": 2,
            "train_loss": 0.3,
            "train_accuracy": 0.9,
            "test_loss": 0.35,
            "test_accuracy": 0.9,
        },
    ]
    fig = plots.training_curves(history, step_losses=[(0.5, 0.7), (1.0, 0.5)])
    by_name = {trace.name: trace for trace in fig.data}
    assert set(by_name) == {
        "batch loss", "train loss", "test loss", "train accuracy", "test accuracy"
    }  # fmt: skip
    assert list(by_name["test accuracy"].y) == [85, 90]
    assert list(by_name["train loss"].x) == [1, 2]


def test_training_curves_give_every_series_its_own_line_style():
    """A legend where two entries look alike cannot tell train loss from train accuracy."""
    record = {"train_loss": 0.5, "train_accuracy": 0.8, "test_loss": 0.4, "test_accuracy": 0.85}
    fig = plots.training_curves([{"epoch": 1, **record}], step_losses=[(0.5, 0.7)])
    styles = {trace.name: (trace.line.color, trace.line.dash or "solid") for trace in fig.data}
    assert len(styles) == 5
    assert len(set(styles.values())) == 5, styles
    assert styles["train loss"][0] == styles["train accuracy"][0]  # colour: which images
    assert styles["train loss"][1] == styles["test loss"][1]  # dash: what is measured


def test_training_curves_without_test_records_draw_only_training():
    fig = plots.training_curves([{"epoch": 1, "train_loss": 1.0, "train_accuracy": 0.5}])
    assert {trace.name for trace in fig.data} == {"train loss", "train accuracy"}


def test_recovery_curve_starts_at_the_compressed_accuracy():
    fig = plots.recovery_curve(0.7, [{"epoch": 1, "test_accuracy": 0.95}], baseline_accuracy=0.98)
    assert list(fig.data[0].x) == [0, 1]
    assert list(fig.data[0].y) == pytest.approx([70, 95])
    assert fig.layout.shapes[0].y0 == pytest.approx(98)


def test_recovery_curve_keeps_the_baseline_label_clear_of_the_point_labels():
    # the retrained model ends exactly at the baseline: the old chart put both labels there
    fig = plots.recovery_curve(0.9, [{"epoch": 1, "test_accuracy": 0.983}], baseline_accuracy=0.983)
    points = fig.data[0]
    assert points.textposition == "top center" and list(points.text) == ["90.00%", "98.30%"]
    (label,) = [a for a in fig.layout.annotations if "baseline" in a.text]
    assert "98.30%" in label.text and label.y == pytest.approx(98.3)
    # the baseline label starts right of the plot area (paper x = 1 is its right edge) ...
    assert (label.xref, label.xanchor) == ("paper", "left") and label.x >= 1
    assert label.xshift >= 0 and fig.layout.margin.r >= 80  # ... in a margin wide enough
    # ... and each point's label, centred on its point, stays inside the plot area
    low, high = fig.layout.xaxis.range
    assert low <= min(points.x) - 0.5 and max(points.x) + 0.5 <= high


def test_configuration_bars_use_one_colour_per_configuration():
    table = pd.DataFrame(
        {
            "configuration": ["baseline", "pruned", "binarized", "pruned + binarized"],
            "accuracy": [0.98, 0.97, 0.9, 0.88],
            "size_bytes": [1000, 500, 40, 30],
        }
    )
    fig = plots.configuration_bars(table)
    accuracy, size = fig.data
    colours = [palette.BASELINE, "#72B7B2", "#EECA3B", palette.COMPRESSED]
    assert list(accuracy.marker.color) == colours == list(palette.CONFIGURATIONS.values())[:4]
    assert list(size.customdata) == [1000, 500, 40, 30]
    table["configuration"] = ["baseline", "pruned", "shared", "pruned + shared"]
    assert list(plots.configuration_bars(table).data[0].marker.color) == colours


def test_digit_grid_labels_every_digit():
    mosaic = np.zeros((2 * (28 + 4 + 12) + 4, 2 * (28 + 4) + 4), dtype=np.uint8)
    fig = plots.digit_grid(mosaic, ["3", "1", "4", "1"], columns=2)
    assert [a.text for a in fig.layout.annotations] == ["3", "1", "4", "1"]
    assert isinstance(fig.data[0], go.Heatmap)


def test_layer_view_of_untouched_layer_has_no_marks():
    weight = torch.linspace(-1, 1, 11)
    view = LayerView(
        name="fc", edges=np.linspace(-1, 1, 3), view=1.0, kept=np.array([5, 6]),
        zeroed=np.array([0, 0]), prune_cut=None, band=None, scale=None, negative=5, zero=1,
        positive=5,
    )  # fmt: skip
    fig = plots.weight_histograms([view])
    assert not fig.layout.shapes
    assert view.weights == weight.numel()


def test_a_layer_histogram_is_named_under_its_axis_and_leaves_the_toolbar_row_free(state):
    views = views_for(state, CompressionSettings(prune_threshold=0.03))
    together = plots.weight_histograms(views)
    for index, view in enumerate(views):
        fig = plots.layer_histogram(view)
        assert not fig.layout.title.text and fig.layout.showlegend is False
        assert fig.layout.xaxis.title.text == f"W in {view.name} ({view.weights:,} weights)"
        assert fig.layout.margin.t == MODEBAR_ROOM
        assert fig.layout.xaxis.automargin is False and fig.layout.yaxis.automargin is False
        # the same areas and cut as that layer's subplot of the one-figure version
        kept, zeroed = fig.data
        assert list(kept.y) == list(together.data[2 * index].y)
        assert list(zeroed.y) == list(together.data[2 * index + 1].y)
        assert vertical_lines(fig, palette.THRESHOLD) == pytest.approx([-0.03, 0.03])


def test_every_chart_title_sits_under_the_toolbar_row(state, sizes):
    """Plotly's toolbar takes the top right of a chart: a title drawn in that row would be
    covered on a narrow screen, so titles start MODEBAR_ROOM pixels down, inside the margin."""
    views = views_for(state, CompressionSettings(prune_threshold=0.03))
    table = pd.DataFrame(
        {"configuration": ["baseline", "pruned"], "accuracy": [0.98, 0.97],
         "size_bytes": [1000, 500]}
    )  # fmt: skip
    mosaic = np.zeros((44 + 4, 32 + 4), dtype=np.uint8)
    for fig in (
        plots.weight_histograms(views),
        plots.sparsity_bars(sizes),
        plots.size_bars(sizes),
        plots.size_breakdown_bars(sizes),
        plots.configuration_bars(table),
        plots.recovery_curve(0.9, [{"epoch": 1, "test_accuracy": 0.95}], 0.98),
        plots.digit_grid(mosaic, ["7"], columns=1),
    ):
        title = fig.layout.title
        assert title.yref == "container" and title.yanchor == "top" and title.y == 1
        assert title.pad.t >= MODEBAR_ROOM
        assert fig.layout.margin.t >= MODEBAR_ROOM + 20  # the title's line fits above the plot
