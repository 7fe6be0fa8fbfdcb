"""Dense versus CSR sparse ``W @ X`` for a matrix of the MLP's fc1 size, on this CPU.

Usage (from the project root):

    python bench/sparse_speed.py                 # 1 thread, batches 1 and 256
    python bench/sparse_speed.py --threads 2 --csv sparse_speed.csv

Prints a markdown table: median time per product with W dense (zeros included) and
with W in CSR form, their ratio (above 1: CSR is slower) and the bytes each holds.
The Learn page explains the numbers (docs/learn/sparse_speed.md) and shows the table
written by `python bench/sparse_speed.py --csv docs/learn/sparse_speed.csv`.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from compression.explain.sparse_speed import sparse_matmul_timings


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _numbers(text: str, kind: type) -> list:
    return [kind(part) for part in text.split(",") if part.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--batches", default="1,256", help="columns of X, comma separated")
    parser.add_argument("--sparsities", default="0,0.5,0.7,0.9,0.95,0.99")
    parser.add_argument("--repeats", type=int, default=15, help="timed blocks; the median is kept")
    parser.add_argument("--calls", type=int, default=20, help="products per timed block")
    parser.add_argument("--csv", type=Path, help="also write the table here")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    table = sparse_matmul_timings(
        sparsities=_numbers(args.sparsities, float), batches=_numbers(args.batches, int),
        repeats=args.repeats, calls=args.calls,
    )  # fmt: skip
    print(
        f"CPU: {_cpu_name()}; torch {torch.__version__}, {torch.get_num_threads()} thread(s); "
        f"W is 300x784 float32, median of {args.repeats} blocks of {args.calls} products"
    )
    print()
    shown = table.assign(
        sparsity=table["sparsity"].map("{:.0%}".format),
        dense_us=table["dense_us"].map("{:,.1f}".format),
        csr_us=table["csr_us"].map("{:,.1f}".format),
        csr_vs_dense=table["csr_vs_dense"].map("{:.2f}x".format),
        dense_bytes=table["dense_bytes"].map("{:,}".format),
        csr_bytes=table["csr_bytes"].map("{:,}".format),
    )
    print(_markdown(shown))
    if args.csv is not None:
        table.to_csv(args.csv, index=False)
    return 0


def _markdown(table: pd.DataFrame) -> str:
    """A pipe table; numbers right-aligned."""
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---:|" * len(table.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(False)]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
