"""The starter model: trained here when a shipped checkpoint is missing or cannot be used.

It is trained once per server process (``st.cache_resource``: a second page asking for it
waits for the first one's training, a later page gets it at once) and shared read-only.
The cached function only trains; the page that starts the training shows its progress.
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import partial

import streamlit as st

from compression.data import Dataset
from compression.models import MODEL_TITLES
from compression.train import TrainConfig, TrainResult
from ui.format import count
from ui.safe_text import MESSAGE_LIMIT, shown
from ui.state import datasets
from ui.training import TrainingProgress, train_live, train_on

# Training images of the start-up model trained when a shipped checkpoint is unusable.
FALLBACK_IMAGES_ENV = "COMPRESSION_EXPLORER_FALLBACK_IMAGES"
FALLBACK_CONFIG = TrainConfig(epochs=2, seed=0)
FALLBACK_IMAGES = 20_000


def fallback_images() -> int:
    """Training images of the starter model: :data:`FALLBACK_IMAGES_ENV` if a positive count."""
    text = os.environ.get(FALLBACK_IMAGES_ENV, "")
    return int(text) if text.isdigit() and int(text) > 0 else FALLBACK_IMAGES


def starter_config() -> TrainConfig:
    """The starter model's recipe, with its number of training images."""
    return replace(FALLBACK_CONFIG, train_subset=fallback_images())


@st.cache_resource(show_spinner=False)
def _trained(
    model_name: str, dataset_name: str, images: int, _data: Dataset, _progress: TrainingProgress
) -> TrainResult:
    """The starter's weights and history (shared, read-only); no Streamlit calls in here."""
    config = replace(FALLBACK_CONFIG, train_subset=images)
    return train_on(model_name, _data, config, _progress)


def trained_starter(model_name: str, dataset_name: str, reason: str) -> TrainResult:
    """The starter ``model_name`` on ``dataset_name`` (shared, read-only), trained if needed.

    While it trains, this page shows why (``reason``: what was wrong with the shipped
    checkpoint), a progress bar and the live curves.
    """
    config = starter_config()
    data = datasets.dataset(dataset_name)  # unreadable images stop the page here
    note = (
        f"The shipped checkpoint could not be used ({shown(reason, MESSAGE_LIMIT)}). "
        f"Training a starter {MODEL_TITLES[model_name]} now: {count(config.epochs, 'epoch')} "
        f"on {count(config.train_subset, 'image')}."
    )
    result, _ = train_live(
        partial(_trained, model_name, dataset_name, config.train_subset, data),
        label="Training",
        note=note,
    )
    return result
