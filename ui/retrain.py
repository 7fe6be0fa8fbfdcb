"""Retraining a compressed model on a page: the button, the progress, the result.

The result belongs to this person only (``st.session_state``); the shared baseline
it started from is not changed.
"""

from __future__ import annotations

import streamlit as st

from compression.data import subset
from compression.figures import plots
from compression.files.checkpoint import Checkpoint, checkpoint_bytes
from compression.settings import CompressionSettings
from compression.train import TrainConfig, TrainResult, config_dict, finetune
from ui import format as fmt
from ui.controls import keys
from ui.controls.help_texts import CONTROL_HELP
from ui.controls.widgets import KEEP
from ui.readouts import RETRAINED_ACCURACY
from ui.state import measuring, retrained
from ui.state.baselines import Baseline
from ui.state.datasets import dataset
from ui.state.retrained import FinetuneOutcome
from ui.training import TrainingProgress, train_live

# How retraining treats each method's compression, in the order the methods apply.
HELD_DURING_RETRAINING = {
    "prune": "pruned weights stay 0 (their mask is fixed)",
    "binarize": "binarized layers train through the straight-through estimator",
    "quantize": "quantized layers train through the straight-through estimator (the forward "
    "pass rounds to K bits, the gradient reaches the real weights)",
}


def retrain_caption(methods: tuple[str, ...]) -> str:
    """What retraining keeps of the page's ``methods`` (names in ``compression.methods``)."""
    rules = "; ".join(HELD_DURING_RETRAINING[name] for name in methods)
    held = f"{rules[:1].upper()}{rules[1:]}. " if rules else ""
    return (
        f"{held}The shared baseline is not changed: the result is yours, in this browser tab only."
    )


def finetune_ui(
    page: str, baseline: Baseline, settings: CompressionSettings, methods: tuple[str, ...]
) -> None:
    """A button that retrains the compressed model, and its last result for this page.

    ``methods`` are the page's methods: the caption says how retraining treats each.
    """
    st.subheader("Retrain the compressed model")
    st.caption(retrain_caption(methods))
    left, middle, right = st.columns([1, 1, 2])
    epochs = left.select_slider(
        "Epochs",
        options=[1, 2, 3],
        value=1,
        key=keys.element(page, "ft_epochs"),
        persist_state=KEEP,
        help=CONTROL_HELP["finetune_epochs"],
    )
    images = middle.selectbox(
        "Training images",
        options=[2_000, 10_000, 60_000],
        index=1,
        format_func="{:,}".format,
        key=keys.element(page, "ft_images"),
        persist_state=KEEP,
        help=CONTROL_HELP["train_subset"],
    )
    right.write("")
    pressed = right.button(
        "Retrain with the compression held fixed",
        key=keys.element(page, "ft_go"),
        type="primary",
        help="Train the compressed model for a while with its compression held fixed; "
        "the result appears below.",
    )
    if pressed:
        _retrain(
            page,
            baseline,
            settings,
            TrainConfig(epochs=epochs, learning_rate=5e-4, train_subset=images),
        )
    outcome = retrained.finetuned(page, baseline)
    if outcome is not None:
        _show_outcome(page, baseline, outcome, settings)


def _retrain(page: str, baseline: Baseline, settings: CompressionSettings, config: TrainConfig):
    data = dataset(baseline.dataset)
    images, labels = subset(data.train_images, data.train_labels, config.train_subset, 0)
    before = measuring.measured(baseline, settings)

    def retrain_run(progress: TrainingProgress) -> TrainResult:
        return finetune(
            baseline.model_name,
            baseline.state,
            settings,
            images,
            labels,
            config,
            on_step=progress.on_step,
            should_stop=progress.should_stop,
            test_set=(data.test_images, data.test_labels),
        )

    result, _ = train_live(retrain_run, label="Retraining", chart=False, at_once=True)
    after = measuring.measure_state(
        baseline.model_name,
        result.state,
        CompressionSettings(layers=settings.layers),
        baseline.dataset,
    )
    metadata = {
        "dataset": baseline.dataset,
        "compression": settings.to_dict(),
        "train_config": config_dict(config),
        "history": result.history,
        "test_accuracy": after.accuracy,
        "finetuned_from": baseline.note,
    }
    file = checkpoint_bytes(Checkpoint(baseline.model_name, result.state, metadata))
    retrained.keep_finetuned(
        page,
        FinetuneOutcome(
            baseline.key, settings, result.state, tuple(result.history), before, after, file
        ),
    )


def _show_outcome(page: str, baseline: Baseline, outcome: FinetuneOutcome, settings) -> None:
    reference = measuring.reference(baseline)
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
        key=keys.element(page, "recovery"),
    )
    st.download_button(
        "Download the retrained checkpoint",
        data=outcome.checkpoint,
        file_name=f"{baseline.model_name}-{page}-retrained.pt",
        key=keys.element(page, "ft_download"),
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
    if settings.quantize_bits is not None:
        scales = "per channel" if settings.per_channel else "per layer"
        parts.append(f"quantize to {settings.quantize_bits} bits ({scales} scale)")
    return "; ".join(parts) or "no compression"
