"""A slider's whole curve (compression.sweeps.curve) against measuring each position alone.

For each model and slider the same positions are measured twice in this process, side
by side: once as a curve (:class:`compression.sweeps.curve.CurveMeasurer`, its setup
included), once position by position with ``compression.measure.measure`` (the baseline's
histogram bins computed once beforehand, as the explorer does). Accuracy, bytes and bits
must agree at every position, and the loss to 1e-6 (exit code 1 otherwise). With
``--repeats N`` both run N times, alternately, and the best run of each is reported (the
one least slowed by other work on a shared machine, taken alike for both). With
``--profile`` the curve's time is split into its parts (masks and values, test pass,
sizes, histograms).

    python bench/curve_time.py [--threads 1 2] [--models mlp cnn] [--positions 41]
                               [--repeats 1] [--profile]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compression.data import load_dataset
from compression.explain.chart_data import layer_views, weight_profiles
from compression.files.checkpoint import load_checkpoint
from compression.measure import measure
from compression.models import layer_names_for
from compression.settings import CompressionSettings
from compression.size import size_summary
from compression.sweeps.curve import CurveMeasurer, slider_positions

ROOT = Path(__file__).resolve().parents[1]


def _sliders(state, layers, first):
    """(name, base settings, field, positions): the page's positions, the ``first`` ones."""
    cuts, _ = slider_positions("prune_threshold", state, layers)
    binarize, _ = slider_positions("binarize_threshold", state, layers)
    bits, _ = slider_positions("quantize_bits", state, layers)
    return [
        ("prune-sparsity 0-80%", CompressionSettings(), "prune_sparsity",
         [step / 50 for step in range(min(first, 50))]),
        ("prune-threshold", CompressionSettings(), "prune_threshold", list(cuts[:first])),
        ("binarize-threshold 0-2", CompressionSettings(), "binarize_threshold",
         list(binarize[:first])),
        ("Combine: binarize, pruned 50%", CompressionSettings(prune_sparsity=0.5),
         "binarize_threshold", list(binarize[:first])),
        ("quantize-bits 2-8", CompressionSettings(), "quantize_bits", list(bits)),
        ("share-weights 256..2", CompressionSettings(), "share_weights",
         [256, 128, 64, 32, 16, 8, 4, 2][:first]),
    ]  # fmt: skip


def _curve(model, state, base, field, positions, images, labels, profile):
    parts = dict.fromkeys(("masks and values", "test pass", "sizes", "histograms"), 0.0)
    start = time.perf_counter()
    measurer = CurveMeasurer(model, state, base, field, images, labels)
    points, first = [], 0.0
    for value in positions:
        if not profile:
            points.append(measurer.measure(value))
            first = first or time.perf_counter() - start
            continue
        tick = time.perf_counter()
        compressed = measurer._compressed(measurer.settings_at(value))
        parts["masks and values"] += time.perf_counter() - tick
        tick = time.perf_counter()
        measurer._evaluator.evaluate(compressed.state, measurer._first)
        parts["test pass"] += time.perf_counter() - tick
        tick = time.perf_counter()
        size_summary(measurer._size_rows(compressed.state))
        parts["sizes"] += time.perf_counter() - tick
        tick = time.perf_counter()
        layer_views(state, compressed, measurer._chosen, measurer._profiles)
        parts["histograms"] += time.perf_counter() - tick
    return time.perf_counter() - start, first, points, parts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--models", nargs="+", default=["mlp", "cnn"])
    parser.add_argument("--positions", type=int, default=41, help="per slider, at most")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    data = load_dataset("mnist")
    images, labels = data.test_images, data.test_labels
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__}, load average {os.getloadavg()[0]:.1f} at start")  # fmt: skip
    print(f"{len(labels):,} test images\n")
    print("| model | threads | slider | positions | curve s | first position s | "
          "per position ms | measure each s | ratio |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    failed = False
    for threads in args.threads:
        torch.set_num_threads(threads)
        for model in args.models:
            state = load_checkpoint(ROOT / "checkpoints" / f"{model}-mnist.pt").state
            layers = layer_names_for(model)
            for name, base, field, positions in _sliders(state, layers, args.positions):
                curve_runs, each_runs = [], []
                for _ in range(args.repeats):
                    curve_s, first, points, parts = _curve(
                        model, state, base, field, positions, images, labels, False
                    )
                    curve_runs.append((curve_s, first))
                    profiles = weight_profiles(state, layers)
                    start = time.perf_counter()
                    measured = [
                        measure(model, state, point.settings, images, labels, profiles)
                        for point in points
                    ]
                    each_runs.append(time.perf_counter() - start)
                curve_s, first = min(curve_runs)
                each_s = min(each_runs)
                for point, reference in zip(points, measured, strict=True):
                    same = (point.accuracy, point.size_bytes, point.bits_per_weight) == (
                        reference.accuracy, reference.size_bytes, reference.bits_per_weight,
                    )  # fmt: skip
                    if not same or abs(point.loss - reference.loss) >= 1e-6:
                        print(f"MISMATCH {model} {name} {point.value}")
                        failed = True
                print(
                    f"| {model} | {threads} | {name} | {len(points)} | {curve_s:.2f} | "
                    f"{first:.2f} | "
                    f"{1000 * curve_s / len(points):.0f} | {each_s:.2f} | "
                    f"{each_s / curve_s:.1f}x |",
                    flush=True,
                )
                if args.profile:
                    setup = time.perf_counter()
                    CurveMeasurer(model, state, base, field, images, labels)
                    setup = time.perf_counter() - setup
                    _, _, _, parts = _curve(
                        model, state, base, field, positions, images, labels, True
                    )
                    split = ", ".join(f"{part} {seconds:.2f} s" for part, seconds in parts.items())
                    print(f"|  |  | parts: setup {setup:.2f} s, {split} | | | | | | |", flush=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
