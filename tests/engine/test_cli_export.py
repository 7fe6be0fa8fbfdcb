"""``python -m compression export``: the file on disk is the size ``evaluate`` reports
(plus the header), and ``evaluate`` reads it back to the same answers."""

import json

import pytest

from compression.cli import main
from compression.data import load_dataset, subset
from compression.files.checkpoint import Checkpoint, save_checkpoint
from compression.files.compact_format import load_compact
from compression.train import TrainConfig, train

PRUNE_AND_BINARIZE = ["--prune-sparsity", "0.9", "--binarize-threshold", "0"]


@pytest.fixture(scope="module")
def checkpoint_path(tmp_path_factory):
    data = load_dataset("mnist")
    images, labels = subset(data.train_images, data.train_labels, 2000, seed=0)
    state = train("mlp", images, labels, TrainConfig(epochs=1, train_subset=2000)).state
    path = tmp_path_factory.mktemp("cli") / "mlp.pt"
    save_checkpoint(path, Checkpoint("mlp", state, {"dataset": "mnist"}))
    return path


def run_json(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_export_writes_the_accounted_size_plus_header_and_evaluate_agrees(
    checkpoint_path, tmp_path, capsys
):
    out = tmp_path / "mlp.cxm"
    argv = ["export", "--checkpoint", str(checkpoint_path), *PRUNE_AND_BINARIZE]
    exported = run_json(capsys, [*argv, "--out", str(out)])
    header = load_compact(out.read_bytes()).metadata["header_bytes"]
    assert out.stat().st_size == exported["file_bytes"]
    assert exported["file_bytes"] == exported["accounted_bytes"] + header
    assert exported["header_bytes"] == header

    in_memory = run_json(
        capsys, ["evaluate", "--checkpoint", str(checkpoint_path), *PRUNE_AND_BINARIZE, "--json"]
    )
    from_file = run_json(capsys, ["evaluate", "--checkpoint", str(out), "--json"])
    assert from_file["accuracy"] == in_memory["accuracy"]
    assert from_file["size_bytes"] == in_memory["size_bytes"]
    assert from_file["size_bytes"]["compressed"] == exported["accounted_bytes"]
    assert [layer["positions"] for layer in from_file["layers"]] == [
        layer["positions"] for layer in in_memory["layers"]
    ]


def test_export_with_lzma_is_smaller_and_evaluates_the_same(checkpoint_path, tmp_path, capsys):
    plain, packed = tmp_path / "plain.cxm", tmp_path / "packed.cxm"
    argv = ["export", "--checkpoint", str(checkpoint_path), "--prune-sparsity", "0.9"]
    plain_result = run_json(capsys, [*argv, "--out", str(plain)])
    packed_result = run_json(capsys, [*argv, "--compress", "lzma", "--out", str(packed)])
    assert packed_result["compressor"] == "lzma"
    assert packed.stat().st_size == packed_result["file_bytes"] < plain.stat().st_size
    assert packed_result["accounted_bytes"] == plain_result["accounted_bytes"]
    results = [
        run_json(capsys, ["evaluate", "--checkpoint", str(path), "--json"])
        for path in (plain, packed)
    ]
    assert results[0]["accuracy"] == results[1]["accuracy"]


def test_export_of_an_exported_file_keeps_it_byte_for_byte(checkpoint_path, tmp_path, capsys):
    first, second = tmp_path / "first.cxm", tmp_path / "second.cxm"
    argv = ["export", "--checkpoint", str(checkpoint_path), *PRUNE_AND_BINARIZE]
    run_json(capsys, [*argv, "--out", str(first)])
    run_json(capsys, ["export", "--checkpoint", str(first), "--out", str(second)])
    assert second.read_bytes() == first.read_bytes()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--prune-sparsity", "1.5"], "prune-sparsity"),
        (["--layers", "fc9"], "unknown layer fc9"),
        (["--compress", "zip"], "invalid choice"),
    ],
)
def test_export_refuses_bad_options_with_exit_2_and_writes_nothing(
    checkpoint_path, tmp_path, capsys, extra, message
):
    out = tmp_path / "out.cxm"
    argv = ["export", "--checkpoint", str(checkpoint_path), *extra, "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


def test_export_to_a_folder_is_refused(checkpoint_path, tmp_path, capsys):
    assert main(["export", "--checkpoint", str(checkpoint_path), "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
