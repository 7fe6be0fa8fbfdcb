"""A person's own model in a share link: kept in the store of shared models, opened from it.

Sharing: the first time the share box shows one of this person's own baselines (trained,
uploaded, retrained or itself opened from a link), its checkpoint file is put into the
store (:mod:`compression.files.model_store`) and the key is remembered in
``st.session_state``, so it is stored once; the link then carries ``baseline=<key>``.
Opening: a link's key loads the checkpoint back from the store and it becomes an own
baseline of the new session, "shared MLP (LeNet-300-100) #1", with the recipe its
metadata records. The title is the app's own text; the note quotes the metadata and is
shown through :func:`ui.safe_text.shown` like every baseline note.
"""

from __future__ import annotations

import logging

import streamlit as st

from compression.files.checkpoint import Checkpoint
from compression.files.model_store import ModelStore, ModelStoreError, default_folder
from compression.models import MODEL_TITLES
from ui.controls import keys
from ui.format import count
from ui.state import baselines
from ui.state.baselines import Baseline
from ui.state.datasets import dataset_title

_LOGGER = logging.getLogger(__name__)
_SHARED = keys.SHARED_MODELS
PREFIX = "shared:"  # an own baseline opened from a link: "shared:<store key>"


def store() -> ModelStore:
    """The store of shared models of this server (its folder is read on every call)."""
    return ModelStore(default_folder())


def _stored() -> dict[str, str | ModelStoreError]:
    """{baseline key: its store key, or why it could not be stored} for this person."""
    return st.session_state.setdefault(_SHARED, {})


def stored_key(baseline: Baseline) -> str | None:
    """The store key of this person's own ``baseline``, stored on the first ask.

    None for a shipped or starter model (the link names those by model and data set) and
    for a model that could not be stored (:func:`share_problem` says why).
    """
    if baseline.key not in baselines.own_baselines():
        return None
    stored = _stored()
    if baseline.key not in stored:
        try:
            stored[baseline.key] = store().put(baselines.checkpoint_file(baseline))
        except ModelStoreError as error:
            _LOGGER.warning("a model could not be stored for sharing: %s", error)
            stored[baseline.key] = error
    key = stored[baseline.key]
    return key if isinstance(key, str) else None


def share_problem(baseline: Baseline) -> str | None:
    """Why this person's own ``baseline`` is not in the store (None: it is, or it is shipped)."""
    problem = _stored().get(baseline.key)
    return str(problem) if isinstance(problem, ModelStoreError) else None


def open_shared(key: str) -> Baseline:
    """Make the model stored under ``key`` this person's baseline, and return it.

    Raises :class:`ModelStoreError` (one sentence) for a malformed key, a model no longer
    kept (the store removes the least recently used ones) or a damaged file.
    """
    own = baselines.own_baselines()
    if PREFIX + key in own:  # opened before in this session: the same model
        baselines.select_baseline(PREFIX + key)
        return own[PREFIX + key]
    baseline = shared_baseline(key, store().load(key))
    baselines.add_own_baseline(baseline)
    _stored()[baseline.key] = key  # already stored: sharing it again names the same key
    return baseline


def shared_baseline(key: str, checkpoint: Checkpoint) -> Baseline:
    """The baseline a stored checkpoint holds, numbered among this person's shared ones."""
    metadata = checkpoint.metadata
    model_name, dataset_name = checkpoint.model_name, metadata.get("dataset", "mnist")
    number = 1 + sum(name.startswith(PREFIX) for name in baselines.own_baselines())
    on_data = "" if dataset_name == "mnist" else f" on {dataset_title(dataset_name)}"
    recipe = metadata.get("train_config") or {}
    return Baseline(
        key=PREFIX + key,
        model_name=model_name,
        state=checkpoint.state,
        dataset=dataset_name,
        seed=int(recipe.get("seed", 0)),
        metadata=metadata,
        title=f"shared {MODEL_TITLES[model_name]} #{number}{on_data}",
        label=f"shared {model_name.upper()} #{number} on {dataset_title(dataset_name)}",
        note=f"opened from a shared link; {recipe_text(metadata)}",
        history=tuple(metadata.get("history") or ()),
    )


def recipe_text(metadata: dict) -> str:
    """How a model was made, from its checkpoint's (checked) metadata, in one phrase."""
    dataset = dataset_title(metadata.get("dataset", "mnist"))
    recipe = metadata.get("train_config")
    retrained = metadata.get("finetuned_from") is not None  # its recipe is the retraining's
    if isinstance(recipe, dict) and recipe:
        parts = [f"{'retrained after compression' if retrained else 'trained'} on {dataset}"]
        if "epochs" in recipe:
            parts.append(count(recipe["epochs"], "epoch"))
        if "learning_rate" in recipe:
            parts.append(f"learning rate {recipe['learning_rate']:g}")
        if "seed" in recipe:
            parts.append(f"seed {recipe['seed']}")
        subset = recipe.get("train_subset")
        parts.append(f"{subset:,} training images" if subset else "all 60,000 training images")
        text = ", ".join(parts)
    elif metadata.get("file_format") == "compact":
        text = f"a compressed model for {dataset}; its training recipe is not recorded"
    else:
        text = f"for {dataset}; its training recipe is not recorded"
    if metadata.get("command"):
        text += f"; made by {metadata['command']}"
    return text
