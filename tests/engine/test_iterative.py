"""Iterative pruning: the kept share follows k^(r/N), a pruned weight stays pruned, and every
round is measured like the rest of the explorer measures a model."""

from __future__ import annotations

import itertools

import pytest
import torch

from compression.data import load_dataset, subset
from compression.iterative import (
    Schedule,
    iterate,
    kept_fractions,
    nested_masks,
    survivors_histogram,
)
from compression.models import layer_names_for, module_for, weight_key
from compression.size import size_rows, size_summary
from compression.train import TrainConfig, TrainingStopped, evaluate

RETRAIN = TrainConfig(epochs=1, learning_rate=5e-4, batch_size=128, seed=0)


@pytest.fixture(scope="module")
def tiny_sets():
    """512 training and 500 test images: a round in well under a second."""
    data = load_dataset("mnist")
    return (
        subset(data.train_images, data.train_labels, 512, seed=0),
        subset(data.test_images, data.test_labels, 500, seed=1),
    )


def _rounds(state, tiny_sets, schedule, model_name="mlp", **more):
    train_set, test_set = tiny_sets
    return list(iterate(model_name, state, schedule, train_set, test_set, **more))


def test_the_kept_share_shrinks_by_the_same_factor_every_round_to_the_target():
    kept = kept_fractions(0.9, 4)
    assert kept == pytest.approx([0.1**0.25, 0.1**0.5, 0.1**0.75, 0.1])
    assert kept[-1] == 1 - 0.9  # the target exactly, not a power's rounding
    assert kept_fractions(0.5, 1) == [0.5]
    ratios = [b / a for a, b in zip([1.0, *kept[:-1]], kept, strict=True)]
    assert ratios == pytest.approx([0.1**0.25] * 4)


def test_every_round_keeps_its_scheduled_share_of_each_layer_and_masks_are_nested(
    tiny_mlp_state, tiny_sets
):
    before = {k: v.clone() for k, v in tiny_mlp_state.items()}
    rounds = _rounds(tiny_mlp_state, tiny_sets, Schedule(0.8, 3, RETRAIN))
    assert [r.round for r in rounds] == [0, 1, 2, 3]
    assert rounds[0].kept_fraction == 1 and rounds[0].sparsity == 0
    for earlier, later in itertools.pairwise(rounds):
        for name, keep in later.masks.items():
            n = keep.numel()
            assert int(keep.sum()) == n - round((1 - later.kept_fraction) * n)
            assert not bool((keep & ~earlier.masks[name]).any()), "a pruned weight came back"
            weight = later.state[weight_key(name)]
            assert bool((weight[~keep] == 0).all()), "retraining moved a pruned weight"
    assert rounds[-1].sparsity == pytest.approx(0.8, abs=1e-4)
    assert all(torch.equal(before[k], tiny_mlp_state[k]) for k in before)  # input untouched


def test_each_round_is_tested_sized_and_binned_as_its_weights_are(tiny_mlp_state, tiny_sets):
    test_set = tiny_sets[1]
    rounds = _rounds(tiny_mlp_state, tiny_sets, Schedule(0.9, 2, RETRAIN), histogram_layer="fc2")
    module, layers = module_for("mlp"), layer_names_for("mlp")
    start = evaluate(module, tiny_mlp_state, *test_set).accuracy
    assert rounds[0].accuracy == rounds[0].pruned_accuracy == start
    for r in rounds:
        assert r.accuracy == evaluate(module, r.state, *test_set).accuracy
        summary = size_summary(size_rows(r.state, layers))
        assert r.size_bytes == summary["size_bytes"]["compressed"]
        assert r.dense_bytes == 4 * 266_610
        assert r.histogram.layer == "fc2"
        assert sum(r.histogram.counts) == int(torch.count_nonzero(r.state["fc2.weight"]))
        assert r.histogram.edges == rounds[0].histogram.edges  # one scale for every round
    assert rounds[2].size_bytes < rounds[1].size_bytes < rounds[0].size_bytes
    # cutting 90% of the weights costs accuracy that retraining wins back in part
    assert rounds[2].pruned_accuracy < rounds[2].accuracy


def test_the_same_schedule_and_seed_give_the_same_rounds(tiny_mlp_state, tiny_sets):
    first = _rounds(tiny_mlp_state, tiny_sets, Schedule(0.7, 2, RETRAIN))
    again = _rounds(tiny_mlp_state, tiny_sets, Schedule(0.7, 2, RETRAIN))
    for a, b in zip(first, again, strict=True):
        assert a.accuracy == b.accuracy and a.size_bytes == b.size_bytes
        assert all(torch.equal(a.state[k], b.state[k]) for k in a.state)


def test_only_the_chosen_layers_are_pruned(tiny_mlp_state, tiny_sets):
    rounds = _rounds(tiny_mlp_state, tiny_sets, Schedule(0.5, 1, RETRAIN, layers=("fc1",)))
    assert set(rounds[-1].masks) == {"fc1"}
    assert int(torch.count_nonzero(rounds[-1].state["fc2.weight"])) == 300 * 100


def test_a_stop_ends_the_run_in_the_round_it_is_retraining(tiny_mlp_state, tiny_sets):
    train_set, test_set = tiny_sets
    finished, steps = [], []

    def should_stop():
        return len(steps) >= 6  # in round 2: a round of 512 images is 4 steps

    with pytest.raises(TrainingStopped):
        for r in iterate(
            "mlp",
            tiny_mlp_state,
            Schedule(0.8, 3, RETRAIN),
            train_set,
            test_set,
            on_step=steps.append,
            should_stop=should_stop,
        ):
            finished.append(r.round)
    assert finished == [0, 1]


def test_a_stop_between_rounds_ends_the_run_before_the_next_cut(tiny_mlp_state, tiny_sets):
    train_set, test_set = tiny_sets
    finished = []
    run = iterate(
        "mlp",
        tiny_mlp_state,
        Schedule(0.8, 3, RETRAIN),
        train_set,
        test_set,
        should_stop=lambda: len(finished) >= 2,
    )
    finished.extend(r.round for r in run)
    assert finished == [0, 1]


def test_the_cnn_is_pruned_round_by_round_too(tiny_sets):
    from compression.models import build_model

    state = {k: v.detach() for k, v in build_model("cnn", seed=3).state_dict().items()}
    rounds = _rounds(state, tiny_sets, Schedule(0.75, 2, RETRAIN), model_name="cnn")
    conv = rounds[-1].masks["conv1"]
    assert conv.shape == (6, 1, 5, 5)
    assert int(conv.sum()) == 150 - round(0.75 * 150)
    assert rounds[-1].histogram.layer == "conv1"


def test_nested_masks_never_bring_back_a_pruned_weight_even_when_it_is_large():
    weight = torch.tensor([[0.9, -0.1, 0.5, 0.05]])
    previous = {"fc": torch.tensor([[False, True, True, True]])}
    masks = nested_masks({"fc.weight": weight}, previous, 0.5)
    # the pruned 0.9 counts as 0: the two smallest are it and 0.05
    assert masks["fc"].tolist() == [[False, True, True, False]]


def test_the_histogram_counts_only_the_survivors_and_clamps_to_its_edges():
    edges = (-1.0, 0.0, 1.0)
    found = survivors_histogram("fc1", torch.tensor([0.0, 0.0, -0.5, 0.5, 3.0]), edges)
    assert found.counts == (1, 2)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("target_sparsity", 1.0, "target sparsity"),
        ("rounds", 0, "rounds"),
        ("layers", ("fc9",), "unknown layers"),
    ],
)
def test_a_bad_schedule_is_refused_in_one_line(tiny_mlp_state, tiny_sets, field, value, message):
    schedule = Schedule(**{"target_sparsity": 0.5, "rounds": 2, "retrain": RETRAIN, field: value})
    with pytest.raises(ValueError, match=message):
        _rounds(tiny_mlp_state, tiny_sets, schedule)
