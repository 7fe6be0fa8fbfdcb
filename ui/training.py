"""Live training display: a progress bar and a loss/accuracy chart fed by train callbacks."""

from __future__ import annotations

import time

import streamlit as st

from compression.figures import plots
from compression.train import Progress


class LiveTraining:
    """Receives :func:`compression.train.train` callbacks and redraws, throttled.

    The progress bar moves when the whole percentage changes; the chart is redrawn
    after every epoch and at most every ``min_interval`` seconds in between (sending
    a Plotly figure per step would cost more than the step itself).
    """

    def __init__(self, label: str = "Training", chart: bool = True, min_interval: float = 0.5):
        self.label = label
        self.bar = st.progress(0.0, text=f"{label}: starting …")
        self.chart = st.empty() if chart else None
        self.min_interval = min_interval
        self.history: list[dict] = []
        self.step_losses: list[tuple[float, float]] = []
        self._percent = -1
        self._drawn = (0, 0)
        self._last_draw = 0.0

    def on_step(self, progress: Progress) -> None:
        position = progress.epoch - 1 + progress.step / progress.steps_per_epoch
        self.step_losses.append((position, progress.loss))
        percent = int(100 * progress.fraction)
        if percent != self._percent:
            self._percent = percent
            self.bar.progress(
                progress.fraction,
                text=(
                    f"{self.label}: epoch {progress.epoch}/{progress.epochs}, "
                    f"step {progress.step}/{progress.steps_per_epoch}, "
                    f"batch loss {progress.loss:.3f}"
                ),
            )
        if time.monotonic() - self._last_draw > self.min_interval:
            self.draw()

    def on_epoch(self, record: dict) -> None:
        self.history.append(record)
        self.draw()

    def draw(self) -> None:
        drawn = (len(self.history), len(self.step_losses))
        if self.chart is None or drawn == self._drawn:
            return
        self._drawn, self._last_draw = drawn, time.monotonic()
        self.chart.plotly_chart(
            plots.training_curves(self.history, self.step_losses, title=f"{self.label} (live)")
        )

    def clear(self) -> None:
        self.bar.empty()
        if self.chart is not None:
            self.chart.empty()
