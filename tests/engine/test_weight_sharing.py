"""Weight sharing: 1-D k-means with linear initialisation (Deep Compression, section 3)."""

import numpy as np
import pytest
import torch

from compression.methods.share import (
    centroid_gradients,
    index_bits,
    index_dtype,
    linear_centroids,
    nearest_centroid,
    share_weights,
    shared_size,
    shared_weight,
)


def _lloyd_reference(values: np.ndarray, count: int, iterations: int = 1000):
    """Textbook Lloyd in float64 numpy: an n x K distance table, a mean per cluster."""
    centroids = np.linspace(values.min(), values.max(), count)
    assignment = np.abs(values[:, None] - centroids[None, :]).argmin(axis=1)
    for _ in range(iterations):
        for k in range(count):
            members = values[assignment == k]
            assert members.size > 0, "the reference is only used where no cluster empties"
            centroids[k] = members.mean()
        following = np.abs(values[:, None] - centroids[None, :]).argmin(axis=1)
        if np.array_equal(following, assignment):
            break
        assignment = following
    return centroids, assignment


def test_two_separated_groups_with_two_values_give_the_group_means():
    weight = torch.tensor([[0.9, -2.1, 1.0], [-2.0, 1.1, -1.9]])
    shared = share_weights(weight, 2)
    torch.testing.assert_close(shared.centroids, torch.tensor([-2.0, 1.0]))
    assert shared.indices.tolist() == [1, 0, 1, 0, 1, 0]
    torch.testing.assert_close(shared.weight, torch.tensor([[1.0, -2.0, 1.0], [-2.0, 1.0, -2.0]]))
    assert shared.iterations == 1  # the first update already gives the final assignment


def test_three_groups_with_three_values_give_each_group_its_mean():
    groups = [[-5.0, -4.0, -6.0], [0.0, 0.5, -0.5, 0.25], [7.0, 9.0]]
    weight = torch.tensor([v for group in groups for v in group])
    shared = share_weights(weight, 3)
    torch.testing.assert_close(shared.centroids, torch.tensor([-5.0, 0.0625, 8.0]))


def test_the_linear_initialisation_is_evenly_spaced_from_min_to_max():
    values = torch.tensor([0.5, -1.0, 3.0])
    torch.testing.assert_close(
        linear_centroids(values, 5), torch.tensor([-1.0, 0.0, 1.0, 2.0, 3.0])
    )
    torch.testing.assert_close(linear_centroids(values, 2), torch.tensor([-1.0, 3.0]))


def test_no_iteration_is_linear_quantisation_to_the_nearest_initial_value():
    weight = torch.tensor([-1.0, -0.4, 0.6, 1.4, 3.0])  # grid -1, 0, 1, 2, 3
    shared = share_weights(weight, 5, max_iterations=0)
    # -0.4 is nearest 0, 0.6 and 1.4 are nearest 1
    assert shared.indices.tolist() == [0, 1, 2, 2, 4]
    torch.testing.assert_close(shared.weight, torch.tensor([-1.0, 0.0, 1.0, 1.0, 3.0]))


def test_as_many_values_as_distinct_weights_reproduce_them_exactly():
    # linear start 0, 0.5, 1 leaves the middle cluster empty after the first update
    # (0 and 0.1 share c0 = 0.05); it moves onto the worst-fitted weight, 0 (a tie with
    # 0.1, the smaller wins), and the next update gives 0, 0.1, 1
    weight = torch.tensor([0.0, 0.1, 1.0])
    shared = share_weights(weight, 3)
    assert torch.equal(shared.weight, weight)
    assert torch.equal(shared.centroids, weight)
    assert shared.indices.tolist() == [0, 1, 2]
    assert shared.iterations == 2


@pytest.mark.parametrize("count", [7, 8, 16])
def test_random_weights_with_at_most_k_distinct_values_come_back_unchanged(count):
    generator = torch.Generator().manual_seed(count)
    levels = torch.randn(7, generator=generator)
    weight = levels[torch.randint(0, 7, (20, 30), generator=generator)]
    shared = share_weights(weight, count)
    assert torch.equal(shared.weight, weight)


def test_an_empty_cluster_with_nothing_left_to_fit_stays_at_its_initial_value():
    # start 1, 4/3, 5/3, 2: the middle two clusters are empty and every weight is exact
    weight = torch.tensor([1.0, 2.0, 1.0, 2.0])
    first = share_weights(weight, 4)
    second = share_weights(weight.clone(), 4)
    expected = torch.tensor([1.0, 4.0 / 3.0, 5.0 / 3.0, 2.0])
    assert torch.equal(first.centroids, expected)
    assert first.indices.tolist() == [0, 3, 0, 3]
    assert torch.equal(first.centroids, second.centroids)
    assert torch.equal(first.indices, second.indices)


def test_all_kept_weights_equal_take_the_first_value():
    shared = share_weights(torch.full((3, 2), 0.25), 4)
    assert torch.equal(shared.centroids, torch.full((4,), 0.25))
    assert shared.indices.tolist() == [0] * 6
    assert torch.equal(shared.weight, torch.full((3, 2), 0.25))


def test_pruned_weights_stay_zero_take_no_index_and_do_not_move_the_centroids():
    weight = torch.tensor([5.0, 1.0, 1.2, -3.0, 3.2])
    keep = torch.tensor([False, True, True, False, True])
    # kept 1.0, 1.2, 3.2: start 1.0, 3.2 (not -3 and 5), midpoint 2.1 -> means 1.1, 3.2
    shared = share_weights(weight, 2, keep=keep)
    torch.testing.assert_close(shared.centroids, torch.tensor([1.1, 3.2]))
    assert shared.indices.tolist() == [0, 0, 1]
    torch.testing.assert_close(shared.weight, torch.tensor([0.0, 1.1, 1.1, 0.0, 3.2]))


def test_a_layer_with_nothing_kept_is_all_zero_with_no_index():
    weight = torch.tensor([[1.0, -2.0]])
    shared = share_weights(weight, 4, keep=torch.zeros(1, 2, dtype=torch.bool))
    assert torch.equal(shared.weight, torch.zeros(1, 2))
    assert shared.indices.numel() == 0 and shared.indices.dtype == torch.uint8
    assert torch.equal(shared.centroids, torch.zeros(4))


def test_lloyd_matches_a_textbook_numpy_implementation_on_gaussian_weights():
    generator = torch.Generator().manual_seed(3)
    weight = torch.randn(40, 50, generator=generator) * 0.05
    shared = share_weights(weight, 8)
    centroids, assignment = _lloyd_reference(weight.reshape(-1).double().numpy(), 8)
    np.testing.assert_allclose(shared.centroids.numpy(), centroids, rtol=1e-6)
    np.testing.assert_array_equal(shared.indices.numpy(), assignment)


def test_the_result_is_a_fixed_point_nearest_centroids_and_cluster_means():
    generator = torch.Generator().manual_seed(5)
    weight = torch.randn(300, generator=generator)
    keep = torch.rand(300, generator=generator) > 0.3
    shared = share_weights(weight, 16, keep=keep)
    kept = weight[keep].double()
    distances = (kept[:, None] - shared.centroids.double()[None, :]).abs()
    assert torch.equal(shared.indices.long(), distances.argmin(dim=1))
    assert torch.all(shared.centroids[1:] > shared.centroids[:-1])
    for k in range(16):
        members = kept[shared.indices.long() == k]
        assert members.numel() > 0
        assert float(shared.centroids[k]) == pytest.approx(float(members.mean()), rel=1e-6)


def test_the_clustering_error_is_below_the_linear_quantisation_error():
    generator = torch.Generator().manual_seed(7)
    weight = torch.randn(2000, generator=generator) * 0.1
    linear = share_weights(weight, 16, max_iterations=0).weight
    clustered = share_weights(weight, 16).weight
    assert float(((clustered - weight) ** 2).sum()) < 0.8 * float(((linear - weight) ** 2).sum())


def test_nearest_centroid_breaks_ties_towards_the_lower_value():
    centroids = torch.tensor([0.0, 1.0, 3.0])
    values = torch.tensor([0.5, 2.0, -7.0, 9.0, 0.49, 0.51])
    assert nearest_centroid(values, centroids).tolist() == [0, 1, 0, 2, 0, 1]


def test_sharing_does_not_change_its_input():
    weight = torch.randn(10, 10)
    keep = weight.abs() > 0.5
    weight_before, keep_before = weight.clone(), keep.clone()
    share_weights(weight, 4, keep=keep)
    assert torch.equal(weight, weight_before) and torch.equal(keep, keep_before)


def test_the_shared_weight_keeps_the_input_dtype_and_shape():
    weight = torch.randn(3, 2, 5, 5, dtype=torch.float64)
    shared = share_weights(weight, 4)
    assert shared.weight.dtype == torch.float64 and shared.weight.shape == weight.shape
    assert shared.centroids.dtype == torch.float32
    assert torch.unique(shared.weight).numel() <= 4


@pytest.mark.parametrize(
    ("count", "dtype"), [(2, torch.uint8), (256, torch.uint8), (257, torch.int16)]
)
def test_indices_use_the_smallest_integer_type(count, dtype):
    assert index_dtype(count) == dtype
    assert share_weights(torch.randn(400), count).indices.dtype == dtype


@pytest.mark.parametrize("count", [0, 1, 2**15 + 1, -3])
def test_a_number_of_values_out_of_range_is_refused(count):
    with pytest.raises(ValueError, match="number of shared values"):
        share_weights(torch.randn(4), count)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_kept_weight_that_is_not_finite_is_refused(bad):
    with pytest.raises(ValueError, match="finite"):
        share_weights(torch.tensor([0.1, bad, 0.3]), 2)
    keep = torch.tensor([True, False, True])  # a pruned one does not matter
    assert share_weights(torch.tensor([0.1, bad, 0.3]), 2, keep=keep).weight[1] == 0


def test_a_mask_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="keep mask"):
        share_weights(torch.randn(4), 2, keep=torch.ones(5, dtype=torch.bool))


def test_centroid_gradients_are_the_sums_of_their_weights_gradients_by_hand():
    centroids = torch.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    keep = torch.tensor([[True, False, True], [True, True, True]])
    indices = torch.tensor([0, 2, 0, 1, 2], dtype=torch.uint8)  # kept weights, flat order
    gradient = torch.tensor([[0.1, 100.0, 0.2], [0.3, 0.4, 0.5]])  # dL/dW
    weight = shared_weight(centroids, indices, keep)
    torch.testing.assert_close(weight.detach(), torch.tensor([[-1.0, 0.0, 2.0], [-1.0, 0.5, 2.0]]))
    (weight * gradient).sum().backward()  # dL/dW = gradient
    # c0 <- W[0,0], W[1,0]: 0.1 + 0.3; c1 <- W[1,1]: 0.4; c2 <- W[0,2], W[1,2]: 0.2 + 0.5;
    # the pruned W[0,1] passes nothing
    torch.testing.assert_close(centroids.grad, torch.tensor([0.4, 0.4, 0.7]))
    torch.testing.assert_close(
        centroid_gradients(gradient, indices, keep, 3), torch.tensor([0.4, 0.4, 0.7])
    )


def test_autograd_and_the_written_out_rule_agree_on_a_real_loss():
    generator = torch.Generator().manual_seed(11)
    weight = torch.randn(6, 8, generator=generator)
    keep = weight.abs() > 0.3
    shared = share_weights(weight, 4, keep=keep)
    centroids = shared.centroids.clone().requires_grad_(True)
    inputs = torch.randn(5, 8, generator=generator)
    layer_weight = shared_weight(centroids, shared.indices, keep)
    layer_weight.retain_grad()
    torch.nn.functional.linear(inputs, layer_weight).pow(2).mean().backward()
    expected = centroid_gradients(layer_weight.grad, shared.indices, keep, 4)
    torch.testing.assert_close(centroids.grad, expected)


def test_index_bits_are_the_ceiling_of_log2_k():
    assert [index_bits(k) for k in (2, 3, 4, 5, 16, 17, 32, 256, 257)] == [
        1,
        2,
        2,
        3,
        4,
        5,
        5,
        8,
        9,
    ]


def test_the_size_is_index_bits_per_kept_weight_plus_float32_centroids():
    size = shared_size(kept=1000, count=16)  # 4 bits each, 16 centroids
    assert size.index_bits == 4000 and size.centroid_bits == 512
    assert size.bytes == 500 + 64
    odd = shared_size(kept=3, count=5)  # 3 bits each: 9 bits -> 2 bytes, + 20 bytes
    assert odd.bytes == 2 + 20
    assert shared_size(kept=0, count=2).bytes == 8
