"""The models pages compress: the shipped checkpoints, each person's own, and the one in use.

Shared (``st.cache_resource``, one per server process, never changed in place): the shipped
baselines, and the starter model trained in place of a shipped checkpoint that cannot be
used. Per person (``st.session_state``): which baseline is in use and the models this
person trained or uploaded, so two browser tabs never see each other's.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st
import torch

from compression.data import PROJECT_ROOT, missing_dataset_note
from compression.files.checkpoint import (
    Checkpoint,
    CheckpointError,
    checkpoint_bytes,
    load_checkpoint,
)
from compression.models import MODEL_TITLES, layer_names_for
from compression.train import TrainConfig, config_dict
from ui.controls import keys
from ui.format import count
from ui.state import starter_model
from ui.state.datasets import dataset_title

# Where the shipped checkpoints live; tests point this at an empty folder.
CHECKPOINTS_ENV = "COMPRESSION_EXPLORER_CHECKPOINTS"
# Shipped checkpoints: (model, data set) pairs offered in the baseline picker.
SHIPPED = (("mlp", "mnist"), ("cnn", "mnist"), ("mlp", "fashion-mnist"))
OWN_BASELINES_KEPT = 4  # a person's trained models kept in the session (oldest dropped)

_SELECTED = keys.SELECTED_BASELINE
_OWN = keys.OWN_BASELINES
_FILES = keys.BASELINE_FILES


@dataclass(frozen=True)
class Baseline:
    """A trained float32 model that pages compress. Its ``state`` is never written to.

    ``title`` and ``note`` are plain text and may hold a file's name or metadata: pages
    show them through :func:`ui.safe_text.shown`.
    """

    key: str  # identity for caches: unique per weights
    model_name: str  # "mlp" or "cnn"
    state: dict[str, torch.Tensor] = field(repr=False)
    dataset: str  # the data set it was trained on; its test set measures it (no default)
    seed: int = 0  # training seed
    metadata: dict = field(default_factory=dict, repr=False, compare=False)  # checkpoint's
    title: str = ""  # what a person reads, e.g. "shipped MLP checkpoint"
    label: str = ""  # its short name in the sidebar's picker (empty: the title)
    note: str = ""  # how it was made (a command, a recipe, or why it was trained here)
    history: tuple[dict, ...] = field(default=(), repr=False)  # per-epoch training records
    step_losses: tuple[tuple[float, float], ...] = field(default=(), repr=False)

    @property
    def layers(self) -> list[str]:
        return layer_names_for(self.model_name)


# --- shipped, shared ------------------------------------------------------------------------


def checkpoint_dir() -> Path:
    return Path(os.environ.get(CHECKPOINTS_ENV, PROJECT_ROOT / "checkpoints"))


def shipped_path(model_name: str, dataset_name: str) -> Path:
    return checkpoint_dir() / f"{model_name}-{dataset_name}.pt"


def shipped_key(model_name: str, dataset_name: str) -> str:
    """Picker key of a shipped baseline: ``"shipped:mlp"``, ``"shipped:mlp:fashion-mnist"``."""
    suffix = "" if dataset_name == "mnist" else f":{dataset_name}"
    return f"shipped:{model_name}{suffix}"


def _title(model_name: str, dataset_name: str, kind: str = "shipped") -> str:
    """``"shipped MLP (LeNet-300-100)"``, ``"starter MLP (LeNet-300-100) on Fashion-MNIST"``."""
    extra = "" if dataset_name == "mnist" else f" on {dataset_title(dataset_name)}"
    return f"{kind} {MODEL_TITLES[model_name]}{extra}"


def _label(model_name: str, dataset_name: str, owner: str = "") -> str:
    """The picker's short name, which a sidebar shows whole: ``"MLP on Fashion-MNIST"``,
    ``"your MLP #2 on MNIST"``. The title names the model in full."""
    return f"{owner}{model_name.upper()} on {dataset_title(dataset_name)}"


@st.cache_resource(max_entries=8, show_spinner="Loading the trained model …")
def _shipped(path: str, model_name: str, dataset_name: str) -> Baseline:
    checkpoint = load_checkpoint(Path(path))
    if checkpoint.model_name != model_name:
        raise CheckpointError(f"{path}: holds a {checkpoint.model_name}, expected {model_name}")
    trained_on = checkpoint.metadata.get("dataset", "mnist")
    if trained_on != dataset_name:
        raise CheckpointError(f"{path}: trained on {trained_on}, expected {dataset_name}")
    command = checkpoint.metadata.get("command", "")
    return Baseline(
        key=f"shipped:{path}",
        model_name=model_name,
        state=checkpoint.state,
        dataset=dataset_name,
        seed=int(checkpoint.metadata.get("train_config", {}).get("seed", 0)),
        metadata=checkpoint.metadata,
        title=_title(model_name, dataset_name),
        note=f"checkpoints/{Path(path).name}, made by {command}" if command else path,
        history=tuple(checkpoint.metadata.get("history", ())),
    )


def _starter_baseline(model_name: str, dataset_name: str, reason: str) -> Baseline:
    """The starter model trained in place of the shipped one (once per process)."""
    config = starter_model.starter_config()
    result = starter_model.trained_starter(model_name, dataset_name, reason)
    return Baseline(
        key=f"fallback:{model_name}:{dataset_name}:{config.train_subset}",
        model_name=model_name,
        state=result.state,
        dataset=dataset_name,
        seed=config.seed,
        metadata=_training_metadata(dataset_name, config, result.history),
        title=_title(model_name, dataset_name, kind="starter") + " (trained at start-up)",
        note=(
            f"{count(config.epochs, 'epoch')} on {count(config.train_subset, 'image')}, "
            "because the "
            f"shipped checkpoint could not be used: {reason}"
        ),
        history=tuple(result.history),
    )


def shipped_baseline(model_name: str, dataset_name: str) -> Baseline:
    """The shipped checkpoint of ``model_name``, or a starter model trained in its place."""
    path = shipped_path(model_name, dataset_name)
    try:
        return _shipped(str(path), model_name, dataset_name)
    except CheckpointError as error:
        return _starter_baseline(model_name, dataset_name, str(error))


def _shipped_available(model_name: str, dataset_name: str) -> bool:
    """MNIST models are always offered (a starter replaces a broken file); others need both
    their checkpoint file and their images on this machine."""
    if dataset_name == "mnist":
        return True
    return shipped_path(model_name, dataset_name).is_file() and not missing_dataset_note(
        dataset_name
    )


def unavailable_notes() -> list[str]:
    """One sentence per shipped baseline that cannot be offered here, and how to get it."""
    notes = []
    for model_name, dataset_name in SHIPPED:
        if _shipped_available(model_name, dataset_name):
            continue
        missing = missing_dataset_note(dataset_name)
        notes.append(
            f"{_title(model_name, dataset_name)}: "
            + (missing or f"checkpoints/{shipped_path(model_name, dataset_name).name} is missing.")
        )
    return notes


# --- per person -----------------------------------------------------------------------------


def own_baselines() -> dict[str, Baseline]:
    """The models this person trained in this session, oldest first."""
    return st.session_state.setdefault(_OWN, {})


def baseline_choices() -> dict[str, str]:
    """{selection key: label} of every baseline this person can pick."""
    choices = {
        shipped_key(model_name, dataset_name): _label(model_name, dataset_name)
        for model_name, dataset_name in SHIPPED
        if _shipped_available(model_name, dataset_name)
    }
    for key, baseline in own_baselines().items():
        choices[key] = baseline.label or baseline.title
    return choices


def selected_key() -> str:
    key = st.session_state.get(_SELECTED, "shipped:mlp")
    return key if key in baseline_choices() else "shipped:mlp"


def select_baseline(key: str) -> None:
    if key not in baseline_choices():
        raise KeyError(f"no baseline {key!r}")
    st.session_state[_SELECTED] = key


def current_baseline() -> Baseline:
    """This person's baseline: a shipped checkpoint or a model they trained."""
    return baseline_for(selected_key())


def baseline_for(key: str) -> Baseline:
    """The baseline of a picker key (KeyError: none of this person's choices)."""
    if key not in baseline_choices():
        raise KeyError(f"no baseline {key!r}")
    if key.startswith("shipped:"):
        model_name, _, dataset_name = key.removeprefix("shipped:").partition(":")
        return shipped_baseline(model_name, dataset_name or "mnist")
    return own_baselines()[key]


def _training_metadata(dataset_name: str, config: TrainConfig, history) -> dict:
    """What a trained model records, in the shape of the CLI's checkpoint metadata."""
    history = list(history)
    return {
        "dataset": dataset_name,
        "train_config": config_dict(config),
        "history": history,
        "test_accuracy": history[-1]["test_accuracy"] if history else None,
    }


def adopt_trained(
    model_name: str,
    state: dict[str, torch.Tensor],
    config: TrainConfig,
    history: list[dict],
    step_losses: list[tuple[float, float]],
    dataset_name: str,
) -> Baseline:
    """Make a freshly trained model this person's baseline (only in their session).

    It records its recipe, seed and data set like a checkpoint made by the CLI.
    """
    own = own_baselines()
    number = len(own) + 1
    subset_text = f"{config.train_subset:,}" if config.train_subset else "60,000"
    baseline = Baseline(
        key=f"trained:{uuid.uuid4().hex}",
        model_name=model_name,
        state=state,
        dataset=dataset_name,
        seed=config.seed,
        metadata=_training_metadata(dataset_name, config, history),
        title=f"your {MODEL_TITLES[model_name]} #{number}"
        + ("" if dataset_name == "mnist" else f" on {dataset_title(dataset_name)}"),
        label=_label(f"{model_name} #{number}", dataset_name, owner="your "),
        note=(
            f"trained here on {dataset_title(dataset_name)}: {count(config.epochs, 'epoch')}, "
            f"learning rate {config.learning_rate:g}, "
            f"seed {config.seed}, {subset_text} training images"
        ),
        history=tuple(history),
        step_losses=tuple(step_losses),
    )
    add_own_baseline(baseline)
    return baseline


def checkpoint_file(baseline: Baseline) -> bytes:
    """``baseline`` as a checkpoint file (weights and metadata), built once per session."""
    files = st.session_state.setdefault(_FILES, {})
    if baseline.key not in files:
        checkpoint = Checkpoint(baseline.model_name, baseline.state, baseline.metadata)
        files = {baseline.key: checkpoint_bytes(checkpoint)}  # keep only the latest one
        st.session_state[_FILES] = files
    return files[baseline.key]


def add_own_baseline(baseline: Baseline) -> None:
    """Keep ``baseline`` among this person's models (once per key) and select it."""
    own = own_baselines()
    own.pop(baseline.key, None)  # the same weights again: moved to the newest place
    own[baseline.key] = baseline
    while len(own) > OWN_BASELINES_KEPT:
        oldest = next(iter(own))
        if st.session_state.get(_SELECTED) == oldest:
            break
        del own[oldest]
    st.session_state[_SELECTED] = baseline.key
