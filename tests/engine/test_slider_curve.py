"""A slider's whole curve gives, at every position, what measuring that position gives."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from shared_data import mnist_test_set, random_state, shipped_mlp_state, tiny_mlp_state

from compression.data import subset
from compression.measure import measure
from compression.methods.prune import prune_threshold_range
from compression.models import layer_names_for
from compression.settings import CompressionSettings, SettingsError
from compression.sweeps.curve import (
    curve_points,
    nearest_first,
    slider_curve,
    slider_positions,
)

MLP_LAYERS = ["fc1", "fc2", "fc3"]


def _images(count=1500):
    images, labels = mnist_test_set()
    return subset(images, labels, count, seed=3)


def _every(values, stride):
    """Every ``stride``-th value and the last: a spread of the slider, ends included."""
    return sorted({*values[::stride], values[-1]})


def _assert_same_as_measure(model_name, state, point, images, labels):
    measured = measure(model_name, state, point.settings, images, labels)
    where = (point.settings, point.value)
    assert point.accuracy == measured.accuracy, where
    assert abs(point.loss - measured.loss) < 1e-6, where
    assert point.size_bytes == measured.size_bytes, where
    assert point.dense_bytes == measured.dense_bytes, where
    assert point.sparsity == measured.sparsity, where
    assert point.bits_per_weight == measured.bits_per_weight, where
    rows = list(measured.sizes.itertuples())
    assert [layer.name for layer in point.layers] == [row.layer for row in rows]
    for layer, row, view in zip(point.layers, rows, measured.layers, strict=True):
        assert layer.sparsity == row.sparsity, (where, layer.name)
        assert layer.compressed_bytes == row.compressed_bytes, (where, layer.name)
        assert layer.bits_per_weight == row.bits_per_weight, (where, layer.name)
        ours = layer.view
        assert np.array_equal(ours.edges, view.edges) and ours.view == view.view
        assert np.array_equal(ours.kept, view.kept), (where, layer.name)
        assert np.array_equal(ours.zeroed, view.zeroed), (where, layer.name)
        marks = ("prune_cut", "band", "scale", "levels", "bits", "shared")
        counts = ("negative", "zero", "positive")
        for name in marks + counts:
            assert getattr(ours, name) == getattr(view, name), (where, layer.name, name)
    return measured


CASES = [
    # (base settings, slider field, stride over its positions)
    (CompressionSettings(), "prune_sparsity", 7),
    (CompressionSettings(prune_scope="global"), "prune_sparsity", 9),
    (CompressionSettings(prune_structure="neurons"), "prune_sparsity", 9),
    (CompressionSettings(), "prune_threshold", 8),
    (CompressionSettings(), "binarize_threshold", 8),
    (CompressionSettings(prune_sparsity=0.5), "binarize_threshold", 10),  # Combine
    (CompressionSettings(binarize_threshold=0.7), "prune_threshold", 12),
    (CompressionSettings(per_channel=True, layers=("fc2",)), "quantize_bits", 1),
    (CompressionSettings(prune_sparsity=0.3, huffman=True), "quantize_bits", 2),
    (CompressionSettings(huffman=True), "prune_sparsity", 12),
]


@pytest.mark.parametrize(("base", "field_name", "stride"), CASES)
def test_every_position_equals_measure_of_its_settings(base, field_name, stride):
    state = tiny_mlp_state()
    images, labels = _images()
    positions, _ = slider_positions(field_name, state, MLP_LAYERS)
    chosen = _every(positions, stride)
    points = list(curve_points("mlp", state, base, field_name, chosen, images, labels))
    assert [point.value for point in points] == chosen
    for point in points:
        assert getattr(point.settings, field_name) == point.value
        _assert_same_as_measure("mlp", state, point, images, labels)


def test_shared_values_positions_equal_measure():
    state = tiny_mlp_state()
    images, labels = _images(600)
    base = CompressionSettings(prune_sparsity=0.6, layers=("fc2", "fc3"))
    points = curve_points("mlp", state, base, "share_weights", (2, 3, 16, 256), images, labels)
    for point in points:
        measured = _assert_same_as_measure("mlp", state, point, images, labels)
        assert measured.layers[1].shared and len(point.layers[1].view.levels) == point.value


def test_a_convolution_model_curve_equals_measure():
    state = random_state("cnn")
    images, labels = _images(300)
    base = CompressionSettings(layers=("conv2", "fc1"))
    for field_name, values in (("prune_sparsity", (0.0, 0.4, 0.98)), ("quantize_bits", (2, 8))):
        for point in curve_points("cnn", state, base, field_name, values, images, labels):
            _assert_same_as_measure("cnn", state, point, images, labels)


@pytest.mark.slow
def test_the_shipped_mlp_curves_equal_measure_on_the_whole_test_set():
    state = shipped_mlp_state()
    images, labels = mnist_test_set()
    for field_name, positions in (
        ("prune_sparsity", [step / 50 for step in range(0, 50, 3)]),
        ("binarize_threshold", [step / 20 for step in range(0, 51, 5)]),
    ):
        for point in curve_points(
            "mlp", state, CompressionSettings(), field_name, positions, images, labels
        ):
            _assert_same_as_measure("mlp", state, point, images, labels)


def test_the_positions_are_the_pages_slider_values():
    state = tiny_mlp_state()
    sparsity, start = slider_positions("prune_sparsity", state, MLP_LAYERS)
    assert sparsity == tuple(percent / 100 for percent in range(0, 99, 2)) and start == 0.5
    bits, start = slider_positions("quantize_bits", state, MLP_LAYERS)
    assert bits == (2, 3, 4, 5, 6, 7, 8) and start == 4
    shared, _ = slider_positions("share_weights", state, MLP_LAYERS)
    assert shared[0] == 2 and shared[-1] == 256 and len(shared) == 255
    binarize, start = slider_positions("binarize_threshold", state, MLP_LAYERS)
    assert len(binarize) == 51 and binarize[14] == 0.7 and start == 0.0
    cuts, start = slider_positions("prune_threshold", state, MLP_LAYERS)
    top, step, opening = prune_threshold_range(state, MLP_LAYERS)
    assert cuts[0] == 0.0 and cuts[-1] == top and start == opening
    assert np.allclose(np.diff(cuts), step) and 32 <= len(cuts) - 1 <= 79


def test_nearest_positions_come_first_higher_on_a_tie():
    assert nearest_first([0.0, 0.1, 0.2, 0.3, 0.4], 0.2) == [0.2, 0.3, 0.1, 0.4, 0.0]
    assert nearest_first([0.46, 0.48, 0.5, 0.52, 0.54], 0.5) == [0.5, 0.52, 0.48, 0.54, 0.46]
    images, labels = _images(200)
    values = (0.0, 0.2, 0.4, 0.6, 0.8)
    points = curve_points(
        "mlp", tiny_mlp_state(), CompressionSettings(), "prune_sparsity", values, images,
        labels, start=0.55,
    )  # fmt: skip
    assert [point.value for point in points] == [0.6, 0.4, 0.8, 0.2, 0.0]


def test_the_whole_slider_comes_back_ascending_and_the_state_is_untouched():
    state = random_state("mlp")
    before = {key: tensor.clone() for key, tensor in state.items()}
    images, labels = _images(200)
    base = CompressionSettings(prune_sparsity=0.5)
    curve = slider_curve("mlp", state, base, "quantize_bits", images, labels)
    assert [point.value for point in curve] == [2, 3, 4, 5, 6, 7, 8]
    assert all(point.settings.prune_sparsity == 0.5 for point in curve)
    assert curve[0].bits_per_weight < curve[-1].bits_per_weight  # could fail: bits matter
    assert state.keys() == before.keys()
    assert all(torch.equal(state[key], before[key]) for key in state)


def test_the_swept_value_replaces_what_it_stands_for():
    images, labels = _images(200)
    base = CompressionSettings(prune_sparsity=0.9)  # the page's current sparsity
    point = next(
        curve_points("mlp", tiny_mlp_state(), base, "prune_threshold", [0.01], images, labels)
    )
    assert point.settings == replace(base, prune_sparsity=None, prune_threshold=0.01)


def test_a_position_out_of_range_is_refused_before_anything_is_measured():
    images, labels = _images(200)
    with pytest.raises(SettingsError, match="between 2 and 8"):
        curve_points(
            "mlp", random_state("mlp"), CompressionSettings(), "quantize_bits", [4, 9],
            images, labels,
        )  # fmt: skip
    with pytest.raises(SettingsError, match="no slider sets"):
        slider_positions("prune_scope", random_state("mlp"), layer_names_for("mlp"))
