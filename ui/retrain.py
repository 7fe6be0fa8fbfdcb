"""Retraining a compressed model on a page: the button, the progress, the result.

The result belongs to this person only (``st.session_state``); the shared baseline
it started from is not changed. The retrained model becomes one of this person's
baselines and is selected, so the page (and every other page) shows it, its sliders kept
by :mod:`ui.controls.carry`; the picker goes back to the model it came from.
"""

from __future__ import annotations

import uuid

import streamlit as st

from compression.data import subset
from compression.distill import Distillation
from compression.figures import plots
from compression.files.checkpoint import Checkpoint, checkpoint_bytes
from compression.models import MODEL_TITLES
from compression.settings import CompressionSettings
from compression.train import TrainConfig, TrainResult, config_dict, finetune
from ui import format as fmt
from ui.controls import keys
from ui.controls.help_texts import CONTROL_HELP
from ui.controls.widgets import KEEP
from ui.format import count
from ui.readouts import RETRAINED_ACCURACY
from ui.safe_text import TITLE_LIMIT, shown
from ui.state import baselines, measuring, retrained
from ui.state.baselines import Baseline
from ui.state.datasets import dataset, dataset_title
from ui.state.retrained import FinetuneOutcome
from ui.training import TrainingProgress, train_live

# How retraining treats each method's compression, in the order the methods apply.
HELD_DURING_RETRAINING = {
    "prune": "pruned weights stay 0 (their mask is fixed)",
    "binarize": "binarized layers train through the straight-through estimator",
    "quantize": "quantized layers train through the straight-through estimator (the forward "
    "pass rounds to K bits, the gradient reaches the real weights)",
    "share": "each weight keeps its shared value's index; the K shared values train, each "
    "with the sum of its weights' gradients",
}


def retrain_caption(methods: tuple[str, ...]) -> str:
    """What retraining keeps of the page's ``methods`` (names in ``compression.methods``)."""
    rules = "; ".join(HELD_DURING_RETRAINING[name] for name in methods)
    held = f"{rules[:1].upper()}{rules[1:]}. " if rules else ""
    return (
        f"{held}The shared baseline is not changed: the result becomes your baseline, in this "
        "browser tab only, at the same settings."
    )


def finetune_ui(
    page: str, baseline: Baseline, settings: CompressionSettings, methods: tuple[str, ...]
) -> None:
    """A button that retrains the compressed model, and its last result for this page.

    ``methods`` are the page's methods: the caption says how retraining treats each.
    """
    st.subheader("Retrain the compressed model")
    st.caption(retrain_caption(methods))
    left, middle, teacher, right = st.columns([1, 1, 1, 2])
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
    teacher.write("")
    distill = teacher.toggle(
        "Learn from the dense model",
        key=keys.element(page, "ft_distill"),
        persist_state=KEEP,
        help=CONTROL_HELP["distill"],
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
            Distillation() if distill else None,
        )
    outcome = retrained.finetuned(page, baseline)
    if outcome is not None:
        _show_outcome(page, baseline, outcome, settings)


def _retrain(
    page: str,
    baseline: Baseline,
    settings: CompressionSettings,
    config: TrainConfig,
    distill: Distillation | None = None,
):
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
            distill=distill,
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
        "accuracy_before_retraining": before.accuracy,
        "retrained_from": baseline.title,
        "finetuned_from": baseline.note,
        "distillation": None if distill is None else distill.to_dict(),
    }
    model = retrained_baseline(baseline, result, settings, config, metadata)
    retrained.keep_finetuned(
        page,
        FinetuneOutcome(
            baseline.key,
            settings,
            result.state,
            tuple(result.history),
            before,
            after,
            checkpoint_bytes(Checkpoint(baseline.model_name, result.state, metadata)),
            retrained_key=model.key,
            reference_accuracy=measuring.reference(baseline).accuracy,
        ),
    )
    baselines.add_own_baseline(model)  # and select it: the whole page shows it
    st.rerun()


def retrained_baseline(
    origin: Baseline,
    result: TrainResult,
    settings: CompressionSettings,
    config: TrainConfig,
    metadata: dict,
) -> Baseline:
    """The retrained model as one of this person's baselines; ``metadata`` (its recipe and
    settings) goes into its checkpoint file."""
    epochs = count(len(result.history) or config.epochs, "epoch")
    if metadata.get("distillation"):
        epochs += " distilled"
    images = f"{config.train_subset:,}" if config.train_subset else "60,000"
    on = "" if origin.dataset == "mnist" else f" on {dataset_title(origin.dataset)}"
    before, after = metadata["accuracy_before_retraining"], metadata["test_accuracy"]
    return Baseline(
        key=f"{retrained.RETRAINED_PREFIX}{uuid.uuid4().hex}",
        model_name=origin.model_name,
        # The real weights, not the baked ones: compressing them at the same settings gives
        # the retrained model, and other settings start from weights that were never rounded
        # (a ternary model binarized again with t >= 1 would lose every weight).
        state=result.real_state if result.real_state is not None else result.state,
        dataset=origin.dataset,
        seed=origin.seed,
        metadata=metadata,
        title=f"your {MODEL_TITLES[origin.model_name]} retrained{on}: "
        f"{settings_caption(settings)}, {epochs}",
        label=f"your {origin.model_name.upper()} retrained{on}: {short_caption(settings)}, "
        f"{epochs}",
        note=f"retrained here from {origin.title} at {settings_caption(settings)}: {epochs} on "
        f"{images} training images, learning rate {config.learning_rate:g}; test accuracy "
        f"{fmt.accuracy(before)} before retraining, {fmt.accuracy(after)} after. Its weights "
        "are the real weights retraining left; compressed at these settings they give the "
        "retrained model.",
        history=tuple(result.history),
    )


def before_retraining(baseline: Baseline) -> None:
    """Under the headline metrics of a retrained model: its accuracy before retraining."""
    if not retrained.is_retrained(baseline):
        return
    meta = baseline.metadata
    at = settings_caption(CompressionSettings.from_dict(meta["compression"]))
    st.caption(
        f"**Before retraining: {fmt.accuracy(meta['accuracy_before_retraining'])}** "
        f"({shown(meta['retrained_from'], TITLE_LIMIT)} at {at}); after retraining: "
        f"{fmt.accuracy(meta['test_accuracy'])}. The sidebar's picker goes back to the "
        "model it came from."
    )


def _show_outcome(page: str, baseline: Baseline, outcome: FinetuneOutcome, settings) -> None:
    on_retrained = baseline.key == outcome.retrained_key
    if outcome.settings != settings and not on_retrained:
        st.info(
            f"This result was retrained for other settings ({settings_caption(outcome.settings)}); "
            "press the button to retrain for the current ones."
        )
    kept = baselines.own_baselines().get(outcome.retrained_key)
    if kept is not None and not on_retrained:
        st.caption(f"The retrained model is in the sidebar's picker: {shown(kept.label)}.")
    columns = st.columns(3)
    columns[0].metric(
        RETRAINED_ACCURACY,
        fmt.accuracy(outcome.after.accuracy),
        delta=fmt.points(outcome.after.accuracy - outcome.before.accuracy),
        help="Test accuracy after retraining; the change is from the compressed model before "
        f"retraining ({fmt.accuracy(outcome.before.accuracy)}).",
    )
    reference = outcome.reference_accuracy
    columns[1].metric(
        "Gap to baseline",
        fmt.points(outcome.after.accuracy - reference),
        help="Retrained accuracy minus the uncompressed model's it came from, "
        f"{fmt.accuracy(reference)}.",
    )
    columns[2].metric(
        "Retrained size",
        fmt.kilobytes(outcome.after.size_bytes),
        help=f"{fmt.exact_bytes(outcome.after.size_bytes)}: the retrained weights keep the "
        "compression, so they take the same encoding.",
    )
    st.plotly_chart(
        plots.recovery_curve(outcome.before.accuracy, outcome.history, reference),
        key=keys.element(page, "recovery"),
    )
    st.download_button(
        "Download the retrained checkpoint",
        data=outcome.checkpoint,
        file_name=f"{baseline.model_name}-{page}-retrained.pt",
        key=keys.element(page, "ft_download"),
        help="A checkpoint file for `python -m compression evaluate --checkpoint …`; its "
        "metadata holds the recipe and the compression settings.",
    )


def short_caption(settings: CompressionSettings) -> str:
    """The compression in a few words, for the picker: ``pruned T = 0.04``."""
    parts = []
    if settings.prune_threshold is not None:
        parts.append(f"pruned T = {settings.prune_threshold:.3g}")
    if settings.prune_sparsity is not None:
        unit = " of neurons" if settings.prune_structure == "neurons" else ""
        parts.append(f"pruned {100 * settings.prune_sparsity:.0f}%{unit}")
    if settings.binarize_threshold is not None:
        parts.append(f"binarized t = {settings.binarize_threshold:.2f}")
    return ", ".join(parts) or "uncompressed"


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
    if settings.share_weights is not None:
        parts.append(f"share {settings.share_weights} values per layer")
    return "; ".join(parts) or "no compression"
