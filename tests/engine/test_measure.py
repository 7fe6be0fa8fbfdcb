"""The explorer's slider path: layer views, bits per weight, what-ifs, slider ranges."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import torch

from compression.compress import compress
from compression.data import load_dataset, subset
from compression.explain.chart_data import (
    bin_count,
    bits_per_weight,
    layer_views,
    sample_digits,
    split_histogram,
    ternary_band,
    weight_profile,
)
from compression.measure import contribution_table, measure, split_settings
from compression.methods.prune import prune_threshold_range
from compression.models import build_model, layer_names_for, module_for
from compression.settings import CompressionSettings
from compression.size import size_summary, size_table
from compression.train import evaluate

LAYERS = ["fc1", "fc2", "fc3"]


@pytest.fixture(scope="module")
def state():
    """Seeded untrained mlp weights (a fresh copy per module; tests must not change them)."""
    return {k: v.detach().clone() for k, v in build_model("mlp", seed=3).state_dict().items()}


@pytest.fixture(scope="module")
def test_batch():
    data = load_dataset("mnist")
    return subset(data.test_images, data.test_labels, 500, seed=2)


def copies(state):
    return {k: v.clone() for k, v in state.items()}


def test_split_histogram_counts_every_weight_once_by_its_fate():
    weight = torch.tensor([-0.9, -0.2, 0.0, 0.1, 0.5, 0.95])
    stays = torch.tensor([True, False, False, False, True, True])
    edges = np.linspace(-1, 1, 5)  # bins [-1,-.5) [-.5,0) [0,.5) [.5,1]
    kept, zeroed = split_histogram(weight, stays, edges)
    assert kept.tolist() == [1, 0, 0, 2]
    assert zeroed.tolist() == [0, 1, 2, 0]


def test_weight_profile_bins_like_numpy_histogram(state):
    for name in LAYERS:
        weight = state[f"{name}.weight"]
        profile = weight_profile(weight)
        stays = weight.abs() > 0.02
        kept, zeroed = profile.split(stays)
        expected_kept, expected_zeroed = split_histogram(weight, stays, profile.edges)
        np.testing.assert_array_equal(kept, expected_kept)
        np.testing.assert_array_equal(zeroed, expected_zeroed)
        assert profile.counts.sum() == weight.numel()
        assert profile.edges[-1] == pytest.approx(float(weight.abs().max()))
        assert 0 < profile.view <= profile.edges[-1]


def test_layer_view_histograms_match_a_numpy_count_of_zeroed_weights(state):
    settings = CompressionSettings(prune_sparsity=0.6)
    compressed = compress(state, LAYERS, settings)
    for view in layer_views(state, compressed, LAYERS):
        real = state[f"{view.name}.weight"].numpy().ravel()
        after = compressed.state[f"{view.name}.weight"].numpy().ravel()
        assert view.kept.sum() == np.count_nonzero(after)
        assert view.zeroed.sum() == after.size - np.count_nonzero(after)
        expected_zeroed, _ = np.histogram(real[after == 0], bins=view.edges)
        np.testing.assert_array_equal(view.zeroed, expected_zeroed)
        assert view.zero == after.size - np.count_nonzero(after)
        assert view.negative == int((after < 0).sum()) and view.positive == int((after > 0).sum())


def test_prune_cut_of_a_target_sparsity_is_the_largest_removed_magnitude(state):
    compressed = compress(state, LAYERS, CompressionSettings(prune_sparsity=0.3))
    for view in layer_views(state, compressed, LAYERS):
        magnitudes = state[f"{view.name}.weight"].abs().reshape(-1)
        removed = round(0.3 * magnitudes.numel())
        assert view.prune_cut == pytest.approx(float(torch.kthvalue(magnitudes, removed).values))


def test_prune_cut_of_a_threshold_is_the_threshold_and_neurons_have_none(state):
    by_threshold = compress(state, LAYERS, CompressionSettings(prune_threshold=0.02))
    assert {v.prune_cut for v in layer_views(state, by_threshold, LAYERS)} == {0.02}
    by_neurons = compress(
        state, LAYERS, CompressionSettings(prune_sparsity=0.5, prune_structure="neurons")
    )
    assert {v.prune_cut for v in layer_views(state, by_neurons, LAYERS)} == {None}


@pytest.mark.parametrize("per_channel", [False, True])
def test_ternary_band_separates_zeroed_from_kept_weights_as_binarize_does(state, per_channel):
    settings = CompressionSettings(binarize_threshold=0.7, per_channel=per_channel)
    compressed = compress(state, LAYERS, settings)
    for name in LAYERS:
        weight = state[f"{name}.weight"]
        band = ternary_band(weight, 0.7, per_channel, None)
        band = band.reshape(-1, 1) if per_channel else band
        magnitude = weight.abs()
        zeroed = compressed.state[f"{name}.weight"] == 0
        # independent reference: TWN's delta = 0.7 * mean|W| (per row with per_channel)
        reference = 0.7 * (magnitude.mean(dim=1, keepdim=True) if per_channel else magnitude.mean())
        torch.testing.assert_close(band.expand_as(magnitude), reference.expand_as(magnitude))
        assert torch.equal(zeroed, magnitude <= reference)


def test_layer_view_marks_binary_levels_and_their_shares(state):
    compressed = compress(state, LAYERS, CompressionSettings(binarize_threshold=0.0))
    for view in layer_views(state, compressed, LAYERS):
        magnitude = state[f"{view.name}.weight"].abs()
        assert view.scale == pytest.approx((float(magnitude.mean()),) * 2)
        assert view.band == (0.0, 0.0)
        assert view.zero == 0 and view.negative + view.positive == magnitude.numel()


def test_bits_per_weight_is_about_one_for_pure_binary_and_32_for_float(state):
    binary = compress(state, LAYERS, CompressionSettings(binarize_threshold=0.0)).state
    # 1 bit per weight plus one 4-byte scale per layer, rounded up to bytes
    weights = sum(state[f"{n}.weight"].numel() for n in LAYERS)
    expected = 8 * sum(math.ceil(state[f"{n}.weight"].numel() / 8) + 4 for n in LAYERS) / weights
    assert bits_per_weight(size_table(binary, LAYERS), LAYERS) == pytest.approx(expected)
    assert 1.0 <= expected < 1.01
    assert bits_per_weight(size_table(state, LAYERS), LAYERS) == 32.0


def test_measure_reports_engine_numbers_and_leaves_the_weights_alone(state, test_batch):
    before = copies(state)
    settings = CompressionSettings(prune_sparsity=0.5, binarize_threshold=0.7, layers=("fc1",))
    measured = measure("mlp", state, settings, *test_batch)
    for key, tensor in before.items():
        assert torch.equal(state[key], tensor), key
    compressed = compress(state, LAYERS, settings).state
    sizes = size_table(compressed, LAYERS)
    assert measured.size_bytes == int(sizes["compressed_bytes"].sum())
    assert measured.dense_bytes == 4 * sum(t.numel() for t in state.values())
    assert measured.compressed_layers == ("fc1",)
    assert measured.bits_per_weight == pytest.approx(bits_per_weight(sizes, ["fc1"]))
    logits = build_model("mlp").eval()
    logits.load_state_dict(compressed)
    with torch.no_grad():
        accuracy = float((logits(test_batch[0]).argmax(1) == test_batch[1]).float().mean())
    assert measured.accuracy == pytest.approx(accuracy)


def test_measure_agrees_with_evaluate_and_size_table_to_the_last_digit(state):
    data = load_dataset("mnist")
    images, labels = data.test_images[:2500], data.test_labels[:2500]  # several test batches
    settings = CompressionSettings(prune_threshold=0.02, binarize_threshold=0.0)
    measured = measure("mlp", state, settings, images, labels)
    compressed = compress(state, LAYERS, settings).state
    expected = evaluate(module_for("mlp"), compressed, images, labels)
    sizes = size_table(compressed, LAYERS)
    assert measured.accuracy == expected.accuracy
    assert measured.loss == expected.loss  # the same test batches, the same sums
    assert torch.equal(measured.predictions.long(), expected.predictions)
    assert measured.summary == size_summary(sizes)
    pd.testing.assert_frame_equal(measured.sizes, sizes)


def test_to_dict_is_the_json_of_the_measurement(state, test_batch):
    measured = measure("mlp", state, CompressionSettings(prune_sparsity=0.5), *test_batch)
    result = json.loads(json.dumps(measured.to_dict()))
    assert (result["model"], result["accuracy"], result["loss"]) == (
        "mlp", measured.accuracy, measured.loss,
    )  # fmt: skip
    assert result["size_bytes"] == measured.summary["size_bytes"]
    assert result["sparsity"] == measured.sparsity
    assert result["settings"] == measured.settings.to_dict()
    assert [layer["name"] for layer in result["layers"]] == LAYERS
    compressed = sum(layer["size_bytes"]["compressed"] for layer in result["layers"])
    assert compressed == measured.size_bytes


def test_layer_sparsity_in_the_json_counts_weights_and_param_sparsity_counts_biases(
    state, test_batch
):
    """Worked by hand: fc2 keeps its 30,000 weights and loses its 100 biases; fc3 loses 9 of
    its 10 rows of 100 weights and keeps its 10 biases; fc1 is left as trained."""
    holed = dict(state)
    holed["fc2.bias"] = torch.zeros(100)
    holed["fc3.weight"] = state["fc3.weight"].clone()
    holed["fc3.weight"][:9] = 0
    result = measure("mlp", holed, CompressionSettings(), *test_batch).to_dict()
    layers = {layer["name"]: layer for layer in result["layers"]}
    assert layers["fc1"]["sparsity"] == layers["fc1"]["param_sparsity"] == 0.0
    assert layers["fc2"]["sparsity"] == 0.0  # every weight is there
    assert layers["fc2"]["param_sparsity"] == pytest.approx(100 / 30_100)
    assert layers["fc3"]["sparsity"] == pytest.approx(900 / 1_000)
    assert layers["fc3"]["param_sparsity"] == pytest.approx(900 / 1_010)
    # the whole model's figure still counts every parameter, biases included
    assert result["sparsity"] == pytest.approx((100 + 900) / 266_610)


def test_split_settings_isolates_each_step():
    settings = CompressionSettings(
        prune_threshold=0.03, binarize_threshold=0.7, per_channel=True, layers=("fc2",)
    )
    parts = split_settings(settings)
    assert list(parts) == ["baseline", "pruned", "binarized", "pruned + binarized"]
    assert parts["baseline"].is_identity
    assert parts["pruned"].prunes and not parts["pruned"].binarizes
    assert parts["binarized"].binarizes and not parts["binarized"].prunes
    assert parts["pruned + binarized"] == settings
    assert all(part.layers == ("fc2",) for part in parts.values())


@pytest.mark.parametrize(
    ("values", "done"),
    [({"quantize_bits": 4, "per_channel": True}, "quantized"), ({"share_weights": 8}, "shared")],
)
def test_split_settings_names_the_values_method_it_isolates(values, done):
    settings = CompressionSettings(prune_sparsity=0.8, **values)
    parts = split_settings(settings)
    assert list(parts) == ["baseline", "pruned", done, f"pruned + {done}"]
    assert parts["pruned"] == CompressionSettings(prune_sparsity=0.8)
    assert not parts[done].prunes and parts[done].values_method is settings.values_method
    assert parts[f"pruned + {done}"] == settings


def test_split_settings_without_a_values_method_is_pruning_alone():
    settings = CompressionSettings(prune_sparsity=0.8)
    assert split_settings(settings) == {"baseline": CompressionSettings(), "pruned": settings}


def test_contribution_table_relates_every_row_to_the_baseline(state, test_batch):
    settings = CompressionSettings(prune_sparsity=0.8, binarize_threshold=0.0)
    measurements = {
        name: measure("mlp", state, part, *test_batch)
        for name, part in split_settings(settings).items()
    }
    table = contribution_table(measurements).set_index("configuration")
    base = measurements["baseline"]
    assert table.loc["baseline", "accuracy_change"] == 0
    assert table.loc["baseline", "compression_ratio"] == 1
    both = measurements["pruned + binarized"]
    assert table.loc["pruned + binarized", "size_fraction"] == both.size_bytes / base.size_bytes
    assert table.loc["pruned + binarized", "accuracy_change"] == pytest.approx(
        both.accuracy - base.accuracy
    )
    # each step shrinks the model, and both together shrink it most
    sizes = table["size_bytes"]
    assert sizes["pruned + binarized"] < min(sizes["pruned"], sizes["binarized"])
    assert max(sizes["pruned"], sizes["binarized"]) < sizes["baseline"]


def test_threshold_range_is_round_and_reaches_the_quantile(state):
    top, step, start = prune_threshold_range(state, LAYERS)
    magnitudes = torch.cat([state[f"{n}.weight"].abs().reshape(-1) for n in LAYERS])
    quantile = float(torch.quantile(magnitudes, 0.98))
    assert top - step < quantile <= top  # the quantile rounded up to a step
    assert round(top / step) == pytest.approx(top / step)
    assert 30 <= top / step <= 80
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 5)
    removed = float((magnitudes <= start).float().mean())
    assert 0.45 < removed < 0.55  # the default removes about half of the weights
    later = prune_threshold_range(state, LAYERS, {"prune_sparsity": 0.8}).start
    assert 0.75 < float((magnitudes <= later).float().mean()) < 0.85


@pytest.mark.parametrize(("weights", "bins"), [(100, 41), (1000, 63), (30_000, 201)])
def test_bin_count_is_odd_and_grows_with_the_layer(weights, bins):
    assert bin_count(weights) == bins


def test_sample_digits_are_uint8_images_with_their_labels():
    data = load_dataset("mnist")
    pixels, labels = sample_digits(data.test_images, data.test_labels, 5, seed=1)
    assert pixels.shape == (5, 28, 28) and pixels.dtype == np.uint8
    order = torch.randperm(10_000, generator=torch.Generator().manual_seed(1))[:5]
    assert labels == data.test_labels[order].tolist()
    assert np.array_equal(pixels[0], (data.test_images[order[0], 0] * 255).round().byte().numpy())


def test_layer_names_cover_the_views_of_a_cnn():
    cnn = {k: v.clone() for k, v in build_model("cnn", seed=0).state_dict().items()}
    layers = layer_names_for("cnn")
    compressed = compress(cnn, layers, CompressionSettings(binarize_threshold=0.0))
    views = layer_views(cnn, compressed, layers)
    assert [v.name for v in views] == layers
    assert all(v.weights == cnn[f"{v.name}.weight"].numel() for v in views)
