"""``--share-weights K`` on the command line: evaluate, export and sweep agree with an
independent k-means, and a bad K or a second values method is one line, exit 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from shared_data import SHIPPED_MLP, mnist_test_set, shipped_mlp_checkpoint

from compression.cli import main
from compression.compress import compress
from compression.models import layer_names_for, module_for
from compression.settings import CompressionSettings
from compression.size import size_table
from compression.train import evaluate

CHECKPOINT = ["--checkpoint", str(SHIPPED_MLP)]


def run_json(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def lloyd(values: np.ndarray, count: int) -> np.ndarray:
    """Plain Lloyd k-means in 1-D with linear initialisation, written with an n x K table
    (the engine sorts once and never builds it); empty clusters keep their centroid."""
    centroids = np.linspace(values.min(), values.max(), count)
    assignment = None
    for _ in range(1000):
        following = np.abs(values[:, None] - centroids[None, :]).argmin(axis=1)
        if assignment is not None and np.array_equal(following, assignment):
            break
        assignment = following
        for k in range(count):
            if (assignment == k).any():
                centroids[k] = values[assignment == k].mean()
    return centroids[assignment]


def test_evaluate_equals_the_model_with_independently_clustered_weights(capsys):
    result = run_json(capsys, ["evaluate", *CHECKPOINT, "--share-weights", "4", "--json"])
    state = dict(shipped_mlp_checkpoint().state)
    for name in ("fc1", "fc2", "fc3"):
        weight = state[f"{name}.weight"]
        shared = lloyd(weight.double().numpy().reshape(-1), 4)
        state[f"{name}.weight"] = torch.from_numpy(shared).float().reshape(weight.shape)
    reference = evaluate(module_for("mlp"), state, *mnist_test_set())
    assert abs(result["accuracy"] - reference.accuracy) <= 0.002  # float32 vs float64 means
    assert result["settings"]["share_weights"] == 4
    for layer in result["layers"]:
        weights = layer["shape"][0] * layer["shape"][1]
        assert layer["values"] == "shared4" and layer["positions"] == "dense"
        # a 2-bit index per weight, four float32 values per layer, float32 biases
        weight_bytes = -(-2 * weights // 8) + 4 * 4
        assert layer["size_bytes"]["compressed"] == weight_bytes + 4 * layer["shape"][0]
        assert layer["bits_per_weight"] == pytest.approx(8 * weight_bytes / weights)


def test_pruned_weights_stay_zero_and_take_no_index():
    settings = CompressionSettings(share_weights=32, prune_sparsity=0.9)
    layers = layer_names_for("mlp")
    start = shipped_mlp_checkpoint().state
    compressed = compress(start, layers, settings)
    for row in size_table(compressed.state, layers).itertuples():
        weight = compressed.state[f"{row.layer}.weight"]
        keep = compressed.keep_masks[row.layer]
        assert torch.equal(weight != 0, keep)  # the pruned are 0, the kept take a value
        assert weight[keep].unique().numel() == 32
        assert row.values == "shared32" and row.scale_bytes == 4 * 32
        assert row.value_bytes == -(-5 * int(keep.sum()) // 8)  # 5-bit indices, kept only


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--share-weights", "257"], "--share-weights: must be at most 256, got 257"),
        (["--share-weights", "1"], "--share-weights: must be at least 2, got 1"),
        (["--share-weights", "16.5"], "--share-weights: must be a whole number, got '16.5'"),
        (["--share-weights", "many"], "must be a whole number"),
        (["--share-weights", "16", "--quantize-bits", "4"], "not both"),
        (["--share-weights", "16", "--binarize-threshold", "0"], "not both"),
        (["--share-weights", "16", "--per-channel"], "not to weight sharing"),
    ],
)
@pytest.mark.parametrize("command", ["evaluate", "finetune", "export", "sweep"])
def test_a_bad_k_or_two_values_methods_is_one_line_exit_2_and_nothing_written(
    tmp_path, capsys, command, options, message
):
    out = tmp_path / "out.file"
    extra = {
        "evaluate": [],
        "finetune": ["--out", str(out)],
        "export": ["--out", str(out)],
        "sweep": ["--method", "prune-sparsity", "--values", "0.5", "--csv", str(out)],
    }[command]
    code = main([command, *CHECKPOINT, *options, *extra])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("error: ")
    assert message in captured.err
    assert not out.exists()


def test_sharing_with_quantization_is_refused_by_name(capsys):
    code = main(["evaluate", *CHECKPOINT, "--share-weights", "16", "--quantize-bits", "4"])
    assert code == 2
    assert capsys.readouterr().err == (
        "error: the quantization bits and the number of shared values both decide a layer's "
        "values; set one of them, not both\n"
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--values", "4.5"], "share-weights values must be whole numbers, got 4.5"),
        (["--values", "300"], "share-weights values must be between 2 and 256, got 300"),
        (["--values", "4", "--quantize-bits", "4"], "not both"),
    ],
)
def test_a_bad_shared_values_sweep_is_one_line_exit_2(tmp_path, capsys, arguments, message):
    out = tmp_path / "sweep.csv"
    argv = ["sweep", *CHECKPOINT, "--method", "share-weights", *arguments, "--csv", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not out.exists()


def test_finetune_writes_shared_weights_that_evaluate_reads_as_such(tmp_path, capsys):
    out = tmp_path / "ft.pt"
    argv = ["finetune", *CHECKPOINT, "--share-weights", "8", "--epochs", "1"]
    trained = run_json(capsys, [*argv, "--train-subset", "600", "--out", str(out)])
    capsys.readouterr()
    result = run_json(capsys, ["evaluate", "--checkpoint", str(out), "--json"])
    assert result["accuracy"] == trained["test_accuracy"]
    assert [layer["values"] for layer in result["layers"]] == ["shared8"] * 3
    # sharing the retrained weights again with the same K changes nothing
    again = run_json(
        capsys, ["evaluate", "--checkpoint", str(out), "--share-weights", "8", "--json"]
    )
    assert again["accuracy"] == result["accuracy"] and again["size_bytes"] == result["size_bytes"]
