"""Reproduce three MNIST results on LeNet-300-100 (``mlp``) and print them next to the papers'.

1. Han et al. 2015, "Learning both Weights and Connections": iterative magnitude pruning
   with retraining, to the paper's per-layer kept fractions (8% / 9% / 26%).
2. Han et al. 2016, "Deep Compression" (prune, quantize, Huffman-code): here pruning +
   binary values (the kept weights of a layer become +-a, pruned ones 0) + retraining,
   written as a real ``.cxm`` file whose size on disk is the number reported.
3. BinaryConnect (Courbariaux et al. 2015) / BNN (Hubara et al. 2016): binarization-aware
   training (straight-through estimator) with every layer binary, and with fc1 and fc3
   kept in float32.

Every model is exported, loaded back from its bytes and evaluated on the 10,000 test
images: the error reported is the loaded file's, which must predict exactly like the
in-memory model. Run from the repository root:

    python bench/reproduce_papers.py [--baseline checkpoints/mlp-mnist.pt]

About 45 epochs of MNIST on one CPU thread. Writes the tables, the command and the
machine to ``bench/results/papers.md``, every compact file to ``runs/papers/`` and the
Deep-Compression-like one (20 KB) also to ``bench/results/`` for anyone to check.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compression.data import load_dataset  # noqa: E402
from compression.files.checkpoint import Checkpoint, atomic_write_bytes, checkpoint_bytes  # noqa: E402
from compression.files.compact_format import MAGIC, load_compact  # noqa: E402
from compression.files.export import export_bytes  # noqa: E402
from compression.files.model_file import load_model_file  # noqa: E402
from compression.files.packing import COMPRESSORS, pack  # noqa: E402
from compression.methods.prune import sparsity_mask  # noqa: E402
from compression.models import module_for  # noqa: E402
from compression.settings import CompressionSettings  # noqa: E402
from compression.size import size_summary, size_table  # noqa: E402
from compression.train import TrainConfig, evaluate, finetune, train  # noqa: E402

LAYERS = ["fc1", "fc2", "fc3"]
# Han et al. 2015: kept fractions of LeNet-300-100 (their Table 2), reached in HAN_CUTS cuts
# of kept^(t / HAN_CUTS), each followed by HAN_EPOCHS of retraining (twice that after the last).
HAN_KEPT = {"fc1": 0.08, "fc2": 0.09, "fc3": 0.26}
HAN_CUTS, HAN_EPOCHS, HAN_LR = 4, 2, 5e-4
# Deep-Compression-like: a binary value costs 1 bit but its position ~7 bits, so only the
# big fc1 is pruned (to 7%, in 3 cuts); fc2 and fc3 stay dense, every layer is binary.
DC_KEPT = {"fc1": 0.07}
DC_CUTS, DC_EPOCHS, DC_LR = 3, 12, 1e-3
DC_SETTINGS = CompressionSettings(prune_threshold=0.0, binarize_threshold=0.0)
# BinaryConnect-like: binarization-aware fine-tuning of the float baseline.
BINARY_EPOCHS, BINARY_LR = 8, 1e-3
ALL_BINARY = CompressionSettings(binarize_threshold=0.0)
MIDDLE_BINARY = CompressionSettings(binarize_threshold=0.0, layers=("fc2",))


@dataclass
class Outcome:
    """One of our rows, measured on the file that was written."""

    name: str  # also the file name: bench/results/mlp-<name>.cxm
    error: float  # test error of the model loaded back from its file
    weights: int  # nonzero weights (biases not counted, as in the papers)
    kept: dict[str, float]  # fraction of weights kept per layer
    file_bytes: int
    dense_fp32_bytes: int  # 4 * (weights + biases) of the uncompressed model
    seconds: float  # training time of this row


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def nonzero_fractions(state: dict[str, torch.Tensor]) -> dict[str, float]:
    return {name: float((state[f"{name}.weight"] != 0).float().mean()) for name in LAYERS}


def cut(state: dict[str, torch.Tensor], kept: dict[str, float]) -> dict[str, torch.Tensor]:
    """New state keeping the fraction ``kept[layer]`` of the largest |W| in each named layer."""
    new = dict(state)
    for name, fraction in kept.items():
        weight = state[f"{name}.weight"]
        new[f"{name}.weight"] = weight * sparsity_mask(weight, 1 - fraction)
    return new


def retrain(state, settings, epochs, lr, data, seed):
    """Fine-tune under ``settings``; zeros stay zero where the settings prune."""
    config = TrainConfig(epochs=epochs, learning_rate=lr, seed=seed)

    def progress(record: dict) -> None:
        log(f"    epoch {record['epoch']}, loss {record['train_loss']:.4f}")

    result = finetune(
        "mlp", state, settings, data.train_images, data.train_labels, config, on_epoch=progress
    )
    return result.state


def iterative_pruning(state, kept, cuts, epochs, lr, data, layers=None):
    """Han et al.'s loop: cut to ``kept^(t/cuts)``, retrain with the cut held, t = 1..cuts."""
    settings = CompressionSettings(prune_threshold=0.0, layers=layers)
    for step in range(1, cuts + 1):
        target = {name: fraction ** (step / cuts) for name, fraction in kept.items()}
        log(f"  cut {step}/{cuts}: keep " + ", ".join(f"{k} {v:.1%}" for k, v in target.items()))
        step_epochs = epochs if step < cuts else 2 * epochs
        state = retrain(cut(state, target), settings, step_epochs, lr, data, seed=step)
    return state


def measured(name, state, settings, data, out_dir, seconds) -> Outcome:
    """Export ``state``, load the bytes back, check the predictions, measure the loaded file."""
    payload = export_bytes("mlp", state, settings)
    loaded = load_compact(payload).state
    module = module_for("mlp")
    in_memory = evaluate(module, state, data.test_images, data.test_labels)
    from_file = evaluate(module, loaded, data.test_images, data.test_labels)
    if not torch.equal(in_memory.predictions, from_file.predictions):
        raise RuntimeError(f"{name}: the loaded file predicts differently from the model")
    atomic_write_bytes(out_dir / f"mlp-{name}.cxm", payload)
    weights = sum(int((loaded[f"{layer}.weight"] != 0).sum()) for layer in LAYERS)
    dense = size_summary(size_table(loaded, LAYERS))["size_bytes"]["dense_fp32"]
    outcome = Outcome(
        name, 1 - from_file.accuracy, weights, nonzero_fractions(loaded), len(payload), dense,
        seconds,
    )  # fmt: skip
    log(f"{name}: error {outcome.error:.2%}, {weights:,} weights, file {len(payload):,} bytes")
    return outcome


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    return function(*args, **kwargs), time.perf_counter() - started


def baseline_state(path: Path, data) -> tuple[dict[str, torch.Tensor], str]:
    """The float baseline: the given checkpoint, or the default recipe trained here."""
    if path.is_file():
        checkpoint = load_model_file(path)
        if checkpoint.model_name != "mlp":
            raise SystemExit(f"{path} holds a {checkpoint.model_name}, not the mlp")
        return checkpoint.state, f"`{path.name}` ({checkpoint.metadata.get('command', '')})"
    log(f"{path} not found: training the baseline with the default recipe")
    result = train("mlp", data.train_images, data.train_labels, TrainConfig())
    return result.state, "trained here with `TrainConfig()` (8 epochs, seed 0)"


def percent(fraction: float) -> str:
    return f"{100 * fraction:.2f}%"


def kept_text(kept: dict[str, float]) -> str:
    return " / ".join(f"{100 * kept[name]:.1f}%" for name in LAYERS)


def ours(outcome: Outcome, method: str, error: str, weights: str) -> str:
    ratio = outcome.dense_fp32_bytes / outcome.file_bytes
    return (
        f"| this repo | {method} | {error} | {kept_text(outcome.kept)} | {weights} "
        f"| {outcome.file_bytes:,} B | {ratio:.1f}x |"
    )


def papers_table(rows: dict[str, Outcome]) -> str:
    """The papers' rows (as published) above ours (measured on the written files)."""
    base, han, dc = rows["baseline"], rows["han2015"], rows["deep-compression"]
    before = percent(base.error)
    return "\n".join(
        [
            "| Source | Method | Test error | Kept fc1 / fc2 / fc3 | Weights | File | vs float32 |",
            "|---|---|---|---|---|---|---|",
            ours(base, "float32 baseline (LeNet-300-100)", before, f"{base.weights:,}"),
            "| Han et al. 2015 | prune + retrain | 1.64% -> 1.59% | 8% / 9% / 26% "
            "| 267K -> 22K (12x) | - | - |",
            ours(
                han, f"iterative prune + retrain, {HAN_CUTS} cuts",
                f"{before} -> {percent(han.error)}",
                f"{base.weights:,} -> {han.weights:,} ({base.weights / han.weights:.1f}x)",
            ),
            "| Han et al. 2016, Deep Compression | prune + quantize (6 bits) + Huffman "
            "| 1.64% -> 1.58% | 8% / 9% / 26% | 22K | 1070 KB -> 27 KB | 40x |",
            ours(
                dc, "prune fc1 + binary values (+-a) + retrain",
                f"{before} -> {percent(dc.error)}", f"{dc.weights:,}",
            ),
            "| BinaryConnect / BNN | binary weights, large MLPs | about 1-1.3% | all binary "
            "| - | - | - |",
            ours(rows["binary-all"], "binarization-aware training, all layers binary",
                 percent(rows["binary-all"].error), f"{rows['binary-all'].weights:,}"),
            ours(rows["binary-fc2"], "same, fc1 and fc3 kept float32",
                 percent(rows["binary-fc2"].error), f"{rows['binary-fc2'].weights:,}"),
        ]
    )  # fmt: skip


def packed_sizes(payload: bytes) -> list[int]:
    """Bytes of a file with each compressor: a .cxm re-exported with ``--compress`` (header
    left plain), any other file packed whole."""
    if payload.startswith(MAGIC):
        loaded = load_compact(payload)
        recorded = loaded.metadata["compression"]
        settings = None if recorded is None else CompressionSettings.from_dict(recorded)
        return [
            len(export_bytes("mlp", loaded.state, settings, compressor=compressor))
            for compressor in COMPRESSORS
        ]
    return [len(pack(payload, compressor)) for compressor in COMPRESSORS]


def compressor_table(files: dict[str, bytes]) -> str:
    """Bytes of each file as written and after a general-purpose compressor on top."""
    header = "| File | " + " | ".join(COMPRESSORS) + " |"
    lines = [header, "|---" * (len(COMPRESSORS) + 1) + "|"]
    for name, payload in files.items():
        sizes = packed_sizes(payload)
        cells = [f"{size:,} ({100 * (size / sizes[0] - 1):+.1f}%)" for size in sizes[1:]]
        lines.append(f"| {name} | {sizes[0]:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} CPU cores (nproc), {model}; Python {platform.python_version()}, "
        f"torch {torch.__version__}, {torch.get_num_threads()} torch thread"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, default=ROOT / "checkpoints" / "mlp-mnist.pt")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--files-dir", type=Path, default=ROOT / "runs" / "papers")
    args = parser.parse_args()
    # One thread: on a shared 2-core machine two threads were several times slower.
    torch.set_num_threads(1)
    started = time.perf_counter()
    data = load_dataset("mnist")
    base_state, base_source = baseline_state(args.baseline, data)
    out = args.files_dir
    rows = {"baseline": measured("baseline", base_state, None, data, out, 0.0)}

    log("Han et al. 2015: iterative pruning")
    han, seconds = timed(
        iterative_pruning, base_state, HAN_KEPT, HAN_CUTS, HAN_EPOCHS, HAN_LR, data
    )
    rows["han2015"] = measured("han2015", han, None, data, out, seconds)

    log("Deep Compression-like: prune fc1, then binary values")
    pruned, seconds = timed(
        iterative_pruning, base_state, DC_KEPT, DC_CUTS, HAN_EPOCHS, HAN_LR, data, ("fc1",)
    )
    dc, more = timed(retrain, pruned, DC_SETTINGS, DC_EPOCHS, DC_LR, data, 5)
    rows["deep-compression"] = measured(
        "deep-compression", dc, DC_SETTINGS, data, out, seconds + more
    )

    for name, settings in (("binary-all", ALL_BINARY), ("binary-fc2", MIDDLE_BINARY)):
        log(f"BinaryConnect-like: {name}")
        state, seconds = timed(retrain, base_state, settings, BINARY_EPOCHS, BINARY_LR, data, 5)
        rows[name] = measured(name, state, settings, data, out, seconds)

    total = time.perf_counter() - started
    float32_checkpoint = checkpoint_bytes(Checkpoint("mlp", base_state, {"dataset": "mnist"}))
    files = {
        "float32 checkpoint (.pt, torch.save)": float32_checkpoint,
        **{f"mlp-{name}.cxm": (out / f"mlp-{name}.cxm").read_bytes() for name in rows},
    }
    command = "python bench/reproduce_papers.py" + "".join(f" {a}" for a in sys.argv[1:])
    report = "\n".join(
        [
            "# MNIST papers reproduced on LeNet-300-100",
            "",
            f"Command: `{command}` (from the repository root); {total / 60:.1f} minutes in all.",
            f"Machine: {machine()}.",
            f"Baseline: {base_source}.",
            "",
            papers_table(rows),
            "",
            "Test error of the exported file loaded back (10,000 MNIST test images); File = its "
            "size on disk; vs float32 = 4 bytes x (weights + biases) = "
            f"{rows['baseline'].dense_fp32_bytes:,} B over the file size. Training time per row: "
            + ", ".join(f"{o.name} {o.seconds:.0f} s" for o in rows.values() if o.seconds)
            + ".",
            "",
            "General-purpose compressors on top (standard library, level 9, lzma = xz): the "
            ".cxm files re-exported with `--compress` (header plain, weight streams packed), "
            "the .pt file packed whole. Percentages against the file as written.",
            "",
            compressor_table(files),
            "",
        ]
    )
    atomic_write_bytes(args.out_dir / "papers.md", report.encode())
    headline = "mlp-deep-compression.cxm"
    atomic_write_bytes(args.out_dir / headline, (out / headline).read_bytes())
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
