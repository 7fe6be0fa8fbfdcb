"""Per-layer pruning sensitivity of mlp: the usual loop against compression.sweeps.sweep.

The usual way (a Distiller-style sensitivity analysis) deep-copies the model for every
layer and sparsity, prunes it with ``torch.nn.utils.prune.l1_unstructured`` and runs a
test pass through a ``DataLoader`` (batches of 1000, ``no_grad``, eval mode).
``compression.sweeps.sweep.run_sweep`` answers the same question and also measures loss and
compressed bytes. Both run in this process, alternately, ``--repeats`` times; the best
run of each is reported, per layer and in total (the run least slowed by other work on a
shared machine, taken alike for both), and the numbers of correct test images must agree
at every point (exit code 1 otherwise).

A last section checks the fast path of ``compression.sweeps.evaluation`` against
``compression.measure.measure`` at every point (untimed): which path each point took, the
largest logit and loss differences, and that the accuracies are equal (exit code 1
otherwise).

    python bench/sweep_speed.py [--checkpoint checkpoints/mlp-mnist.pt] [--repeats 5]
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from collections import Counter
from pathlib import Path

import torch
from torch.func import functional_call
from torch.nn.utils import prune
from torch.utils.data import DataLoader, TensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compression.data import load_dataset
from compression.files.checkpoint import load_checkpoint
from compression.measure import measure
from compression.models import build_model, module_for, weight_layer_names
from compression.sweeps.evaluation import TIE_MARGIN, SweepEvaluator
from compression.sweeps.sweep import SweepSpec, run_sweep, sweep_points
from compression.train import TrainConfig, train

SPARSITIES = tuple(step / 10 for step in range(11))  # 0, 0.1, ..., 1.0


def usual_sensitivity(model, images, labels, sparsities) -> tuple[dict, dict]:
    """({(layer, sparsity): correct}, {layer: seconds}): copy, l1_unstructured, DataLoader."""
    loader = DataLoader(TensorDataset(images, labels), batch_size=1000)
    correct, seconds = {}, {}
    for layer in weight_layer_names(model):
        start = time.perf_counter()
        for sparsity in sparsities:
            pruned = copy.deepcopy(model).eval()
            prune.l1_unstructured(pruned.get_submodule(layer), "weight", amount=sparsity)
            right = 0
            with torch.no_grad():
                for batch_images, batch_labels in loader:
                    right += int((pruned(batch_images).argmax(dim=1) == batch_labels).sum())
            correct[(layer, sparsity)] = right
        seconds[layer] = time.perf_counter() - start
    return correct, seconds


def fast_sensitivity(state, images, labels, sparsities) -> tuple[dict, dict]:
    """The same points with run_sweep; a point's time runs from the previous point's end."""
    seconds, last = {}, [time.perf_counter()]

    def clock(progress) -> None:
        now = time.perf_counter()
        layer = progress.label.split()[0]
        seconds[layer] = seconds.get(layer, 0.0) + now - last[0]
        last[0] = now

    spec = SweepSpec("prune-sparsity", sparsities, per_layer=True)
    table = run_sweep("mlp", state, spec, images, labels, on_point=clock)
    correct = {
        (row.layer, row.value): round(row.accuracy * len(labels)) for row in table.itertuples()
    }
    return correct, seconds


def fast_path_check(state, images, labels, sparsities) -> dict:
    """Per-layer sweep points through SweepEvaluator, compared with measure and dense logits."""
    spec = SweepSpec("prune-sparsity", sparsities, per_layer=True)
    evaluator = SweepEvaluator("mlp", state, images, labels)
    module = module_for("mlp")
    paths, logit_gap, loss_gap, unequal = Counter(), 0.0, 0.0, []
    for point in sweep_points("mlp", state, spec):
        result = evaluator.evaluate(point.state, point.layer)
        paths[result.path] += 1
        measured = measure("mlp", state, point.settings, images, labels)
        with torch.inference_mode():
            dense = functional_call(module, point.state, (images,))  # measure's logits
        logit_gap = max(logit_gap, float((torch.cat(result.logits) - dense).abs().max()))
        loss_gap = max(loss_gap, abs(result.evaluation.loss - measured.loss))
        if result.evaluation.accuracy != measured.accuracy:
            unequal.append((point.layer, point.value))
    return {"paths": paths, "logit_gap": logit_gap, "loss_gap": loss_gap, "unequal": unequal}


def load_state(path: Path) -> dict:
    if path.exists():
        return load_checkpoint(path).state
    print(f"{path} not found: training an mlp for 2 epochs instead", file=sys.stderr)
    data = load_dataset("mnist")
    return train("mlp", data.train_images, data.train_labels, TrainConfig(epochs=2)).state


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=Path("checkpoints/mlp-mnist.pt"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    state = load_state(args.checkpoint)
    data = load_dataset("mnist")
    images, labels = data.test_images, data.test_labels
    model = build_model("mlp")
    model.load_state_dict(state)

    usual_runs, fast_runs = [], []
    for _ in range(args.repeats):
        usual_runs.append(usual_sensitivity(model, images, labels, SPARSITIES))
        fast_runs.append(fast_sensitivity(state, images, labels, SPARSITIES))
    usual_correct, usual_seconds = min(usual_runs, key=lambda run: sum(run[1].values()))
    _, fast_seconds = min(fast_runs, key=lambda run: sum(run[1].values()))

    print(
        f"mlp {args.checkpoint}, {len(usual_correct)} points (3 layers x {len(SPARSITIES)} "
        f"sparsities), {len(labels)} test images, torch threads {torch.get_num_threads()}, "
        f"best of {args.repeats}"
    )
    print(f"{'layer':<8}{'usual loop (s)':>16}{'run_sweep (s)':>16}{'speed-up':>10}")
    for layer in usual_seconds:
        usual, fast = usual_seconds[layer], fast_seconds[layer]
        print(f"{layer:<8}{usual:>16.2f}{fast:>16.2f}{usual / fast:>9.1f}x")
    usual, fast = sum(usual_seconds.values()), sum(fast_seconds.values())
    print(f"{'total':<8}{usual:>16.2f}{fast:>16.2f}{usual / fast:>9.1f}x")
    totals = [
        f"{sum(u[1].values()):.2f}/{sum(f[1].values()):.2f}"
        for u, f in zip(usual_runs, fast_runs, strict=True)
    ]
    print(f"all runs (usual/run_sweep, s): {', '.join(totals)}")

    all_runs = [run[0] for run in usual_runs + fast_runs]
    differing = sorted({key for run in all_runs for key in run if run[key] != usual_correct[key]})
    print(f"correct test images equal at {len(usual_correct) - len(differing)}/"
          f"{len(usual_correct)} points in every run")  # fmt: skip
    for layer, sparsity in differing:
        print(f"  differs: {layer} at sparsity {sparsity}")

    check = fast_path_check(state, images, labels, SPARSITIES)
    paths = ", ".join(f"{path} {count}" for path, count in sorted(check["paths"].items()))
    print(f"paths: {paths} (near-tie margin {TIE_MARGIN:g})")
    print(
        f"vs measure: max |logit difference| {check['logit_gap']:.2e}, "
        f"max |loss difference| {check['loss_gap']:.2e}, accuracy equal at "
        f"{len(usual_correct) - len(check['unequal'])}/{len(usual_correct)} points"
    )
    for layer, sparsity in check["unequal"]:
        print(f"  accuracy differs from measure: {layer} at sparsity {sparsity}")
    return 1 if differing or check["unequal"] else 0


if __name__ == "__main__":
    sys.exit(main())
