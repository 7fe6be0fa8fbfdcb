"""Numbers on the command line have bounds: a seed, the epochs and a sweep's values out of
range end the program with one line and exit 2 before any data is read."""

from __future__ import annotations

import pytest

from compression import cli
from compression.cli import main
from compression.settings import SettingsError
from compression.sweeps.sweep import MAX_SWEEP_VALUES, SweepSpec
from compression.train import EPOCHS_MAX, SEED_MAX, TrainConfig


@pytest.fixture
def no_data(monkeypatch):
    def read(*args, **kwargs):
        pytest.fail("data was read before the arguments were checked")

    monkeypatch.setattr(cli, "load_dataset", read)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--seed", str(2**63), f"--seed: must be at most {SEED_MAX}, got {2**63}"),
        ("--seed", str(2**64), f"--seed: must be at most {SEED_MAX}, got {2**64}"),
        ("--seed", str(SEED_MAX + 1), f"must be at most {SEED_MAX}"),
        ("--seed", "-1", "--seed: must be at least 0, got -1"),
        ("--seed", "9" * 5000, "must be a whole number, got '" + "9" * 40 + "'"),
        ("--epochs", "99999999999999999999", f"--epochs: must be at most {EPOCHS_MAX}, got 9999"),
        ("--epochs", str(EPOCHS_MAX + 1), f"must be at most {EPOCHS_MAX}"),
    ],
)
@pytest.mark.parametrize("command", ["train", "finetune"])
def test_a_seed_or_epochs_out_of_range_is_one_short_line_before_any_data(
    base_checkpoint, tmp_path, capsys, no_data, command, option, value, message
):
    checkpoint = [] if command == "train" else ["--checkpoint", str(base_checkpoint)]
    out = tmp_path / "new.pt"
    assert main([command, *checkpoint, f"{option}={value}", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and len(err) < 200
    assert not out.exists()


def test_the_training_recipe_holds_the_same_bounds():
    assert TrainConfig(seed=SEED_MAX, epochs=EPOCHS_MAX).validated().seed == SEED_MAX
    for wrong in ({"seed": 2**63}, {"seed": -1}, {"epochs": EPOCHS_MAX + 1}):
        with pytest.raises(ValueError, match="must be between"):
            TrainConfig(**wrong).validated()


def test_a_sweep_of_too_many_values_is_refused_before_any_data(
    base_checkpoint, tmp_path, capsys, no_data
):
    out = tmp_path / "sweep.csv"
    values = ",".join(["0.5"] * 20_000)
    argv = ["sweep", "--checkpoint", str(base_checkpoint), "--method", "prune-sparsity"]
    assert main([*argv, "--values", values, "--csv", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: a sweep takes at most {MAX_SWEEP_VALUES:,} values, got 20,000\n"
    assert not out.exists()


def test_a_sweep_spec_holds_the_same_bound():
    SweepSpec("prune-sparsity", (0.5,) * MAX_SWEEP_VALUES).validated(["fc1", "fc2", "fc3"])
    with pytest.raises(SettingsError, match="at most 1,000 values"):
        SweepSpec("prune-sparsity", (0.5,) * (MAX_SWEEP_VALUES + 1)).validated(["fc1"])
