"""The two architectures: sizes, layer names, reproducible initialisation."""

import torch

from compression.models import build_model, layer_names_for, parameter_count


def test_mlp_is_lenet_300_100_with_266610_parameters():
    model = build_model("mlp", seed=0)
    assert parameter_count(model) == 784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10 == 266_610
    assert layer_names_for("mlp") == ["fc1", "fc2", "fc3"]


def test_cnn_is_lenet5_style_with_readable_layer_names():
    assert layer_names_for("cnn") == ["conv1", "conv2", "fc1", "fc2", "fc3"]
    conv = 6 * 25 + 6 + 16 * 6 * 25 + 16
    dense = 400 * 120 + 120 + 120 * 84 + 84 + 84 * 10 + 10
    assert parameter_count(build_model("cnn", seed=0)) == conv + dense


def test_both_models_map_a_batch_of_images_to_ten_logits():
    images = torch.rand(5, 1, 28, 28)
    for name in ("mlp", "cnn"):
        assert build_model(name, seed=0)(images).shape == (5, 10)


def test_same_seed_gives_the_same_initial_weights_and_leaves_global_rng_alone():
    torch.manual_seed(42)
    before = torch.rand(1)
    torch.manual_seed(42)
    first = build_model("mlp", seed=5).state_dict()
    assert torch.equal(torch.rand(1), before)  # the global generator was not consumed
    second = build_model("mlp", seed=5).state_dict()
    other = build_model("mlp", seed=6).state_dict()
    assert all(torch.equal(first[k], second[k]) for k in first)
    assert not torch.equal(first["fc1.weight"], other["fc1.weight"])
