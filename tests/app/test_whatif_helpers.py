"""The What-if page's helpers: the bounded result store and reading a page's sliders."""

from __future__ import annotations

import pandas as pd
import torch

from compression.settings import CompressionSettings
from ui.state.baselines import Baseline
from ui.whatif import ResultStore, page_settings

MLP = Baseline(
    key="test:mlp", model_name="mlp", state={"fc1.weight": torch.zeros(1)}, dataset="mnist"
)


def test_result_store_keeps_the_most_recently_used_tables():
    store = ResultStore(capacity=2)
    tables = {name: pd.DataFrame({"x": [i]}) for i, name in enumerate("abc")}
    store.put("a", tables["a"])
    store.put("b", tables["b"])
    assert store.get("a") is tables["a"]  # "a" is now the most recent
    store.put("c", tables["c"])
    assert store.get("b") is None and store.get("a") is tables["a"] and len(store) == 2


def test_combine_sliders_give_pruning_and_binarization_together():
    saved = {
        "combine.prune_mode": "sparsity",
        "combine.prune_sparsity": 80,
        "combine.prune_scope": "global",
        "combine.prune_neurons": True,  # ignored: neurons need the per-layer scope
        "combine.binarize": 0.7,
        "combine.per_channel": True,
        "combine.layers.mlp": ["fc1", "fc2"],
    }
    assert page_settings("combine", MLP, saved) == CompressionSettings(
        prune_sparsity=0.8,
        prune_scope="global",
        binarize_threshold=0.7,
        per_channel=True,
        layers=("fc1", "fc2"),
    )


def test_combine_gives_the_values_method_chosen_not_a_slider_left_from_another():
    saved = {
        "combine.prune_mode": "sparsity",
        "combine.prune_sparsity": 80,
        "combine.binarize": 0.0,  # set before another values method was chosen
        "combine.bits": 3,
        "combine.shared": 16,
        "combine.per_channel": True,
        "combine.values_method": "quantize",
    }
    assert page_settings("combine", MLP, saved) == CompressionSettings(
        prune_sparsity=0.8, quantize_bits=3, per_channel=True
    )
    saved["combine.values_method"] = "share"
    assert page_settings("combine", MLP, saved) == CompressionSettings(
        prune_sparsity=0.8, share_weights=16
    )
    saved["combine.values_method"] = "none"
    assert page_settings("combine", MLP, saved) == CompressionSettings(prune_sparsity=0.8)


def test_a_threshold_of_another_baseline_or_an_unvisited_page_gives_nothing():
    saved = {"prune.prune_mode": "threshold", "prune.prune_threshold.other": 0.05}
    assert page_settings("prune", MLP, saved) is None
    assert page_settings("binarize", MLP, {}) is None
    saved["prune.prune_threshold.test:mlp"] = 0.05
    assert page_settings("prune", MLP, saved) == CompressionSettings(prune_threshold=0.05)
