"""The shipped after-retraining numbers: made by the bench script, true of the shipped model."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import torch

from compression.data import PROJECT_ROOT, load_dataset, subset
from compression.explain.retrained_story import (
    BINARIZE_STORY,
    RETRAINING,
    STORY_FILE,
    fingerprint,
    load_story,
    outcomes_for,
    parse_story,
    settings_key,
    story_settings,
)
from compression.files.checkpoint import load_checkpoint
from compression.measure import measure
from compression.models import layer_names_for
from compression.settings import CompressionSettings
from compression.train import config_dict, finetune

LAYERS = layer_names_for("mlp")


@pytest.fixture(scope="module")
def shipped_outcomes(shipped_mlp):
    return outcomes_for(load_story(), fingerprint(shipped_mlp.state), LAYERS)


def test_the_story_file_names_its_command_and_the_retrain_buttons_recipe():
    data = json.loads(STORY_FILE.read_text())
    assert data["command"].startswith("python bench/retrained_story.py")
    assert data["retraining"] == config_dict(RETRAINING)
    assert RETRAINING.epochs == 1 and RETRAINING.train_subset == 10_000


@pytest.fixture(scope="module")
def shipped_models():
    """Each model of the story file with its checkpoint read afresh from ``checkpoints/``."""
    data = json.loads(STORY_FILE.read_text())
    return [
        (model, load_checkpoint(PROJECT_ROOT / "checkpoints" / model["checkpoint"]))
        for model in data["models"]
    ]


def test_the_story_covers_the_shipped_mlp(shipped_outcomes):
    assert len(shipped_outcomes) == len(BINARIZE_STORY) + 2


def test_each_model_is_the_shipped_checkpoint_at_every_setting_the_pages_discuss(shipped_models):
    for model, checkpoint in shipped_models:
        assert model["fingerprint"] == fingerprint(checkpoint.state)
        layers = layer_names_for(checkpoint.model_name)
        known = outcomes_for(load_story(), model["fingerprint"], layers)
        wanted = story_settings(checkpoint.state, layers)
        assert sorted(settings_key(s, layers) for s in wanted) == sorted(known)


def test_its_before_numbers_are_what_measure_gives_now(shipped_models):
    for model, checkpoint in shipped_models:
        data = load_dataset(checkpoint.metadata.get("dataset", "mnist"))
        layers = layer_names_for(checkpoint.model_name)
        for outcome in outcomes_for(load_story(), model["fingerprint"], layers).values():
            now = measure(checkpoint.model_name, checkpoint.state, outcome.settings,
                          data.test_images, data.test_labels)  # fmt: skip
            assert now.accuracy == outcome.before_accuracy
            assert now.size_bytes == outcome.before_bytes


def test_one_after_number_is_reproduced_by_retraining_again(shipped_mlp, mnist, shipped_outcomes):
    settings = CompressionSettings(binarize_threshold=0.7)
    outcome = shipped_outcomes[settings_key(settings, LAYERS)]
    images, labels = subset(mnist.train_images, mnist.train_labels, RETRAINING.train_subset, 0)
    result = finetune("mlp", shipped_mlp.state, settings, images, labels, RETRAINING)
    after = measure("mlp", result.state, CompressionSettings(), mnist.test_images,
                    mnist.test_labels)  # fmt: skip
    assert after.accuracy == pytest.approx(outcome.after_accuracy, abs=0.002)
    assert after.size_bytes == pytest.approx(outcome.after_bytes, rel=0.01)


def test_another_model_gets_no_shipped_numbers(shipped_mlp):
    changed = {k: v.clone() for k, v in shipped_mlp.state.items()}
    changed["fc1.weight"][0, 0] += 1e-3
    assert fingerprint(changed) != fingerprint(shipped_mlp.state)
    assert outcomes_for(load_story(), fingerprint(changed), LAYERS) == {}


def test_settings_key_treats_every_layer_named_as_every_layer():
    named = CompressionSettings(binarize_threshold=0.7, layers=tuple(LAYERS))
    assert settings_key(named, LAYERS) == settings_key(replace(named, layers=None), LAYERS)
    some = replace(named, layers=("fc1",))
    assert settings_key(some, LAYERS) != settings_key(named, LAYERS)


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        '{"models": {}}',
        '{"models": [{"outcomes": []}]}',
        '{"models": [{"fingerprint": "x", "outcomes": [{"settings": {"evil": 1}}]}]}',
        '{"models": [{"fingerprint": "x", "outcomes": [{"settings": {"binarize_threshold": -1},'
        ' "before_accuracy": 0.5, "before_bytes": 1, "after_accuracy": 0.5, "after_bytes": 1}]}]}',
        '{"models": [{"fingerprint": "x", "outcomes": [{"settings": {}, "before_accuracy": NaN,'
        ' "before_bytes": 1, "after_accuracy": 0.5, "after_bytes": 1}]}]}',
        '{"models": [{"fingerprint": "x", "outcomes": [{"settings": {}, "before_accuracy": "1",'
        ' "before_bytes": 1, "after_accuracy": 0.5, "after_bytes": 1}]}]}',
        '{"models": [{"fingerprint": "x", "outcomes": [{"settings": {"layers": 5}}]}]}',
        '{"models": [{"fingerprint": "x", "outcomes": [{"settings": {"per_channel": "yes"}}]}]}',
    ],
)
def test_a_bad_story_file_is_refused(text, tmp_path):
    with pytest.raises(ValueError):
        parse_story(text)
    path = tmp_path / "story.json"
    path.write_text(text)
    assert load_story(path) == {}


def test_a_story_path_that_is_not_a_regular_file_reads_as_empty(tmp_path):
    assert load_story(tmp_path) == {}
    assert load_story(tmp_path / "missing.json") == {}
    big = tmp_path / "big.json"
    big.write_text(" " * 70_000 + "{}")
    assert load_story(big) == {}
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 30_000 + "]" * 30_000)
    assert load_story(deep) == {}
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{}")
    assert load_story(binary) == {}


def test_the_fingerprint_reads_names_shapes_and_values():
    one = {"w": torch.zeros(2, 3)}
    assert fingerprint(one) == fingerprint({"w": torch.zeros(2, 3)})
    assert fingerprint(one) != fingerprint({"w": torch.zeros(3, 2)})
    assert fingerprint(one) != fingerprint({"v": torch.zeros(2, 3)})
