"""How long one slider move takes: compress the mlp, test it on all 10,000 images, count bytes.

Run from the repository root:

    python bench/slider_latency.py [--repeats 25] [--threads N] [--model mlp]

For each setting it times, over ``--repeats`` runs, the parts of the explorer's
uncached slider path (``compression.measure.measure``): ``compress``, ``evaluate``
on the 10,000 test images, ``size_table``, the chart data (``layer_views``) and the
whole ``measure`` call, and prints median and 90th percentile in milliseconds. A plain
dense forward pass over the same images is timed first as the floor. The load
average is printed too: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from bench.percentile import percentile
from compression.compress import compress
from compression.data import PROJECT_ROOT, load_dataset
from compression.explain.chart_data import layer_views, weight_profiles
from compression.files.checkpoint import load_checkpoint
from compression.measure import measure
from compression.models import module_for, weight_layer_names
from compression.settings import CompressionSettings
from compression.size import size_table
from compression.train import TEST_BATCH, evaluate

SETTINGS = {
    "binarize t=0": CompressionSettings(binarize_threshold=0.0),
    "binarize t=0.7": CompressionSettings(binarize_threshold=0.7),
    "binarize t=0.7 per channel": CompressionSettings(binarize_threshold=0.7, per_channel=True),
    "prune |W|<=0.03": CompressionSettings(prune_threshold=0.03),
    "prune 90% per layer": CompressionSettings(prune_sparsity=0.9),
    "prune 90% global": CompressionSettings(prune_sparsity=0.9, prune_scope="global"),
    "prune |W|<=0.03 + t=0.7": CompressionSettings(prune_threshold=0.03, binarize_threshold=0.7),
}


def timed(function, repeats: int) -> tuple[float, float]:
    """(median, 90th percentile) of ``repeats`` wall-clock runs, in milliseconds."""
    function()  # warm-up
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        runs.append(1000 * (time.perf_counter() - start))
    return statistics.median(runs), percentile(runs, 0.9)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    data = load_dataset("mnist")
    images, labels = data.test_images, data.test_labels
    state = load_checkpoint(PROJECT_ROOT / "checkpoints" / f"{args.model}-mnist.pt").state
    module = module_for(args.model)
    layers = weight_layer_names(module)
    profiles = weight_profiles(state, layers)  # once per baseline, as the app caches them

    print(
        f"{args.model}, {len(labels):,} test images, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}, {args.repeats} repeats"
    )
    one_batch = len(labels)
    median, p90 = timed(lambda: evaluate(module, state, images, labels, one_batch), args.repeats)
    print(f"dense forward pass + accuracy, one batch: median {median:.1f} ms, p90 {p90:.1f} ms")
    median, p90 = timed(lambda: evaluate(module, state, images, labels, TEST_BATCH), args.repeats)
    print(
        f"dense forward pass + accuracy, batches of {TEST_BATCH:,} (floor): "
        f"median {median:.1f} ms, p90 {p90:.1f} ms"
    )
    median, _ = timed(lambda: weight_profiles(state, layers), 5)
    print(f"histogram bins of the baseline (once per baseline, cached): {median:.1f} ms\n")
    header = (
        f"{'setting':28} {'compress':>9} {'evaluate':>9} {'sizes':>9} {'views':>9} {'total':>15}"
    )
    print(header)
    print(f"{'':28} {'median':>9} {'median':>9} {'median':>9} {'median':>9} {'median / p90':>15}")
    # the whole path, round-robin over the settings so that a busy moment hits all alike
    totals = {name: [] for name in SETTINGS}
    for settings in SETTINGS.values():
        measure(args.model, state, settings, images, labels, profiles)  # warm-up
    for _ in range(args.repeats):
        for name, settings in SETTINGS.items():
            start = time.perf_counter()
            measure(args.model, state, settings, images, labels, profiles)
            totals[name].append(1000 * (time.perf_counter() - start))
    for name, settings in SETTINGS.items():
        compressed = compress(state, layers, settings)
        parts = [
            timed(lambda s=settings: compress(state, layers, s), args.repeats)[0],
            timed(
                lambda c=compressed: evaluate(module, c.state, images, labels, TEST_BATCH),
                args.repeats,
            )[0],
            timed(lambda c=compressed: size_table(c.state, layers), args.repeats)[0],
            timed(lambda c=compressed: layer_views(state, c, layers, profiles), args.repeats)[0],
        ]
        runs = sorted(totals[name])
        median, p90 = statistics.median(runs), runs[round(0.9 * (len(runs) - 1))]
        cells = " ".join(f"{part:9.1f}" for part in parts)
        print(f"{name:28} {cells} {median:7.1f} /{p90:6.1f}")
    every = sorted(t for runs in totals.values() for t in runs)
    print(
        f"\nwhole slider path over all settings and repeats: median "
        f"{statistics.median(every):.1f} ms, p90 {every[round(0.9 * (len(every) - 1))]:.1f} ms"
    )
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
