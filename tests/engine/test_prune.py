"""Magnitude pruning removes the same weights as torch.nn.utils.prune."""

import pytest
import torch
from torch import nn
from torch.nn.utils import prune as torch_prune

from compression.methods.prune import (
    global_sparsity_masks,
    neuron_mask,
    sparsity_mask,
    threshold_for_sparsity,
    threshold_mask,
)


def _linear(seed: int, out_features=50, in_features=80) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(in_features, out_features)


@pytest.mark.parametrize("amount", [0.0, 0.1, 0.37, 0.5, 0.9, 1.0])
def test_sparsity_mask_matches_torch_l1_unstructured(amount):
    layer = _linear(1)
    ours = sparsity_mask(layer.weight.detach(), amount)
    torch_prune.l1_unstructured(layer, "weight", amount=amount)
    assert torch.equal(ours, layer.weight_mask.bool())


@pytest.mark.parametrize("amount", [0.2, 0.75])
def test_global_masks_match_torch_global_unstructured(amount):
    layers = [_linear(2), _linear(3, 20, 50)]
    ours = global_sparsity_masks(
        {"a": layers[0].weight.detach(), "b": layers[1].weight.detach()}, amount
    )
    torch_prune.global_unstructured(
        [(layer, "weight") for layer in layers], torch_prune.L1Unstructured, amount=amount
    )
    assert torch.equal(ours["a"], layers[0].weight_mask.bool())
    assert torch.equal(ours["b"], layers[1].weight_mask.bool())


@pytest.mark.parametrize("amount", [0.1, 0.5])
def test_neuron_mask_matches_torch_ln_structured_over_rows(amount):
    conv = nn.Conv2d(3, 12, 5)
    ours = neuron_mask(conv.weight.detach(), amount)
    torch_prune.ln_structured(conv, "weight", amount=amount, n=2, dim=0)
    assert torch.equal(ours, conv.weight_mask.bool())
    removed_rows = (~ours).reshape(12, -1).all(dim=1)
    assert int(removed_rows.sum()) == round(amount * 12)


def test_threshold_mask_keeps_strictly_larger_magnitudes():
    weight = torch.tensor([0.05, -0.1, 0.2, -0.3])
    assert threshold_mask(weight, 0.1).tolist() == [False, False, True, True]
    assert threshold_mask(weight, 0.0).all()


def test_threshold_for_sparsity_is_the_kth_smallest_magnitude():
    weight = torch.tensor([0.4, -0.1, 0.3, -0.2])
    assert threshold_for_sparsity([weight], 0.5) == pytest.approx(0.2)
    assert threshold_for_sparsity([weight], 0.0) == 0.0
    kept = threshold_mask(weight, threshold_for_sparsity([weight], 0.5))
    assert kept.tolist() == [True, False, True, False]
