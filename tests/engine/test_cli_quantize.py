"""``--quantize-bits K`` on the command line: evaluate, finetune, export and sweep agree
with independent references, and a bad K or a second values method is one line, exit 2."""

from __future__ import annotations

import json

import pytest
import torch
from shared_data import SHIPPED_MLP, mnist_test_set, shipped_mlp_checkpoint

from compression.cli import main
from compression.methods.quantize import largest_level
from compression.models import module_for
from compression.train import evaluate

CHECKPOINT = ["--checkpoint", str(SHIPPED_MLP)]


def run_json(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_evaluate_equals_the_model_with_torch_s_fake_quantized_weights(capsys):
    result = run_json(capsys, ["evaluate", *CHECKPOINT, "--quantize-bits", "4", "--json"])
    state, level = dict(shipped_mlp_checkpoint().state), largest_level(4)
    for name in ("fc1", "fc2", "fc3"):
        weight = state[f"{name}.weight"]
        scale = float(weight.abs().max()) / level
        state[f"{name}.weight"] = torch.fake_quantize_per_tensor_affine(
            weight, scale, 0, -level, level
        )
    reference = evaluate(module_for("mlp"), state, *mnist_test_set())
    assert result["accuracy"] == reference.accuracy
    assert result["loss"] == pytest.approx(reference.loss, rel=1e-6)
    assert result["settings"]["quantize_bits"] == 4
    for layer in result["layers"]:
        assert layer["values"] == "int4" and layer["positions"] in ("dense", "delta", "bitmask")
        weights = layer["shape"][0] * layer["shape"][1]
        assert layer["bits_per_weight"] <= 4 + 32 / weights + 1e-9  # K bits, one scale


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--quantize-bits", "9"], "--quantize-bits: must be at most 8, got 9"),
        (["--quantize-bits", "1"], "--quantize-bits: must be at least 2, got 1"),
        (["--quantize-bits", "4.5"], "--quantize-bits: must be a whole number, got '4.5'"),
        (["--quantize-bits", "four"], "must be a whole number"),
        (["--quantize-bits", "4", "--binarize-threshold", "0"], "not both"),
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


def test_the_two_values_methods_are_refused_by_name(capsys):
    code = main(["evaluate", *CHECKPOINT, "--quantize-bits", "4", "--binarize-threshold", "0.7"])
    assert code == 2
    assert capsys.readouterr().err == (
        "error: the binarization threshold and the quantization bits both decide a layer's "
        "values; set one of them, not both\n"
    )


def test_finetune_writes_k_bit_weights_that_evaluate_reads_as_such(tmp_path, capsys):
    out = tmp_path / "ft.pt"
    argv = ["finetune", *CHECKPOINT, "--quantize-bits", "3", "--per-channel", "--epochs", "1"]
    trained = run_json(capsys, [*argv, "--train-subset", "600", "--out", str(out)])
    capsys.readouterr()
    result = run_json(capsys, ["evaluate", "--checkpoint", str(out), "--json"])
    assert result["accuracy"] == trained["test_accuracy"]
    assert [layer["values"] for layer in result["layers"]] == ["int3"] * 3
    # re-quantizing the retrained weights with the same settings changes nothing
    again = run_json(
        capsys, ["evaluate", "--checkpoint", str(out), "--quantize-bits", "3", "--per-channel",
                 "--json"],
    )  # fmt: skip
    assert again["accuracy"] == result["accuracy"] and again["size_bytes"] == result["size_bytes"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--values", "4.5"], "quantize-bits values must be whole numbers, got 4.5"),
        (["--values", "9"], "quantize-bits values must be between 2 and 8, got 9"),
        (["--values", "4", "--binarize-threshold", "0"], "not both"),
    ],
)
def test_a_bad_bits_sweep_is_one_line_exit_2(tmp_path, capsys, arguments, message):
    out = tmp_path / "sweep.csv"
    argv = ["sweep", *CHECKPOINT, "--method", "quantize-bits", *arguments, "--csv", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not out.exists()
