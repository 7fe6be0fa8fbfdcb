"""``python -m compression budget``: a file of at most N bytes that ``evaluate`` reads back
to the reported accuracy; an impossible or malformed budget writes nothing."""

import json
import os

import pytest

import compression.budget.options as budget_options
from compression.cli import main
from compression.files.checkpoint import Checkpoint, save_checkpoint
from compression.settings import CompressionSettings

TINY_GRID = {
    "float32": CompressionSettings(),
    "binary": CompressionSettings(binarize_threshold=0.0),
    "int4": CompressionSettings(quantize_bits=4),
}


@pytest.fixture
def tiny_grid(monkeypatch):
    """A 6-option grid per layer, so the command runs in seconds."""
    monkeypatch.setattr(budget_options, "VALUES_OPTIONS", TINY_GRID)
    monkeypatch.setattr(budget_options, "SPARSITIES", (0.0, 0.9))


@pytest.fixture(scope="module")
def checkpoint_path(tiny_mlp_state, tmp_path_factory):
    path = tmp_path_factory.mktemp("budget") / "mlp.pt"
    save_checkpoint(path, Checkpoint("mlp", tiny_mlp_state, {"dataset": "mnist"}))
    return path


def run_json(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def one_error_line(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    return captured.err


@pytest.mark.slow
def test_the_file_fits_and_evaluates_to_the_reported_accuracy(
    tiny_grid, checkpoint_path, tmp_path, capsys
):
    out, max_bytes = tmp_path / "fit.cxm", 60_000
    argv = ["--checkpoint", str(checkpoint_path), "--max-bytes", str(max_bytes)]
    fitted = run_json(capsys, ["budget", *argv, "--out", str(out), "--json"])
    assert os.path.getsize(out) <= max_bytes
    assert fitted["file_bytes"] == os.path.getsize(out) and fitted["max_bytes"] == max_bytes
    evaluated = run_json(capsys, ["evaluate", "--checkpoint", str(out), "--json"])
    assert set(evaluated) <= set(fitted)
    assert fitted["accuracy"] == evaluated["accuracy"]
    assert fitted["size_bytes"] == evaluated["size_bytes"]
    plan = fitted["per_layer_settings"]
    assert list(plan) == ["fc1", "fc2", "fc3"]
    for layer in evaluated["layers"]:  # the values each layer's chosen setting gives
        chosen = plan[layer["name"]]
        if chosen["binarize_threshold"] is not None:
            assert layer["values"] in ("binary", "ternary")  # sign values, zeros if pruned
        elif chosen["quantize_bits"] is not None:
            assert layer["values"].startswith("int")
        else:
            assert layer["values"] == "float32"


def test_a_budget_nothing_fits_exits_2_and_writes_nothing(
    tiny_grid, checkpoint_path, tmp_path, capsys
):
    out = tmp_path / "small.cxm"
    argv = ["budget", "--checkpoint", str(checkpoint_path), "--max-bytes", "1000"]
    error = one_error_line(capsys, [*argv, "--out", str(out)])
    assert "no setting fits 1,000 bytes" in error
    assert not out.exists()
    out.write_bytes(b"keep me")  # an existing file is left as it was
    one_error_line(capsys, [*argv, "--out", str(out)])
    assert out.read_bytes() == b"keep me"


@pytest.mark.parametrize("value", ["0", "-5", "1.5", "ten", "1e4"])
def test_max_bytes_must_be_a_positive_whole_number(checkpoint_path, tmp_path, capsys, value):
    out = tmp_path / "x.cxm"
    argv = ["budget", "--checkpoint", str(checkpoint_path), "--max-bytes", value]
    error = one_error_line(capsys, [*argv, "--out", str(out)])
    assert "--max-bytes" in error
    assert not out.exists()


def test_out_must_be_a_regular_file(checkpoint_path, tmp_path, capsys):
    folder = tmp_path / "folder"
    folder.mkdir()
    argv = ["budget", "--checkpoint", str(checkpoint_path), "--max-bytes", "50000"]
    assert "is a folder" in one_error_line(capsys, [*argv, "--out", str(folder)])
    link = tmp_path / "link.cxm"
    link.symlink_to(tmp_path / "target.cxm")
    assert "symbolic link" in one_error_line(capsys, [*argv, "--out", str(link)])
    assert not (tmp_path / "target.cxm").exists()
