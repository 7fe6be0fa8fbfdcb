"""``--huffman`` on the command line: every compressing command takes it, the export is the
accounted bytes plus its header, per-layer JSON says what was coded, sweeps agree."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from shared_data import SHIPPED_MLP

from compression.cli import build_parser, main
from compression.files.compact_format import load_compact

CHECKPOINT = ["--checkpoint", str(SHIPPED_MLP)]
DEEP = ["--prune-sparsity", "0.92", "--share-weights", "32"]  # Deep Compression's stages 1, 2


def run_json(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("command", ["evaluate", "finetune", "sweep", "export"])
def test_every_compressing_command_takes_huffman(command):
    subcommands = build_parser()._subparsers._group_actions[0].choices
    assert "--huffman" in subcommands[command].format_help()


def test_export_with_huffman_is_smaller_and_exactly_the_accounted_bytes(tmp_path, capsys):
    plain_out, coded_out = tmp_path / "plain.cxm", tmp_path / "coded.cxm"
    plain = run_json(capsys, ["export", *CHECKPOINT, *DEEP, "--out", str(plain_out)])
    coded = run_json(capsys, ["export", *CHECKPOINT, *DEEP, "--huffman", "--out", str(coded_out)])
    assert coded["huffman"] and not plain["huffman"]
    assert coded["accounted_bytes"] < plain["accounted_bytes"]
    header = load_compact(coded_out.read_bytes()).metadata["header_bytes"]
    assert coded_out.stat().st_size == coded["file_bytes"] == coded["accounted_bytes"] + header
    evaluated = run_json(capsys, ["evaluate", *CHECKPOINT, *DEEP, "--huffman", "--json"])
    assert evaluated["size_bytes"]["compressed"] == coded["accounted_bytes"]
    from_file = run_json(
        capsys, ["evaluate", "--checkpoint", str(coded_out), "--huffman", "--json"]
    )
    assert from_file["accuracy"] == evaluated["accuracy"]
    assert from_file["size_bytes"] == evaluated["size_bytes"]
    layers = evaluated["layers"]
    assert [layer["values"] for layer in layers] == ["shared32"] * 3
    assert layers[0]["huffman"] and layers[0]["positions"] == "delta"
    for layer in layers:  # bits per weight: everything but the float32 biases, tables too
        weights = layer["shape"][0] * layer["shape"][1]
        biases = layer["params"] - weights
        stored = layer["bits_per_weight"] * weights / 8 + 4 * biases
        assert stored == pytest.approx(layer["size_bytes"]["compressed"])


def test_a_sweep_with_huffman_has_the_rows_of_single_evaluations(tmp_path, capsys):
    out = tmp_path / "sweep.csv"
    argv = ["sweep", *CHECKPOINT, "--method", "share-weights", "--values", "4,32"]
    assert main([*argv, "--prune-sparsity", "0.9", "--huffman", "--csv", str(out)]) == 0
    capsys.readouterr()
    for row in pd.read_csv(out).itertuples():
        single = run_json(capsys, ["evaluate", *CHECKPOINT, "--share-weights", f"{row.value:g}",
                                   "--prune-sparsity", "0.9", "--huffman", "--json"])  # fmt: skip
        assert row.compressed_bytes == single["size_bytes"]["compressed"]
        assert row.accuracy == single["accuracy"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--huffman=yes"], "ignored explicit argument"),
        (["--huffman", "--share-weights", "1"], "share"),
    ],
)
def test_bad_arguments_with_huffman_end_in_one_line(tmp_path, capsys, argv, message):
    out = tmp_path / "model.cxm"
    assert main(["export", *CHECKPOINT, *argv, "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error
    assert not out.exists()
