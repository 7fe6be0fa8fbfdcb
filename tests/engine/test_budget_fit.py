"""Fitting a trained mlp in a byte budget: the file fits, reads back to the accuracy
reported, and comes close to the best of every combination of a small grid."""

import itertools
from dataclasses import replace

import pytest
import torch

from compression.budget.allocate import best_allocations, exhaustive_best, smallest_bytes
from compression.budget.fit import BudgetError, fit_budget, fit_table, header_bytes
from compression.budget.options import option_table, smallest_layer_bytes
from compression.compress import compress
from compression.files.compact_format import load_compact
from compression.measure import measure
from compression.models import layer_names_for, module_for
from compression.settings import CompressionSettings
from compression.train import evaluate

GRID = {
    "values_options": {
        "float32": CompressionSettings(),
        "binary": CompressionSettings(binarize_threshold=0.0),
        "int4": CompressionSettings(quantize_bits=4),
    },
    "sparsities": (0.0, 0.9),
}
LAYERS = layer_names_for("mlp")
# The fit measures its best 8 plans of the knapsack; the best of all 216 combinations
# may still be one the sum of single-layer drops ranks lower. Measured gap at the three
# budgets below: 0 points (the fit found the best combination each time).
GAP_POINTS = 1.0


@pytest.fixture(scope="module")
def table(tiny_mlp_state, small_test):
    return option_table("mlp", tiny_mlp_state, *small_test, **GRID)


def budget_between(table, state, share: float) -> int:
    """A budget ``share`` of the way from the smallest plan to the uncompressed one."""
    header = header_bytes("mlp", state, "mnist")
    largest = sum(max(o.bytes for o in options) for options in table.options.values())
    return header + round(smallest_bytes(table) + share * (largest - smallest_bytes(table)))


def test_option_bytes_add_up_to_the_file_and_accuracies_are_those_of_one_layer_changed(
    table, tiny_mlp_state, small_test
):
    module = module_for("mlp")
    for option in (table.options["fc1"][3], table.options["fc2"][5]):  # binary 0.9, int4 0.9
        alone = replace(option.settings, layers=(option.layer,))
        state = compress(tiny_mlp_state, LAYERS, alone).state
        assert evaluate(module, state, *small_test).accuracy == option.accuracy
    assert table.base_accuracy == evaluate(module, tiny_mlp_state, *small_test).accuracy
    smallest = smallest_layer_bytes("mlp", tiny_mlp_state, **GRID)
    assert smallest == {layer: min(o.bytes for o in opts) for layer, opts in table.options.items()}


def test_the_file_fits_and_reads_back_to_the_reported_accuracy(table, tiny_mlp_state, small_test):
    max_bytes = budget_between(table, tiny_mlp_state, 0.3)
    result = fit_table("mlp", tiny_mlp_state, table, max_bytes, *small_test)
    assert len(result.payload) <= max_bytes
    assert len(result.payload) == header_bytes("mlp", tiny_mlp_state, "mnist") + sum(
        option.bytes for option in result.allocation.options
    )
    loaded = load_compact(result.payload)
    again = measure("mlp", loaded.state, CompressionSettings(), *small_test)
    assert again.accuracy == result.measurement.accuracy
    assert again.size_bytes + loaded.metadata["header_bytes"] == len(result.payload)
    assert result.plan.to_dict().keys() == set(LAYERS)
    assert max(accuracy for _, accuracy in result.candidates) == result.measurement.accuracy


def test_the_knapsack_equals_every_combination_on_the_measured_table(table, tiny_mlp_state):
    for share in (0.0, 0.1, 0.3, 0.6, 1.0):
        capacity = budget_between(table, tiny_mlp_state, share)
        capacity -= header_bytes("mlp", tiny_mlp_state, "mnist")
        found, expected = best_allocations(table, capacity)[0], exhaustive_best(table, capacity)
        assert (found.drop, found.bytes) == (expected.drop, expected.bytes)


@pytest.fixture(scope="module")
def every_combination(table, tiny_mlp_state, small_test):
    """(bytes, accuracy) of every combination of the table's options, each measured for real
    with the one-setting API on each layer."""
    layer_weights = {
        (option.layer, option.label): compress(
            tiny_mlp_state, LAYERS, replace(option.settings, layers=(option.layer,))
        ).state[f"{option.layer}.weight"]
        for options in table.options.values()
        for option in options
    }
    module, measured = module_for("mlp"), []
    for combination in itertools.product(*table.options.values()):
        combined = dict(tiny_mlp_state)
        for option in combination:
            combined[f"{option.layer}.weight"] = layer_weights[(option.layer, option.label)]
        accuracy = evaluate(module, combined, *small_test).accuracy
        measured.append((sum(option.bytes for option in combination), accuracy))
    return measured


@pytest.mark.slow
@pytest.mark.parametrize("share", [0.02, 0.1, 0.3])
def test_the_fit_is_near_the_best_of_every_combination(
    table, tiny_mlp_state, small_test, every_combination, share
):
    max_bytes = budget_between(table, tiny_mlp_state, share)
    result = fit_table("mlp", tiny_mlp_state, table, max_bytes, *small_test)
    capacity = max_bytes - header_bytes("mlp", tiny_mlp_state, "mnist")
    best = max(accuracy for size, accuracy in every_combination if size <= capacity)
    found = result.measurement.accuracy
    print(f"share {share}: fit {found:.4f}, best of every combination {best:.4f}")
    assert found <= best + 1e-9  # the search saw every plan the fit could choose
    assert 100 * (best - found) <= GAP_POINTS


def test_a_budget_below_the_smallest_plan_is_refused_before_measuring(tiny_mlp_state, small_test):
    smallest = header_bytes("mlp", tiny_mlp_state, "mnist") + sum(
        smallest_layer_bytes("mlp", tiny_mlp_state, **GRID).values()
    )
    with pytest.raises(BudgetError, match=f"smallest mlp file .* is {smallest:,} bytes"):
        fit_budget("mlp", tiny_mlp_state, smallest - 1, *small_test, **GRID)
    result = fit_budget("mlp", tiny_mlp_state, smallest, *small_test, **GRID)
    assert len(result.payload) == smallest
    assert isinstance(result.measurement.accuracy, float)
    assert torch.is_tensor(load_compact(result.payload).state["fc1.weight"])
