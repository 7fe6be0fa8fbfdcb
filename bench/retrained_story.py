"""Retrain shipped checkpoints at the settings the pages discuss; write the story file.

    python bench/retrained_story.py [checkpoints/mlp-mnist.pt ...] [--out PATH]

For each checkpoint and each of ``compression.explain.retrained_story.story_settings``:
accuracy and bytes before retraining (``measure``, as ``python -m compression evaluate``),
then 1 epoch of ``compression.train.finetune`` on 10,000 training images (seed 0, the
retrain button's defaults) and the same numbers after. Writes
``checkpoints/retrained_story.json`` with the command that made it.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from compression.data import load_dataset, subset
from compression.explain.retrained_story import (
    RETRAINING,
    STORY_FILE,
    fingerprint,
    story_settings,
)
from compression.files.checkpoint import atomic_write_bytes
from compression.files.model_file import load_model_file
from compression.measure import measure
from compression.models import layer_names_for
from compression.settings import CompressionSettings
from compression.train import config_dict, finetune


def story_of(path: str) -> dict:
    """Before/after numbers of one checkpoint at every story setting."""
    checkpoint = load_model_file(path)
    name, state = checkpoint.model_name, checkpoint.state
    data = load_dataset(checkpoint.metadata.get("dataset", "mnist"))
    test = (data.test_images, data.test_labels)
    images, labels = subset(data.train_images, data.train_labels, RETRAINING.train_subset, 0)
    outcomes = []
    for settings in story_settings(state, layer_names_for(name)):
        started = time.perf_counter()
        before = measure(name, state, settings, *test)
        retrained = finetune(name, state, settings, images, labels, RETRAINING)
        after = measure(name, retrained.state, CompressionSettings(), *test)
        outcomes.append(
            {
                "settings": settings.to_dict(),
                "before_accuracy": before.accuracy,
                "before_bytes": before.size_bytes,
                "after_accuracy": after.accuracy,
                "after_bytes": after.size_bytes,
            }
        )
        print(
            f"{path} {settings.to_dict()}: {before.accuracy:.2%} -> {after.accuracy:.2%}, "
            f"{before.size_bytes:,} -> {after.size_bytes:,} bytes "
            f"({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
        )
    return {"checkpoint": Path(path).name, "fingerprint": fingerprint(state), "outcomes": outcomes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", nargs="*", default=["checkpoints/mlp-mnist.pt"])
    parser.add_argument("--out", type=Path, default=STORY_FILE)
    args = parser.parse_args(argv)
    given = sys.argv[1:] if argv is None else argv
    story = {
        "command": "python bench/retrained_story.py " + shlex.join(given),
        "retraining": config_dict(RETRAINING),
        "models": [story_of(path) for path in args.checkpoints],
    }
    atomic_write_bytes(args.out, (json.dumps(story, indent=1) + "\n").encode())
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
