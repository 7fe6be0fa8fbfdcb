"""The Learn page's live numbers, each checked against an independent computation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from compression.compress import compress
from compression.explain.lesson import (
    layer_scales,
    pruning_thresholds,
    quantization_levels,
    straight_through_example,
    ternary_band,
)
from compression.explain.sparse_speed import (
    csr_bytes,
    sparse_matmul_timings,
)
from compression.methods.prune import sparsity_mask
from compression.models import build_model
from compression.settings import CompressionSettings

LAYERS = ["fc1", "fc2", "fc3"]


@pytest.fixture(scope="module")
def state():
    return {k: v.detach().clone() for k, v in build_model("mlp", seed=3).state_dict().items()}


def test_layer_scales_are_mean_abs_of_each_layer(state):
    table = layer_scales(state, LAYERS)
    for row in table.itertuples():
        weights = state[f"{row.layer}.weight"].numpy()
        assert row.mean_abs == pytest.approx(float(np.abs(weights).mean()), rel=1e-5)
        assert row.max_abs == pytest.approx(float(np.abs(weights).max()))
        assert row.params == weights.size


def test_layer_scale_is_the_a_the_compressed_model_uses(state):
    compressed = compress(state, LAYERS, CompressionSettings(binarize_threshold=0.0))
    table = layer_scales(state, LAYERS).set_index("layer")
    for layer in LAYERS:
        assert table.loc[layer, "mean_abs"] == pytest.approx(float(compressed.scales[layer]))


def test_ternary_band_counts_the_weights_inside_it(state):
    table = ternary_band(state, LAYERS, threshold=0.7).set_index("layer")
    for layer in LAYERS:
        weights = np.abs(state[f"{layer}.weight"].numpy().astype(np.float64))
        band = 0.7 * weights.mean()
        assert table.loc[layer, "band"] == pytest.approx(band, rel=1e-5)
        assert table.loc[layer, "zeroed"] == int((weights <= band).sum())
        assert table.loc[layer, "scale"] == pytest.approx(weights[weights > band].mean(), rel=1e-5)
    assert ternary_band(state, LAYERS, threshold=0.0)["zeroed"].tolist() == [0, 0, 0]


def test_ternary_band_with_pruning_counts_only_kept_weights(state):
    weight = state["fc3.weight"]
    keep = sparsity_mask(weight, 0.5)
    row = ternary_band(state, ["fc3"], 0.7, {"fc3": keep}).iloc[0]
    kept_abs = weight.abs()[keep].numpy().astype(np.float64)
    band = 0.7 * kept_abs.mean()
    assert row["considered"] == int(keep.sum())
    assert row["zeroed"] == int((kept_abs <= band).sum())


# Powers of two: W / s is exact, so rounding (half to even) is worked out by hand.
SMALL = {"small.weight": torch.tensor([[1.5, -0.5, 0.125, 0.0], [-0.75, 0.25, 1.0, -0.375]])}


def test_quantization_levels_of_a_small_layer_by_hand():
    # K = 3: q = 3, s = 1.5 / 3 = 0.5; W / s = 3, -1, 0.25, 0, -1.5, 0.5, 2, -0.75
    # round half to even: 3, -1, 0, 0, -2, 0, 2, -1 -> three zeros
    # |W - W_q| = 0, 0, 0.125, 0, 0.25, 0.25, 0, 0.125 -> mean 0.75 / 8
    table = quantization_levels(SMALL, ["small"], 3)
    assert table.to_dict("records") == [
        {"layer": "small", "scale_s": 0.5, "levels": 7, "zeroed_fraction": 3 / 8,
         "mean_error": 0.75 / 8}
    ]  # fmt: skip
    # one s per row: 1.5 / 3 and 1.0 / 3, shown as their mean
    rows = quantization_levels(SMALL, ["small"], 3, per_channel=True)
    assert rows["mean_scale"].item() == pytest.approx((0.5 + 1 / 3) / 2)
    assert "scale_s" not in rows


def test_quantization_levels_count_only_the_weights_pruning_kept():
    keep = torch.tensor([[False, True, True, True], [True, True, True, True]])
    # K = 2: q = 1, s = max kept |W| = 1.0; kept W / s = -0.5, 0.125, 0, -0.75, 0.25, 1, -0.375
    # round: -0, 0, 0, -1, 0, 1, 0 -> 5 of 7 zero; errors sum 0.5+0.125+0.25+0.25+0.375 = 1.5
    table = quantization_levels(SMALL, ["small"], 2, keep_masks={"small": keep})
    row = table.iloc[0]
    assert (row.scale_s, row.levels, row.zeroed_fraction) == (1.0, 3, 5 / 7)
    assert row.mean_error == pytest.approx(1.5 / 7)


def test_quantization_error_stays_below_half_a_step_on_a_model(state):
    for bits in (8, 4, 2):
        table = quantization_levels(state, LAYERS, bits)
        for row in table.itertuples():
            weight = state[f"{row.layer}.weight"]
            step = weight.abs().max().item() / (2 ** (bits - 1) - 1)
            assert row.scale_s == pytest.approx(step, rel=1e-6)
            assert row.mean_error <= step / 2
            zeros = (weight.abs() <= step / 2).float().mean().item()  # no exact ties here
            assert row.zeroed_fraction == pytest.approx(zeros)
    eight, two = (quantization_levels(state, LAYERS, bits) for bits in (8, 2))
    assert (eight.zeroed_fraction < two.zeroed_fraction).all()


def test_straight_through_example_autograd_equals_the_formula():
    table = straight_through_example()
    np.testing.assert_array_equal(table["grad_autograd"], table["grad_formula"])
    # By hand: |w| of (-1.6, -0.7, -0.05, 0.3, 0.9, 1.2) has mean 4.75 / 6.
    a = 4.75 / 6
    np.testing.assert_allclose(table["w_b"], [-a, -a, -a, a, a, a], rtol=1e-6)
    assert table["passes"].tolist() == [False, True, True, True, True, False]
    np.testing.assert_allclose(table["grad_autograd"], [0.0, -1.0, 2.0, 1.0, -0.5, 0.0])


def test_straight_through_example_on_other_weights():
    table = straight_through_example([1.0, -1.0, 3.0], [2.0, 2.0, 2.0])
    assert table["grad_autograd"].tolist() == [2.0, 2.0, 0.0]  # |w| <= 1 passes, inclusive
    with pytest.raises(ValueError, match="as many"):
        straight_through_example([1.0], [1.0, 2.0])


def test_pruning_threshold_per_layer_removes_the_requested_fraction(state):
    table = pruning_thresholds(state, LAYERS, 0.8).set_index("layer")
    for layer in LAYERS:
        weight = state[f"{layer}.weight"]
        assert table.loc[layer, "removed"] == round(0.8 * weight.numel())
        # The same weights as the explorer's pruning: below the cut means removed.
        removed_by_mask = int((~sparsity_mask(weight, 0.8)).sum())
        assert table.loc[layer, "removed"] == removed_by_mask


def test_global_pruning_threshold_is_shared_and_hits_small_weight_layers_hardest(state):
    table = pruning_thresholds(state, LAYERS, 0.8, scope="global")
    assert table["threshold"].nunique() == 1
    total = sum(state[f"{layer}.weight"].numel() for layer in LAYERS)
    assert table["removed"].sum() == round(0.8 * total)
    # fc1 has the smallest initial weights (fan-in 784), so it loses the largest share.
    assert table.set_index("layer")["removed_fraction"].idxmax() == "fc1"


def test_zero_sparsity_removes_nothing(state):
    assert pruning_thresholds(state, LAYERS, 0.0)["removed"].tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="between 0 and 1"):
        pruning_thresholds(state, LAYERS, 1.5)


@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")
def test_csr_bytes_match_what_torch_allocates():
    weight = torch.randn(30, 40)
    weight[weight.abs() < 1] = 0
    csr = weight.to_sparse_csr()
    allocated = sum(
        t.numel() * t.element_size() for t in (csr.values(), csr.col_indices(), csr.crow_indices())
    )
    assert csr_bytes(int((weight != 0).sum()), 30) == allocated


def test_sparse_timing_table_measures_each_sparsity():
    table = sparse_matmul_timings(
        sparsities=(0.0, 0.9), shape=(30, 40), batches=(1, 3), repeats=1, calls=2
    )
    assert table["sparsity"].tolist() == pytest.approx([0.0, 0.9, 0.0, 0.9])
    assert table["batch"].tolist() == [1, 1, 3, 3]
    assert (table["dense_us"] > 0).all() and (table["csr_us"] > 0).all()
    np.testing.assert_allclose(table["csr_vs_dense"], table["csr_us"] / table["dense_us"])
    assert table["csr_bytes"].tolist() == [csr_bytes(1200, 30), csr_bytes(120, 30)] * 2
