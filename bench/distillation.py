"""Does distillation help straight-through retraining of an all-binary mlp? Both, same seeds.

Run: python bench/distillation.py [--epochs 1,3] [--seeds 0] [--temperatures 4] [--alpha 0.9]

Every run goes through the command line, as a user would: ``finetune`` of the shipped
``checkpoints/mlp-mnist.pt`` with ``--binarize-threshold 0`` (every layer binary, +-a) and
the same epochs, learning rate and seed, plain or with ``--distill``; then ``evaluate
--binarize-threshold 0 --json`` on all 10,000 test images. Also times the teacher's logits
computed once (what ``finetune`` does) against once per batch, every epoch.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch

from compression.data import load_dataset
from compression.distill import teacher_logits
from compression.files.checkpoint import load_checkpoint
from compression.models import build_model
from compression.train import TEST_BATCH

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "checkpoints" / "mlp-mnist.pt"
BINARY = ["--binarize-threshold", "0"]


def cli(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "compression", *args],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"python -m compression {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def tested(checkpoint: Path, *options: str) -> dict:
    return json.loads(cli("evaluate", "--checkpoint", str(checkpoint), *options, "--json"))


def retrained(folder: Path, epochs: int, seed: int, distill: list[str]) -> tuple[dict, float]:
    out = folder / "retrained.pt"
    started = time.perf_counter()
    cli(
        "finetune", "--checkpoint", str(BASELINE), *BINARY, "--epochs", str(epochs),
        "--seed", str(seed), *distill, "--out", str(out),
    )  # fmt: skip
    seconds = time.perf_counter() - started
    return tested(out, *BINARY), seconds


def teacher_cost(batch_size: int = 128) -> tuple[float, float]:
    """Seconds for the teacher's logits on all training images: in 1,000-image blocks once,
    and in training batches (what computing them per batch costs every epoch)."""
    data, state = load_dataset("mnist"), load_checkpoint(BASELINE).state
    model = build_model("mlp")
    started = time.perf_counter()
    teacher_logits(model, state, data.train_images, TEST_BATCH)
    once = time.perf_counter() - started
    order = torch.randperm(len(data.train_labels), generator=torch.Generator().manual_seed(0))
    started = time.perf_counter()
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        teacher_logits(model, state, data.train_images[batch], batch_size)
    per_batch = time.perf_counter() - started
    return once, per_batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", default="1,3", help="comma-separated epoch counts")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds")
    parser.add_argument("--temperatures", default="4", help="comma-separated temperatures")
    parser.add_argument("--alpha", default="0.9", help="weight of the teacher's term")
    args = parser.parse_args()
    # One thread, here and in every command: on a shared 2-core machine two were slower.
    torch.set_num_threads(1)
    epoch_counts = [int(e) for e in args.epochs.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    temperatures = args.temperatures.split(",")

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__}, {torch.get_num_threads()} torch thread")  # fmt: skip
    once, per_batch = teacher_cost()
    print(f"teacher logits on 60,000 images: {once:.2f} s once; {per_batch:.2f} s per epoch "
          "in batches of 128")  # fmt: skip
    teacher = tested(BASELINE)["accuracy"]
    start = tested(BASELINE, *BINARY)["accuracy"]
    print(f"teacher (dense float32): {100 * teacher:.2f}%; all binary, not retrained: "
          f"{100 * start:.2f}%\n")  # fmt: skip

    rows = ["| epochs | seed | retraining | test accuracy | test loss | time |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    accuracies: dict[tuple[int, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for epochs in epoch_counts:
            for seed in seeds:
                recipes = [("plain (cross-entropy)", [])] + [
                    (
                        f"distill T={t}, alpha={args.alpha}",
                        ["--distill", "--distill-temperature", t, "--distill-alpha", args.alpha],
                    )
                    for t in temperatures
                ]
                for name, options in recipes:
                    result, seconds = retrained(Path(folder), epochs, seed, options)
                    rows.append(
                        f"| {epochs} | {seed} | {name} | {100 * result['accuracy']:.2f}% | "
                        f"{result['loss']:.4f} | {seconds:.0f} s |"
                    )
                    print(rows[-1], flush=True)
                    accuracies.setdefault((epochs, name), []).append(result["accuracy"])
    print("\n" + "\n".join(rows))
    print(f"\n| epochs | retraining | mean test accuracy over {len(seeds)} seeds | min - max |")
    print("|---|---|---|---|")
    for (epochs, name), values in accuracies.items():
        mean = 100 * sum(values) / len(values)
        print(f"| {epochs} | {name} | {mean:.2f}% | {100 * min(values):.2f}% - "
              f"{100 * max(values):.2f}% |")  # fmt: skip


if __name__ == "__main__":
    main()
