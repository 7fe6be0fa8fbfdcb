"""Train: pick a model and a recipe, watch it learn, and make it your baseline."""

from functools import partial

import streamlit as st

from compression.data import missing_dataset_note
from compression.figures import plots
from ui import format as fmt
from ui import page
from ui.controls import keys, widgets
from ui.safe_text import MESSAGE_LIMIT, TITLE_LIMIT, html_text, shown
from ui.state import baselines, datasets
from ui.training import train_live, train_on

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
    "Stop", key=keys.element("train", "stop"), help="Stop training; your baseline stays."
)

if st.session_state.pop(keys.TRAINING, False):
    st.warning("Training stopped before it finished; your baseline is unchanged.")
if message := st.session_state.pop(keys.TRAINED, None):
    st.success(message)

if start and not stopped:
    data = datasets.dataset(dataset_name)
    st.session_state[keys.TRAINING] = True  # still set if a click interrupts the run
    try:
        result, progress = train_live(partial(train_on, model_name, data, config), at_once=True)
    except ValueError as error:
        st.session_state.pop(keys.TRAINING, None)
        st.error(f"Training could not start: {error}")
        st.stop()
    st.session_state.pop(keys.TRAINING, None)
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
