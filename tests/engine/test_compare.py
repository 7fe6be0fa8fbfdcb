"""Two settings of one baseline compared: kept weights, classes and disagreeing images."""

from __future__ import annotations

import pytest
import torch
from shared_data import random_state

from compression.compare import (
    A_ONLY,
    B_ONLY,
    BOTH,
    NEITHER,
    compare_settings,
    disagreement_captions,
    disagreement_mosaic,
    disagreements,
    kept_masks,
    mask_overlap,
    overlap_map,
    overlap_table,
    per_class_accuracy,
)
from compression.data import load_dataset, subset
from compression.models import layer_names_for, weight_key
from compression.settings import CompressionSettings

CLASSES = [str(d) for d in range(10)]


@pytest.fixture(scope="module")
def test_batch():
    data = load_dataset("mnist")
    return subset(data.test_images, data.test_labels, 300, seed=1)


def test_overlap_counts_match_hand_made_masks():
    keep_a = torch.tensor([[True, True, False], [False, True, False]])
    keep_b = torch.tensor([[True, False, False], [True, True, True]])
    overlap = mask_overlap("fc1", keep_a, keep_b)
    assert (overlap.both, overlap.a_only, overlap.b_only, overlap.neither) == (2, 1, 2, 1)
    assert overlap.fractions() == {"both": 2 / 6, "a_only": 1 / 6, "b_only": 2 / 6,
                                   "neither": 1 / 6}  # fmt: skip
    assert overlap_map(keep_a, keep_b).tolist() == [
        [BOTH, A_ONLY, NEITHER],
        [B_ONLY, BOTH, B_ONLY],
    ]


def test_masks_of_different_shapes_are_refused():
    with pytest.raises(ValueError, match="differ in shape"):
        mask_overlap("fc1", torch.ones(2, 3, dtype=torch.bool), torch.ones(3, 2, dtype=torch.bool))


def test_a_conv_filter_becomes_one_row_of_the_map():
    keep = torch.rand(6, 1, 5, 5) > 0.5
    assert overlap_map(keep, ~keep).shape == (6, 25)
    assert set(overlap_map(keep, ~keep).ravel().tolist()) <= {A_ONLY, B_ONLY}


def test_kept_masks_are_the_nonzero_weights_and_leave_the_baseline_alone():
    state = random_state("mlp")
    before = {key: value.clone() for key, value in state.items()}
    layers = layer_names_for("mlp")
    masks = kept_masks(state, layers, CompressionSettings(prune_sparsity=0.75))
    for name in layers:
        assert masks[name].float().mean() == pytest.approx(0.25, abs=0.01)
    assert all(torch.equal(state[key], before[key]) for key in state)
    assert kept_masks(state, layers, CompressionSettings())["fc1"].all()


def test_per_class_accuracy_weighted_by_images_is_the_overall_accuracy():
    labels = torch.tensor([0, 0, 1, 1, 1, 2])
    a = torch.tensor([0, 1, 1, 1, 0, 2])  # 0: 1/2, 1: 2/3, 2: 1/1
    b = torch.tensor([0, 0, 0, 0, 0, 0])  # 0: 2/2, 1: 0/3, 2: 0/1
    table = per_class_accuracy(a, b, labels, ["x", "y", "z"])
    assert table["images"].tolist() == [2, 3, 1]
    assert table["a"].tolist() == pytest.approx([1 / 2, 2 / 3, 1.0])
    assert table["b"].tolist() == pytest.approx([1.0, 0.0, 0.0])
    assert table["difference"].tolist() == pytest.approx([1 / 2, -2 / 3, -1.0])
    for column, predictions in (("a", a), ("b", b)):
        weighted = (table[column] * table["images"]).sum() / len(labels)
        assert weighted == pytest.approx(float((predictions == labels).float().mean()))


def test_disagreements_are_the_images_exactly_one_gets_right():
    labels = torch.tensor([0, 1, 2, 2, 1, 0, 2, 1])
    a = torch.tensor([0, 1, 2, 1, 1, 0, 2, 1])  # wrong at 3
    b = torch.tensor([0, 2, 2, 2, 0, 0, 1, 1])  # wrong at 1, 4, 6
    found = disagreements(a, b, labels)
    assert found.indices.tolist() == [1, 3, 4, 6]
    assert (found.only_a_right, found.only_b_right) == (3, 1)
    right_a, right_b = found.a == found.labels, found.b == found.labels
    assert torch.all(right_a != right_b)
    assert disagreement_captions(found, ["zero", "one", "two"])[:2] == [
        "A one ✓ · B two",
        "A one · B two ✓",
    ]
    limited = disagreements(a, b, labels, limit=2)
    assert limited.indices.tolist() == [1, 3] and limited.only_a_right == 3


def test_disagreement_mosaic_tiles_the_chosen_test_images():
    images = torch.rand(8, 1, 28, 28)
    labels = torch.tensor([0, 1, 2, 2, 1, 0, 2, 1])
    found = disagreements(labels, torch.zeros(8, dtype=torch.long), labels)
    mosaic = disagreement_mosaic(images, found, columns=3)
    assert len(mosaic.origins) == len(found.indices) == 6
    top, left = mosaic.origins[0]
    tile = images[found.indices[0], 0].double()
    assert torch.allclose(torch.from_numpy(mosaic.pixels[top : top + 28, left : left + 28]), tile)


@pytest.mark.parametrize(
    ("model", "a", "b"),
    [
        ("mlp", CompressionSettings(prune_sparsity=0.5),
         CompressionSettings(prune_sparsity=0.9, prune_scope="global")),
        ("mlp", CompressionSettings(binarize_threshold=0.7), CompressionSettings(quantize_bits=2)),
        ("mlp", CompressionSettings(share_weights=4), CompressionSettings()),
        ("cnn", CompressionSettings(prune_sparsity=0.5, prune_structure="neurons"),
         CompressionSettings(binarize_threshold=0.0, layers=("conv1",))),
    ],
)  # fmt: skip
def test_compare_for_every_method_is_consistent(model, a, b, test_batch):
    state = random_state(model)
    images, labels = test_batch
    comparison = compare_settings(model, state, a, b, images, labels, CLASSES)
    layers = layer_names_for(model)
    assert [o.layer for o in comparison.overlaps] == layers
    for overlap in comparison.overlaps:
        assert sum(overlap.fractions().values()) == pytest.approx(1.0)
        weights = state[weight_key(overlap.layer)].numel()
        assert overlap.weights == weights
    table = overlap_table(comparison.overlaps)
    assert (table[["both", "a_only", "b_only", "neither"]].sum(axis=1)).tolist() == pytest.approx(
        [1.0] * len(layers)
    )
    # kept by A = nonzero weights of A's layer, as the size table counts them
    for overlap in comparison.overlaps:
        row = comparison.a.sizes.set_index("layer").loc[overlap.layer]
        assert overlap.both + overlap.a_only == int(row["nonzero_params"]) - _nonzero_bias(
            comparison, overlap.layer, state
        )
    metrics = comparison.metrics.set_index("metric")
    assert metrics.loc["accuracy", "a"] == comparison.a.accuracy
    assert (
        metrics.loc["size_bytes", "difference"] == comparison.b.size_bytes - comparison.a.size_bytes
    )
    per_class = comparison.per_class
    assert (per_class["a"] * per_class["images"]).sum() / len(labels) == pytest.approx(
        comparison.a.accuracy
    )
    found = comparison.disagreements
    right_a = comparison.a.predictions.long() == labels
    right_b = comparison.b.predictions.long() == labels
    assert found.only_a_right - found.only_b_right == int(right_a.sum()) - int(right_b.sum())
    assert torch.all((found.a == found.labels) != (found.b == found.labels))


def _nonzero_bias(comparison, layer, state) -> int:
    """Biases count among a layer's parameters; compression never changes them."""
    return int((state[f"{layer}.bias"] != 0).sum())


def test_compare_refuses_two_models(test_batch):
    from compression.compare import compare
    from compression.measure import measure

    images, labels = test_batch
    a = measure("mlp", random_state("mlp"), CompressionSettings(), images, labels)
    b = measure("cnn", random_state("cnn"), CompressionSettings(), images, labels)
    with pytest.raises(ValueError, match="compare one model"):
        compare(random_state("mlp"), a, b, labels, CLASSES)
