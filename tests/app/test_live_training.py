"""Training shown live: the run's result comes back, a quick run draws nothing, and a page run
that ends early stops its training."""

from __future__ import annotations

import threading
import time
from typing import ClassVar

import pytest

from compression.train import Progress, TrainConfig, TrainingStopped
from ui import training
from ui.training import TrainingProgress, train_live, train_on


class PageRunEnded(BaseException):
    """What Streamlit raises inside an st call when a page run is stopped or rerun."""


class Display:
    """Stands for the progress bar and curves; ``stop_after`` shows end the page run."""

    made: ClassVar[list[Display]] = []

    def __init__(self, label, chart, note, stop_after: int | None = None):
        self.note, self.shown, self.cleared = note, 0, False
        self.stop_after = stop_after
        Display.made.append(self)

    def show(self, progress: TrainingProgress) -> None:
        self.shown += 1
        if self.stop_after is not None and self.shown >= self.stop_after:
            raise PageRunEnded

    def clear(self) -> None:
        self.cleared = True


@pytest.fixture
def display(monkeypatch):
    Display.made = []
    monkeypatch.setattr(training, "LiveTraining", Display)
    return Display.made


def test_a_run_that_returns_at_once_draws_nothing(display):
    result, progress = train_live(lambda progress: "cached")
    assert result == "cached" and display == []
    assert progress.history == [] and progress.step_losses == []


def test_a_run_a_person_started_is_drawn_at_once_however_short(display):
    result, _ = train_live(lambda progress: "quick", at_once=True)
    assert result == "quick" and len(display) == 1 and display[0].cleared


def test_a_longer_run_is_drawn_with_its_note_and_cleared_at_the_end(display):
    def run(progress: TrainingProgress) -> int:
        for step in range(1, 4):
            time.sleep(0.1)
            progress.on_step(Progress(1, 1, step, 3, loss=1.0 / step))
        progress.on_epoch({"epoch": 1})
        return 7

    result, progress = train_live(run, note="why")
    assert result == 7
    assert [(d.note, d.cleared) for d in display] == [("why", True)] and display[0].shown >= 1
    assert progress.step_losses == [(1 / 3, 1.0), (2 / 3, 0.5), (1.0, 1 / 3)]
    assert progress.history == [{"epoch": 1}]


def test_the_run_s_error_is_raised_on_the_page(display):
    def run(progress):
        raise ValueError("epochs must be at least 1")

    with pytest.raises(ValueError, match="epochs"):
        train_live(run)


def test_a_page_run_that_ends_early_stops_its_training(monkeypatch):
    monkeypatch.setattr(training, "LiveTraining", lambda *args: Display(*args, stop_after=2))
    ended = threading.Event()

    def run(progress: TrainingProgress):
        try:
            while not progress.should_stop():
                time.sleep(0.02)
        finally:
            ended.set()

    with pytest.raises(PageRunEnded):
        train_live(run)
    assert ended.wait(5), "the training went on after its page run ended"


def test_train_on_reports_every_step_and_epoch_and_stops_when_asked(mnist):
    progress = TrainingProgress()
    config = TrainConfig(epochs=1, train_subset=256, batch_size=128, seed=0)
    result = train_on("mlp", mnist, config, progress)
    assert len(progress.step_losses) == 2 and progress.history == result.history
    progress.stop()
    with pytest.raises(TrainingStopped):
        train_on("mlp", mnist, config, progress)
