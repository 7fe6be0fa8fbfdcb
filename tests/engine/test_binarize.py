"""Binarization follows BNN / XNOR-Net / TWN; the STE gradient follows BNN."""

import numpy as np
import pytest
import torch

from compression.methods.binarize import TWN_THRESHOLD, binarize, binarize_ste


@pytest.fixture
def weight():
    torch.manual_seed(0)
    return torch.randn(30, 40) * 0.05


def test_pure_binary_equals_the_seed_formula_sign_times_mean_abs(weight):
    quantized, scale = binarize(weight, threshold=0.0)
    reference = weight.sign() * weight.abs().mean()
    torch.testing.assert_close(quantized, reference, rtol=1e-6, atol=0)
    assert scale.shape == ()


def test_per_channel_scale_is_the_mean_abs_of_each_output_row(weight):
    quantized, scale = binarize(weight, threshold=0.0, per_channel=True)
    row_means = np.abs(weight.numpy()).mean(axis=1)
    np.testing.assert_allclose(scale.numpy(), row_means, rtol=1e-6)
    np.testing.assert_allclose(
        quantized.numpy(), np.sign(weight.numpy()) * row_means[:, None], rtol=1e-6
    )


def test_ternary_threshold_on_a_hand_worked_example():
    # mean|W| = (0.1 + 0.5 + 0.9 + 1.3) / 4 = 0.7; band = 0.7 * 0.7 = 0.49
    # kept: -0.5, 0.9, -1.3 -> a = (0.5 + 0.9 + 1.3) / 3 = 0.9
    weight = torch.tensor([0.1, -0.5, 0.9, -1.3])
    quantized, scale = binarize(weight, threshold=TWN_THRESHOLD)
    torch.testing.assert_close(quantized, torch.tensor([0.0, -0.9, 0.9, -0.9]))
    assert float(scale) == pytest.approx(0.9)


def test_weights_on_the_band_edge_become_zero():
    weight = torch.tensor([1.0, -1.0, 3.0, -3.0])  # mean|W| = 2; t = 0.5 -> band 1.0
    quantized, _ = binarize(weight, threshold=0.5)
    torch.testing.assert_close(quantized, torch.tensor([0.0, 0.0, 3.0, -3.0]))


def test_pruned_weights_stay_zero_and_means_run_over_the_kept_ones():
    weight = torch.tensor([0.2, -0.4, 0.6, -0.8])
    keep = torch.tensor([False, True, True, True])  # mean over kept = 0.6
    quantized, scale = binarize(weight, threshold=0.0, keep=keep)
    torch.testing.assert_close(quantized, torch.tensor([0.0, -0.6, 0.6, -0.6]))
    assert float(scale) == pytest.approx(0.6)


def test_binarize_does_not_change_its_input(weight):
    original = weight.clone()
    binarize(weight, threshold=0.7, per_channel=True)
    assert torch.equal(weight, original)


def test_straight_through_gradient_passes_where_abs_w_at_most_one():
    weight = torch.tensor([0.3, -0.9, 1.0, 1.5, -2.0], requires_grad=True)
    upstream = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    out = binarize_ste(weight, threshold=0.0)
    (out * upstream).sum().backward()
    # hand-computed: grad = upstream * 1{|W| <= 1}
    torch.testing.assert_close(weight.grad, torch.tensor([1.0, 2.0, 3.0, 0.0, 0.0]))
    # and the forward value is the binarized weight
    torch.testing.assert_close(out.detach(), binarize(weight.detach())[0])


def test_straight_through_gradient_is_zero_for_pruned_weights():
    weight = torch.tensor([0.3, -0.5, 0.7], requires_grad=True)
    keep = torch.tensor([True, False, True])
    out = binarize_ste(weight * keep, threshold=0.0, keep=keep)
    out.sum().backward()
    torch.testing.assert_close(weight.grad, torch.tensor([1.0, 0.0, 1.0]))
