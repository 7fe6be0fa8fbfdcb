"""Same settings and seed, same model: bit for bit, and the checkpoint says how it was made."""

from __future__ import annotations

import json

import pytest
import torch

from compression.cli import main
from compression.data import load_dataset, subset
from compression.files.checkpoint import load_checkpoint
from compression.models import module_for
from compression.train import TrainConfig, evaluate, train


@pytest.fixture(scope="module")
def few_images():
    data = load_dataset("mnist")
    return subset(data.train_images, data.train_labels, 400, seed=0)


def _same_tensors(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("model_name", ["mlp", pytest.param("cnn", marks=pytest.mark.slow)])
def test_training_twice_with_the_same_seed_gives_identical_weights(model_name, few_images):
    config = TrainConfig(epochs=2, batch_size=64, seed=11)
    first = train(model_name, *few_images, config)
    second = train(model_name, *few_images, config)
    assert _same_tensors(first.state, second.state)
    assert first.history == second.history
    test = load_dataset("mnist")
    module = module_for(model_name)
    accuracy = [evaluate(module, r.state, test.test_images, test.test_labels).accuracy
                for r in (first, second)]  # fmt: skip
    assert accuracy[0] == accuracy[1]


def test_another_seed_gives_other_weights(few_images):
    first = train("mlp", *few_images, TrainConfig(epochs=1, seed=1))
    second = train("mlp", *few_images, TrainConfig(epochs=1, seed=2))
    assert not torch.equal(first.state["fc1.weight"], second.state["fc1.weight"])


@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
def test_cli_checkpoint_records_data_set_recipe_and_seed_and_retrains_identically(
    dataset, tmp_path, capsys
):
    args = ["train", "--model", "mlp", "--dataset", dataset, "--epochs", "1", "--seed", "5",
            "--train-subset", "300", "--batch-size", "50"]  # fmt: skip
    assert main([*args, "--out", str(tmp_path / "a.pt")]) == 0
    assert main([*args, "--out", str(tmp_path / "b.pt")]) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    first, second = (load_checkpoint(tmp_path / name) for name in ("a.pt", "b.pt"))
    assert _same_tensors(first.state, second.state)
    assert printed[0]["test_accuracy"] == printed[1]["test_accuracy"]

    metadata = first.metadata
    assert metadata["dataset"] == dataset
    recipe = metadata["train_config"]
    assert recipe["seed"] == 5 and recipe["epochs"] == 1 and recipe["train_subset"] == 300
    assert recipe["batch_size"] == 50
    assert metadata["test_accuracy"] == printed[0]["test_accuracy"]
    assert "--seed 5" in metadata["command"]
    # The recorded accuracy is the one the weights give on that data set's test images.
    data = load_dataset(dataset)
    tested = evaluate(module_for("mlp"), first.state, data.test_images, data.test_labels)
    assert tested.accuracy == pytest.approx(metadata["test_accuracy"], abs=1e-6)
