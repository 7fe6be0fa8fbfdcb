"""A training run a person stopped: its model after the last whole epoch, offered to keep.

The Train page notes its run before training (a click on the page, Stop among them, ends
that page run). The next page run finds the note, waits briefly for the run to end, and
offers what its finished epochs made; the baseline changes only if the person keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st

from compression.train import TrainConfig, TrainResult
from ui.controls import keys
from ui.state import baselines
from ui.state.baselines import Baseline
from ui.training import TrainingProgress

STOP_WAIT = 30.0  # seconds a stopped run may take to end (one step, or one test at an epoch end)


@dataclass(frozen=True)
class TrainingRun:
    """What the Train page started: the model, its data set and recipe, and its progress."""

    model_name: str
    dataset_name: str
    config: TrainConfig
    progress: TrainingProgress


@dataclass(frozen=True)
class StoppedModel:
    """The weights and history of a stopped run after its last whole epoch."""

    run: TrainingRun
    finished: TrainResult

    @property
    def epochs(self) -> int:
        return len(self.finished.history)


def started(run: TrainingRun) -> None:
    """Note ``run`` before it trains; a model kept from an earlier stop is dropped."""
    st.session_state.pop(keys.STOPPED_MODEL, None)
    st.session_state[keys.TRAINING] = run


def ended() -> None:
    """The run ended by itself (finished or failed): nothing to offer."""
    st.session_state.pop(keys.TRAINING, None)


def interrupted() -> bool:
    """Whether this person's last training was stopped before it ended; its model after the
    last whole epoch, if any, is kept for :func:`keep_button`."""
    run = st.session_state.pop(keys.TRAINING, None)
    if not isinstance(run, TrainingRun):
        return False
    finished = run.progress.finished_before_stop(STOP_WAIT)
    if finished is not None and finished.history:
        st.session_state[keys.STOPPED_MODEL] = StoppedModel(run, finished)
    return True


def keep_button() -> Baseline | None:
    """A button offering the stopped run's model; the new baseline once it is pressed."""
    stopped = st.session_state.get(keys.STOPPED_MODEL)
    if not isinstance(stopped, StoppedModel):
        return None
    history = stopped.finished.history
    accuracy = history[-1].get("test_accuracy")
    tested = "" if accuracy is None else f" ({100 * accuracy:.2f} % on the test images)"
    if not st.button(
        f"Keep the model from epoch {stopped.epochs}",
        key=keys.element("train", "keep_stopped"),
        help=f"Make the weights after epoch {stopped.epochs} of the stopped run{tested} "
        "your baseline; the recipe it records, with this many epochs, trains the same weights.",
    ):
        return None
    st.session_state.pop(keys.STOPPED_MODEL, None)
    run = stopped.run
    losses = [(x, loss) for x, loss in run.progress.step_losses if x <= stopped.epochs]
    return baselines.adopt_trained(
        run.model_name,
        stopped.finished.state,
        replace(run.config, epochs=stopped.epochs),
        history,
        losses,
        run.dataset_name,
    )
