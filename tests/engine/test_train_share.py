"""Retraining shared weights: the assignment found once stays, the centroids train with
the summed gradients of their weights, pruned weights stay 0."""

from __future__ import annotations

import torch
from shared_data import mnist, tiny_mlp_state

from compression.compress import compress
from compression.data import subset
from compression.methods.share import centroid_gradients
from compression.methods.weight_sharing import centroid_training
from compression.models import layer_names_for
from compression.settings import CompressionSettings
from compression.train import TrainConfig, finetune

LAYERS = layer_names_for("mlp")


def test_finetune_keeps_the_assignment_and_at_most_k_values_per_layer():
    settings = CompressionSettings(share_weights=8, prune_sparsity=0.5)
    start = compress(tiny_mlp_state(), LAYERS, settings).state
    images, labels = subset(mnist().train_images, mnist().train_labels, 500, seed=1)
    config = TrainConfig(epochs=1, learning_rate=1e-3, batch_size=50)
    result = finetune("mlp", tiny_mlp_state(), settings, images, labels, config)
    moved = 0
    for name in LAYERS:
        before, after = start[f"{name}.weight"], result.state[f"{name}.weight"]
        assert torch.equal(before == 0, after == 0)  # pruned stay 0, kept stay nonzero
        old_values, new_values = before[before != 0].unique(), after[after != 0].unique()
        assert old_values.numel() == 8 and new_values.numel() <= 8
        for value in old_values:  # each cluster's weights share one retrained value
            assert after[before == value].unique().numel() == 1
        new_of_old = [float(after[before == value][0]) for value in old_values]
        assert len(set(new_of_old)) == len(new_of_old)  # no two clusters merged
        moved += int((old_values != torch.tensor(new_of_old)).sum())
    assert moved > 0  # the centroids did train
    # sharing the retrained weights again with the same K changes nothing
    again = compress(result.state, LAYERS, CompressionSettings(share_weights=8)).state
    for name in LAYERS:
        assert torch.equal(again[f"{name}.weight"], result.state[f"{name}.weight"])


def test_each_centroid_gets_the_sum_of_its_weights_gradients():
    state = compress(tiny_mlp_state(), LAYERS, CompressionSettings(prune_sparsity=0.3)).state
    training = centroid_training(state, ["fc2.weight"], CompressionSettings(share_weights=5))
    centroids = training.start["fc2.weight"].clone().requires_grad_(True)
    weight_view = training.weights({**state, "fc2.weight": centroids})["fc2.weight"]
    probe = torch.randn(weight_view.shape, generator=torch.Generator().manual_seed(3))
    (weight_view * probe).sum().backward()  # dL/dW = probe
    indices, keep = training.assignments["fc2.weight"]
    expected = centroid_gradients(probe, indices, keep, 5)
    manual = torch.stack([probe[keep][indices.long() == k].sum() for k in range(5)])
    assert torch.allclose(centroids.grad, expected) and torch.allclose(expected, manual)
    assert torch.equal(weight_view.detach() == 0, state["fc2.weight"] == 0)
