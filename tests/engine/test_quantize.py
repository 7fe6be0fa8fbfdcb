"""k-bit quantization equals PyTorch's fake quantization (zero point 0, symmetric range)."""

import pytest
import torch

from compression.compress import compress, training_view
from compression.methods.quantize import (
    largest_level,
    quantize_bits,
    quantize_bits_ste,
)
from compression.settings import CompressionSettings


@pytest.fixture
def weight():
    torch.manual_seed(0)
    return torch.randn(30, 40) * 0.05


def _differ_only_at_ties(ours, reference, weight, scale):
    """Equal, except where W / s is within float rounding of a .5 tie (torch multiplies by
    1/s, the rule divides by s): there the two may pick neighbouring levels."""
    different = ours != reference
    ratio = (weight / scale).abs()
    near_tie = (ratio - ratio.floor() - 0.5).abs() < 1e-5
    assert bool((~different | near_tie).all())
    assert torch.allclose(ours[different], reference[different], atol=float(scale.max()) * 1.001)
    return int(different.sum())


@pytest.mark.parametrize("bits", range(2, 9))
def test_per_tensor_equals_torch_fake_quantize_per_tensor_affine(weight, bits):
    level = largest_level(bits)
    quantized, scale = quantize_bits(weight, bits)
    assert scale.shape == () and float(scale) == pytest.approx(float(weight.abs().max()) / level)
    reference = torch.fake_quantize_per_tensor_affine(weight, scale, 0, -level, level)
    assert _differ_only_at_ties(quantized, reference, weight, scale) <= 1


@pytest.mark.parametrize("bits", range(2, 9))
def test_per_channel_equals_torch_fake_quantize_per_channel_affine(weight, bits):
    level = largest_level(bits)
    quantized, scale = quantize_bits(weight, bits, per_channel=True)
    torch.testing.assert_close(scale, weight.abs().amax(dim=1) / level, rtol=0, atol=0)
    zero_points = torch.zeros(len(scale), dtype=torch.int32)
    reference = torch.fake_quantize_per_channel_affine(weight, scale, zero_points, 0, -level, level)
    assert _differ_only_at_ties(quantized, reference, weight, scale[:, None]) <= 1


def test_a_hand_worked_example_rounds_half_to_even():
    # K = 3: levels -3..3, s = 3.0 / 3 = 1; 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> 0
    weight = torch.tensor([0.5, 1.5, 2.5, -0.5, -3.0, 1.2])
    quantized, scale = quantize_bits(weight, 3)
    assert float(scale) == 1.0
    assert quantized.tolist() == [0.0, 2.0, 2.0, 0.0, -3.0, 1.0]


def test_the_values_are_at_most_2_to_the_k_minus_1_levels_of_one_scale(weight):
    for bits in (2, 4, 8):
        quantized, scale = quantize_bits(weight, bits)
        codes = (quantized / scale).round()  # the integers a file stores
        assert torch.equal(codes * scale, quantized)  # they give back the weights exactly
        assert int(codes.abs().max()) == largest_level(bits)
        assert codes.unique().numel() <= 2**bits - 1


def test_pruned_weights_stay_zero_and_the_maximum_runs_over_the_kept_ones():
    weight = torch.tensor([[4.0, -1.0, 2.0, 0.7], [0.3, -0.6, 0.2, 0.1]])
    keep = torch.tensor([[False, True, True, True], [True, True, False, True]])
    quantized, scale = quantize_bits(weight, 2, per_channel=True, keep=keep)
    assert scale.tolist() == pytest.approx([2.0, 0.6])  # the 4.0 and the 0.2 are pruned
    # K = 2: levels -s, 0, s; row 0: -1/2 -> -0 (half to even), 2 -> 2, 0.7/2 -> 0;
    # row 1: 0.3/0.6 -> 0 (half to even), -0.6 -> -1, 0.1/0.6 -> 0
    expected = torch.tensor([[0.0, 0.0, 2.0, 0.0], [0.0, -0.6, 0.0, 0.0]])
    torch.testing.assert_close(quantized, expected)


def test_a_group_without_weights_gets_scale_zero_and_stays_zero():
    weight = torch.tensor([[0.0, 0.0], [0.5, -0.25]])
    quantized, scale = quantize_bits(weight, 4, per_channel=True)
    assert scale.tolist() == [0.0, pytest.approx(0.5 / 7)]
    assert quantized[0].tolist() == [0.0, 0.0] and not torch.isnan(quantized).any()


def test_quantize_does_not_change_its_input(weight):
    original = weight.clone()
    quantize_bits(weight, 4, per_channel=True, keep=weight.abs() > 0.01)
    assert torch.equal(weight, original)


def test_the_straight_through_gradient_reaches_every_real_weight(weight):
    real = weight.clone().requires_grad_(True)
    out = quantize_bits_ste(real, 3)
    assert torch.equal(out.detach(), quantize_bits(weight, 3)[0])
    upstream = torch.randn_like(weight)
    (out * upstream).sum().backward()
    assert torch.equal(real.grad, upstream)  # fake quantization's estimator: identity


def test_training_view_uses_the_quantized_forward_and_the_mask_blocks_pruned_gradients(weight):
    settings = CompressionSettings(quantize_bits=4, per_channel=True)
    keep = {"fc": weight.abs() > 0.03}
    params = {"fc.weight": weight.clone().requires_grad_(True)}
    view = training_view(params, keep, settings, ["fc"])
    expected, _ = quantize_bits(weight, 4, per_channel=True, keep=keep["fc"])
    assert torch.equal(view["fc.weight"].detach(), expected)
    view["fc.weight"].sum().backward()
    assert torch.equal(params["fc.weight"].grad, keep["fc"].float())


def test_compress_quantizes_the_chosen_layers_only():
    torch.manual_seed(1)
    state = {
        "fc1.weight": torch.randn(8, 5),
        "fc1.bias": torch.randn(8),
        "fc2.weight": torch.randn(3, 8),
        "fc2.bias": torch.randn(3),
    }
    settings = CompressionSettings(quantize_bits=5, layers=("fc1",))
    compressed = compress(state, ["fc1", "fc2"], settings)
    assert torch.equal(compressed.state["fc1.weight"], quantize_bits(state["fc1.weight"], 5)[0])
    assert torch.equal(compressed.state["fc2.weight"], state["fc2.weight"])
    assert torch.equal(compressed.state["fc1.bias"], state["fc1.bias"])
    assert set(compressed.scales) == {"fc1"}
