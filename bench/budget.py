"""Fit the shipped mlp in a few byte budgets, and compare with trying every combination.

For each budget: the per-layer settings ``python -m compression budget`` chooses, the
file's bytes (header included), its test accuracy, and the time taken (the option grid,
measured once, is timed apart: every budget reads the same table). Then, on a small grid
(binary, int4 × sparsity 0, 0.9, 0.98: 6 options a layer, 216 combinations), the
budget's answer is compared with the most accurate combination of all, each measured on
the whole test set. The table is printed as Markdown.

    python bench/budget.py [--checkpoint checkpoints/mlp-mnist.pt] [--budgets 30000,20000,10000]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compression.budget.allocate import smallest_bytes
from compression.budget.fit import fit_table, header_bytes
from compression.budget.options import option_table
from compression.compress import compress
from compression.data import load_dataset
from compression.files.checkpoint import load_checkpoint
from compression.models import layer_names_for, module_for
from compression.settings import CompressionSettings
from compression.train import evaluate

SMALL_GRID = {
    "values_options": {
        "binary": CompressionSettings(binarize_threshold=0.0),
        "int4": CompressionSettings(quantize_bits=4),
    },
    "sparsities": (0.0, 0.9, 0.98),
}


def every_combination(state, table, images, labels) -> list[tuple[int, float]]:
    """(bytes, test accuracy) of every combination of the table's options."""
    layers = layer_names_for("mlp")
    weights = {
        (o.layer, o.label): compress(state, layers, replace(o.settings, layers=(o.layer,))).state[
            f"{o.layer}.weight"
        ]
        for options in table.options.values()
        for o in options
    }
    module, measured = module_for("mlp"), []
    for combination in itertools.product(*table.options.values()):
        combined = dict(state)
        for o in combination:
            combined[f"{o.layer}.weight"] = weights[(o.layer, o.label)]
        measured.append(
            (sum(o.bytes for o in combination), evaluate(module, combined, images, labels).accuracy)
        )
    return measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default="checkpoints/mlp-mnist.pt")
    parser.add_argument("--budgets", default="30000,20000,10000")
    args = parser.parse_args()
    budgets = [int(text) for text in args.budgets.split(",")]
    checkpoint = load_checkpoint(Path(args.checkpoint))
    data = load_dataset(checkpoint.metadata.get("dataset", "mnist"))
    state, images, labels = checkpoint.state, data.test_images, data.test_labels
    header = header_bytes("mlp", state, "mnist")

    started = time.perf_counter()
    table = option_table("mlp", state, images, labels)
    table_seconds = time.perf_counter() - started
    count = sum(len(options) for options in table.options.values())
    print(f"option grid: {count} options, measured in {table_seconds:.1f} s; "
          f"trained accuracy {100 * table.base_accuracy:.2f}%\n")  # fmt: skip
    print("| budget (bytes) | file bytes | accuracy | predicted | fc1 | fc2 | fc3 | time (s) |")
    print("|---:|---:|---:|---:|---|---|---|---:|")
    for budget in budgets:
        started = time.perf_counter()
        result = fit_table("mlp", state, table, budget, images, labels)
        seconds = time.perf_counter() - started
        choice = " | ".join(o.label for o in result.allocation.options)
        print(f"| {budget:,} | {len(result.payload):,} | {100 * result.measurement.accuracy:.2f}% "
              f"| {100 * result.predicted_accuracy:.2f}% | {choice} | {seconds:.1f} |")  # fmt: skip

    small = option_table("mlp", state, images, labels, **SMALL_GRID)
    started = time.perf_counter()
    combinations = every_combination(state, small, images, labels)
    exhaustive_seconds = time.perf_counter() - started
    print(
        f"\nsmall grid: {len(combinations)} combinations measured in {exhaustive_seconds:.1f} s\n"
    )
    print("| budget (bytes) | budget's pick | best of every combination | gap (points) |")
    print("|---:|---:|---:|---:|")
    smallest = header + smallest_bytes(small)
    for budget in budgets:
        if budget < smallest:
            print(f"| {budget:,} | the small grid's smallest file is {smallest:,} bytes | | |")
            continue
        found = fit_table("mlp", state, small, budget, images, labels).measurement.accuracy
        best = max(a for size, a in combinations if header + size <= budget)
        print(f"| {budget:,} | {100 * found:.2f}% | {100 * best:.2f}% "
              f"| {100 * (best - found):.2f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
