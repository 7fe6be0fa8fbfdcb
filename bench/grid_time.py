"""Time the What if page's default trade-off grid on one model.

The grid is ``compression.sweeps.tradeoff.tradeoff_grid`` with the defaults the page
starts from: both ways of pruning, the binarization thresholds, the k-bit widths of
``--bits`` and the shared values of ``--shared`` (default: the page's, ``""`` for none).
The best of ``--repeats`` runs is reported (the run least slowed by other work on a
shared machine).

    python bench/grid_time.py [--checkpoint checkpoints/mlp-mnist.pt] [--bits 8,4] [--shared 16,4]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compression.data import load_dataset
from compression.files.checkpoint import load_checkpoint
from compression.sweeps.tradeoff import (
    DEFAULT_BINARIZE_THRESHOLDS,
    DEFAULT_QUANTIZE_BITS,
    DEFAULT_SHARED_VALUES,
    tradeoff_grid,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=Path("checkpoints/mlp-mnist.pt"))
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--bits", default=",".join(map(str, DEFAULT_QUANTIZE_BITS)))
    parser.add_argument("--shared", default=",".join(map(str, DEFAULT_SHARED_VALUES)))
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    bits = tuple(int(item) for item in args.bits.split(",") if item.strip())
    shared = tuple(int(item) for item in args.shared.split(",") if item.strip())
    checkpoint = load_checkpoint(args.checkpoint)
    data = load_dataset(args.dataset)
    seconds, table = [], None
    for _ in range(args.repeats):
        start = time.perf_counter()
        table = tradeoff_grid(
            checkpoint.model_name, checkpoint.state, data.test_images, data.test_labels,
            binarize_values=DEFAULT_BINARIZE_THRESHOLDS, bits_values=bits, shared_values=shared,
        )  # fmt: skip
        seconds.append(time.perf_counter() - start)
    runs = ", ".join(f"{value:.1f}" for value in seconds)
    print(f"{args.checkpoint}, bits {bits}, shared values {shared}: {len(table)} points")
    print(f"best of {args.repeats}: {min(seconds):.1f} s (all runs: {runs} s)")


if __name__ == "__main__":
    main()
