"""What every values method (k-bit quantization, weight sharing) owes the command line: an
exported file of exactly the accounted bytes plus its header that evaluates the same, and
sweep rows equal to single evaluations."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from shared_data import SHIPPED_MLP

from compression.cli import main
from compression.files.compact_format import load_compact
from compression.sweeps.sweep import SWEEP_COLUMNS

CHECKPOINT = ["--checkpoint", str(SHIPPED_MLP)]

# (its option and a value, more options for the export, the value code of every layer)
EXPORTS = [
    (["--quantize-bits", "5"], ["--per-channel", "--prune-sparsity", "0.5"], "int5"),
    (["--share-weights", "16"], ["--prune-sparsity", "0.5"], "shared16"),
]
# (sweep method, its option, the values swept)
SWEEPS = [
    ("quantize-bits", "--quantize-bits", "2,4,8"),
    ("share-weights", "--share-weights", "4,16,32"),
]


def run_json(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("method", "more", "code"), EXPORTS)
def test_export_writes_the_accounted_bytes_and_the_file_evaluates_the_same(
    tmp_path, capsys, method, more, code
):
    out = tmp_path / "model.cxm"
    options = [*method, *more]
    exported = run_json(capsys, ["export", *CHECKPOINT, *options, "--out", str(out)])
    header = load_compact(out.read_bytes()).metadata["header_bytes"]
    assert out.stat().st_size == exported["file_bytes"] == exported["accounted_bytes"] + header
    in_memory = run_json(capsys, ["evaluate", *CHECKPOINT, *options, "--json"])
    from_file = run_json(capsys, ["evaluate", "--checkpoint", str(out), "--json"])
    assert from_file["accuracy"] == in_memory["accuracy"]
    assert from_file["size_bytes"] == in_memory["size_bytes"]
    assert [layer["values"] for layer in from_file["layers"]] == [code] * 3


@pytest.mark.parametrize("per_layer", [False, True])
@pytest.mark.parametrize(("method", "option", "values"), SWEEPS)
def test_a_sweep_has_the_rows_of_single_evaluations(
    tmp_path, capsys, method, option, values, per_layer
):
    out = tmp_path / "sweep.csv"
    argv = ["sweep", *CHECKPOINT, "--method", method, "--values", values]
    assert main([*argv, *(["--per-layer"] if per_layer else []), "--csv", str(out)]) == 0
    capsys.readouterr()
    table = pd.read_csv(out)
    assert tuple(table.columns) == SWEEP_COLUMNS
    assert set(table["method"]) == {method}
    assert table["layer"].tolist() == (
        [name for name in ("fc1", "fc2", "fc3") for _ in range(3)] if per_layer else ["all"] * 3
    )
    for row in table.itertuples():
        layers = [] if row.layer == "all" else ["--layers", row.layer]
        single = run_json(capsys, ["evaluate", *CHECKPOINT, option, f"{row.value:g}", *layers,
                                   "--json"])  # fmt: skip
        assert row.accuracy == single["accuracy"]
        assert row.loss == pytest.approx(single["loss"], rel=1e-6)
        assert row.compressed_bytes == single["size_bytes"]["compressed"]
        assert row.sparsity == pytest.approx(single["sparsity"], abs=1e-12)
