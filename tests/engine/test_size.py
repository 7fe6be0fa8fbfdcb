"""Size accounting against numbers worked out by hand (see compression/size.py)."""

import pytest
import torch

from compression.models import build_model, layer_names_for
from compression.size import csr_index_bits, delta_bits, layer_size, size_summary, size_table


def test_dense_float_layer_costs_four_bytes_per_parameter():
    row = layer_size("fc", torch.randn(4, 5), torch.randn(4))
    assert row["dense_fp32_bytes"] == row["compressed_bytes"] == 4 * (20 + 4) == 96
    assert (row["values"], row["positions"], row["bits_per_weight"]) == ("float32", "dense", 32.0)


def test_sparse_float_layer_uses_the_cheapest_position_code():
    # 2x8 weight, nonzeros at flat positions 0, 5, 15 -> zero runs 0, 4, 9.
    # bitmask 16 bits; csr 8*3 + 32*3 = 120 bits; delta b=3: 3 entries + 1 escape = 12 bits.
    weight = torch.zeros(2, 8)
    # (not multiples of one step: 1, 2, 3 would be 3-bit integers, 3 bits each)
    weight.view(-1)[[0, 5, 15]] = torch.tensor([1.1, 2.3, 3.7])
    row = layer_size("fc", weight, None)
    assert (row["positions"], row["delta_width"]) == ("delta", 3)
    assert row["position_bytes"] == 2  # ceil(12 / 8)
    assert row["value_bytes"] == 12  # 3 float32
    assert row["compressed_bytes"] == 14
    assert row["bits_per_weight"] == pytest.approx(14 * 8 / 16)
    assert row["sparsity"] == pytest.approx(13 / 16)


def test_delta_code_escapes_long_runs_of_zeros():
    runs = torch.tensor([0, 4, 9])
    assert delta_bits(runs, 1) == 1 * (3 + 0 + 4 + 9)
    assert delta_bits(runs, 2) == 2 * (3 + 0 + 1 + 3)
    assert delta_bits(runs, 4) == 4 * 3


def test_csr_column_index_width_grows_with_the_column_count():
    assert [csr_index_bits(c) for c in (8, 256, 257, 784, 65536, 65537)] == [8, 8, 16, 16, 16, 32]


def test_binary_layer_costs_one_bit_per_weight_plus_one_float_scale():
    weight = torch.randn(300, 784).sign() * 0.03
    row = layer_size("fc1", weight, torch.zeros(300))
    assert row["values"] == "binary" and row["scales"] == 1
    assert row["compressed_bytes"] == 300 * 784 // 8 + 4 + 4 * 300 == 30604
    assert row["bits_per_weight"] == pytest.approx((29400 + 4) * 8 / 235200)


def test_ternary_layer_stores_positions_and_one_sign_bit_per_survivor():
    # nonzeros at 0, 3, 7: bitmask 8 bits = 1 byte; 3 sign bits = 1 byte; scale 4 bytes
    weight = torch.tensor([[0.5, 0, 0, -0.5, 0, 0, 0, 0.5]])
    row = layer_size("fc", weight, None)
    assert row["values"] == "ternary"
    assert (row["position_bytes"], row["value_bytes"], row["scale_bytes"]) == (1, 1, 4)
    assert row["compressed_bytes"] == 6


def test_per_channel_binary_layer_stores_one_scale_per_row():
    weight = torch.tensor([[0.5, -0.5, 0.5, 0.5], [-0.25, 0.25, 0.25, -0.25]])
    row = layer_size("fc", weight, None)
    assert row["values"] == "binary" and row["scales"] == 2
    assert row["compressed_bytes"] == 1 + 2 * 4


def test_summary_of_the_dense_mlp_is_1066440_bytes_and_ratio_one():
    state = build_model("mlp", seed=0).state_dict()
    summary = size_summary(size_table(state, layer_names_for("mlp")))
    assert summary["params"] == 266_610
    assert summary["size_bytes"] == {"dense_fp32": 1_066_440, "compressed": 1_066_440}
    assert summary["compression_ratio"] == 1.0
    assert summary["sparsity"] == 0.0


def test_summary_of_the_rows_equals_summary_of_the_table():
    state = build_model("mlp", seed=0).state_dict()
    state["fc2.weight"] = torch.where(state["fc2.weight"].abs() > 0.05, state["fc2.weight"], 0)
    table = size_table(state, layer_names_for("mlp"))
    assert size_summary(table.to_dict("records")) == size_summary(table)
    assert size_summary(table)["sparsity"] > 0
