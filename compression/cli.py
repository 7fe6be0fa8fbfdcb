"""``python -m compression``: train, evaluate, fine-tune and export from the command line.

Every subcommand checks all of its arguments before it reads data or writes a
file; a bad one ends the program with exit code 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from compression.budget.command import add_budget_command
from compression.compress import compress
from compression.data import DATASETS, DataFileError, load_dataset, subset
from compression.distill import DEFAULT_ALPHA, DEFAULT_TEMPERATURE, TEMPERATURE_MAX, Distillation
from compression.files.checkpoint import (
    Checkpoint,
    CheckpointError,
    atomic_write_bytes,
    save_checkpoint,
)
from compression.files.compact_format import load_compact
from compression.files.export import export_bytes
from compression.files.metadata import as_parent
from compression.files.model_file import load_model_file
from compression.files.output_path import OutputPathError, check_writable
from compression.files.packing import COMPRESSORS
from compression.measure import measure
from compression.methods import METHODS, all_controls
from compression.methods.controls import CHOICE, NUMBER, Control
from compression.models import MODELS, layer_names_for
from compression.settings import CompressionSettings, SettingsError
from compression.size import size_summary, size_table
from compression.sweeps.sweep import (
    SWEEP_METHODS,
    SweepSpec,
    parse_values,
    run_sweep,
    sweep_csv,
    write_sweep_csv,
)
from compression.train import EPOCHS_MAX, SEED_MAX, TrainConfig, config_dict, finetune, train


class UsageError(Exception):
    """A command-line argument is wrong; the message is the one line to print."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not the usage block
        raise UsageError(message)


def _float_in(low: float, high: float | None = None) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
        if value != value or value < low or (high is not None and value > high):
            bounds = f">= {low}" if high is None else f"between {low} and {high}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {text}")
        return value

    return parse


def _int_in(low: int, high: int | None = None) -> Callable[[str], int]:
    """A whole number in [low, high], checked before anything is read or run."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:  # also past Python's 4,300 digits: quote only the start
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text[:40]!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {text[:40]}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high}, got {text[:40]}")
        return value

    return parse


def _control_option(control: Control) -> dict:
    """argparse's keywords for one method control."""
    options = {"dest": control.field, "help": control.cli_help or None}
    if control.kind == NUMBER and control.integer:
        high = None if control.high is None else int(control.high)
        return {**options, "type": _int_in(int(control.low), high), "metavar": control.metavar}
    if control.kind == NUMBER:
        return {**options, "type": _float_in(control.low, control.high), "metavar": control.metavar}
    if control.kind == CHOICE:
        return {**options, "choices": control.choices, "default": control.default}
    return {**options, "action": "store_true"}


def add_compression_options(parser: argparse.ArgumentParser) -> None:
    """The options shared by every subcommand that compresses: each method's controls."""
    group = parser.add_argument_group("compression")
    added = set()  # a control two methods share (--per-channel) is one option
    for method in METHODS.values():
        exclusive = group.add_mutually_exclusive_group() if method.alternatives else None
        for control in method.controls:
            if control.field in added:
                continue
            added.add(control.field)
            alternative = exclusive is not None and control.field in method.alternatives.fields
            target = exclusive if alternative else group
            target.add_argument(control.flag, **_control_option(control))
    group.add_argument("--layers", metavar="L1,L2", help="layers to compress (default: all)")


def add_distillation_options(parser: argparse.ArgumentParser) -> None:
    """``--distill`` and its two numbers, each checked by :class:`Distillation` as it is read."""

    def checked(field: str) -> Callable[[str], float]:
        def parse(text: str) -> float:
            try:
                value = float(text)
            except ValueError:
                raise argparse.ArgumentTypeError(f"must be a number, got {text[:40]!r}") from None
            try:
                Distillation(**{field: value}).validated()
            except ValueError as error:
                raise argparse.ArgumentTypeError(str(error)) from None
            return value

        return parse

    group = parser.add_argument_group("distillation (Hinton et al. 2015)")
    group.add_argument(
        "--distill", action="store_true",
        help="learn from the uncompressed model's softened outputs as well as the labels",
    )  # fmt: skip
    group.add_argument(
        "--distill-temperature", type=checked("temperature"), metavar="T",
        help=f"softmax temperature, in (0, {TEMPERATURE_MAX:g}] (default {DEFAULT_TEMPERATURE:g})",
    )  # fmt: skip
    group.add_argument(
        "--distill-alpha", type=checked("alpha"), metavar="A",
        help=f"weight of the teacher's term, in [0, 1] (default {DEFAULT_ALPHA:g})",
    )  # fmt: skip


def distillation_from(args: argparse.Namespace) -> Distillation | None:
    """The recipe asked for, or None; its numbers without ``--distill`` are refused."""
    numbers = {"temperature": args.distill_temperature, "alpha": args.distill_alpha}
    given = {field: value for field, value in numbers.items() if value is not None}
    if not args.distill:
        if given:
            raise UsageError(f"--distill-{next(iter(given))} needs --distill")
        return None
    return Distillation(**given).validated()


def settings_from(args: argparse.Namespace, model_name: str) -> CompressionSettings:
    layers = None
    if args.layers is not None:
        layers = tuple(name.strip() for name in args.layers.split(",") if name.strip())
    chosen = {control.field: getattr(args, control.field) for control in all_controls()}
    settings = CompressionSettings(**chosen, layers=layers)
    return settings.validated(layer_names_for(model_name))


def _check_output(path: str, option: str = "--out") -> Path:
    """The output path, once a file can be written there: checked before any long work."""
    try:
        return check_writable(Path(path))
    except OutputPathError as error:
        raise UsageError(f"{option} {error}") from None


def _progress(record: dict) -> None:
    parts = [f"epoch {record['epoch']}", f"loss {record['train_loss']:.4f}"]
    if "test_accuracy" in record:
        parts.append(f"test accuracy {100 * record['test_accuracy']:.2f}%")
    print(", ".join(parts), file=sys.stderr, flush=True)


def cmd_train(args: argparse.Namespace) -> int:
    out = _check_output(args.out)
    config = TrainConfig(
        epochs=args.epochs, learning_rate=args.lr, batch_size=args.batch_size,
        seed=args.seed, train_subset=args.train_subset,
    ).validated()  # fmt: skip
    data = load_dataset(args.dataset)
    images, labels = subset(data.train_images, data.train_labels, args.train_subset, args.seed)
    result = train(
        args.model, images, labels, config, on_epoch=_progress,
        test_set=(data.test_images, data.test_labels),
    )  # fmt: skip
    metadata = {
        "dataset": args.dataset,
        "train_config": config_dict(config),
        "history": result.history,
        "test_accuracy": result.history[-1]["test_accuracy"],
        "command": "python -m compression " + shlex.join(getattr(args, "argv", sys.argv[1:])),
    }
    save_checkpoint(out, Checkpoint(args.model, result.state, metadata))
    print(json.dumps({"out": str(out), "test_accuracy": metadata["test_accuracy"]}))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    checkpoint = load_model_file(args.checkpoint)
    settings = settings_from(args, checkpoint.model_name)
    data = load_dataset(checkpoint.metadata.get("dataset", "mnist"))
    measured = measure(
        checkpoint.model_name, checkpoint.state, settings, data.test_images, data.test_labels
    )
    result = measured.to_dict()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{result['model']}: accuracy {100 * result['accuracy']:.2f}%, "
            f"sparsity {100 * result['sparsity']:.1f}%, "
            f"{result['size_bytes']['compressed']:,} bytes compressed vs "
            f"{result['size_bytes']['dense_fp32']:,} dense float32 "
            f"({result['compression_ratio']:.1f}x)"
        )
        print(measured.sizes.drop(columns=["shape"]).to_string(index=False))
    return 0


def cmd_finetune(args: argparse.Namespace) -> int:
    distill = distillation_from(args)
    out = _check_output(args.out)
    checkpoint = load_model_file(args.checkpoint)
    settings = settings_from(args, checkpoint.model_name)
    config = TrainConfig(
        epochs=args.epochs, learning_rate=args.lr, batch_size=args.batch_size, seed=args.seed,
        train_subset=args.train_subset,
    ).validated()  # fmt: skip
    dataset = checkpoint.metadata.get("dataset", "mnist")
    data = load_dataset(dataset)
    images, labels = subset(data.train_images, data.train_labels, args.train_subset, args.seed)
    result = finetune(
        checkpoint.model_name, checkpoint.state, settings, images, labels, config,
        on_epoch=_progress, test_set=(data.test_images, data.test_labels), distill=distill,
    )  # fmt: skip
    metadata = {
        "dataset": dataset,
        "train_config": config_dict(config),
        "distillation": None if distill is None else distill.to_dict(),
        "history": result.history,
        "test_accuracy": result.history[-1]["test_accuracy"],
        "compression": settings.to_dict(),
        "finetuned_from": as_parent(checkpoint.metadata),  # checked and bounded on loading
        "command": "python -m compression " + shlex.join(getattr(args, "argv", sys.argv[1:])),
    }
    save_checkpoint(out, Checkpoint(checkpoint.model_name, result.state, metadata))
    print(json.dumps({"out": str(out), "test_accuracy": metadata["test_accuracy"]}))
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    values = parse_values(args.values, args.method)
    out = None if args.csv == "-" else _check_output(args.csv, "--csv")
    checkpoint = load_model_file(args.checkpoint)
    base = settings_from(args, checkpoint.model_name)
    spec = SweepSpec(args.method, values, args.per_layer, base)
    spec.validated(layer_names_for(checkpoint.model_name))
    data = load_dataset(checkpoint.metadata.get("dataset", "mnist"))
    table = run_sweep(
        checkpoint.model_name, checkpoint.state, spec, data.test_images, data.test_labels,
        on_point=lambda progress: print(
            f"{progress.done}/{progress.total} {progress.label}", file=sys.stderr, flush=True
        ),
    )  # fmt: skip
    if out is None:
        print(sweep_csv(table), end="")
    else:
        write_sweep_csv(table, out)
        print(table.to_string(index=False))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    out = _check_output(args.out)
    checkpoint = load_model_file(args.checkpoint)
    settings = settings_from(args, checkpoint.model_name)
    layers = layer_names_for(checkpoint.model_name)
    state = compress(checkpoint.state, layers, settings).state
    huffman = settings.huffman  # an encoding: asked for here, whatever made the weights
    if settings.is_identity and isinstance(checkpoint.metadata.get("compression"), dict):
        made = CompressionSettings.from_dict(checkpoint.metadata["compression"])  # made so
        settings = replace(made, huffman=huffman)
    dataset = checkpoint.metadata.get("dataset", "mnist")
    payload = export_bytes(checkpoint.model_name, state, settings, dataset, args.compress)
    written = load_compact(payload, label=str(out)).metadata
    sizes = size_summary(size_table(state, layers, huffman))["size_bytes"]
    atomic_write_bytes(out, payload)
    result = {
        "out": str(out),
        "model": checkpoint.model_name,
        "compressor": args.compress,
        "huffman": huffman,
        "file_bytes": len(payload),  # on disk
        "header_bytes": written["header_bytes"],
        "accounted_bytes": sizes["compressed"],  # the size accounting (evaluate, the app)
        "dense_fp32_bytes": sizes["dense_fp32"],
        "compression_ratio": sizes["dense_fp32"] / len(payload),  # float32 / file
    }
    print(json.dumps(result))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m compression", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def add_training_options(sub, epochs: int, lr: float) -> None:
        sub.add_argument("--epochs", type=_int_in(1, EPOCHS_MAX), default=epochs)
        sub.add_argument("--lr", type=_float_in(1e-8, 1.0), default=lr)
        sub.add_argument("--batch-size", type=_int_in(1), default=128)
        sub.add_argument("--seed", type=_int_in(0, SEED_MAX), default=0)
        sub.add_argument("--train-subset", type=_int_in(1), metavar="N")
        sub.add_argument("--out", required=True, metavar="CKPT")

    defaults = TrainConfig()
    sub = commands.add_parser("train", help="train a model and write a checkpoint")
    sub.add_argument("--model", choices=sorted(MODELS), default="mlp")
    sub.add_argument("--dataset", choices=sorted(DATASETS), default="mnist")
    add_training_options(sub, defaults.epochs, defaults.learning_rate)
    sub.set_defaults(run=cmd_train)

    sub = commands.add_parser("evaluate", help="accuracy and size of a (compressed) model")
    sub.add_argument("--checkpoint", required=True, metavar="CKPT")
    sub.add_argument("--json", action="store_true", help="print one JSON object")
    add_compression_options(sub)
    sub.set_defaults(run=cmd_evaluate)

    sub = commands.add_parser("finetune", help="retrain with the compression held fixed")
    sub.add_argument("--checkpoint", required=True, metavar="CKPT")
    add_compression_options(sub)
    add_training_options(sub, 2, 5e-4)
    add_distillation_options(sub)
    sub.set_defaults(run=cmd_finetune)

    sub = commands.add_parser("sweep", help="accuracy and size over a list of values (CSV)")
    sub.add_argument("--checkpoint", required=True, metavar="CKPT")
    sub.add_argument("--method", required=True, choices=sorted(SWEEP_METHODS))
    sub.add_argument("--values", required=True, metavar="V1,V2,...", help="values to sweep")
    sub.add_argument("--per-layer", action="store_true", help="one layer at a time, others fixed")
    sub.add_argument("--csv", required=True, metavar="OUT", help="CSV file to write ('-': stdout)")
    add_compression_options(sub)
    sub.set_defaults(run=cmd_sweep)

    sub = commands.add_parser("export", help="write the compressed model as a compact file")
    sub.add_argument("--checkpoint", required=True, metavar="CKPT")
    add_compression_options(sub)
    sub.add_argument(
        "--compress", choices=COMPRESSORS, default="none",
        help="also pack the weights with a general-purpose compressor (default: none)",
    )  # fmt: skip
    sub.add_argument("--out", required=True, metavar="FILE.cxm")
    sub.set_defaults(run=cmd_export)

    add_budget_command(commands, _int_in(1), _check_output)
    return parser


def _one_line(error: OSError) -> str:
    """``/out/x.pt: Permission denied``, not Python's ``[Errno 13] ...`` or a traceback."""
    text = error.strerror or str(error) or type(error).__name__
    if error.filename is not None:
        text = f"{error.filename}: {text}"
    return " ".join(text.split())


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        args.argv = sys.argv[1:] if argv is None else list(argv)  # recorded in checkpoints
        return args.run(args)
    except (UsageError, SettingsError, CheckpointError, DataFileError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `... | head`: the reader left, nothing more to say
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's flush quiet
        return 0
    except OSError as error:  # a denied permission, a full disk, a read-only file system
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written", file=sys.stderr)
        return 130
