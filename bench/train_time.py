"""How long the default recipe takes to train `mlp` on full MNIST on this CPU.

Run: python bench/train_time.py [--model mlp] [--repeats 1]
Prints the wall time of data loading and of training, and the test accuracy reached.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch

from compression.data import load_dataset
from compression.train import TrainConfig, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mlp", choices=("mlp", "cnn"))
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()

    started = time.perf_counter()
    data = load_dataset("mnist")
    load_seconds = time.perf_counter() - started
    config = TrainConfig()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")  # fmt: skip
    print(f"recipe: {config}")
    print(f"load + verify MNIST: {load_seconds:.2f} s")
    for _ in range(args.repeats):
        started = time.perf_counter()
        result = train(
            args.model, data.train_images, data.train_labels, config,
            test_set=(data.test_images, data.test_labels),
        )  # fmt: skip
        seconds = time.perf_counter() - started
        accuracy = result.history[-1]["test_accuracy"]
        print(
            f"{args.model}: {config.epochs} epochs in {seconds:.1f} s (with a test pass per "
            f"epoch), test accuracy {100 * accuracy:.2f}%"
        )


if __name__ == "__main__":
    main()
