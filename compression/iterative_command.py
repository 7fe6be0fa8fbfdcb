"""``python -m compression iterate``: Han's prune-and-retrain rounds, then the lottery rewind.

The subcommand is registered by :func:`add_iterate_command`; the command line's own checks
(numbers in a range, a writable output path) are passed in by :mod:`compression.cli`, so
they are written once.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

from compression.data import load_dataset, subset
from compression.files.checkpoint import Checkpoint, save_checkpoint
from compression.files.model_file import load_model_file
from compression.iterative import ROUNDS_MAX, Schedule, iterate
from compression.lottery import other_seed, rewind
from compression.train import EPOCHS_MAX, SEED_MAX, TrainConfig, config_dict

RETRAIN_RATE = 5e-4  # finetune's default step size
TICKET_RATE = 1e-3  # train's: the ticket trains from its initial weights, as the baseline did


def run_iterate(args: argparse.Namespace, check_output: Callable[[str], Path]) -> int:
    out = None if args.out is None else check_output(args.out)
    checkpoint = load_model_file(args.checkpoint)
    recipe = checkpoint.metadata.get("train_config") or {}
    seed = args.seed if args.seed is not None else int(recipe.get("seed", 0))
    if args.seed is None and "seed" not in recipe:
        print("note: the checkpoint records no seed; seed 0 is assumed", file=sys.stderr)
    layers = None if args.layers is None else tuple(args.layers.split(","))
    retrain = TrainConfig(
        epochs=args.epochs, learning_rate=args.lr, batch_size=args.batch_size, seed=seed,
        train_subset=args.train_subset,
    )  # fmt: skip
    schedule = Schedule(args.target_sparsity, args.rounds, retrain, layers)
    dataset = checkpoint.metadata.get("dataset", "mnist")
    data = load_dataset(dataset)
    train_set = subset(data.train_images, data.train_labels, args.train_subset, seed)
    test_set = (data.test_images, data.test_labels)
    rounds = []
    for finished in iterate(checkpoint.model_name, checkpoint.state, schedule, train_set, test_set):
        rounds.append(finished)
        print(
            f"round {finished.round}: {100 * finished.sparsity:.1f}% pruned, "
            f"{100 * finished.pruned_accuracy:.2f}% after the cut, "
            f"{100 * finished.accuracy:.2f}% retrained, {finished.size_bytes:,} bytes",
            file=sys.stderr,
            flush=True,
        )
    result = {
        "model": checkpoint.model_name,
        "dataset": dataset,
        "target_sparsity": args.target_sparsity,
        "retrain": config_dict(retrain),
        "rounds": [r.numbers() for r in rounds],
    }
    if args.rewind_epochs:
        config = TrainConfig(
            epochs=args.rewind_epochs, learning_rate=args.rewind_lr,
            batch_size=args.batch_size, seed=seed, train_subset=args.train_subset,
        )  # fmt: skip
        curves = {}
        for name, init_seed in (("ticket", seed), ("reinit", other_seed(seed))):
            trained = rewind(
                checkpoint.model_name, init_seed, rounds[-1].masks, train_set, config, test_set
            )
            curves[name] = [record["test_accuracy"] for record in trained.history]
            print(f"{name} (seed {init_seed}): {curves[name]}", file=sys.stderr, flush=True)
        result["lottery"] = {
            "init_seed": seed,
            "reinit_seed": other_seed(seed),
            "train": config_dict(config),
            **curves,
        }
    if out is not None:
        metadata = {
            "dataset": dataset,
            "train_config": {**config_dict(retrain), "seed": seed},
            "iterative_pruning": result,
            "test_accuracy": rounds[-1].accuracy,
            "command": "python -m compression " + shlex.join(getattr(args, "argv", sys.argv[1:])),
        }
        save_checkpoint(out, Checkpoint(checkpoint.model_name, rounds[-1].state, metadata))
        result["out"] = str(out)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for row in result["rounds"]:
        print(
            f"round {row['round']}: kept {100 * row['kept_fraction']:5.1f}%  "
            f"cut {100 * row['pruned_accuracy']:6.2f}%  retrained {100 * row['accuracy']:6.2f}%  "
            f"{row['size_bytes']:>9,} bytes"
        )
    if "lottery" in result:
        lottery = result["lottery"]
        print(
            f"rewound ticket (seed {lottery['init_seed']}): {100 * lottery['ticket'][-1]:.2f}%, "
            f"random re-init (seed {lottery['reinit_seed']}): {100 * lottery['reinit'][-1]:.2f}%"
        )
    return 0


def add_iterate_command(
    commands,
    int_in: Callable[..., Callable[[str], int]],
    float_in: Callable[..., Callable[[str], float]],
    check_output: Callable[[str], Path],
) -> None:
    sub = commands.add_parser(
        "iterate", help="prune and retrain in rounds to a target sparsity; rewind the ticket"
    )
    sub.add_argument("--checkpoint", required=True, metavar="CKPT")
    sub.add_argument(
        "--target-sparsity", required=True, type=float_in(0.0, 0.999), metavar="S",
        help="share of each pruned layer's weights removed after the last round",
    )  # fmt: skip
    sub.add_argument("--rounds", type=int_in(1, ROUNDS_MAX), default=4,
                     help="round r keeps (1 - S)^(r / rounds) of the weights")  # fmt: skip
    sub.add_argument("--layers", metavar="L1,L2", help="layers to prune (default: all)")
    sub.add_argument("--epochs", type=int_in(1, EPOCHS_MAX), default=1,
                     help="retraining epochs per round")  # fmt: skip
    sub.add_argument("--lr", type=float_in(1e-8, 1.0), default=RETRAIN_RATE)
    sub.add_argument("--batch-size", type=int_in(1), default=128)
    sub.add_argument("--train-subset", type=int_in(1), metavar="N")
    sub.add_argument(
        "--seed", type=int_in(0, SEED_MAX),
        help="the seed of the initial weights and batch order (default: the checkpoint's)",
    )  # fmt: skip
    sub.add_argument(
        "--rewind-epochs", type=int_in(0, EPOCHS_MAX), default=0, metavar="E",
        help="then train the final mask from the initial weights and from another seed's",
    )  # fmt: skip
    sub.add_argument("--rewind-lr", type=float_in(1e-8, 1.0), default=TICKET_RATE)
    sub.add_argument("--out", metavar="CKPT", help="write the last round's model")
    sub.add_argument("--json", action="store_true", help="print one JSON object")
    sub.set_defaults(run=lambda args: run_iterate(args, check_output))
