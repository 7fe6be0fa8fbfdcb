"""First-layer weights as pictures, on hand-made weights with known answers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from compression.compress import compress
from compression.data import load_dataset, subset
from compression.explain.weights_view import (
    border_and_centre,
    first_layer,
    first_layer_pictures,
    first_layer_view,
    pixel_spread,
    strongest_units,
    unit_images,
)
from compression.models import build_model, layer_names_for
from compression.settings import CompressionSettings
from compression.train import TrainConfig, train


def patterned_mlp_state() -> dict[str, torch.Tensor]:
    """An mlp whose fc1 row j is a known picture: unit j lights up row j % 28, scaled by j."""
    state = {k: v.detach().clone() for k, v in build_model("mlp", seed=0).state_dict().items()}
    fc1 = torch.zeros(300, 28, 28)
    for unit in range(300):
        fc1[unit, unit % 28, :] = 0.001 * (unit + 1)  # norm grows with the unit index
    fc1[7, 3, 5] = -2.0  # unit 7 gets one strong negative pixel: the largest norm
    state["fc1.weight"] = fc1.reshape(300, 784)
    return state


def test_unit_images_reshape_rows_to_28x28_and_filters_to_kxk():
    weight = torch.arange(2 * 784, dtype=torch.float32).reshape(2, 784)
    images = unit_images(weight)
    assert images.shape == (2, 28, 28)
    assert images[1, 2, 3] == weight[1, 2 * 28 + 3]  # row-major, like the image pixels
    filters = torch.randn(6, 1, 5, 5)
    assert torch.equal(unit_images(filters), filters[:, 0])
    with pytest.raises(ValueError, match="28x28"):
        unit_images(torch.zeros(10, 100))


def test_strongest_units_are_ordered_by_l2_norm_with_ties_to_the_lower_index():
    weight = torch.tensor([[1.0, 0.0], [0.0, 3.0], [2.0, 2.0], [0.0, -3.0]])
    # norms: 1, 3, 2.83, 3 -> units 1 and 3 tie; 1 comes first
    assert strongest_units(weight, 3).tolist() == [1, 3, 2]
    assert strongest_units(weight, 10).tolist() == [1, 3, 2, 0]


def test_view_picks_the_strongest_units_and_shows_their_pictures():
    state = patterned_mlp_state()
    view = first_layer_view("mlp", state, state, count=4)
    assert view.layer == "fc1"
    assert view.units.tolist() == [7, 299, 298, 297]
    expected = torch.zeros(28, 28)
    expected[299 % 28, :] = 0.3
    torch.testing.assert_close(view.before[1], expected)
    assert view.before[0, 3, 5] == -2.0
    torch.testing.assert_close(view.norms[1], torch.tensor(0.3 * 28**0.5))


def test_compressed_pictures_show_the_same_units_in_the_same_order():
    state = patterned_mlp_state()
    settings = CompressionSettings(prune_threshold=0.25, binarize_threshold=0.0)
    compressed = compress(state, layer_names_for("mlp"), settings)
    view = first_layer_view("mlp", state, compressed.state, compressed.keep_masks["fc1"], count=4)
    assert view.units.tolist() == [7, 299, 298, 297]  # chosen on the baseline
    # Unit 299 (|W| = 0.3 > 0.25) keeps its row; unit 297 (0.298) too; unit 7 keeps one pixel.
    assert view.kept[0].sum() == 1 and view.kept[0, 3, 5]
    assert torch.equal(view.kept[1], view.before[1] != 0)
    # Binarized: every kept weight is +-a with one a for the layer.
    a = compressed.scales["fc1"]
    assert torch.equal(view.after[1], a * view.kept[1])
    assert view.after[0, 3, 5] == -a
    torch.testing.assert_close(view.kept_fraction, view.kept.reshape(4, -1).float().mean(1))


def test_kept_mask_without_pruning_is_where_the_ternary_band_left_weights():
    state = patterned_mlp_state()
    compressed = compress(state, ["fc1", "fc2", "fc3"], CompressionSettings(binarize_threshold=1.0))
    view = first_layer_view("mlp", state, compressed.state, None, count=2)
    assert torch.equal(view.kept, view.after != 0)


def test_kept_per_input_is_the_share_of_all_units_keeping_each_pixel():
    state = patterned_mlp_state()
    keep = torch.zeros(300, 784, dtype=torch.bool)
    keep[:150, 0] = True  # pixel (0, 0) kept by half of the units
    keep[:, 28 * 27 + 27] = True  # pixel (27, 27) by all of them
    view = first_layer_view("mlp", state, state, keep, count=1)
    assert view.kept_per_input[0, 0] == 0.5
    assert view.kept_per_input[27, 27] == 1.0
    assert view.kept_per_input.sum() == 1.5


def test_cnn_view_shows_conv1_filters():
    state = {k: v.detach().clone() for k, v in build_model("cnn", seed=1).state_dict().items()}
    view = first_layer_view("cnn", state, state, count=16)
    assert first_layer("cnn") == "conv1"
    assert view.before.shape == (6, 5, 5)  # only 6 filters exist
    norms = state["conv1.weight"].reshape(6, -1).norm(dim=1)
    assert view.units.tolist() == torch.argsort(norms, descending=True).tolist()
    assert torch.equal(view.before[0], state["conv1.weight"][view.units[0], 0])


def test_view_does_not_change_the_weights_it_reads():
    state = patterned_mlp_state()
    before = {k: v.clone() for k, v in state.items()}
    view = first_layer_view("mlp", state, state, count=3)
    view.before.zero_()
    assert all(torch.equal(state[k], before[k]) for k in state)


def test_pictures_tile_the_view_with_each_weight_image_scaled_to_its_own_peak():
    state = patterned_mlp_state()
    view = first_layer_view("mlp", state, state, count=6)
    pictures = first_layer_pictures(view, columns=4)
    assert pictures.units == (7, 299, 298, 297, 296, 295) and pictures.layer == "fc1"
    assert (pictures.before.rows, pictures.before.columns) == (2, 4)
    top, left = pictures.before.origins[5]
    np.testing.assert_array_equal(
        pictures.before.pixels[top : top + 28, left : left + 28], view.before[5].numpy()
    )
    scaled = pictures.before_scaled.pixels[top : top + 28, left : left + 28]
    np.testing.assert_allclose(scaled, (view.before[5] / view.before[5].abs().max()).numpy())
    assert np.nanmax(np.abs(pictures.after_scaled.pixels)) == 1.0
    np.testing.assert_array_equal(pictures.kept_per_input, view.kept_per_input.numpy())


def test_pruning_drops_the_weights_of_always_blank_pixels_first():
    """The Learn page's claim: weights on blank border pixels learn little, so they go first."""
    data = load_dataset("mnist")
    images, labels = subset(data.train_images, data.train_labels, 2000, seed=0)
    state = train("mlp", images, labels, TrainConfig(epochs=2, seed=0)).state
    blank = (images.reshape(-1, 784) == 0).all(dim=0)  # pixels 0 in every training image
    busy = (images.reshape(-1, 784) > 0).float().mean(dim=0) > 0.3  # ink in 30% of images
    start = build_model("mlp", seed=0).state_dict()["fc1.weight"]
    change = (state["fc1.weight"] - start).abs()
    assert change[:, blank].mean() < change[:, busy].mean()
    compressed = compress(state, ["fc1", "fc2", "fc3"], CompressionSettings(prune_sparsity=0.9))
    view = first_layer_view("mlp", state, compressed.state, compressed.keep_masks["fc1"])
    kept = view.kept_per_input.reshape(784)
    assert kept[blank].mean() < 0.85 * kept[busy].mean()


def test_border_and_centre_average_a_hand_made_mask_over_its_outer_rows_and_the_rest():
    kept = np.ones((8, 8))
    kept[0, :] = 0.0  # the top row is removed: 8 of the 48 border pixels (width 2)
    kept[3, 4] = 0.5  # one of the 16 centre pixels is half kept
    split = border_and_centre(kept, width=2)
    assert split.border == pytest.approx(40 / 48)
    assert split.centre == pytest.approx(15.5 / 16)
    assert split.lower() == "border"
    assert split.lower(tolerance=0.2) is None  # 0.135 apart: "about the same"
    assert border_and_centre(1.0 - kept, width=2).lower() == "centre"
    assert border_and_centre(np.ones((8, 8)), width=2).lower() is None


def test_border_and_centre_of_a_28x28_mask_use_the_outer_4_pixels_by_default():
    kept = torch.zeros(28, 28)
    kept[4:24, 4:24] = 1.0  # MNIST's 20x20 box of ink
    split = border_and_centre(kept)
    assert (split.border, split.centre, split.width) == (0.0, 1.0, 4)


def test_border_and_centre_refuse_a_border_that_leaves_no_centre():
    with pytest.raises(ValueError, match="border width"):
        border_and_centre(np.ones((5, 5)), width=4)
    with pytest.raises(ValueError, match="border width"):
        border_and_centre(np.ones((5, 5)), width=0)
    with pytest.raises(ValueError, match=r"\(h, w\)"):
        border_and_centre(np.ones((2, 5, 5)), width=1)


def test_pixel_spread_is_the_standard_deviation_of_each_pixel_over_the_images():
    images = torch.zeros(4, 1, 3, 3)
    images[:, 0, 0, 0] = torch.tensor([0.0, 1.0, 0.0, 1.0])  # only one pixel varies
    images[:, 0, 2, 2] = 0.7  # inked in every image: no spread
    spread = pixel_spread(images)
    assert spread.shape == (3, 3)
    assert spread[0, 0] == pytest.approx(float(images[:, 0, 0, 0].std()))
    assert np.count_nonzero(spread) == 1
    with pytest.raises(ValueError, match="at least 2 images"):
        pixel_spread(torch.zeros(1, 3, 3))
