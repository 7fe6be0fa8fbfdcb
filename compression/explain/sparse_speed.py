"""Why a sparse matrix is not automatically faster: dense vs CSR products, timed.

``sparse_matmul_timings`` times ``W @ X`` with W dense (zeros included) and in
PyTorch's CSR form on this CPU; ``bench/sparse_speed.py`` prints it and writes the
table the Learn page shows (``docs/learn/sparse_speed.csv``).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
import torch

from compression.data import PROJECT_ROOT
from compression.methods.prune import threshold_for_sparsity

RECORDED_TIMINGS = PROJECT_ROOT / "docs" / "learn" / "sparse_speed.csv"


def recorded_sparse_timings(path: Path = RECORDED_TIMINGS) -> pd.DataFrame:
    """The benchmark table shipped with the app (same columns as :func:`sparse_matmul_timings`)."""
    return pd.read_csv(path)


def _median_seconds(run: Callable[[], object], repeats: int, calls: int) -> float:
    """Median over ``repeats`` blocks of the mean time of one call in a block of ``calls``."""
    run()  # warm-up: first-call allocations are not what we measure
    blocks = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            run()
        blocks.append((time.perf_counter() - start) / calls)
    return sorted(blocks)[len(blocks) // 2]


def csr_bytes(nonzeros: int, rows: int) -> int:
    """Bytes torch's CSR tensor holds: float32 values, int64 column indices and row pointers."""
    return 4 * nonzeros + 8 * nonzeros + 8 * (rows + 1)


def _time_both(
    weight: torch.Tensor, inputs: torch.Tensor, repeats: int, calls: int
) -> tuple[float, float]:
    """Seconds per ``weight @ inputs`` with ``weight`` dense and in CSR form."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "sparse CSR support is in beta"
        csr_weight = weight.to_sparse_csr()
        if not torch.allclose(csr_weight @ inputs, weight @ inputs, atol=1e-4, rtol=1e-4):
            raise RuntimeError("CSR and dense products differ; the timing would be moot")
        dense_s = _median_seconds(lambda: weight @ inputs, repeats, calls)
        csr_s = _median_seconds(lambda: csr_weight @ inputs, repeats, calls)
    return dense_s, csr_s


def sparse_matmul_timings(
    sparsities: Sequence[float] = (0.0, 0.5, 0.9, 0.95, 0.99),
    shape: tuple[int, int] = (300, 784),
    batches: Sequence[int] = (1, 256),
    repeats: int = 5,
    calls: int = 10,
    seed: int = 0,
) -> pd.DataFrame:
    """Time ``W @ X`` with W dense and with W in CSR form, on this CPU, now.

    W has ``shape`` (default: fc1 of ``mlp``, 300x784) with the smallest-|W| fraction
    ``s`` set to 0; X is (784, batch) for each of ``batches`` (one image, a batch).
    ``csr_vs_dense = csr_seconds / dense_seconds``: above 1 the sparse product is
    slower. Also checks both give the same result. Takes a few seconds.
    """
    generator = torch.Generator().manual_seed(seed)
    rows_, cols = shape
    dense_weight = torch.randn(rows_, cols, generator=generator)
    table = []
    for batch in batches:
        inputs = torch.randn(cols, batch, generator=generator)
        for sparsity in sparsities:
            cut = threshold_for_sparsity([dense_weight], sparsity)
            weight = dense_weight * (dense_weight.abs() > cut) if sparsity > 0 else dense_weight
            dense_s, csr_s = _time_both(weight, inputs, repeats, calls)
            nonzeros = int((weight != 0).sum())
            table.append(
                {
                    "sparsity": 1 - nonzeros / weight.numel(),
                    "batch": batch,
                    "threads": torch.get_num_threads(),
                    "dense_us": dense_s * 1e6,
                    "csr_us": csr_s * 1e6,
                    "csr_vs_dense": csr_s / dense_s,
                    "dense_bytes": 4 * weight.numel(),
                    "csr_bytes": csr_bytes(nonzeros, rows_),
                }
            )
    return pd.DataFrame(table)
