"""Shared loaders and each person's own state.

Shared (``st.cache_resource``, one per server process, never changed in place): the
MNIST tensors and the shipped baselines. Per person (``st.session_state``): which
baseline is in use, the models this person trained, their retrained results.
Measurements are cached with ``st.cache_data`` keyed by (baseline key, settings),
so a slider position seen before answers at once; the weights themselves are
passed unhashed (hashing 266,610 floats on every move would cost more than it saves).
The positions next to a slider's are measured ahead into that cache in the background
(:func:`prefetch`, one worker for the process), then the slider's other positions,
nearest first (:func:`prefetch_slider`), so that after a short while every position of
the slider a person is using answers from the cache.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import streamlit as st
import torch

from compression.data import (
    DATASETS,
    PROJECT_ROOT,
    DataFileError,
    Dataset,
    load_dataset,
    missing_dataset_note,
    subset,
)
from compression.explain.chart_data import WeightProfile, weight_profiles
from compression.explain.chart_data import sample_digits as _sample_digits
from compression.files.checkpoint import (
    Checkpoint,
    CheckpointError,
    checkpoint_bytes,
    load_checkpoint,
)
from compression.measure import Measurement, measure, split_settings
from compression.models import MODEL_TITLES, layer_names_for
from compression.settings import CompressionSettings, SettingsError
from compression.train import TrainConfig, config_dict, train
from ui.prefetch import Prefetcher
from ui.training import LiveTraining

# Where the shipped checkpoints live; tests point this at an empty folder.
CHECKPOINTS_ENV = "COMPRESSION_EXPLORER_CHECKPOINTS"
# "0": measure only the guesses next to a slider ahead, not all its other positions
# (the tests and the "not measured yet" benchmark rows; the app measures them all).
SLIDER_PREFETCH_ENV = "COMPRESSION_EXPLORER_SLIDER_PREFETCH"
# Training images of the start-up model trained when a shipped checkpoint is unusable.
FALLBACK_IMAGES_ENV = "COMPRESSION_EXPLORER_FALLBACK_IMAGES"
FALLBACK_CONFIG = TrainConfig(epochs=2, seed=0)
FALLBACK_IMAGES = 20_000
OWN_BASELINES_KEPT = 4  # a person's trained models kept in the session (oldest dropped)

_SELECTED = "baseline.selected"  # session key: "shipped:mlp", "shipped:cnn" or an own key
_OWN = "baseline.own"  # session key: {key: Baseline} trained by this person
_FINETUNED = "finetuned"  # session key: {page: FinetuneOutcome}


@dataclass(frozen=True)
class Baseline:
    """A trained float32 model that pages compress. Its ``state`` is never written to."""

    key: str  # identity for caches: unique per weights
    model_name: str  # "mlp" or "cnn"
    state: dict[str, torch.Tensor] = field(repr=False)
    dataset: str = "mnist"  # the data set it was trained on; its test set measures it
    seed: int = 0  # training seed
    metadata: dict = field(default_factory=dict, repr=False, compare=False)  # checkpoint's
    title: str = ""  # what a person reads, e.g. "shipped MLP checkpoint"
    note: str = ""  # how it was made (a command, a recipe, or why it was trained here)
    history: tuple[dict, ...] = field(default=(), repr=False)  # per-epoch training records
    step_losses: tuple[tuple[float, float], ...] = field(default=(), repr=False)

    @property
    def layers(self) -> list[str]:
        return layer_names_for(self.model_name)


@dataclass(frozen=True)
class FinetuneOutcome:
    """A compressed model retrained by this person (its weights hold the compression)."""

    baseline_key: str
    settings: CompressionSettings
    state: dict[str, torch.Tensor] = field(repr=False)
    history: tuple[dict, ...]
    before: Measurement = field(repr=False)  # the compressed model before retraining
    after: Measurement = field(repr=False)  # the retrained model
    checkpoint: bytes = field(default=b"", repr=False)  # the retrained model as a file


# --- shared, cached -------------------------------------------------------------------------


@st.cache_resource(show_spinner="Loading the images …")
def _dataset(name: str = "mnist") -> Dataset:
    return load_dataset(name)


def dataset(name: str = "mnist") -> Dataset:
    """The verified tensors of a data set (shared, read-only); stops the page if unreadable."""
    try:
        return _dataset(name)
    except DataFileError as error:
        st.error(f"The {DATASETS[name].title} files could not be read: {error}")
        st.stop()


def dataset_title(name: str) -> str:
    """``"mnist"`` -> ``"MNIST"``, ``"fashion-mnist"`` -> ``"Fashion-MNIST"``."""
    return DATASET_TITLES.get(name, name)


DATASET_TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
# Shipped checkpoints: (model, data set) pairs offered in the baseline picker.
SHIPPED = (("mlp", "mnist"), ("cnn", "mnist"), ("mlp", "fashion-mnist"))


def checkpoint_dir() -> Path:
    return Path(os.environ.get(CHECKPOINTS_ENV, PROJECT_ROOT / "checkpoints"))


def shipped_path(model_name: str, dataset_name: str = "mnist") -> Path:
    return checkpoint_dir() / f"{model_name}-{dataset_name}.pt"


def shipped_key(model_name: str, dataset_name: str = "mnist") -> str:
    """Picker key of a shipped baseline: ``"shipped:mlp"``, ``"shipped:mlp:fashion-mnist"``."""
    suffix = "" if dataset_name == "mnist" else f":{dataset_name}"
    return f"shipped:{model_name}{suffix}"


def _shipped_title(model_name: str, dataset_name: str) -> str:
    extra = "" if dataset_name == "mnist" else f" on {dataset_title(dataset_name)}"
    return f"shipped {MODEL_TITLES[model_name]}{extra}"


@st.cache_resource(max_entries=8, show_spinner="Loading the trained model …")
def _shipped(path: str, model_name: str, dataset_name: str = "mnist") -> Baseline:
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
        title=_shipped_title(model_name, dataset_name),
        note=f"checkpoints/{Path(path).name}, made by `{command}`" if command else path,
        history=tuple(checkpoint.metadata.get("history", ())),
    )


_FALLBACK_LOCK = threading.Lock()
_FALLBACKS: dict[tuple[str, str, int], Baseline] = {}


def fallback_images() -> int:
    text = os.environ.get(FALLBACK_IMAGES_ENV, "")
    return int(text) if text.isdigit() and int(text) > 0 else FALLBACK_IMAGES


def _train_fallback(model_name: str, reason: str, dataset_name: str = "mnist") -> Baseline:
    """Train the start-up model once per process, with a progress bar; later calls reuse it."""
    images = fallback_images()
    key = (model_name, dataset_name, images)
    if key not in _FALLBACKS:
        notice = st.info(
            f"The shipped checkpoint could not be used ({reason}). Training a starter "
            f"{MODEL_TITLES[model_name]} now: {FALLBACK_CONFIG.epochs} epochs on "
            f"{images:,} images."
        )
        with _FALLBACK_LOCK:
            if key not in _FALLBACKS:
                data = dataset(dataset_name)
                train_images, labels = subset(data.train_images, data.train_labels, images, 0)
                live = LiveTraining(chart=False)
                result = train(
                    model_name,
                    train_images,
                    labels,
                    FALLBACK_CONFIG,
                    on_step=live.on_step,
                    on_epoch=live.on_epoch,
                    test_set=(data.test_images, data.test_labels),
                )
                live.clear()
                _FALLBACKS[key] = Baseline(
                    key=f"fallback:{model_name}:{dataset_name}:{images}",
                    model_name=model_name,
                    state=result.state,
                    dataset=dataset_name,
                    seed=FALLBACK_CONFIG.seed,
                    metadata=_training_metadata(
                        dataset_name, replace(FALLBACK_CONFIG, train_subset=images), result.history
                    ),
                    title=_shipped_title(model_name, dataset_name).replace("shipped", "starter", 1)
                    + " (trained at start-up)",
                    note=(
                        f"{FALLBACK_CONFIG.epochs} epochs on {images:,} images, because the "
                        f"shipped checkpoint could not be used: {reason}"
                    ),
                    history=tuple(result.history),
                )
        notice.empty()
    return _FALLBACKS[key]


def shipped_baseline(model_name: str, dataset_name: str = "mnist") -> Baseline:
    """The shipped checkpoint of ``model_name``, or a starter model trained in its place."""
    path = shipped_path(model_name, dataset_name)
    try:
        return _shipped(str(path), model_name, dataset_name)
    except CheckpointError as error:
        return _train_fallback(model_name, str(error), dataset_name)


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
            f"{_shipped_title(model_name, dataset_name)}: "
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
        shipped_key(model_name, dataset_name): _shipped_title(model_name, dataset_name)
        for model_name, dataset_name in SHIPPED
        if _shipped_available(model_name, dataset_name)
    }
    for key, baseline in own_baselines().items():
        choices[key] = baseline.title
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
    key = selected_key()
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
    dataset_name: str = "mnist",
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
        note=(
            f"trained here on {dataset_title(dataset_name)}: {config.epochs} epochs, "
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
    files = st.session_state.setdefault("baseline.files", {})
    if baseline.key not in files:
        checkpoint = Checkpoint(baseline.model_name, baseline.state, baseline.metadata)
        files = {baseline.key: checkpoint_bytes(checkpoint)}  # keep only the latest one
        st.session_state["baseline.files"] = files
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


@st.cache_resource(max_entries=16, show_spinner=False)
def _profiles(baseline_key: str, _baseline: Baseline) -> dict[str, WeightProfile]:
    """Histogram bins of a baseline's weights, computed once and shared (read-only)."""
    return weight_profiles(_baseline.state, _baseline.layers)


# A slider's every position, on the three compress pages, for one or two layer choices.
MEASUREMENTS_KEPT = 1_024


@st.cache_data(max_entries=MEASUREMENTS_KEPT, show_spinner=False)
def _measure(baseline_key: str, settings_json: str, _baseline: Baseline) -> Measurement:
    data = _dataset(_baseline.dataset)
    settings = CompressionSettings.from_dict(json.loads(settings_json))
    profiles = _profiles(baseline_key, _baseline)
    return measure(
        _baseline.model_name,
        _baseline.state,
        settings,
        data.test_images,
        data.test_labels,
        profiles,
    )


def measured(baseline: Baseline, settings: CompressionSettings) -> Measurement:
    """Accuracy, size and layer views of ``baseline`` under ``settings`` (cached).

    Settings that cannot be applied stop the page with one message, not a traceback.
    """
    try:
        settings_json = _settings_json(baseline, settings)
    except SettingsError as error:
        st.error(f"These settings cannot be applied: {error}.")
        st.stop()
    with _PREFETCHER.page_working():  # the background waits while a person does
        return _measure(baseline.key, settings_json, baseline)


def _settings_json(baseline: Baseline, settings: CompressionSettings) -> str:
    """The cache's name for ``settings`` on ``baseline`` (raises SettingsError if invalid)."""
    return json.dumps(settings.validated(baseline.layers).to_dict(), sort_keys=True)


_PREFETCHER = Prefetcher()


def _measure_tasks(baseline: Baseline, settings: list[CompressionSettings]) -> list[tuple]:
    """``(cache key, measuring task)`` for each of ``settings`` that can be applied."""
    tasks = []
    for one in settings:
        try:
            settings_json = _settings_json(baseline, one)
        except SettingsError:
            continue  # the page says why once these settings are chosen
        task = partial(_measure, baseline.key, settings_json, baseline)
        tasks.append(((baseline.key, settings_json), task))
    return tasks


def prefetch(baseline: Baseline, candidates: list[CompressionSettings]) -> None:
    """Measure ``candidates`` in the background, into the cache :func:`measured` reads.

    The page calls this with the slider positions a person is likely to try next,
    likeliest first, so that a step there is answered from the cache. Settings that
    cannot be applied are skipped.
    """
    for key, task in reversed(_measure_tasks(baseline, candidates)):  # newest runs first
        _PREFETCHER.submit(key, task)


def prefetch_slider(baseline: Baseline, positions: list[CompressionSettings]) -> None:
    """Measure a slider's other ``positions`` in the background, nearest first.

    They run after the guesses of :func:`prefetch`, one at a time, once no page has
    measured or asked for them for a few seconds (``ui.prefetch.QUIET_SECONDS``). Off
    when :data:`SLIDER_PREFETCH_ENV` is ``"0"``.
    """
    if os.environ.get(SLIDER_PREFETCH_ENV, "1") != "0":
        _PREFETCHER.submit_background(_measure_tasks(baseline, positions))


def prefetch_idle(timeout: float | None = None) -> bool:
    """Wait until no background measurement waits or runs; False on timeout."""
    return _PREFETCHER.wait_until_idle(timeout)


def reference(baseline: Baseline) -> Measurement:
    """The uncompressed baseline, measured the same way."""
    return measured(baseline, CompressionSettings())


def finetuned(page: str, baseline: Baseline) -> FinetuneOutcome | None:
    """This person's last retrained result on ``page`` for ``baseline`` (None if none)."""
    outcome = st.session_state.get(_FINETUNED, {}).get(page)
    return outcome if outcome is not None and outcome.baseline_key == baseline.key else None


def keep_finetuned(page: str, outcome: FinetuneOutcome) -> None:
    st.session_state.setdefault(_FINETUNED, {})[page] = outcome


def measure_state(
    model_name: str,
    state: dict[str, torch.Tensor],
    settings: CompressionSettings,
    dataset_name: str = "mnist",
) -> Measurement:
    """Measure weights that already hold their compression (no caching: used once)."""
    data = dataset(dataset_name)
    return measure(model_name, state, settings, data.test_images, data.test_labels)


@st.cache_data(max_entries=8, show_spinner=False)
def sample_digits(count: int, seed: int = 0, dataset_name: str = "mnist"):
    """``count`` test images (uint8 pixels, labels), the same for everyone."""
    data = _dataset(dataset_name)
    return _sample_digits(data.test_images, data.test_labels, count, seed)


def contributions(baseline: Baseline, settings: CompressionSettings) -> dict[str, Measurement]:
    """The four what-ifs of :func:`compression.measure.split_settings`, each measured (cached)."""
    return {name: measured(baseline, part) for name, part in split_settings(settings).items()}


def prefetch_contributions(baseline: Baseline, candidates: list[CompressionSettings]) -> None:
    """:func:`prefetch` the four what-ifs of each of ``candidates`` (likeliest first)."""
    prefetch(baseline, [part for near in candidates for part in split_settings(near).values()])


def prefetch_slider_contributions(baseline: Baseline, positions: list[CompressionSettings]) -> None:
    """:func:`prefetch_slider` the four what-ifs of each of ``positions`` (nearest first)."""
    prefetch_slider(baseline, [part for at in positions for part in split_settings(at).values()])
