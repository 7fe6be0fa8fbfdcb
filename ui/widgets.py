"""Groups of widgets that return plain values (compression settings, a training recipe).

Widget values persist for the whole session (``persist_state="session"``), so a
person finds their sliders where they left them when they come back to a page.
Keys that depend on a model carry its name, so an mlp setting never lands on a cnn.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from compression.data import DATASETS
from compression.explain.chart_data import ThresholdRange, prune_threshold_range
from compression.settings import CompressionSettings
from compression.train import TrainConfig
from ui import datasets
from ui.baselines import Baseline
from ui.help_texts import CONTROL_HELP

KEEP = "session"  # persist_state of every widget
AHEAD = "ahead"  # session key (after the page name): {widget group: [likely next fields]}
OTHERS = "others"  # session key (after the page name): {widget group: [the other positions]}
DIGITS = 10  # slider values are rounded so a key press and a guess name the same setting
TWN = 0.7  # the ternary rule of Ternary Weight Networks, delta = 0.7 * mean|W|
BINARIZE_MAX, BINARIZE_STEP = 1.5, 0.05  # the binarization slider's range and step
MAX_TARGET_PERCENT = 99  # the target-sparsity slider's top


def layers_ui(baseline: Baseline, page: str) -> tuple[str, ...]:
    """Which weight layers to compress (all by default)."""
    return tuple(
        st.multiselect(
            "Layers to compress",
            options=baseline.layers,
            default=baseline.layers,
            key=f"{page}.layers.{baseline.model_name}",
            persist_state=KEEP,
            help="Layers left out stay float32 and untouched.",
        )
    )


def binarize_ui(page: str) -> dict:
    """Binarization threshold and scale choice -> ``CompressionSettings`` fields."""
    key = f"{page}.binarize"
    # The preset buttons set this slider through the session, so its start value is put
    # there too, not passed as ``value`` (Streamlit warns when a widget gets both).
    st.session_state.setdefault(key, 0.0)
    threshold = st.slider(
        "Binarization threshold t (× mean|W| of the layer)",
        min_value=0.0,
        max_value=BINARIZE_MAX,
        step=BINARIZE_STEP,
        key=key,
        persist_state=KEEP,
        help="Weights with |W| ≤ t·mean|W| become 0, the others ±a, where a is the mean |W| "
        "of those others. t = 0: pure binary, 1 bit per weight (BinaryConnect). "
        f"t = {TWN}: the ternary rule of Ternary Weight Networks.",
    )
    row = st.container(horizontal=True, vertical_alignment="center", wrap=True)
    for value, label in ((0.0, "binary"), (TWN, "ternary")):
        row.button(
            f"{label}: t = {value:g}",
            key=f"{page}.preset.{label}",
            on_click=_set_value,
            args=(key, value),
            help=f"Set the threshold to {value:g}.",
        )
    per_channel = row.toggle(
        "One scale per output channel",
        value=False,
        key=f"{page}.per_channel",
        persist_state=KEEP,
        help="Each output neuron/filter gets its own a (XNOR-Net) instead of one a per layer.",
    )
    threshold = round(threshold, DIGITS)
    _remember_ahead(
        page, "binarize", "binarize_threshold", threshold, BINARIZE_STEP, 0.0, BINARIZE_MAX
    )
    return {"binarize_threshold": threshold, "per_channel": per_channel}


def _set_value(key: str, value) -> None:
    st.session_state[key] = value


def _remember_ahead(
    page: str, group: str, field: str, value: float, step: float, low: float, high: float
) -> None:
    """Keep the values a slider is likely to take next: one step on, one back, two on;
    and its other positions, nearest first.

    "On" is the way it last moved (up at first). The group that moved last comes first
    in :func:`nearby_settings` and :func:`other_positions`.
    """
    ahead = st.session_state.setdefault(f"{page}.{AHEAD}", {})
    others = st.session_state.setdefault(f"{page}.{OTHERS}", {})
    previous = st.session_state.get(f"{page}.{group}.{field}.previous")
    st.session_state[f"{page}.{group}.{field}.previous"] = value
    direction = -1 if previous is not None and value < previous else 1
    candidates = [round(value + steps * direction * step, DIGITS) for steps in (1, -1, 2)]
    inside = [{field: v} for v in candidates if low <= v <= high]
    if previous != value or group not in ahead:
        ahead.pop(group, None)  # re-inserted last: the most recent move
        others.pop(group, None)
    ahead[group] = inside
    taken = {value, *candidates}
    positions = slider_positions(value, step, low, high, direction)
    others[group] = [{field: v} for v in positions if v not in taken]


def slider_positions(
    value: float, step: float, low: float, high: float, direction: int = 1
) -> list[float]:
    """Every value of a slider from ``low`` to ``high`` by ``step``, nearest ``value`` first.

    Of two equally near, the one in ``direction`` (+1 up, -1 down) comes first. Rounded
    to :data:`DIGITS` like the slider's own values, so both name the same setting.
    """
    count = int(round((high - low) / step, 6))
    values = {round(low + index * step, DIGITS) for index in range(count + 1)}
    values |= {round(high, DIGITS)}  # the top, when the range is not a whole number of steps
    values = {v for v in values if low <= v <= high}
    return sorted(values, key=lambda v: (round(abs(v - value) / step), -direction * (v - value)))


def nearby_settings(page: str, settings: CompressionSettings) -> list[CompressionSettings]:
    """``settings`` with one slider of ``page`` moved to a likely next value, likeliest first."""
    ahead = st.session_state.get(f"{page}.{AHEAD}", {})
    return [
        replace(settings, **fields) for group in reversed(list(ahead)) for fields in ahead[group]
    ]


def other_positions(page: str, settings: CompressionSettings) -> list[CompressionSettings]:
    """``settings`` with one slider of ``page`` at each of its other values, nearest first.

    The slider that moved last comes first; the guesses of :func:`nearby_settings` are
    not repeated.
    """
    others = st.session_state.get(f"{page}.{OTHERS}", {})
    return [
        replace(settings, **fields) for group in reversed(list(others)) for fields in others[group]
    ]


@st.cache_data(max_entries=64, show_spinner=False)
def _threshold_range(baseline_key: str, _baseline: Baseline) -> ThresholdRange:
    return prune_threshold_range(_baseline.state, _baseline.layers)


def prune_ui(baseline: Baseline, page: str) -> dict:
    """Pruning cut as an absolute |W| or as a target sparsity -> ``CompressionSettings`` fields."""
    mode = st.segmented_control(
        "Set the cut by",
        options=["threshold", "sparsity"],
        default="threshold",
        format_func={"threshold": "magnitude |W|", "sparsity": "target sparsity"}.get,
        key=f"{page}.prune_mode",
        persist_state=KEEP,
        required=True,
        help=CONTROL_HELP["prune_mode"],
    )
    if mode == "threshold":
        top, step, median = _threshold_range(baseline.key, baseline)
        cut = st.slider(
            "Pruning threshold T (remove weights with |W| ≤ T)",
            min_value=0.0,
            max_value=top,
            value=median,
            step=step,
            format="%.3f",
            key=f"{page}.prune_threshold.{baseline.key}",
            persist_state=KEEP,
            help="An absolute cut on the weight magnitude, the same for every chosen layer "
            "(Han et al. 2015). The slider ends where 99.5% of the weights are gone.",
        )
        cut = round(cut, DIGITS)
        _remember_ahead(page, "prune", "prune_threshold", cut, step, 0.0, top)
        return {"prune_threshold": cut}
    target = st.slider(
        "Target sparsity (% of weights removed)",
        min_value=0,
        max_value=MAX_TARGET_PERCENT,
        value=50,
        step=1,
        format="%d%%",
        key=f"{page}.prune_sparsity",
        persist_state=KEEP,
        help="Remove this share of the weights with the smallest |W|.",
    )
    left, right = st.columns(2)
    scope = left.radio(
        "Where the share applies",
        options=["layer", "global"],
        format_func={"layer": "in each layer", "global": "across all chosen layers"}.get,
        key=f"{page}.prune_scope",
        persist_state=KEEP,
        horizontal=True,
        help="Global: one cut for all chosen layers, so layers with small weights lose more.",
    )
    neurons = right.toggle(
        "Remove whole neurons",
        value=False,
        key=f"{page}.prune_neurons",
        persist_state=KEEP,
        disabled=scope == "global",
        help="Remove entire output rows/filters with the smallest L2 norm (per layer only).",
    )
    top_share = MAX_TARGET_PERCENT / 100
    _remember_ahead(page, "prune", "prune_sparsity", target / 100, 0.01, 0.0, top_share)
    return {
        "prune_sparsity": target / 100,
        "prune_scope": scope,
        "prune_structure": "neurons" if neurons and scope == "layer" else "unstructured",
    }


LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
TRAINING_IMAGES = [2_000, 10_000, 60_000]


def dataset_ui() -> str:
    """Which images to train on (a data set name of ``compression.data.DATASETS``)."""
    return st.radio(
        "Images",
        options=list(DATASETS),
        key="train.dataset",
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
        key="train.model",
        persist_state=KEEP,
        format_func={"mlp": "MLP 784-300-100-10", "cnn": "CNN (LeNet-5 style)"}.get,
        help="The MLP trains in seconds; the CNN has 4× fewer parameters but is slower on a CPU.",
    )
    epochs = middle.slider(
        "Epochs",
        min_value=1,
        max_value=10,
        value=3,
        key="train.epochs",
        persist_state=KEEP,
        help="Passes over the training images.",
    )
    learning_rate = right.select_slider(
        "Learning rate",
        options=LEARNING_RATES,
        value=1e-3,
        format_func="{:g}".format,
        key="train.lr",
        persist_state=KEEP,
        help="Adam's step size at the start; it shrinks by 25% after every epoch.",
    )
    seed = last.number_input(
        "Seed",
        min_value=0,
        max_value=1_000_000,
        value=0,
        step=1,
        key="train.seed",
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
            key="train.images",
            persist_state=KEEP,
            help="A fixed random subset of the 60,000 MNIST training images (fewer: faster).",
        )
        batch = columns[1].select_slider(
            "Batch size",
            options=[32, 64, 128, 256],
            value=128,
            key="train.batch",
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
