"""Sweeps give, point by point, the numbers of a single analysis of the same settings."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pandas as pd
import pytest
import torch
from shared_data import mnist_test_set, random_state, tiny_mlp_state

from compression.compress import compress
from compression.measure import measure
from compression.models import module_for
from compression.settings import CompressionSettings, SettingsError
from compression.sweeps import sweep as sweep_module
from compression.sweeps.sweep import (
    SWEEP_COLUMNS,
    SweepSpec,
    parse_values,
    run_sweep,
    sweep_csv,
    sweep_points,
    write_sweep_csv,
)
from compression.train import evaluate

LAYERS = ["fc1", "fc2", "fc3"]


def _assert_row_is(row, measured):
    """Accuracy to the last digit, loss to rounding, sizes as the app counts them.

    The loss may differ in its last digits: the sparse-input path sums fc1 in another order
    (compression.sweeps.evaluation).
    """
    summary = measured.summary
    assert row.accuracy == measured.accuracy
    assert row.loss == pytest.approx(measured.loss, rel=1e-6, abs=1e-7)
    assert row.sparsity == summary["sparsity"]
    assert row.compressed_bytes == summary["size_bytes"]["compressed"]
    assert row.compression_ratio == summary["compression_ratio"]


@pytest.mark.slow
def test_per_layer_sweep_equals_measure_of_each_single_layer_setting():
    images, labels = mnist_test_set()
    state = tiny_mlp_state()
    spec = SweepSpec("prune-sparsity", (0.0, 0.8, 0.95), per_layer=True)
    table = run_sweep("mlp", state, spec, images, labels)
    assert list(zip(table.layer, table.value, strict=True)) == [
        (layer, value) for layer in LAYERS for value in spec.values
    ]
    for row in table.itertuples():
        settings = CompressionSettings(prune_sparsity=row.value, layers=(row.layer,))
        _assert_row_is(row, measure("mlp", state, settings, images, labels))


@pytest.mark.parametrize(
    ("method", "values", "base"),
    [
        ("prune-threshold", (0.0, 0.02, 0.06), CompressionSettings()),
        ("binarize-threshold", (0.0, 0.7), CompressionSettings(per_channel=True)),
        ("prune-sparsity", (0.5, 0.9), CompressionSettings(prune_scope="global")),
        ("prune-sparsity", (0.6,), CompressionSettings(binarize_threshold=0.7, layers=("fc2",))),
    ],
)
def test_sweep_over_all_layers_equals_measure(method, values, base):
    images, labels = mnist_test_set()
    state = tiny_mlp_state()
    spec = SweepSpec(method, values, base=base)
    table = run_sweep("mlp", state, spec, images, labels)
    assert set(table.layer) == {"all"}
    field = {"prune-threshold": "prune_threshold", "prune-sparsity": "prune_sparsity"}
    field["binarize-threshold"] = "binarize_threshold"
    for row in table.itertuples():
        settings = replace(base, **{field[method]: row.value})
        _assert_row_is(row, measure("mlp", state, settings, images, labels))


def test_per_layer_sweep_leaves_the_other_layers_at_their_trained_weights():
    state = tiny_mlp_state()
    spec = SweepSpec("prune-threshold", (0.0, 0.05), per_layer=True)
    for point in sweep_points("mlp", state, spec):
        swept_key = f"{point.layer}.weight"
        for key, tensor in state.items():
            if key != swept_key:
                assert torch.equal(point.state[key], tensor), (point.layer, key)
        removed = int((point.state[swept_key] == 0).sum())
        assert removed == int((state[swept_key].abs() <= point.value).sum())


def test_fixed_options_apply_to_the_unswept_layers_and_combine_on_the_swept_one():
    images, labels = mnist_test_set()
    state = tiny_mlp_state()
    base = CompressionSettings(binarize_threshold=0.7, prune_sparsity=0.3)
    spec = SweepSpec("prune-sparsity", (0.9,), per_layer=True, base=base)
    baseline = compress(state, LAYERS, base).state
    table = run_sweep("mlp", state, spec, images, labels)
    for point, row in zip(sweep_points("mlp", state, spec), table.itertuples(), strict=True):
        swept = compress(state, LAYERS, replace(base, prune_sparsity=0.9, layers=(point.layer,)))
        expected = {**baseline, f"{point.layer}.weight": swept.state[f"{point.layer}.weight"]}
        assert all(torch.equal(point.state[key], expected[key]) for key in expected)
        evaluation = evaluate(module_for("mlp"), expected, images, labels)
        assert (row.accuracy, row.loss) == (evaluation.accuracy, evaluation.loss)
        kept = int((point.state[f"{point.layer}.weight"] != 0).sum())
        assert row.layer_sparsity == 1 - kept / state[f"{point.layer}.weight"].numel()


def test_per_layer_cnn_sweep_equals_measure():
    images, labels = mnist_test_set()
    images, labels = images[:1000], labels[:1000]
    state = random_state("cnn")
    spec = SweepSpec("binarize-threshold", (0.7,), per_layer=True)
    table = run_sweep("cnn", state, spec, images, labels)
    assert list(table.layer.unique()) == ["conv1", "conv2", "fc1", "fc2", "fc3"]
    for row in table.itertuples():
        settings = CompressionSettings(binarize_threshold=row.value, layers=(row.layer,))
        _assert_row_is(row, measure("cnn", state, settings, images, labels))


def test_sweep_does_not_change_the_weights_it_is_given():
    images, labels = mnist_test_set()
    state = random_state("mlp")
    before = {key: tensor.clone() for key, tensor in state.items()}
    run_sweep("mlp", state, SweepSpec("prune-sparsity", (0.5, 1.0), True), images, labels)
    assert all(torch.equal(state[key], before[key]) for key in before)


def test_progress_is_reported_after_every_point():
    images, labels = mnist_test_set()
    seen = []
    spec = SweepSpec("prune-threshold", (0.0, 0.1), per_layer=True)
    run_sweep("mlp", random_state("mlp"), spec, images[:500], labels[:500], on_point=seen.append)
    assert [progress.done for progress in seen] == list(range(1, 7))
    assert {progress.total for progress in seen} == {6}
    assert seen[-1].fraction == 1.0
    assert seen[0].label == "fc1 prune-threshold 0"


def test_csv_has_the_documented_columns_and_round_trips(tmp_path):
    images, labels = mnist_test_set()
    spec = SweepSpec("prune-sparsity", (0.0, 0.5), per_layer=True)
    table = run_sweep("mlp", random_state("mlp"), spec, images[:500], labels[:500])
    documented = re.findall(r"^- ``(\w+)``:", sweep_module.__doc__, flags=re.MULTILINE)
    assert tuple(documented) == SWEEP_COLUMNS
    path = tmp_path / "sweep.csv"
    write_sweep_csv(table, path)
    assert path.read_text() == sweep_csv(table)
    back = pd.read_csv(path)
    assert tuple(back.columns) == SWEEP_COLUMNS
    assert back["accuracy"].tolist() == table["accuracy"].tolist()  # every digit survives
    assert back["compressed_bytes"].tolist() == table["compressed_bytes"].tolist()


def test_parse_values_reads_comma_separated_numbers():
    assert parse_values("0, 0.1,0.5", "prune-sparsity") == (0.0, 0.1, 0.5)
    assert parse_values("0.02", "prune-threshold") == (0.02,)
    assert parse_values("0,0.7,10", "binarize-threshold") == (0.0, 0.7, 10.0)


@pytest.mark.parametrize(
    ("text", "method", "message"),
    [
        ("0,abc", "prune-sparsity", "'abc' is not a number"),
        ("0,,0.5", "prune-sparsity", "'' is not a number"),
        ("", "prune-sparsity", "at least one value"),
        ("0.5,1.5", "prune-sparsity", "between 0 and 1, got 1.5"),
        ("-0.1", "prune-threshold", ">= 0, got -0.1"),
        ("11", "binarize-threshold", "between 0 and 10, got 11"),
        ("nan", "prune-threshold", "got nan"),
        ("inf", "prune-threshold", "got inf"),
        ("0.5", "prune-magic", "unknown sweep method"),
    ],
)
def test_parse_values_rejects_bad_input_with_a_clear_message(text, method, message):
    with pytest.raises(SettingsError, match=re.escape(message)):
        parse_values(text, method)


def test_a_sweep_over_all_layers_refuses_a_fixed_setting_it_would_replace():
    spec = SweepSpec("prune-sparsity", (0.5,), base=CompressionSettings(prune_threshold=0.1))
    with pytest.raises(SettingsError, match=r"prune threshold 0\.1 would be replaced"):
        spec.validated(LAYERS)
    replace(spec, per_layer=True).validated(LAYERS)  # per layer, it holds for the others


def test_spec_refuses_combinations_the_engine_refuses():
    base = CompressionSettings(prune_structure="neurons")
    with pytest.raises(SettingsError, match="neuron pruning takes a target sparsity"):
        SweepSpec("prune-threshold", (0.1,), per_layer=True, base=base).validated(LAYERS)
    with pytest.raises(SettingsError, match="at least one value"):
        SweepSpec("prune-sparsity", ()).validated(LAYERS)


def test_spec_is_hashable_for_caching():
    spec = SweepSpec("prune-sparsity", [0.1, 0.2], per_layer=True)
    assert spec.values == (0.1, 0.2)
    assert hash(spec) == hash(SweepSpec("prune-sparsity", (0.1, 0.2), per_layer=True))


def test_sweeps_running_at_once_on_several_threads_each_get_their_own_answer():
    """Streamlit serves sessions on threads; each thread has its own traced model pieces."""
    images, labels = mnist_test_set()
    images, labels = images[:2000], labels[:2000]
    state = tiny_mlp_state()
    specs = [
        SweepSpec("prune-sparsity", (0.3, 0.9), per_layer=True),
        SweepSpec("binarize-threshold", (0.0, 0.7)),
        SweepSpec("prune-threshold", (0.01, 0.05), per_layer=True),
    ] * 2

    def table_of(spec):
        return run_sweep("mlp", state, spec, images, labels)

    alone = [table_of(spec) for spec in specs[:3]] * 2
    with ThreadPoolExecutor(max_workers=3) as pool:
        together = list(pool.map(table_of, specs))
    for expected, got in zip(alone, together, strict=True):
        pd.testing.assert_frame_equal(got, expected)
