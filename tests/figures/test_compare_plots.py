"""Two settings drawn side by side: overlaid histograms, kept-weight maps, classes, images."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from shared_data import random_state

from compression.compare import (
    disagreement_captions,
    disagreement_mosaic,
    disagreements,
    kept_masks,
    mask_overlap,
    overlap_map,
    overlap_table,
    per_class_accuracy,
)
from compression.compress import compress
from compression.explain.chart_data import layer_views
from compression.figures import palette
from compression.figures.compare_plots import (
    disagreement_grid,
    histogram_overlay,
    overlap_bars,
    overlap_heatmap,
    per_class_bars,
)
from compression.models import layer_names_for
from compression.settings import CompressionSettings

LAYERS = layer_names_for("mlp")


def views(state, settings):
    return {v.name: v for v in layer_views(state, compress(state, LAYERS, settings), LAYERS)}


def test_histogram_overlay_draws_all_weights_and_what_each_setting_keeps():
    state = random_state("mlp")
    a = views(state, CompressionSettings(prune_sparsity=0.5))["fc2"]
    b = views(state, CompressionSettings(quantize_bits=2))["fc2"]
    figure = histogram_overlay(a, b)
    everything, kept_a, kept_b = figure.data
    assert [trace.name for trace in figure.data] == ["all weights", "kept by A", "kept by B"]
    assert list(kept_a.y[:-1]) == a.kept.tolist() and list(kept_b.y[:-1]) == b.kept.tolist()
    assert sum(everything.y[:-1]) == 300 * 100
    assert kept_a.line.color == palette.SETTING_A and kept_b.line.color == palette.SETTING_B
    # A's cut at ±T, B's three values -s, 0, s: one line each, in each setting's colour
    lines = [(shape.x0, shape.line.color) for shape in figure.layout.shapes]
    assert sorted(x for x, c in lines if c == palette.SETTING_A) == pytest.approx(
        [-a.prune_cut, a.prune_cut]
    )
    assert sorted(x for x, c in lines if c == palette.SETTING_B) == pytest.approx(sorted(b.levels))


def test_histogram_overlay_refuses_two_layers():
    state = random_state("mlp")
    both = views(state, CompressionSettings())
    with pytest.raises(ValueError, match="same layer"):
        histogram_overlay(both["fc1"], both["fc2"])


def test_overlap_bars_stack_each_layer_to_100_percent():
    keep_a = torch.tensor([True, True, False, False])
    keep_b = torch.tensor([True, False, True, False])
    table = overlap_table(
        [mask_overlap("fc1", keep_a, keep_b), mask_overlap("fc2", keep_a, keep_a)]
    )
    figure = overlap_bars(table)
    assert [trace.name for trace in figure.data] == [
        "kept by both", "kept by A only", "kept by B only", "kept by neither"
    ]  # fmt: skip
    by_layer = np.array([list(trace.x) for trace in figure.data])
    assert by_layer.sum(axis=0) == pytest.approx([100, 100])
    assert by_layer[:, 0] == pytest.approx([25, 25, 25, 25])
    assert by_layer[:, 1] == pytest.approx([50, 0, 0, 50])


def test_overlap_heatmap_colours_each_weight_by_who_keeps_it():
    state = random_state("mlp")
    a = kept_masks(state, LAYERS, CompressionSettings(prune_sparsity=0.5))["fc1"]
    b = kept_masks(state, LAYERS, CompressionSettings(prune_sparsity=0.8))["fc1"]
    codes = overlap_map(a, b)
    (heatmap,) = overlap_heatmap(codes, "fc1").data
    z = np.asarray(heatmap.z)
    assert z.shape == (300, 784)
    np.testing.assert_array_equal(z, codes)
    assert heatmap.customdata[0][0] in {"kept by both", "kept by A only", "kept by neither"}
    assert 1 not in set(np.unique(z))  # B, the harder cut, keeps nothing A does not


def test_per_class_bars_show_a_and_b_in_percent():
    labels = torch.tensor([0, 0, 1, 1])
    table = per_class_accuracy(torch.tensor([0, 1, 1, 1]), labels, labels, ["cat", "dog"])
    figure = per_class_bars(table)
    a, b = figure.data
    assert list(a.x) == ["cat", "dog"] and list(a.y) == [50, 100] and list(b.y) == [100, 100]
    assert figure.layout.yaxis.range[0] == 45


def test_disagreement_grid_names_how_many_each_gets_right():
    labels = torch.tensor([0, 1, 2, 2, 1, 0, 2, 1])
    a = torch.tensor([0, 1, 2, 1, 1, 0, 2, 1])
    b = torch.tensor([0, 2, 2, 2, 0, 0, 1, 1])
    found = disagreements(a, b, labels, limit=3)
    images = torch.rand(8, 1, 28, 28)
    figure = disagreement_grid(
        disagreement_mosaic(images, found, 3),
        disagreement_captions(found, ["0", "1", "2"]),
        found.only_a_right,
        found.only_b_right,
    )
    assert figure.layout.title.text == "Right by A only: 3 · by B only: 1"
    assert [note.text for note in figure.layout.annotations] == [
        "A 1 ✓ · B 2", "A 1 · B 2 ✓", "A 1 ✓ · B 0"
    ]  # fmt: skip


def test_overlap_table_is_a_plain_frame():
    table = overlap_table([mask_overlap("fc1", torch.ones(2, dtype=torch.bool),
                                        torch.zeros(2, dtype=torch.bool))])  # fmt: skip
    assert isinstance(table, pd.DataFrame)
    assert table.loc[0, "a_only"] == 1.0 and table.loc[0, "weights"] == 2
