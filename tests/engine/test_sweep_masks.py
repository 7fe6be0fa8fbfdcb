"""Masks from magnitudes sorted once are exactly the engine's top-k masks."""

from __future__ import annotations

import pytest
import torch
from shared_data import random_state
from torch.nn.utils import prune

from compression.compress import prune_masks
from compression.settings import CompressionSettings
from compression.sweeps.masks import MaskMaker

SPARSITIES = [0.0, 0.05, 0.1, 0.33, 0.5, 0.77, 0.9, 0.999, 1.0]


def _weights() -> dict[str, torch.Tensor]:
    state = random_state("mlp")
    return {name: state[f"{name}.weight"] for name in ("fc1", "fc2", "fc3")}


@pytest.mark.parametrize("scope", ["layer", "global"])
def test_masks_equal_prune_masks_at_every_sparsity(scope):
    weights, maker = _weights(), MaskMaker()
    for sparsity in SPARSITIES:
        settings = CompressionSettings(prune_sparsity=sparsity, prune_scope=scope)
        expected = prune_masks(weights, settings, None)
        got = maker.masks(weights, settings, None)
        assert got.keys() == expected.keys()
        for name in weights:
            assert torch.equal(got[name], expected[name]), (scope, sparsity, name)


def test_masks_remove_what_torch_l1_unstructured_removes():
    weight = _weights()["fc2"]
    maker = MaskMaker()
    for sparsity in SPARSITIES:
        module = torch.nn.Linear(300, 100)
        module.weight.data = weight.clone()
        prune.l1_unstructured(module, "weight", amount=sparsity)
        got = maker.masks({"fc2": weight}, CompressionSettings(prune_sparsity=sparsity), None)[
            "fc2"
        ]
        assert torch.equal(got, module.weight_mask.bool()), sparsity


def test_a_tie_at_the_cut_is_broken_like_top_k():
    # |W| = 0.5 four times: removing 3 of 6 splits the tie, so only top-k knows which go
    weight = torch.tensor([[0.5, -0.5, 0.1], [0.5, -0.5, 0.9]])
    settings = CompressionSettings(prune_sparsity=0.5)
    got = MaskMaker().masks({"fc": weight}, settings, None)["fc"]
    assert torch.equal(got, prune_masks({"fc": weight}, settings, None)["fc"])
    assert int(got.sum()) == 3


def test_threshold_and_neuron_settings_go_to_the_engine():
    weights = _weights()
    for settings in (
        CompressionSettings(prune_threshold=0.05),
        CompressionSettings(prune_sparsity=0.4, prune_structure="neurons"),
        CompressionSettings(binarize_threshold=0.7),
    ):
        expected = prune_masks(weights, settings, None)
        got = MaskMaker().masks(weights, settings, None)
        assert got.keys() == expected.keys()
        assert all(torch.equal(got[name], expected[name]) for name in got)
