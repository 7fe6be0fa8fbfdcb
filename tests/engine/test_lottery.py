"""The lottery-ticket rewind: the mask on the recreated initial weights, trained again; the
same seed gives the same numbers, another seed other ones."""

from __future__ import annotations

import pytest
import torch

from compression.data import load_dataset, subset
from compression.files.checkpoint import load_checkpoint
from compression.iterative import Schedule, iterate
from compression.lottery import initial_state, other_seed, rewind, rewound_start
from compression.models import build_model, weight_key
from compression.train import SEED_MAX, TrainConfig, train, train_masked

CONFIG = TrainConfig(epochs=2, batch_size=128, seed=5)


@pytest.fixture(scope="module")
def tiny_sets():
    data = load_dataset("mnist")
    return (
        subset(data.train_images, data.train_labels, 512, seed=0),
        subset(data.test_images, data.test_labels, 500, seed=1),
    )


@pytest.fixture(scope="module")
def final_masks(tiny_sets):
    """The mask two rounds of pruning to 80% leave on a briefly trained mlp."""
    train_set, test_set = tiny_sets
    trained = train("mlp", *train_set, TrainConfig(epochs=1, seed=5)).state
    schedule = Schedule(0.8, 2, TrainConfig(epochs=1, learning_rate=5e-4, seed=5))
    return list(iterate("mlp", trained, schedule, train_set, test_set))[-1].masks


def _same(a: dict, b: dict) -> bool:
    return set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)


def test_the_rewound_start_is_the_seed_s_initial_weights_under_the_mask(final_masks):
    start = rewound_start("mlp", 5, final_masks)
    fresh = build_model("mlp", seed=5).state_dict()
    for key, value in fresh.items():
        layer = key.removesuffix(".weight")
        expected = value * final_masks[layer] if key == weight_key(layer) else value
        assert torch.equal(start[key], expected), key
    assert not _same(start, rewound_start("mlp", 6, final_masks))


def test_with_nothing_masked_a_rewind_retrains_the_baseline_exactly(tiny_sets):
    """Training starts from the weights the seed recreates: a rewind that keeps every weight
    is the baseline's own training, bit for bit."""
    train_set, _ = tiny_sets
    keep_all = {
        n: torch.ones_like(w, dtype=torch.bool)
        for n, w in (
            ("fc1", torch.empty(300, 784)),
            ("fc2", torch.empty(100, 300)),
            ("fc3", torch.empty(10, 100)),
        )
    }
    baseline = train("mlp", *train_set, CONFIG)
    rewound = rewind("mlp", CONFIG.seed, keep_all, train_set, CONFIG)
    assert _same(baseline.state, rewound.state)
    assert baseline.history == rewound.history


def test_the_same_seed_and_settings_give_the_same_numbers(final_masks, tiny_sets):
    train_set, test_set = tiny_sets
    first = rewind("mlp", 5, final_masks, train_set, CONFIG, test_set)
    again = rewind("mlp", 5, final_masks, train_set, CONFIG, test_set)
    assert _same(first.state, again.state)
    assert [r["test_accuracy"] for r in first.history] == [
        r["test_accuracy"] for r in again.history
    ]


def test_a_random_reinitialisation_trains_other_weights_on_the_same_mask(final_masks, tiny_sets):
    train_set, test_set = tiny_sets
    ticket = rewind("mlp", 5, final_masks, train_set, CONFIG, test_set)
    control = rewind("mlp", other_seed(5), final_masks, train_set, CONFIG, test_set)
    assert not _same(ticket.state, control.state)
    for state in (ticket.state, control.state):
        for name, keep in final_masks.items():
            assert bool((state[weight_key(name)][~keep] == 0).all())
            assert int(torch.count_nonzero(state[weight_key(name)])) <= int(keep.sum())


def test_train_masked_does_not_change_its_start(final_masks, tiny_sets):
    start = initial_state("mlp", 5)
    copy = {k: v.clone() for k, v in start.items()}
    train_masked("mlp", start, final_masks, *tiny_sets[0], TrainConfig(epochs=1, seed=0))
    assert _same(start, copy)


def test_the_other_seed_is_never_the_same_seed():
    assert other_seed(0) == 1 and other_seed(SEED_MAX) == 0
    with pytest.raises(ValueError, match="seed"):
        rewound_start("mlp", SEED_MAX + 1, {})


@pytest.mark.parametrize("name", ["mlp-mnist", "cnn-mnist", "mlp-fashion-mnist"])
def test_the_shipped_checkpoints_record_the_seed_their_initial_weights_come_from(name):
    from compression.data import PROJECT_ROOT

    recipe = load_checkpoint(PROJECT_ROOT / "checkpoints" / f"{name}.pt").metadata["train_config"]
    assert recipe["seed"] == 0
