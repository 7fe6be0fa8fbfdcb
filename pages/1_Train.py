"""Train: pick a model and a recipe, watch it learn, and make it your baseline."""

from functools import partial

import streamlit as st

from compression.data import missing_dataset_note
from compression.figures import plots
from ui import format as fmt
from ui import page, stopped_training
from ui.controls import keys, widgets
from ui.safe_text import MESSAGE_LIMIT, TITLE_LIMIT, html_text, shown
from ui.state import baselines, datasets
from ui.stopped_training import TrainingRun
from ui.training import TrainingProgress, train_live, train_on

baseline, reference = page.start_page("Train")

st.title("Train a baseline")
st.markdown(
    "Train a network on the MNIST digits or the Fashion-MNIST clothing images, on this "
    "computer's CPU. When it "
    "finishes it becomes **your** baseline: the Binarize, Prune and Combine pages "
    "compress it. Nobody else sees it, and the shipped models stay as they are."
)

dataset_name = widgets.dataset_ui()
missing = missing_dataset_note(dataset_name)
if missing:
    st.info(f"Not available: {missing}")
model_name, config = widgets.train_ui()
go, stop, _ = st.columns([1, 1, 4])
start = go.button(
    "Train",
    type="primary",
    key=keys.element("train", "go"),
    disabled=missing is not None,
    help="Train this model with this recipe and seed; the same settings give the same model.",
)
stopped = stop.button(
    "Stop",
    key=keys.element("train", "stop"),
    help="Stop training; your baseline stays, and the model after the last whole epoch is offered.",
)

if stopped_training.interrupted():
    st.warning("Training stopped before it finished; your baseline is unchanged.")
if kept := stopped_training.keep_button():
    st.session_state[keys.TRAINED] = (
        f"Kept {kept.title}, trained for {fmt.count(len(kept.history), 'epoch')}. "
        "It is now your baseline on every page."
    )
    st.rerun()
if message := st.session_state.pop(keys.TRAINED, None):
    st.success(message)

if start and not stopped:
    data = datasets.dataset(dataset_name)
    progress = TrainingProgress()
    # still noted if a click interrupts the run: the next run offers its finished epochs
    stopped_training.started(TrainingRun(model_name, dataset_name, config, progress))
    try:
        result, progress = train_live(
            partial(train_on, model_name, data, config), at_once=True, progress=progress
        )
    except ValueError as error:
        stopped_training.ended()
        st.error(f"Training could not start: {error}")
        st.stop()
    stopped_training.ended()
    trained = baselines.adopt_trained(
        model_name, result.state, config, result.history, progress.step_losses, dataset_name
    )
    accuracy = result.history[-1]["test_accuracy"]
    st.session_state[keys.TRAINED] = (
        f"Trained {trained.title}: {fmt.accuracy(accuracy)} on the test images. "
        "It is now your baseline on every page."
    )
    st.rerun()

st.subheader(f"Training of the baseline in use: {shown(baseline.title, TITLE_LIMIT)}")
if baseline.history:
    st.plotly_chart(
        plots.training_curves(
            baseline.history,
            baseline.step_losses,
            title=f"{html_text(baseline.title)}: loss and accuracy per epoch",
        ),
        key=keys.element("train", "curves"),
    )
else:
    st.caption("No training history was stored with this model.")
st.caption(shown(baseline.note, MESSAGE_LIMIT))
if baseline.key.startswith("trained:"):
    st.download_button(
        "Download this model",
        data=baselines.checkpoint_file(baseline),
        file_name=f"{baseline.model_name}-{baseline.dataset}-seed{baseline.seed}.pt",
        key=keys.element("train", "download"),
        help="A checkpoint with its recipe, seed and data set, for "
        "`python -m compression evaluate --checkpoint …`.",
    )
