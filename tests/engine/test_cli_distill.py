"""``finetune --distill``: the recipe is checked before anything is read, the run is the
engine's, and the checkpoint records it."""

from __future__ import annotations

import pytest
import torch

from compression import cli
from compression.cli import main
from compression.data import load_dataset, subset
from compression.distill import Distillation
from compression.files.checkpoint import (
    Checkpoint,
    CheckpointError,
    load_checkpoint,
    save_checkpoint,
)
from compression.settings import CompressionSettings
from compression.train import TrainConfig, finetune


@pytest.fixture
def no_data(monkeypatch):
    def read(*args, **kwargs):
        pytest.fail("data was read before the arguments were checked")

    monkeypatch.setattr(cli, "load_dataset", read)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--distill", "--distill-temperature", "0"], r"temperature must be in (0, 100], got 0.0"),
        (["--distill", "--distill-temperature", "100.5"], "temperature must be in (0, 100]"),
        (["--distill", "--distill-temperature", "nan"], "temperature must be in (0, 100]"),
        (["--distill", "--distill-temperature=-2"], "temperature must be in (0, 100]"),
        (["--distill", "--distill-temperature", "hot"], "must be a number, got 'hot'"),
        (["--distill", "--distill-alpha", "1.5"], "alpha must be in [0, 1], got 1.5"),
        (["--distill", "--distill-alpha=-0.1"], "alpha must be in [0, 1], got -0.1"),
        (["--distill", "--distill-alpha", "inf"], "alpha must be in [0, 1]"),
        (["--distill", "--distill-alpha", ""], "must be a number, got ''"),
        (["--distill-alpha", "0.5"], "--distill-alpha needs --distill"),
        (["--distill-temperature", "2"], "--distill-temperature needs --distill"),
    ],
)
def test_a_bad_recipe_exits_2_with_one_line_before_any_data(
    base_checkpoint, tmp_path, capsys, no_data, options, message
):
    out = tmp_path / "new.pt"
    argv = ["finetune", "--checkpoint", str(base_checkpoint), *options, "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.pt"]


def _finetune(checkpoint, out, *options):
    argv = [
        "finetune", "--checkpoint", str(checkpoint), "--binarize-threshold", "0",
        "--epochs", "1", "--train-subset", "300", "--seed", "2", *options, "--out", str(out),
    ]  # fmt: skip
    assert main(argv) == 0
    return load_checkpoint(out)


def test_the_cli_runs_the_engines_distillation_and_records_it(base_checkpoint, tmp_path):
    distilled = _finetune(
        base_checkpoint, tmp_path / "d.pt",
        "--distill", "--distill-temperature", "2.5", "--distill-alpha", "0.75",
    )  # fmt: skip
    defaults = _finetune(base_checkpoint, tmp_path / "dd.pt", "--distill")
    plain = _finetune(base_checkpoint, tmp_path / "p.pt")
    assert distilled.metadata["distillation"] == {"temperature": 2.5, "alpha": 0.75}
    assert defaults.metadata["distillation"] == {"temperature": 4.0, "alpha": 0.9}
    assert plain.metadata["distillation"] is None

    data = load_dataset("mnist")
    images, labels = subset(data.train_images, data.train_labels, 300, 2)
    config = TrainConfig(epochs=1, learning_rate=5e-4, seed=2, train_subset=300)
    expected = finetune(
        "mlp", load_checkpoint(base_checkpoint).state, CompressionSettings(binarize_threshold=0.0),
        images, labels, config, distill=Distillation(temperature=2.5, alpha=0.75),
    ).state  # fmt: skip
    assert all(torch.equal(distilled.state[key], expected[key]) for key in expected)
    assert not torch.equal(distilled.state["fc1.weight"], plain.state["fc1.weight"])


@pytest.mark.parametrize(
    ("recorded", "words"),
    [
        ({"temperature": 0.0, "alpha": 0.5}, "temperature must be in"),
        ({"temperature": 4.0, "alpha": "x" * 4_000}, "distillation.alpha must be a number"),
        ({"temperature": 4.0, "beta": 1.0}, "a dictionary of temperature and alpha"),
        ([4.0, 0.9], "a dictionary of temperature and alpha"),
    ],
)
def test_a_checkpoint_with_a_wrong_recipe_is_refused_in_one_short_line(
    base_checkpoint, tmp_path, recorded, words
):
    state = load_checkpoint(base_checkpoint).state
    path = tmp_path / "odd.pt"
    save_checkpoint(path, Checkpoint("mlp", state, {"dataset": "mnist", "distillation": recorded}))
    with pytest.raises(CheckpointError, match="distillation") as caught:
        load_checkpoint(path)
    assert words in str(caught.value) and len(str(caught.value)) < 300
