"""Groups of widgets that return plain values, and the shared read-outs of every page.

Widget values persist for the whole session (``persist_state="session"``), so a
person finds their sliders where they left them when they come back to a page.
Keys that depend on a model carry its name, so an mlp setting never lands on a cnn.
"""

from __future__ import annotations

import streamlit as st

from compression import plots
from compression.checkpoint import Checkpoint, checkpoint_bytes
from compression.data import subset
from compression.inspect import ThresholdRange, prune_threshold_range
from compression.measure import Measurement
from compression.settings import CompressionSettings
from compression.train import TrainConfig, config_dict, finetune

from . import format as fmt
from . import state
from .navigation import sidebar_menu
from .state import Baseline, FinetuneOutcome
from .training import LiveTraining

APP_TITLE = "Compression Explorer"
KEEP = "session"  # persist_state of every compression widget
TWN = 0.7  # the ternary rule of Ternary Weight Networks, delta = 0.7 * mean|W|

# Metric labels: the same words on every page (browser tests read them).
ACCURACY = "Test accuracy"
BASELINE_ACCURACY = "Baseline accuracy"
SIZE = "Compressed size"
DENSE_SIZE = "Float32 size"
SPARSITY = "Sparsity"
BITS = "Bits per weight"
RATIO = "Compression ratio"
RETRAINED_ACCURACY = "Accuracy after retraining"


# --- baseline -------------------------------------------------------------------------------


def _on_pick() -> None:
    state.select_baseline(st.session_state["baseline.picker"])


def baseline_picker(where=st) -> None:
    """A select box of this person's baselines (shipped ones and those they trained)."""
    choices = state.baseline_choices()
    st.session_state["baseline.picker"] = state.selected_key()
    where.selectbox(
        "Baseline model",
        options=list(choices),
        format_func=choices.get,
        key="baseline.picker",
        on_change=_on_pick,
        help="The trained float32 model every page compresses. Train your own on the Train page.",
    )


def baseline_sidebar(baseline: Baseline, reference: Measurement) -> None:
    """The baseline in use, its accuracy and size, and a way to switch it."""
    with st.sidebar:
        baseline_picker()
        st.caption(baseline.note)
        st.metric(
            BASELINE_ACCURACY,
            fmt.accuracy(reference.accuracy),
            help="Share of the 10,000 MNIST test images the baseline classifies correctly.",
        )
        st.metric(
            DENSE_SIZE,
            fmt.kilobytes(reference.dense_bytes),
            help=f"{fmt.exact_bytes(reference.dense_bytes)}: every weight and bias "
            "as a 32-bit float.",
        )


def start_page(title: str, icon: str | None = None) -> tuple[Baseline, Measurement]:
    """What every page does first: its set-up, the menu, data, this person's baseline."""
    st.set_page_config(
        page_title=title if title == APP_TITLE else f"{title} · {APP_TITLE}",
        page_icon=icon,
        layout="wide",
    )
    sidebar_menu()
    state.dataset()
    baseline = state.current_baseline()
    reference = state.reference(baseline)
    baseline_sidebar(baseline, reference)
    return baseline, reference


# --- compression settings -------------------------------------------------------------------


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
    threshold = st.slider(
        "Binarization threshold t (× mean|W| of the layer)",
        min_value=0.0,
        max_value=1.5,
        value=0.0,
        step=0.05,
        key=f"{page}.binarize",
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
            args=(f"{page}.binarize", value),
            help=f"Set the threshold to {value:g}.",
        )
    per_channel = row.toggle(
        "One scale per output channel",
        value=False,
        key=f"{page}.per_channel",
        persist_state=KEEP,
        help="Each output neuron/filter gets its own a (XNOR-Net) instead of one a per layer.",
    )
    return {"binarize_threshold": threshold, "per_channel": per_channel}


def _set_value(key: str, value) -> None:
    st.session_state[key] = value


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
        return {"prune_threshold": cut}
    target = st.slider(
        "Target sparsity (% of weights removed)",
        min_value=0,
        max_value=99,
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
    return {
        "prune_sparsity": target / 100,
        "prune_scope": scope,
        "prune_structure": "neurons" if neurons and scope == "layer" else "unstructured",
    }


# --- read-outs ------------------------------------------------------------------------------


def accuracy_metric(where, measured: Measurement, reference: Measurement) -> None:
    where.metric(
        ACCURACY,
        fmt.accuracy(measured.accuracy),
        delta=fmt.points(measured.accuracy - reference.accuracy),
        help="Share of the 10,000 MNIST test images classified correctly; the change is in "
        f"percentage points from the baseline ({fmt.accuracy(reference.accuracy)}).",
    )


def size_metric(where, measured: Measurement) -> None:
    where.metric(
        SIZE,
        fmt.kilobytes(measured.size_bytes),
        delta=fmt.size_change(measured.size_bytes, measured.dense_bytes),
        delta_color="inverse",
        help=f"{fmt.exact_bytes(measured.size_bytes)} in the compact encoding, against "
        f"{fmt.exact_bytes(measured.dense_bytes)} as float32 "
        f"({fmt.ratio(measured.compression_ratio)} smaller).",
    )


def sparsity_metric(where, measured: Measurement) -> None:
    where.metric(
        SPARSITY,
        fmt.percent(measured.sparsity),
        help=f"{measured.summary['params'] - measured.summary['nonzero_params']:,} of "
        f"{measured.summary['params']:,} parameters (weights and biases) are 0.",
    )


def bits_metric(where, measured: Measurement) -> None:
    where.metric(
        BITS,
        fmt.bits(measured.bits_per_weight),
        help="Storage per weight of the compressed layers (positions, values and scales; "
        "biases not counted). Float32 is 32.",
    )


def ratio_metric(where, measured: Measurement) -> None:
    where.metric(
        RATIO,
        fmt.ratio(measured.compression_ratio),
        help="Float32 bytes divided by compressed bytes, for the whole model.",
    )


def layer_table(measured: Measurement) -> None:
    with st.expander("Per-layer encoding and bytes"):
        st.dataframe(fmt.layer_table(measured.sizes), hide_index=True)
        st.caption(
            "values: float32, binary (±a) or ternary (0, ±a); positions: how the places of "
            "the nonzero weights are stored (dense, bitmask, csr or delta code), whichever "
            "is smallest. 1 KB = 1,000 bytes."
        )


def layers_warning(layers: tuple[str, ...]) -> bool:
    """True (and a warning) when no layer is chosen."""
    if layers:
        return False
    st.warning("Choose at least one layer to compress.")
    return True


# --- retraining -----------------------------------------------------------------------------


def finetune_ui(page: str, baseline: Baseline, settings: CompressionSettings) -> None:
    """A button that retrains the compressed model, and its last result for this page."""
    st.subheader("Retrain the compressed model")
    st.caption(
        "Pruned weights stay 0 (their mask is fixed); binarized layers train through the "
        "straight-through estimator. The shared baseline is not changed: the result is "
        "yours, in this browser tab only."
    )
    left, middle, right = st.columns([1, 1, 2])
    epochs = left.select_slider(
        "Epochs", options=[1, 2, 3], value=1, key=f"{page}.ft_epochs", persist_state=KEEP
    )
    images = middle.selectbox(
        "Training images",
        options=[2_000, 10_000, 60_000],
        index=1,
        format_func="{:,}".format,
        key=f"{page}.ft_images",
        persist_state=KEEP,
    )
    right.write("")
    pressed = right.button(
        "Retrain with the compression held fixed", key=f"{page}.ft_go", type="primary"
    )
    if pressed:
        _retrain(
            page,
            baseline,
            settings,
            TrainConfig(epochs=epochs, learning_rate=5e-4, train_subset=images),
        )
    outcome = state.finetuned(page, baseline)
    if outcome is not None:
        _show_outcome(page, baseline, outcome, settings)


def _retrain(page: str, baseline: Baseline, settings: CompressionSettings, config: TrainConfig):
    data = state.dataset()
    images, labels = subset(data.train_images, data.train_labels, config.train_subset, 0)
    before = state.measured(baseline, settings)
    live = LiveTraining(label="Retraining", chart=False)
    result = finetune(
        baseline.model_name,
        baseline.state,
        settings,
        images,
        labels,
        config,
        on_step=live.on_step,
        test_set=(data.test_images, data.test_labels),
    )
    live.clear()
    after = state.measure_state(
        baseline.model_name, result.state, CompressionSettings(layers=settings.layers)
    )
    metadata = {
        "dataset": "mnist",
        "compression": settings.to_dict(),
        "train_config": config_dict(config),
        "history": result.history,
        "test_accuracy": after.accuracy,
        "finetuned_from": baseline.note,
    }
    file = checkpoint_bytes(Checkpoint(baseline.model_name, result.state, metadata))
    state.keep_finetuned(
        page,
        FinetuneOutcome(
            baseline.key, settings, result.state, tuple(result.history), before, after, file
        ),
    )


def _show_outcome(page: str, baseline: Baseline, outcome: FinetuneOutcome, settings) -> None:
    reference = state.reference(baseline)
    if outcome.settings != settings:
        st.info(
            f"This result was retrained for other settings ({settings_caption(outcome.settings)}); "
            "press the button to retrain for the current ones."
        )
    columns = st.columns(3)
    columns[0].metric(
        RETRAINED_ACCURACY,
        fmt.accuracy(outcome.after.accuracy),
        delta=fmt.points(outcome.after.accuracy - outcome.before.accuracy),
        help="Test accuracy after retraining; the change is from the compressed model before "
        f"retraining ({fmt.accuracy(outcome.before.accuracy)}).",
    )
    columns[1].metric(
        "Gap to baseline",
        fmt.points(outcome.after.accuracy - reference.accuracy),
        help=f"Retrained accuracy minus the baseline's {fmt.accuracy(reference.accuracy)}.",
    )
    columns[2].metric(
        "Retrained size",
        fmt.kilobytes(outcome.after.size_bytes),
        help=f"{fmt.exact_bytes(outcome.after.size_bytes)}: the retrained weights keep the "
        "compression, so they take the same encoding.",
    )
    st.plotly_chart(
        plots.recovery_curve(outcome.before.accuracy, outcome.history, reference.accuracy),
        key=f"{page}.recovery",
    )
    st.download_button(
        "Download the retrained checkpoint",
        data=outcome.checkpoint,
        file_name=f"{baseline.model_name}-{page}-retrained.pt",
        key=f"{page}.ft_download",
        help="A checkpoint file for `python -m compression evaluate --checkpoint …`.",
    )


def settings_caption(settings: CompressionSettings) -> str:
    """One line describing the compression, for captions."""
    parts = []
    if settings.prune_threshold is not None:
        parts.append(f"prune |W| ≤ {settings.prune_threshold:.3g}")
    if settings.prune_sparsity is not None:
        unit = "neurons" if settings.prune_structure == "neurons" else "weights"
        parts.append(
            f"prune {100 * settings.prune_sparsity:.0f}% of {unit} ({settings.prune_scope})"
        )
    if settings.binarize_threshold is not None:
        scales = "per channel" if settings.per_channel else "per layer"
        parts.append(f"binarize t = {settings.binarize_threshold:.2f} ({scales} scale)")
    return "; ".join(parts) or "no compression"


# --- training -------------------------------------------------------------------------------

LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
TRAINING_IMAGES = [2_000, 10_000, 60_000]


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
        )
    config = TrainConfig(
        epochs=int(epochs),
        learning_rate=float(learning_rate),
        batch_size=int(batch),
        seed=int(seed),
        train_subset=None if images >= 60_000 else int(images),
    )
    return model_name, config
