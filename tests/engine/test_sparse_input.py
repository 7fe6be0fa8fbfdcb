"""A linear layer over its input's uncommon entries gives the dense product, to rounding."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from shared_data import mnist_test_set

from compression.models import Normalize
from compression.sweeps.sparse_input import SparseInputLinear


def _normalized_pixels(count: int = 2000) -> torch.Tensor:
    with torch.inference_mode():
        return Normalize()(mnist_test_set()[0][:count]).flatten(1)  # (N, 784)


def _weights(rows: int, columns: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(rows, columns, generator=generator) / columns**0.5
    return weight, torch.randn(rows, generator=generator)


@pytest.mark.parametrize("sparsity", [0.0, 0.5, 0.9])
def test_output_equals_the_dense_linear_layer_to_rounding(sparsity):
    inputs = _normalized_pixels()
    weight, bias = _weights(300, 784)
    weight = weight * (
        torch.rand(weight.shape, generator=torch.Generator().manual_seed(1)) >= sparsity
    )
    with torch.inference_mode():
        expected = F.linear(inputs, weight, bias)
        got = SparseInputLinear(inputs)(weight, bias)
    assert got.shape == expected.shape
    torch.testing.assert_close(got, expected, rtol=0, atol=2e-5)


def test_blank_pixels_are_the_common_value_and_are_skipped():
    inputs = _normalized_pixels()
    product = SparseInputLinear(inputs)
    blank = Normalize()(torch.zeros(1)).item()  # where a pixel is 0
    assert torch.all(product.common == blank)
    expected_fraction = float((inputs != blank).float().mean())
    assert product.kept_fraction == pytest.approx(expected_fraction)
    assert product.kept_fraction < 0.25  # most MNIST pixels are blank


def test_relu_outputs_skip_their_zeros_without_a_bias():
    generator = torch.Generator().manual_seed(2)
    inputs = torch.relu(torch.randn(500, 64, generator=generator))  # about half zeros
    weight, _ = _weights(16, 64, seed=3)
    product = SparseInputLinear(inputs)
    assert torch.all(product.common == 0)
    torch.testing.assert_close(product(weight, None), inputs @ weight.t(), rtol=0, atol=1e-5)


def test_zero_weights_give_the_bias_in_every_row():
    inputs = _normalized_pixels(100)
    _, bias = _weights(10, 784)
    got = SparseInputLinear(inputs)(torch.zeros(10, 784), bias)
    assert torch.equal(got, bias.expand(100, -1))


def test_rows_equal_to_the_common_row_cost_nothing_and_give_w_r_plus_b():
    inputs = torch.zeros(4, 3)
    inputs[1] = torch.tensor([0.0, 2.0, 0.0])
    weight, bias = torch.tensor([[1.0, 10.0, 100.0]]), torch.tensor([0.5])
    product = SparseInputLinear(inputs)
    assert product.kept_fraction == pytest.approx(1 / 12)
    assert product(weight, bias).reshape(-1).tolist() == [0.5, 20.5, 0.5, 0.5]


def test_inputs_must_be_a_matrix():
    with pytest.raises(ValueError, match=r"\(N, K\)"):
        SparseInputLinear(torch.zeros(2, 3, 4))
