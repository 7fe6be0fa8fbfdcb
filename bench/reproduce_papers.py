"""Reproduce the papers' MNIST results on LeNet-300-100 (``mlp``) and print them next to ours.

1. Han et al. 2015, "Learning both Weights and Connections": iterative magnitude pruning
   with retraining, to the paper's per-layer kept fractions (8% / 9% / 26%).
2. Han et al. 2016, "Deep Compression": the same pruning, then weight sharing (k-means
   centroids per layer, retrained with the assignment fixed), then Huffman coding.
3. The smallest file we found below 2.0% test error (deeper pruning, fewer shared values).
4. k-bit integer weights (K = 8, 4, 2), before and after quantization-aware retraining.
5. BinaryConnect (Courbariaux et al. 2015) / BNN (Hubara et al. 2016): binarization-aware
   training with every layer binary, and with fc1 and fc3 kept in float32.

Every model is exported, loaded back from its bytes and evaluated on the 10,000 test
images: the error reported is the loaded file's, which must predict exactly like the
in-memory model. Run from the repository root:

    python bench/reproduce_papers.py [--baseline checkpoints/mlp-mnist.pt] [--only ROW ...]

Every retrained model is cached under ``runs/papers/stages/`` (the file name holds a digest
of the recipe and the baseline), so a second run, or a run of one row, retrains nothing
already done. Writes the tables, the command and the machine to ``bench/results/papers.md``
(only when every row ran), every compact file to ``runs/papers/`` and the Deep Compression
one also to ``bench/results/`` for anyone to check.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields, is_dataclass, replace
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compression.compress import compress  # noqa: E402
from compression.data import load_dataset  # noqa: E402
from compression.distill import Distillation  # noqa: E402
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
# Han et al. 2015: kept fractions of LeNet-300-100 (their Table 2).
HAN_KEPT = (("fc1", 0.08), ("fc2", 0.09), ("fc3", 0.26))


@dataclass(frozen=True)
class Pruning:
    """Han et al.'s loop: cut each layer to ``kept^(t / cuts)`` of its weights by magnitude,
    t = 1..cuts, retraining ``epochs`` after each cut (``final_epochs`` after the last) with
    the zeros held. ``distill``: learn from the dense baseline's soft targets (Hinton et al.
    2015, T 4, alpha 0.9) instead of the labels alone."""

    kept: tuple[tuple[str, float], ...]
    cuts: int
    epochs: int
    final_epochs: int
    lr: float
    lr_decay: float = 0.75
    distill: bool = False


@dataclass(frozen=True)
class Recut:
    """Prune on from a pruned model: each layer from ``start`` to ``kept`` of its weights,
    step t = 1..cuts keeping ``start * (kept / start)^(t / cuts)``, each cut retrained
    ``epochs`` epochs (seed ``seed + t``) with the zeros held."""

    start: tuple[tuple[str, float], ...]
    kept: tuple[tuple[str, float], ...]
    cuts: int
    epochs: int
    lr: float
    lr_decay: float = 0.85
    distill: bool = True
    seed: int = 20


@dataclass(frozen=True)
class Retraining:
    """Fine-tuning under ``settings``: the straight-through estimator for binary and k-bit
    values, trained centroids (assignment fixed) for shared values; zeros stay zero."""

    settings: CompressionSettings
    epochs: int
    lr: float
    lr_decay: float = 0.75
    distill: bool = False
    seed: int = 5
    batch_size: int = 128
    temperature: float = 4.0  # distillation T and alpha (Hinton et al.'s defaults here)
    alpha: float = 0.9


HAN = Pruning(HAN_KEPT, cuts=6, epochs=3, final_epochs=10, lr=1e-3, lr_decay=0.85, distill=True)
# Then a longer retraining of the pruned model from a larger step (2e-3, decay 0.75).
HAN_RETRAINING = Retraining(CompressionSettings(prune_threshold=0.0), 12, 2e-3, 0.75, True, 11)
# Deep Compression: Han's pruning with fc1 cut on to DC_FC1 (the file's bytes are mostly
# fc1's), then SHARED values per layer with their centroids retrained, then Huffman codes.
DC_FC1 = 0.075
DC_RECUT = Retraining(CompressionSettings(prune_threshold=0.0), 4, 5e-4, 0.85, True, seed=7)
DC_SHARED = 32
DC_SHARING = Retraining(
    CompressionSettings(prune_threshold=0.0, share_weights=DC_SHARED), 3, 1e-4, distill=True
)
# The smallest file below 2.0%: deeper pruning, fewer shared values.
SMALL = Pruning((("fc1", 0.05), ("fc2", 0.06), ("fc3", 0.2)), 6, 3, 10, 1e-3, 0.85, True)
# ... then on to 2.8% / 4% / 18% in 4 more cuts (fc1 holds 88% of the weights) ...
SMALL_RECUT = Recut(SMALL.kept, (("fc1", 0.028), ("fc2", 0.04), ("fc3", 0.18)), 4, 4, 1e-3)
SMALL_SHARING = Retraining(
    CompressionSettings(prune_threshold=0.0, share_weights=4), 8, 1e-3, distill=True
)
# k-bit integer weights, one scale per layer: the baseline rounded, then retrained with the
# straight-through estimator, distilled from the baseline (2 bits needs a larger step:
# most weights start at 0).
INT_BITS = (8, 4, 2)
INT_RETRAINING = {
    8: (2, 1e-4),
    4: (3, 1e-4),
    2: (6, 1e-3),
}  # bits: (epochs, lr)
# BinaryConnect-like: binarization-aware fine-tuning of the float baseline.
BINARY_EPOCHS, BINARY_LR = 8, 1e-3
ALL_BINARY = CompressionSettings(binarize_threshold=0.0)
MIDDLE_BINARY = CompressionSettings(binarize_threshold=0.0, layers=("fc2",))


@dataclass
class Outcome:
    """One of our rows, measured on the file that was written."""

    name: str  # also the file name: runs/papers/mlp-<name>.cxm
    error: float  # test error of the model loaded back from its file
    weights: int  # nonzero weights (biases not counted, as in the papers)
    kept: dict[str, float]  # fraction of weights kept per layer
    file_bytes: int
    dense_fp32_bytes: int  # 4 * (weights + biases) of the uncompressed model
    seconds: float  # training time of this row (all its stages, cached or not)


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


def described(recipe) -> str:
    """A recipe as text: a dataclass by its fields that differ from their defaults (so a
    field added later with a default that changes nothing keeps the cache), recursively."""
    if is_dataclass(recipe):
        changed = [
            f"{item.name}={described(getattr(recipe, item.name))}"
            for item in fields(recipe)
            if item.default is MISSING or getattr(recipe, item.name) != item.default
        ]
        return f"{type(recipe).__name__}({', '.join(changed)})"
    if isinstance(recipe, tuple):
        return "(" + ", ".join(described(part) for part in recipe) + ")"
    return repr(recipe)


class Lab:
    """The data, the dense baseline and a cache of retrained states on disk.

    ``stage(name, recipe, compute)`` returns ``compute()``'s state and the seconds it took,
    from ``<cache>/<name>-<digest>.pt`` when that exists; the digest covers the recipe's
    text (:func:`described`) and the baseline's weights, so a changed recipe retrains.
    """

    def __init__(self, data, base: dict[str, torch.Tensor], cache: Path):
        self.data, self.base, self.cache = data, base, cache
        digest = hashlib.sha256()
        for key in sorted(base):
            digest.update(key.encode() + base[key].numpy().tobytes())
        self.base_digest = digest.hexdigest()
        self.seconds: dict[str, float] = {}  # training time of each stage used, once each

    def stage(self, name: str, recipe, compute: Callable[[], dict]) -> tuple[dict, float]:
        key = hashlib.sha256(f"{self.base_digest} {described(recipe)}".encode()).hexdigest()[:12]
        path = self.cache / f"{name}-{key}.pt"
        if path.is_file():
            saved = torch.load(path)
            log(f"  {name}: cached ({path.name}, trained in {saved['seconds']:.0f} s)")
            self.seconds[name] = saved["seconds"]
            return saved["state"], saved["seconds"]
        started = time.perf_counter()
        state = compute()
        seconds = time.perf_counter() - started
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"state": state, "seconds": seconds, "recipe": described(recipe)}, path)
        self.seconds[name] = seconds
        return state, seconds

    def retrain(self, state, recipe: Retraining, epochs=None, seed=None):
        """Fine-tune ``state`` under ``recipe`` (``epochs``/``seed`` override its own)."""
        config = TrainConfig(
            epochs=epochs or recipe.epochs, learning_rate=recipe.lr, lr_decay=recipe.lr_decay,
            seed=recipe.seed if seed is None else seed, batch_size=recipe.batch_size,
        )  # fmt: skip
        teaching = Distillation(recipe.temperature, recipe.alpha) if recipe.distill else None

        def progress(record: dict) -> None:
            log(f"    epoch {record['epoch']}, loss {record['train_loss']:.4f}")

        result = finetune(
            "mlp", state, recipe.settings, self.data.train_images, self.data.train_labels,
            config, on_epoch=progress, distill=teaching,
            teacher=self.base,
        )  # fmt: skip
        return result.state

    def pruned(self, name: str, recipe: Pruning) -> tuple[dict, float]:
        def compute():
            state = self.base
            for step in range(1, recipe.cuts + 1):
                target = {layer: kept ** (step / recipe.cuts) for layer, kept in recipe.kept}
                log(f"  cut {step}/{recipe.cuts}: keep "
                    + ", ".join(f"{k} {v:.1%}" for k, v in target.items()))  # fmt: skip
                epochs = recipe.epochs if step < recipe.cuts else recipe.final_epochs
                held = Retraining(
                    CompressionSettings(prune_threshold=0.0), epochs, recipe.lr,
                    recipe.lr_decay, recipe.distill, seed=step,
                )  # fmt: skip
                state = self.retrain(cut(state, target), held)
            return state

        return self.stage(name, recipe, compute)

    def recut(self, name: str, start: dict, start_recipe, recipe: Recut):
        def compute():
            state, begin, end = start, dict(recipe.start), dict(recipe.kept)
            for step in range(1, recipe.cuts + 1):
                target = {
                    layer: begin[layer] * (end[layer] / begin[layer]) ** (step / recipe.cuts)
                    for layer in end
                }
                log(f"  recut {step}/{recipe.cuts}: keep "
                    + ", ".join(f"{k} {v:.2%}" for k, v in target.items()))  # fmt: skip
                held = Retraining(
                    CompressionSettings(prune_threshold=0.0), recipe.epochs, recipe.lr,
                    recipe.lr_decay, recipe.distill, seed=recipe.seed + step,
                )  # fmt: skip
                state = self.retrain(cut(state, target), held)
            return state

        return self.stage(name, (start_recipe, recipe), compute)

    def retrained(self, name: str, start: dict, start_recipe, recipe: Retraining):
        return self.stage(name, (start_recipe, recipe), lambda: self.retrain(start, recipe))


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


# Each row: (name, builder). A builder returns the state, its settings and the seconds.
def row_baseline(lab: Lab):
    return lab.base, None, 0.0


def row_han2015(lab: Lab):
    pruned, first = lab.pruned("han2015", HAN)
    state, second = lab.retrained("han2015-retrained", pruned, HAN, HAN_RETRAINING)
    return state, None, first + second


def huffman_coded(settings: CompressionSettings) -> CompressionSettings:
    """The same compression, its streams Huffman-coded in the file (the weights unchanged)."""
    return replace(settings, huffman=True)


def row_deep_compression(lab: Lab):
    pruned, first = lab.pruned("han2015", HAN)
    recut = (HAN, DC_FC1, DC_RECUT)
    state, second = lab.stage(
        "deep-compression-pruned", recut,
        lambda: lab.retrain(cut(pruned, {"fc1": DC_FC1}), DC_RECUT),
    )  # fmt: skip
    state, third = lab.retrained("deep-compression", state, recut, DC_SHARING)
    return state, huffman_coded(DC_SHARING.settings), first + second + third


def row_smallest(lab: Lab):
    pruned, first = lab.pruned("smallest-pruned", SMALL)
    state, second = lab.recut("smallest-recut", pruned, SMALL, SMALL_RECUT)
    state, third = lab.retrained("smallest", state, (SMALL, SMALL_RECUT), SMALL_SHARING)
    return state, huffman_coded(SMALL_SHARING.settings), first + second + third


def int_rows() -> dict[str, Callable]:
    """``intK``: the baseline rounded to K bits; ``intK-retrained``: then retrained."""
    rows = {}
    for bits in INT_BITS:
        settings = CompressionSettings(quantize_bits=bits)
        recipe = Retraining(settings, *INT_RETRAINING[bits], distill=True)

        def rounded(lab: Lab, settings=settings):
            return compress(lab.base, LAYERS, settings).state, settings, 0.0

        def retrained(lab: Lab, recipe=recipe, bits=bits):
            state, seconds = lab.retrained(f"int{bits}", lab.base, None, recipe)
            return state, recipe.settings, seconds

        rows[f"int{bits}"], rows[f"int{bits}-retrained"] = rounded, retrained
    return rows


def binary_row(name: str, settings: CompressionSettings) -> Callable:
    recipe = Retraining(settings, BINARY_EPOCHS, BINARY_LR)

    def build(lab: Lab):
        state, seconds = lab.retrained(name, lab.base, None, recipe)
        return state, settings, seconds

    return build


ROWS: dict[str, Callable] = {
    "baseline": row_baseline,
    "han2015": row_han2015,
    "deep-compression": row_deep_compression,
    "smallest": row_smallest,
    **int_rows(),
    "binary-all": binary_row("binary-all", ALL_BINARY),
    "binary-fc2": binary_row("binary-fc2", MIDDLE_BINARY),
}


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


def recipe_text(recipe: Pruning) -> str:
    teacher = ", distilled" if recipe.distill else ""
    epochs = f"{recipe.cuts - 1} x {recipe.epochs} + {recipe.final_epochs} epochs"
    return f"{recipe.cuts} cuts, {epochs}{teacher}"


def papers_table(rows: dict[str, Outcome]) -> str:
    """The papers' rows (as published) above ours (measured on the written files)."""
    base, han, dc, small = (
        rows["baseline"],
        rows["han2015"],
        rows["deep-compression"],
        rows["smallest"],
    )
    before = percent(base.error)

    def from_base(outcome: Outcome) -> str:
        return f"{before} -> {percent(outcome.error)}"

    def weights(outcome: Outcome) -> str:
        return f"{base.weights:,} -> {outcome.weights:,} ({base.weights / outcome.weights:.1f}x)"

    lines = [
        "| Source | Method | Test error | Kept fc1 / fc2 / fc3 | Weights | File | vs float32 |",
        "|---|---|---|---|---|---|---|",
        ours(base, "float32 baseline (LeNet-300-100)", before, f"{base.weights:,}"),
        "| Han et al. 2015 | prune + retrain | 1.64% -> 1.59% | 8% / 9% / 26% "
        "| 267K -> 22K (12x) | - | - |",
        ours(han, f"iterative prune + retrain, {recipe_text(HAN)}, then "
             f"{HAN_RETRAINING.epochs} more at lr {HAN_RETRAINING.lr:g}",
             from_base(han), weights(han)),
        "| Han et al. 2016, Deep Compression | prune + quantize (6 bits) + Huffman "
        "| 1.64% -> 1.58% | 8% / 9% / 26% | 22K | 1070 KB -> 27 KB | 40x |",
        ours(dc, f"the pruning above (without the {HAN_RETRAINING.epochs} more epochs) + "
             f"{DC_SHARED} shared values per layer, centroids retrained",
             from_base(dc), weights(dc)),
        ours(small, f"smallest below 2%: prune ({recipe_text(SMALL)}), "
             f"{SMALL_RECUT.cuts} more cuts x {SMALL_RECUT.epochs} epochs, "
             f"{SMALL_SHARING.settings.share_weights} shared values, retrained",
             from_base(small), weights(small)),
    ]  # fmt: skip
    for bits in INT_BITS:
        for suffix, how in (
            ("", "no retraining"),
            ("-retrained", f"{INT_RETRAINING[bits][0]} epochs of quantization-aware retraining"),
        ):
            outcome = rows[f"int{bits}{suffix}"]
            lines.append(ours(outcome, f"{bits}-bit weights, one scale per layer, {how}",
                              from_base(outcome), f"{outcome.weights:,}"))  # fmt: skip
    lines += [
        "| BinaryConnect / BNN | binary weights, large MLPs | about 1-1.3% | all binary "
        "| - | - | - |",
        ours(rows["binary-all"], "binarization-aware training, all layers binary",
             from_base(rows["binary-all"]), f"{rows['binary-all'].weights:,}"),
        ours(rows["binary-fc2"], "same, fc1 and fc3 kept float32",
             from_base(rows["binary-fc2"]), f"{rows['binary-fc2'].weights:,}"),
    ]  # fmt: skip
    return "\n".join(lines)


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
    parser.add_argument(
        "--only", nargs="+", choices=sorted(ROWS), metavar="ROW",
        help=f"run only these rows and print them (no report written): {', '.join(ROWS)}",
    )  # fmt: skip
    args = parser.parse_args()
    # One thread: on a shared 2-core machine two threads were several times slower.
    torch.set_num_threads(1)
    started = time.perf_counter()
    data = load_dataset("mnist")
    base_state, base_source = baseline_state(args.baseline, data)
    out = args.files_dir
    lab = Lab(data, base_state, out / "stages")
    rows = {}
    for name in args.only or ROWS:
        log(f"{name}:")
        state, settings, seconds = ROWS[name](lab)
        rows[name] = measured(name, state, settings, data, out, seconds)
    total = time.perf_counter() - started
    if args.only:
        for outcome in rows.values():
            print(outcome)
        return 0
    float32_checkpoint = checkpoint_bytes(Checkpoint("mlp", base_state, {"dataset": "mnist"}))
    files = {
        "float32 checkpoint (.pt, torch.save)": float32_checkpoint,
        **{f"mlp-{name}.cxm": (out / f"mlp-{name}.cxm").read_bytes() for name in rows},
    }
    command = "python bench/reproduce_papers.py" + "".join(f" {a}" for a in sys.argv[1:])
    trained = sum(lab.seconds.values())
    report = "\n".join(
        [
            "# MNIST papers reproduced on LeNet-300-100",
            "",
            f"Command: `{command}` (from the repository root); {total / 60:.1f} minutes for "
            f"this run, {trained / 60:.1f} minutes of training when nothing is cached.",
            f"Machine: {machine()}.",
            f"Baseline: {base_source}.",
            "",
            papers_table(rows),
            "",
            "Test error of the exported file loaded back (10,000 MNIST test images); File = its "
            "size on disk; vs float32 = 4 bytes x (weights + biases) = "
            f"{rows['baseline'].dense_fp32_bytes:,} B over the file size. Training time per row "
            "(stages shared by rows counted in each): "
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
