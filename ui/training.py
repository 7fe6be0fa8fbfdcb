"""Training shown live: a run goes on in a worker thread while the page draws its progress bar
and its loss/accuracy curves.

The Train page, the starter model and retraining all train through :func:`train_live`. The
run itself never touches Streamlit (so it may be a cached function: nothing of the page is
recorded into a cache); it reports to a :class:`TrainingProgress` that the page reads. A page
run that ends before its training does (the Stop button, a closed tab) asks the run to stop,
and it ends at its next step.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

import streamlit as st

from compression.data import Dataset, subset
from compression.figures import plots
from compression.train import Progress, TrainConfig, TrainingStopped, TrainResult, train
from ui.controls import keys

POLL_SECONDS = 0.1  # how often the page looks at the run; a finished cached run shows nothing
# Pixels kept for the live curves while they are redrawn: the figure's height and a margin.
LIVE_CHART_BOX = plots.TRAINING_CURVES_HEIGHT + 20
LIVE_CHART = "live_curves"  # the keys of the live charts' boxes: ``live_curves.<n>``
# The live charts' slots share one place in their box (a one-cell grid), and a slot is hidden
# once a later slot shows a drawn chart (its curves drawn, the chart not hidden while Streamlit
# sizes it): the newest drawn chart is the one seen.
_BOX = f"[class*='st-key-{LIVE_CHART}-']"
_DRAWN = (
    ".js-plotly-plot:not([style*='visibility: hidden']):not([style*='display: none'])"
    " .scatterlayer .trace"
)
STACKED = (
    f"<style>{_BOX} {{display: grid !important; grid-template-columns: minmax(0, 1fr);}} "
    f"{_BOX} > * {{grid-area: 1 / 1; width: 100%;}} "
    f"{_BOX} > :has(~ * {_DRAWN}) {{visibility: hidden;}}</style>"
)

Result = TypeVar("Result")


class TrainingProgress:
    """What a training run has reported so far: written by the run, read by the page.

    Feed it to :func:`compression.train.train` as ``on_step``, ``on_epoch`` and
    ``should_stop``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._latest: Progress | None = None
        self._history: list[dict] = []
        self._step_losses: list[tuple[float, float]] = []
        self._ended = threading.Event()
        self._finished: TrainResult | None = None

    def on_step(self, progress: Progress) -> None:
        """Record a step's batch loss at its position in epochs (2.5: half-way through epoch 3)."""
        position = progress.epoch - 1 + progress.step / progress.steps_per_epoch
        with self._lock:
            self._latest = progress
            self._step_losses.append((position, progress.loss))

    def on_epoch(self, record: dict) -> None:
        with self._lock:
            self._history.append(record)

    def should_stop(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """Ask the run to end at its next step."""
        self._stop.set()

    def end(self, stopped: TrainingStopped | None = None) -> None:
        """Note that the run has ended, and what it finished if it was stopped."""
        self._finished = None if stopped is None else stopped.finished
        self._ended.set()

    def wait_ended(self, timeout: float) -> bool:
        """Whether the run has ended (waiting up to ``timeout`` seconds for it)."""
        return self._ended.wait(timeout)

    def finished_before_stop(self, timeout: float) -> TrainResult | None:
        """A stopped run's weights and history after its last whole epoch, once it has ended
        (None: not stopped, stopped in its first epoch, or not ended within ``timeout``)."""
        return self._finished if self._ended.wait(timeout) else None

    def latest(self) -> Progress | None:
        """The last step reported (None before the first)."""
        with self._lock:
            return self._latest

    def counts(self) -> tuple[int, int]:
        """(epochs, steps) reported so far."""
        with self._lock:
            return len(self._history), len(self._step_losses)

    @property
    def history(self) -> list[dict]:
        """A copy of the per-epoch records so far."""
        with self._lock:
            return list(self._history)

    @property
    def step_losses(self) -> list[tuple[float, float]]:
        """A copy of the (position in epochs, batch loss) pairs so far."""
        with self._lock:
            return list(self._step_losses)


class LiveTraining:
    """A run's progress bar and, if ``chart``, its live loss/accuracy curves, redrawn throttled.

    The bar moves when the whole percentage changes; the chart is redrawn after every
    epoch and at most every ``min_interval`` seconds in between (sending a Plotly figure
    per step would cost more than the step itself).

    The browser draws every new figure as a new chart (Streamlit names a chart by a hash of
    its figure, so even a keyed chart is mounted anew), and a chart replaced in its place is
    blank until the new one is drawn. So every redraw goes into a new slot after the others,
    and the slots lie on top of each other in one box of fixed height (:data:`STACKED`): the
    chart before stays on screen until the new one is drawn over it, and older charts are
    emptied at the next redraw but one.
    """

    _made = itertools.count()  # a new key for every live box: two may be drawn in one run

    def __init__(
        self,
        label: str = "Training",
        chart: bool = True,
        note: str | None = None,
        min_interval: float = 1.0,
    ):
        self.label = label
        self.notice = st.info(note) if note else None
        self.bar = st.progress(0.0, text=f"{label}: starting …")
        self.box = st.empty() if chart else None  # emptied at the end, box and all
        self.stack = None
        if chart:
            st.html(STACKED)
            self.stack = self.box.container(
                height=LIVE_CHART_BOX,
                border=False,
                key=keys.element(LIVE_CHART, str(next(self._made))),
            )
        self.slots: list = []  # one a redraw, the newest last; only the last two hold a chart
        self.min_interval = min_interval
        self._percent = -1
        self._drawn = (0, 0)
        self._last_draw = 0.0

    def show(self, progress: TrainingProgress) -> None:
        """Bring the bar and the curves up to what ``progress`` holds."""
        latest = progress.latest()
        if latest is not None:
            percent = int(100 * latest.fraction)
            if percent != self._percent:
                self._percent = percent
                self.bar.progress(
                    latest.fraction,
                    text=(
                        f"{self.label}: epoch {latest.epoch}/{latest.epochs}, "
                        f"step {latest.step}/{latest.steps_per_epoch}, "
                        f"batch loss {latest.loss:.3f}"
                    ),
                )
        drawn = progress.counts()
        if self.stack is None or drawn == self._drawn:
            return
        new_epoch = drawn[0] != self._drawn[0]
        if new_epoch or time.monotonic() - self._last_draw > self.min_interval:
            self._drawn, self._last_draw = drawn, time.monotonic()
            if len(self.slots) >= 2:
                self.slots[-2].empty()  # drawn over by the newest one long ago
            self.slots.append(self.stack.empty())
            self.slots[-1].plotly_chart(
                plots.training_curves(
                    progress.history, progress.step_losses, title=f"{self.label} (live)"
                )
            )

    def clear(self) -> None:
        for element in (self.notice, self.bar, self.box):
            if element is not None:
                element.empty()


def _reported(run: Callable[[TrainingProgress], Result], progress: TrainingProgress) -> Result:
    """``run(progress)``, telling ``progress`` when it ends and what a stopped run finished."""
    try:
        result = run(progress)
    except TrainingStopped as stopped:
        progress.end(stopped)
        raise
    except BaseException:
        progress.end()
        raise
    progress.end()
    return result


def train_live(
    run: Callable[[TrainingProgress], Result],
    label: str = "Training",
    chart: bool = True,
    note: str | None = None,
    at_once: bool = False,
    progress: TrainingProgress | None = None,
    display: Callable[[], LiveTraining] | None = None,
) -> tuple[Result, TrainingProgress]:
    """``run(progress)`` in a worker thread, its progress drawn on this page until it returns.

    The bar (with ``note`` above it and, if ``chart``, the curves below) is cleared when the
    run ends. It appears at once when ``at_once`` (a person pressed a button and expects to
    see it start); otherwise once the run has taken longer than one look
    (:data:`POLL_SECONDS`), so a cached run that returns at once draws nothing. The run's
    exception, if any, is raised here. If this page run is stopped first, the run is asked
    to stop; ``progress`` (if given, a new one) then keeps its last whole epoch. ``display``
    makes what draws the run in place of a :class:`LiveTraining` (something with ``show``
    and ``clear``).
    """
    progress = TrainingProgress() if progress is None else progress

    def make_display():
        return display() if display is not None else LiveTraining(label, chart, note)

    # Drawn before the run starts: a short run must not replace the bar before it is sent.
    live = make_display() if at_once else None
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="training")
    finished = worker.submit(_reported, run, progress)
    worker.shutdown(wait=False)  # its thread ends with the run
    try:
        while not wait([finished], timeout=POLL_SECONDS).done:
            if live is None:
                live = make_display()
            live.show(progress)  # where Streamlit stops this page run, if asked to
    finally:
        progress.stop()  # no effect on a finished run
    if live is not None:
        live.clear()
    return finished.result(), progress


def train_on(
    model_name: str, data: Dataset, config: TrainConfig, progress: TrainingProgress
) -> TrainResult:
    """Train ``model_name`` on ``config.train_subset`` training images of ``data`` (all if
    None, chosen by ``config.seed``), tested on its test set after every epoch."""
    images, labels = subset(data.train_images, data.train_labels, config.train_subset, config.seed)
    return train(
        model_name,
        images,
        labels,
        config,
        on_step=progress.on_step,
        on_epoch=progress.on_epoch,
        should_stop=progress.should_stop,
        test_set=(data.test_images, data.test_labels),
    )
