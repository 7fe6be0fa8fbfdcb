"""``python -m compression budget``: the best model file of at most ``--max-bytes`` bytes.

The subcommand is registered by :func:`add_budget_command`; the command line's own
checks (a positive whole number, a writable output path) are passed in by
:mod:`compression.cli`, so they are written once.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from compression.budget.fit import fit_budget
from compression.data import load_dataset
from compression.files.checkpoint import atomic_write_bytes
from compression.files.model_file import load_model_file


def budget_json(result, out: Path, max_bytes: int) -> dict:
    """The keys of ``evaluate --json`` for the file's weights, and the plan that made them."""
    return {
        **result.measurement.to_dict(),
        "out": str(out),
        "max_bytes": max_bytes,
        "file_bytes": len(result.payload),  # on disk, header included
        "predicted_accuracy": result.predicted_accuracy,  # the option table's sum of drops
        "per_layer_settings": result.plan.to_dict(),
        "per_layer_choice": {o.layer: o.label for o in result.allocation.options},
    }


def run_budget(args: argparse.Namespace, check_output: Callable[[str], Path]) -> int:
    out = check_output(args.out)
    checkpoint = load_model_file(args.checkpoint)
    dataset = checkpoint.metadata.get("dataset", "mnist")
    data = load_dataset(dataset)
    result = fit_budget(
        checkpoint.model_name, checkpoint.state, args.max_bytes, data.test_images,
        data.test_labels, dataset,
        on_sweep=lambda label: print(f"measured {label}", file=sys.stderr, flush=True),
    )  # fmt: skip
    atomic_write_bytes(out, result.payload)
    summary = budget_json(result, out, args.max_bytes)
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(
        f"{out}: {summary['file_bytes']:,} bytes (budget {args.max_bytes:,}), "
        f"accuracy {100 * summary['accuracy']:.2f}%"
    )
    for layer, choice in summary["per_layer_choice"].items():
        print(f"  {layer}: {choice}")
    return 0


def add_budget_command(
    commands, positive_int: Callable[[str], int], check_output: Callable[[str], Path]
) -> None:
    """Add ``budget`` to the subcommands ``commands`` (argparse's subparsers)."""
    sub = commands.add_parser(
        "budget", help="the most accurate model file of at most --max-bytes bytes"
    )
    sub.add_argument("--checkpoint", required=True, metavar="CKPT")
    sub.add_argument("--max-bytes", required=True, type=positive_int, metavar="N",
                     help="the largest file to write, header included")  # fmt: skip
    sub.add_argument("--out", required=True, metavar="FILE.cxm")
    sub.add_argument("--json", action="store_true", help="print one JSON object")
    sub.set_defaults(run=lambda args: run_budget(args, check_output))
