"""``python -m compression sweep``: a CSV of the sweep, or exit 2 with one clear line."""

from __future__ import annotations

import pandas as pd
import pytest
from shared_data import mnist_test_set, tiny_mlp_state

from compression.cli import main
from compression.files.checkpoint import Checkpoint, save_checkpoint
from compression.settings import CompressionSettings
from compression.sweeps.sweep import SWEEP_COLUMNS, SweepSpec, run_sweep


@pytest.fixture(scope="module")
def checkpoint_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "tiny.pt"
    save_checkpoint(path, Checkpoint("mlp", tiny_mlp_state(), {"dataset": "mnist"}))
    return path


def test_sweep_writes_the_csv_of_run_sweep(checkpoint_path, tmp_path, capsys):
    out = tmp_path / "sweep.csv"
    code = main([
        "sweep", "--checkpoint", str(checkpoint_path), "--method", "prune-sparsity",
        "--values", "0,0.9", "--per-layer", "--binarize-threshold", "0.7", "--csv", str(out),
    ])  # fmt: skip
    assert code == 0
    written = pd.read_csv(out)
    assert tuple(written.columns) == SWEEP_COLUMNS
    images, labels = mnist_test_set()
    base = CompressionSettings(binarize_threshold=0.7)
    expected = run_sweep("mlp", tiny_mlp_state(), SweepSpec("prune-sparsity", (0, 0.9), True, base),
                         images, labels)  # fmt: skip
    assert written["accuracy"].tolist() == expected["accuracy"].tolist()
    assert written["layer"].tolist() == ["fc1", "fc1", "fc2", "fc2", "fc3", "fc3"]
    assert "6/6 fc3 prune-sparsity 0.9" in capsys.readouterr().err


def test_sweep_to_stdout_prints_only_the_csv(checkpoint_path, capsys):
    code = main([
        "sweep", "--checkpoint", str(checkpoint_path), "--method", "prune-threshold",
        "--values", "0.05", "--layers", "fc2", "--csv", "-",
    ])  # fmt: skip
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ",".join(SWEEP_COLUMNS)
    assert len(lines) == 2 and lines[1].startswith("all,prune-threshold,0.05,")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--method", "prune-sparsity", "--values", "0,abc"], "'abc' is not a number"),
        (["--method", "prune-sparsity", "--values", "0.5,1.5"], "between 0 and 1, got 1.5"),
        (["--method", "prune-sparsity", "--values", ""], "at least one value"),
        (["--method", "prune-threshold", "--values", "-1"], ">= 0, got -1"),
        (["--method", "binarize-threshold", "--values", "20"], "between 0 and 10, got 20"),
        (["--method", "prune-sparsity", "--values", "0.5", "--prune-threshold", "0.1"],
         "would be replaced"),
        (["--method", "prune-sparsity", "--values", "0.5", "--layers", "fc7"], "unknown layer fc7"),
        (["--method", "prune-magic", "--values", "0.5"], "invalid choice"),
    ],
)  # fmt: skip
def test_bad_arguments_exit_2_with_one_line_and_write_nothing(
    checkpoint_path, tmp_path, capsys, arguments, message
):
    out = tmp_path / "sweep.csv"
    code = main(["sweep", "--checkpoint", str(checkpoint_path), *arguments, "--csv", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert message in err
    assert not out.exists()


def test_a_folder_as_output_is_refused(checkpoint_path, tmp_path, capsys):
    code = main([
        "sweep", "--checkpoint", str(checkpoint_path), "--method", "prune-sparsity",
        "--values", "0.5", "--csv", str(tmp_path),
    ])  # fmt: skip
    assert code == 2
    assert f"--csv {tmp_path} is a folder" in capsys.readouterr().err
