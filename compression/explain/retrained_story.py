"""Accuracy after retraining at the few settings the pages discuss, measured once and shipped.

Before retraining, accuracy under binarization jumps with the threshold and can rank the
settings the wrong way round; retraining (``compression.train.finetune``) reverses some of
those pictures. ``python bench/retrained_story.py`` retrains a shipped checkpoint at
:func:`story_settings` with :data:`RETRAINING` (the retrain button's defaults) and writes
:data:`STORY_FILE`; the pages read it back with :func:`load_story` and show its numbers
only for the model whose weights match its :func:`fingerprint`.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch

from compression.data import PROJECT_ROOT
from compression.methods import METHODS
from compression.settings import CompressionSettings
from compression.train import TrainConfig

STORY_FILE = PROJECT_ROOT / "checkpoints" / "retrained_story.json"
STORY_LIMIT = 64_000  # bytes: the file holds a few dozen numbers
# What the retrain button does unless a person changes it: 1 epoch on 10,000 images.
RETRAINING = TrainConfig(epochs=1, learning_rate=5e-4, train_subset=10_000, seed=0)
BINARIZE_STORY = (0.0, 0.5, 0.7, 1.0, 1.5)  # thresholds t whose retrained accuracy is shown
COMBINE_STARTS = {"prune_sparsity": 0.8}  # the Combine page opens at this share (see pages)


@dataclass(frozen=True)
class Outcome:
    """One setting of one model before and after retraining."""

    settings: CompressionSettings
    before_accuracy: float
    before_bytes: int
    after_accuracy: float
    after_bytes: int


def fingerprint(state: dict[str, torch.Tensor]) -> str:
    """SHA-256 over the tensors' names, shapes and float32 bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(state):
        tensor = state[name].detach().to(torch.float32).contiguous().cpu()
        digest.update(f"{name}{tuple(tensor.shape)}".encode())
        digest.update(tensor.numpy().tobytes())
    return digest.hexdigest()


def settings_key(settings: CompressionSettings, all_layers: list[str]) -> str:
    """One string per setting: numbers to 6 decimals, "every layer" written as None."""
    data = settings.to_dict()
    if data["layers"] is not None and sorted(data["layers"]) == sorted(all_layers):
        data["layers"] = None
    rounded = {k: round(v, 6) if isinstance(v, float) else v for k, v in data.items()}
    return json.dumps(rounded, sort_keys=True)


def combine_start(state: dict[str, torch.Tensor], layers: list[str]) -> CompressionSettings:
    """The settings the Combine page opens at: the |W| cut at its starting share, binary."""
    prune = METHODS["prune"]
    start = prune.slider_range(state, layers, COMBINE_STARTS).start
    return CompressionSettings(prune_threshold=start, binarize_threshold=0.0)


def story_settings(state: dict[str, torch.Tensor], layers: list[str]) -> list[CompressionSettings]:
    """The settings the pages discuss: the binarize thresholds, and Combine's start with
    binary and ternary values (each with its binarized-only twin among the former)."""
    binarized = [CompressionSettings(binarize_threshold=t) for t in BINARIZE_STORY]
    start = combine_start(state, layers)
    ternary = CompressionSettings(
        prune_threshold=start.prune_threshold, binarize_threshold=BINARIZE_STORY[2]
    )
    return [*binarized, start, ternary]


def _number(value, kind: type, name: str):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return kind(value)


def _outcome(entry: object) -> Outcome:
    if not isinstance(entry, dict):
        raise ValueError("each outcome must be an object")
    settings_data = entry.get("settings")
    if not isinstance(settings_data, dict):
        raise ValueError("an outcome needs its settings")
    known = set(CompressionSettings().to_dict())
    if not set(settings_data) <= known:
        raise ValueError(f"unknown settings {sorted(set(settings_data) - known)}")
    layers = settings_data.get("layers")
    if layers is not None and not (
        isinstance(layers, list) and all(isinstance(name, str) for name in layers)
    ):
        raise ValueError("an outcome's layers must be a list of names")
    if not isinstance(settings_data.get("per_channel", False), bool):
        raise ValueError("per_channel must be true or false")
    settings = CompressionSettings.from_dict(settings_data)
    for method in METHODS.values():
        problem = method.problems(settings)
        if problem:
            raise ValueError(problem)
    return Outcome(
        settings,
        _number(entry.get("before_accuracy"), float, "before_accuracy"),
        _number(entry.get("before_bytes"), int, "before_bytes"),
        _number(entry.get("after_accuracy"), float, "after_accuracy"),
        _number(entry.get("after_bytes"), int, "after_bytes"),
    )


def parse_story(text: str) -> dict[str, list[Outcome]]:
    """{fingerprint: outcomes} from the JSON text of :data:`STORY_FILE`; ValueError if bad."""
    if len(text) > STORY_LIMIT:
        raise ValueError(f"the story file is larger than {STORY_LIMIT:,} bytes")
    data = json.loads(text)
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, list):
        raise ValueError("the story file needs a list of models")
    story = {}
    for model in models:
        if not isinstance(model, dict) or not isinstance(model.get("fingerprint"), str):
            raise ValueError("each model needs its fingerprint")
        outcomes = model.get("outcomes")
        if not isinstance(outcomes, list):
            raise ValueError("each model needs a list of outcomes")
        story[model["fingerprint"]] = [_outcome(entry) for entry in outcomes]
    return story


def load_story(path: Path = STORY_FILE) -> dict[str, list[Outcome]]:
    """The shipped story, or {} when the file is missing, not a regular file, or invalid."""
    try:
        if not path.is_file() or path.stat().st_size > STORY_LIMIT:
            return {}
        return parse_story(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError, RecursionError):  # UnicodeDecodeError: a ValueError
        return {}


def outcomes_for(
    story: dict[str, list[Outcome]], state_print: str, all_layers: list[str]
) -> dict[str, Outcome]:
    """{settings key: outcome} measured on the model with fingerprint ``state_print``."""
    return {
        settings_key(outcome.settings, all_layers): outcome
        for outcome in story.get(state_print, [])
    }
