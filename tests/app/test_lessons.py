"""The Learn page's lessons: their text and formulas, and the live table beside each,
checked against the engine's own numbers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from compression.compress import prune_masks
from compression.explain.lesson import layer_scales, quantization_levels, ternary_band
from compression.explain.sharing_lesson import layer_centroids, shared_values
from compression.explain.sparse_speed import csr_bytes, recorded_sparse_timings
from compression.models import build_model
from compression.settings import CompressionSettings
from ui.lessons import COLUMN_VIEWS, LESSONS, layer_example, lesson_markdown, live_example

LAYERS = ["fc1", "fc2", "fc3"]


@pytest.fixture(scope="module")
def state():
    return {k: v.detach().clone() for k, v in build_model("mlp", seed=3).state_dict().items()}


def test_every_lesson_has_text_with_its_formulas():
    expected = {
        "binarization": [r"\operatorname{sign}(W)", r"\operatorname{mean}|W|"],
        "straight_through": [r"\mathbf{1}\{|W| \le 1\}"],
        "ternary": [r"\Delta = t \cdot \operatorname{mean}|W|"],
        "quantization": [
            r"s = \max|W| \,/\, (2^{K-1} - 1)",
            r"W_q = s \cdot \operatorname{clamp}\big(\operatorname{round}(W/s)",
            r"-(2^{K-1} - 1),\ 2^{K-1} - 1\big)",
            "2^K - 1",
        ],
        "weight_sharing": [
            r"\min_{a,\,c}\ \textstyle\sum_i (w_i - c_{a_i})^2",
            r"c_k = \operatorname{mean}\{w_i : a_i = k\}",
            r"\lceil \log_2 K \rceil",
            "linear initialisation",
            "Huffman",
        ],
        "pruning": [r"|W_i|", "retrain"],
        "sparse_speed": ["CSR", "12"],
        "pictures": ["L2 norm", "border"],
    }
    assert [lesson.key for lesson in LESSONS] == list(expected)
    for lesson in LESSONS:
        text = lesson_markdown(lesson.key)
        assert len(text.split()) > 100, lesson.key
        for fragment in expected[lesson.key]:
            assert fragment.lower() in text.lower(), (lesson.key, fragment)
    with pytest.raises(ValueError, match="unknown lesson"):
        lesson_markdown("quantum")


def test_live_examples_follow_the_users_settings(state):
    off = CompressionSettings()
    assert live_example("binarization", state, LAYERS, off).table.equals(
        layer_scales(state, LAYERS)
    )
    ternary = live_example("ternary", state, LAYERS, CompressionSettings(binarize_threshold=1.2))
    assert "t = 1.2" in ternary.caption
    assert ternary.table.equals(ternary_band(state, LAYERS, 1.2))
    assert "binarization is off" in live_example("ternary", state, LAYERS, off).caption

    by_sparsity = live_example("pruning", state, ["fc2"], CompressionSettings(prune_sparsity=0.25))
    assert by_sparsity.table["removed"].tolist() == [round(0.25 * 30000)]
    assert "25%" in by_sparsity.caption
    by_cut = live_example("pruning", state, ["fc3"], CompressionSettings(prune_threshold=0.05))
    expected = int((state["fc3.weight"].abs() <= 0.05).sum())
    assert by_cut.table["removed"].tolist() == [expected]

    # A pruned model: the ternary band is measured on the weights pruning kept.
    both = CompressionSettings(prune_sparsity=0.5, binarize_threshold=0.7)
    assert live_example("ternary", state, LAYERS, both).table["considered"].tolist() == [
        state[f"{layer}.weight"].numel() - round(0.5 * state[f"{layer}.weight"].numel())
        for layer in LAYERS
    ]
    assert live_example("pictures", state, LAYERS) is None
    with pytest.raises(ValueError, match="unknown lesson"):
        live_example("astrology", state, LAYERS)


def test_the_quantization_lesson_follows_the_bits_and_scales_of_the_settings(state):
    three = live_example("quantization", state, LAYERS, CompressionSettings(quantize_bits=3))
    assert three.caption == "at your K = 3 bits, one s per layer"
    assert three.table.equals(quantization_levels(state, LAYERS, 3))
    off = live_example("quantization", state, LAYERS)
    assert "K = 4 bits" in off.caption and "quantization is off" in off.caption
    assert off.table.equals(quantization_levels(state, LAYERS, 4))
    rows = CompressionSettings(quantize_bits=5, per_channel=True, prune_sparsity=0.5)
    pruned = live_example("quantization", state, LAYERS, rows)
    assert "one s per output row" in pruned.caption
    masks = prune_masks({n: state[f"{n}.weight"] for n in LAYERS}, rows, "fc3")
    assert pruned.table.equals(quantization_levels(state, LAYERS, 5, True, masks))
    assert pruned.table["levels"].tolist() == [31] * 3
    # pruning removed the smallest weights, the ones that would round to 0
    unpruned = quantization_levels(state, LAYERS, 5, per_channel=True)
    assert (pruned.table["zeroed_fraction"] < unpruned["zeroed_fraction"]).all()


def test_recorded_benchmark_is_complete_and_self_consistent():
    table = recorded_sparse_timings()
    assert set(table["batch"]) == {1, 256}
    assert {0.0, 0.5, 0.9, 0.99} <= set(table["sparsity"].round(6))
    np.testing.assert_allclose(table["csr_vs_dense"], table["csr_us"] / table["dense_us"])
    nonzeros = ((1 - table["sparsity"]) * 300 * 784).round().astype(int)
    assert table["csr_bytes"].tolist() == [csr_bytes(int(n), 300) for n in nonzeros]
    assert (table["dense_bytes"] == 4 * 300 * 784).all()
    shown = live_example("sparse_speed", {}, [])
    assert shown.table.equals(table) and "bench/sparse_speed.py" in shown.caption


def test_every_column_of_every_lesson_table_is_named_for_a_person(state):
    settings = CompressionSettings(prune_sparsity=0.5, binarize_threshold=0.7)
    per_row = CompressionSettings(quantize_bits=4, per_channel=True)
    examples = [live_example(lesson.key, state, LAYERS, settings) for lesson in LESSONS]
    examples.append(live_example("quantization", state, LAYERS, per_row))
    examples.append(layer_example("weight_sharing", state, LAYERS, "fc2", settings))
    for example in examples:
        if example is None:
            continue
        for column in example.table.columns:
            view = COLUMN_VIEWS[column]  # a KeyError names a column nobody titled
            assert view.title and "_" not in view.title, column
    assert COLUMN_VIEWS["zeroed_fraction"].format == "percent"
    assert "µs" in COLUMN_VIEWS["dense_us"].title and "bytes" in COLUMN_VIEWS["csr_bytes"].title


def test_weight_sharing_numbers_on_a_hand_worked_layer():
    # six weights at 0.1, one at 1.0, one at 2.0; K = 3 starts at 0.1, 1.05, 2.0 and the
    # clusters {0.1 x6}, {1.0}, {2.0} are already stable: no error.
    weight = torch.tensor([[0.1] * 6 + [1.0, 2.0]])
    state = {"fc.weight": weight}
    row = shared_values(state, ["fc"], 3).iloc[0]
    assert row["indexed"] == 8 and row["index_bits"] == 2  # ceil(log2 3)
    assert row["shared_bytes"] == 2 + 3 * 4  # 8 indices of 2 bits, three float32 values
    assert row["mse"] == 0.0
    # Huffman: counts 6, 1, 1 -> lengths 1, 2, 2: 6 + 2 + 2 = 10 bits instead of 16
    assert row["huffman_mean"] == pytest.approx(10 / 8) and row["bits_saved"] == 6
    values = layer_centroids(weight, 3)
    assert values["start"].tolist() == pytest.approx([0.1, 1.05, 2.0])
    assert values["centroid"].tolist() == pytest.approx([0.1, 1.0, 2.0])
    assert values["cluster_size"].tolist() == [6, 1, 1]
    assert values["code_length"].tolist() == [1, 2, 2]


def test_weight_sharing_error_is_the_mean_square_distance_to_the_nearest_value():
    # two clusters {0.1, 0.2, 0.3} and {0.9, 1.0, 1.1}: means 0.2 and 1.0
    weight = torch.tensor([0.1, 0.2, 0.3, 0.9, 1.0, 1.1])
    row = shared_values({"fc.weight": weight}, ["fc"], 2).iloc[0]
    assert row["mse"] == pytest.approx(4 * 0.1**2 / 6, rel=1e-5)
    assert row["huffman_mean"] == 1.0 and row["bits_saved"] == 0  # equal clusters: no gain


def test_the_weight_sharing_lesson_follows_k_and_pruning_of_the_settings(state):
    off = live_example("weight_sharing", state, LAYERS)
    assert "K = 16" in off.caption and "weight sharing is off" in off.caption
    assert off.table["index_bits"].tolist() == [4, 4, 4]
    pruned = CompressionSettings(share_weights=5, prune_sparsity=0.5)
    shown = live_example("weight_sharing", state, LAYERS, pruned)
    assert shown.caption.startswith("at your K = 5 shared values per layer: ⌈log2 K⌉ = 3 bits")
    masks = prune_masks({n: state[f"{n}.weight"] for n in LAYERS}, pruned, "fc3")
    assert shown.table.equals(shared_values(state, LAYERS, 5, masks))
    kept = [int(masks[n].sum()) for n in LAYERS]
    assert shown.table["indexed"].tolist() == kept
    assert shown.table["shared_bytes"].tolist() == [-(-3 * n // 8) + 20 for n in kept]
    assert (shown.table["huffman_mean"] <= 3).all()
    values = layer_example("weight_sharing", state, LAYERS, "fc2", pruned)
    assert len(values.table) == 5 and values.table["cluster_size"].sum() == kept[1]
    assert "`fc2`" in values.caption
    assert layer_example("quantization", state, LAYERS, "fc2") is None
    with pytest.raises(ValueError, match="not one of the compressed layers"):
        layer_example("weight_sharing", state, ["fc1"], "fc2")
