"""Groups of widgets that return plain values: the layers to compress, a training recipe.

Widget values persist for the whole session (``persist_state="session"``), so a
person finds their sliders where they left them when they come back to a page.
Keys come from :mod:`ui.controls.keys`; those that depend on a model carry its name, so an
mlp setting never lands on a cnn. A method's own controls: :mod:`ui.controls.method_widgets`.
"""

from __future__ import annotations

import streamlit as st

from compression.data import DATASETS
from compression.train import TrainConfig
from ui.controls import keys
from ui.controls.help_texts import CONTROL_HELP
from ui.state import datasets
from ui.state.baselines import Baseline

KEEP = "session"  # persist_state of every widget


def layers_ui(baseline: Baseline, page: str) -> tuple[str, ...]:
    """Which weight layers to compress (all by default)."""
    return tuple(
        st.multiselect(
            "Layers to compress",
            options=baseline.layers,
            default=baseline.layers,
            key=keys.layers(page, baseline.model_name),
            persist_state=KEEP,
            help="Layers left out stay float32 and untouched.",
        )
    )


LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
TRAINING_IMAGES = [2_000, 10_000, 60_000]


def dataset_ui() -> str:
    """Which images to train on (a data set name of ``compression.data.DATASETS``)."""
    return st.radio(
        "Images",
        options=list(DATASETS),
        key=keys.element("train", "dataset"),
        persist_state=KEEP,
        format_func=lambda name: f"{datasets.dataset_title(name)}: {DATASETS[name].title}",
        horizontal=True,
        help=CONTROL_HELP["dataset"],
    )


def train_ui() -> tuple[str, TrainConfig]:
    """Model and recipe for the Train page -> (model name, TrainConfig)."""
    left, middle, right, last = st.columns(4)
    model_name = left.radio(
        "Model",
        options=["mlp", "cnn"],
        key=keys.element("train", "model"),
        persist_state=KEEP,
        format_func={"mlp": "MLP 784-300-100-10", "cnn": "CNN (LeNet-5 style)"}.get,
        help="The MLP trains in seconds; the CNN has 4× fewer parameters but is slower on a CPU.",
    )
    epochs = middle.slider(
        "Epochs",
        min_value=1,
        max_value=10,
        value=3,
        key=keys.element("train", "epochs"),
        persist_state=KEEP,
        help="Passes over the training images.",
    )
    learning_rate = right.select_slider(
        "Learning rate",
        options=LEARNING_RATES,
        value=1e-3,
        format_func="{:g}".format,
        key=keys.element("train", "lr"),
        persist_state=KEEP,
        help="Adam's step size at the start; it shrinks by 25% after every epoch.",
    )
    seed = last.number_input(
        "Seed",
        min_value=0,
        max_value=1_000_000,
        value=0,
        step=1,
        key=keys.element("train", "seed"),
        persist_state=KEEP,
        help="Same seed, same recipe: the same weights.",
    )
    with st.expander("Advanced"):
        columns = st.columns(2)
        images = columns[0].select_slider(
            "Training images",
            options=TRAINING_IMAGES,
            value=60_000,
            format_func="{:,}".format,
            key=keys.element("train", "images"),
            persist_state=KEEP,
            help="A fixed random subset of the 60,000 training images (fewer: faster).",
        )
        batch = columns[1].select_slider(
            "Batch size",
            options=[32, 64, 128, 256],
            value=128,
            key=keys.element("train", "batch"),
            persist_state=KEEP,
            help=CONTROL_HELP["batch_size"],
        )
    config = TrainConfig(
        epochs=int(epochs),
        learning_rate=float(learning_rate),
        batch_size=int(batch),
        seed=int(seed),
        train_subset=None if images >= 60_000 else int(images),
    )
    return model_name, config
