"""Whole-neuron pruning never removes a row of the output layer: each row is a class."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import torch
from shared_data import SHIPPED_MLP, mnist_test_set, random_state, tiny_mlp_state

from compression.cli import main
from compression.compress import compress
from compression.measure import measure
from compression.models import layer_names_for, output_layer, weight_key
from compression.settings import CompressionSettings
from compression.sweeps.masks import MaskMaker
from compression.sweeps.sweep import SweepSpec, run_sweep, sweep_points
from compression.sweeps.tradeoff import tradeoff_grid

NEURONS = CompressionSettings(prune_sparsity=0.89, prune_structure="neurons")


def _removed_rows(weight: torch.Tensor) -> int:
    return int((weight.reshape(weight.shape[0], -1) == 0).all(dim=1).sum())


def test_the_output_layer_is_the_last_weight_layer():
    assert output_layer(layer_names_for("mlp")) == "fc3"
    assert output_layer(layer_names_for("cnn")) == "fc3"


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_neuron_pruning_keeps_every_row_of_the_output_layer(model):
    state, layers = random_state(model), layer_names_for(model)
    pruned = compress(state, layers, NEURONS)
    last = output_layer(layers)
    assert torch.equal(pruned.state[weight_key(last)], state[weight_key(last)])
    for name in layers[:-1]:  # the hidden layers lose their share of rows
        rows = state[weight_key(name)].shape[0]
        assert _removed_rows(pruned.state[weight_key(name)]) == round(0.89 * rows)


def test_neuron_pruning_of_the_output_layer_alone_changes_nothing():
    state, layers = random_state("mlp"), layer_names_for("mlp")
    pruned = compress(state, layers, CompressionSettings(prune_sparsity=0.89,
                      prune_structure="neurons", layers=("fc3",)))  # fmt: skip
    assert torch.equal(pruned.state["fc3.weight"], state["fc3.weight"])


def test_single_weights_of_the_output_layer_are_still_pruned():
    state, layers = random_state("mlp"), layer_names_for("mlp")
    pruned = compress(state, layers, CompressionSettings(prune_sparsity=0.5))
    assert int((pruned.state["fc3.weight"] == 0).sum()) == 500


def test_mask_maker_keeps_the_output_layer_like_the_engine():
    state, layers = random_state("mlp"), layer_names_for("mlp")
    weights = {name: state[weight_key(name)] for name in layers}
    masks = MaskMaker().masks(weights, NEURONS, output_layer(layers))
    assert bool(masks["fc3"].all())
    assert _removed_rows(weights["fc1"] * masks["fc1"]) == round(0.89 * 300)


def test_sweeps_keep_the_output_layer_and_agree_with_measure():
    images, labels = mnist_test_set()
    images, labels = images[:2000], labels[:2000]
    state = tiny_mlp_state()
    base = CompressionSettings(prune_structure="neurons")
    everywhere = SweepSpec("prune-sparsity", (0.89,), base=base)
    for point in sweep_points("mlp", state, everywhere):
        assert torch.equal(point.state["fc3.weight"], state["fc3.weight"])
    alone = SweepSpec("prune-sparsity", (0.89,), per_layer=True, base=base)
    for point in sweep_points("mlp", state, alone):
        assert torch.equal(point.state["fc3.weight"], state["fc3.weight"])
    for spec in (everywhere, alone):
        for row in run_sweep("mlp", state, spec, images, labels).itertuples():
            settings = NEURONS if row.layer == "all" else replace(NEURONS, layers=(row.layer,))
            measured = measure("mlp", state, settings, images, labels)
            assert row.accuracy == measured.accuracy
            assert row.compressed_bytes == measured.summary["size_bytes"]["compressed"]
            fc3 = measured.sizes.set_index("layer").loc["fc3"]
            assert fc3.sparsity == 0


def test_trade_off_grid_with_neurons_agrees_with_measure():
    images, labels = mnist_test_set()
    images, labels = images[:2000], labels[:2000]
    state = tiny_mlp_state()
    grid = tradeoff_grid(
        "mlp", state, images, labels, prune_values=(0.89,), binarize_values=(None,),
        base=CompressionSettings(prune_structure="neurons"),
    )  # fmt: skip
    measured = measure("mlp", state, NEURONS, images, labels)
    assert grid.accuracy.tolist() == [measured.accuracy]
    assert measured.sizes.set_index("layer").loc["fc3"].sparsity == 0


@pytest.mark.slow
def test_cli_neuron_pruning_keeps_the_classes_of_the_shipped_mlp(capsys):
    argv = ["evaluate", "--checkpoint", str(SHIPPED_MLP), "--prune-sparsity", "0.89",
            "--prune-structure", "neurons", "--json"]  # fmt: skip
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    layers = {layer["name"]: layer for layer in result["layers"]}
    assert layers["fc3"]["sparsity"] == 0
    assert layers["fc3"]["positions"] == "dense"
    assert layers["fc1"]["sparsity"] == pytest.approx(267 / 300)
    # 0.25 with 33 of 300 and 11 of 100 hidden neurons left and no retraining; 0.11
    # (chance) when fc3 lost its rows too
    assert result["accuracy"] > 0.2
