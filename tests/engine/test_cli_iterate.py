"""``python -m compression iterate``: the rounds and the rewind as JSON, the same numbers for
the same arguments, a model that ``evaluate`` reads back, and one line for bad input."""

import json

import pytest

from compression.cli import main
from compression.files.checkpoint import Checkpoint, save_checkpoint


@pytest.fixture(scope="module")
def checkpoint_path(tiny_mlp_state, tmp_path_factory):
    path = tmp_path_factory.mktemp("iterate") / "mlp.pt"
    recipe = {"seed": 3, "epochs": 3}
    save_checkpoint(path, Checkpoint("mlp", tiny_mlp_state, {"dataset": "mnist",
                                                            "train_config": recipe}))  # fmt: skip
    return path


def run_json(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_the_rounds_reach_the_target_and_the_rewind_uses_the_recorded_seed(
    checkpoint_path, tmp_path, capsys
):
    out = tmp_path / "pruned.pt"
    argv = ["iterate", "--checkpoint", str(checkpoint_path), "--target-sparsity", "0.8",
            "--rounds", "2", "--train-subset", "256", "--rewind-epochs", "1", "--json"]  # fmt: skip
    result = run_json(capsys, [*argv, "--out", str(out)])
    assert [r["round"] for r in result["rounds"]] == [0, 1, 2]
    assert result["rounds"][-1]["sparsity"] == pytest.approx(0.8, abs=1e-4)
    assert result["lottery"]["init_seed"] == 3 and result["lottery"]["reinit_seed"] == 4
    assert len(result["lottery"]["ticket"]) == len(result["lottery"]["reinit"]) == 1
    evaluated = run_json(capsys, ["evaluate", "--checkpoint", str(out), "--json"])
    assert evaluated["accuracy"] == result["rounds"][-1]["accuracy"]
    assert evaluated["size_bytes"]["compressed"] == result["rounds"][-1]["size_bytes"]
    again = run_json(capsys, argv)
    assert again["rounds"] == result["rounds"] and again["lottery"] == result["lottery"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [(["--target-sparsity", "1.5"], "--target-sparsity"),
     (["--target-sparsity", "0.5", "--rounds", "0"], "--rounds"),
     (["--target-sparsity", "0.5", "--layers", "fc9"], "unknown layers")],
)  # fmt: skip
def test_bad_input_is_one_line_and_writes_nothing(checkpoint_path, tmp_path, capsys, extra,
                                                  message):  # fmt: skip
    out = tmp_path / "never.pt"
    argv = ["iterate", "--checkpoint", str(checkpoint_path), "--out", str(out), *extra]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and message in captured.err
    assert not out.exists()
