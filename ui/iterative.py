"""Iterative pruning and the lottery-ticket rewind run live: their progress, display and results.

A run of rounds goes on in a worker thread (:func:`ui.training.train_live`) and reports each
finished round to an :class:`IterativeProgress`; :class:`LiveRounds` draws the bar and the
growing chart. The page notes the run before it starts, so the page run after a Stop finds
the rounds that finished (:func:`interrupted`). Results belong to this person only.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from dataclasses import dataclass, field, replace

import streamlit as st

from compression.data import subset
from compression.figures import iterative_plots
from compression.iterative import Histogram, Round, Schedule, iterate
from compression.lottery import other_seed, rewind
from compression.models import MODEL_TITLES
from compression.train import TrainConfig, TrainingStopped, config_dict
from ui import format as fmt
from ui.controls import keys
from ui.state import baselines
from ui.state.baselines import Baseline
from ui.state.datasets import dataset, dataset_title
from ui.state.retrained import is_retrained
from ui.training import LIVE_CHART, STACKED, TrainingProgress, train_live

PAGE = "iterate"
PRUNED_PREFIX = "pruned:"  # the key of a baseline made by the rounds here
RUNNING = "iterate.running"  # session: the IterativeRun while it trains
OUTCOME = "iterate.outcome"  # session: the last IterativeOutcome
LOTTERY = "iterate.lottery"  # session: the last LotteryOutcome
STOP_WAIT = 30.0  # seconds a stopped run may take to end (one step, or one test)
LIVE_BOX = iterative_plots.ROUNDS_HEIGHT + 20


class IterativeProgress(TrainingProgress):
    """A training progress that also keeps every finished round (written by the run)."""

    def __init__(self, rounds: int) -> None:
        super().__init__()
        self.planned = rounds
        self._rounds: list[Round] = []

    def add(self, finished: Round) -> None:
        with self._lock:
            self._rounds.append(finished)

    @property
    def rounds(self) -> list[Round]:
        with self._lock:
            return list(self._rounds)


@dataclass(frozen=True)
class IterativeRun:
    """What the page started: from which baseline, with which schedule and data."""

    baseline_key: str
    schedule: Schedule
    histogram_layer: str
    progress: IterativeProgress


@dataclass(frozen=True)
class IterativeOutcome:
    """The rounds a run finished (all of them unless it was stopped).

    Only the last round keeps its weights and masks (the rewind needs its masks)."""

    baseline_key: str
    schedule: Schedule
    rounds: tuple[Round, ...] = field(repr=False)
    stopped: bool = False

    @property
    def last(self) -> Round:
        return self.rounds[-1]


@dataclass(frozen=True)
class LotteryOutcome:
    """The final mask trained from the recreated initial weights and from another seed."""

    init_seed: int
    reinit_seed: int
    config: TrainConfig
    ticket: tuple[dict, ...]  # per-epoch history of the rewound ticket
    reinit: tuple[dict, ...]  # per-epoch history of the random re-initialisation


def histogram_dict(histogram: Histogram) -> dict:
    return {"layer": histogram.layer, "edges": histogram.edges, "counts": histogram.counts}


def rounds_figure(rounds: list[Round], planned: int, title: str):
    """The rounds chart of ``rounds`` (round 0 first), the last round's survivors drawn."""
    return iterative_plots.rounds_chart(
        [r.numbers() for r in rounds],
        histogram_dict(rounds[-1].histogram) if rounds else None,
        histogram_dict(rounds[0].histogram) if len(rounds) > 1 else None,
        planned_rounds=planned,
        title=title,
    )


class LiveRounds:
    """The run's progress bar and its rounds chart, redrawn as each round finishes.

    Redraws go into new slots stacked in one box (:data:`ui.training.STACKED`), as the live
    training curves do: the chart before stays on screen until the new one is drawn over it.
    """

    _made = itertools.count()

    def __init__(self, planned: int):
        self.planned = planned
        self.bar = st.progress(0.0, text="Pruning: starting …")
        self.box = st.empty()
        st.html(STACKED)
        self.stack = self.box.container(
            height=LIVE_BOX,
            border=False,
            key=keys.element(LIVE_CHART, f"{PAGE}{next(self._made)}"),
        )
        self.slots: list = []
        self._drawn = 0
        self._percent = -1

    def show(self, progress: IterativeProgress) -> None:
        rounds = progress.rounds
        done = max(len(rounds) - 1, 0)  # round 0 is the model before any cut
        latest, steps = progress.latest(), progress.counts()[1]
        within, text = 0.0, f"Round {min(done + 1, self.planned)} of {self.planned}: cutting …"
        if latest is not None and done < self.planned:
            per_round = latest.epochs * latest.steps_per_epoch
            within = min(max(steps - done * per_round, 0) / per_round, 1.0)
            if within > 0:
                text = (
                    f"Round {done + 1} of {self.planned}: retraining, epoch "
                    f"{latest.epoch}/{latest.epochs}, step {latest.step}/{latest.steps_per_epoch}"
                )
        fraction = min((done + within) / self.planned, 1.0)
        if int(100 * fraction) != self._percent:
            self._percent = int(100 * fraction)
            self.bar.progress(fraction, text=text)
        if len(rounds) != self._drawn:
            self._drawn = len(rounds)
            if len(self.slots) >= 2:
                self.slots[-2].empty()
            self.slots.append(self.stack.empty())
            self.slots[-1].plotly_chart(
                rounds_figure(rounds, self.planned, "Iterative pruning (live)")
            )

    def clear(self) -> None:
        self.bar.empty()
        self.box.empty()


def train_images(baseline: Baseline, count: int | None, seed: int):
    data = dataset(baseline.dataset)
    return subset(data.train_images, data.train_labels, count, seed)


def run_rounds(baseline: Baseline, schedule: Schedule, histogram_layer: str) -> None:
    """Run ``schedule`` on ``baseline`` live; keep what it finished for this person."""
    progress = IterativeProgress(schedule.rounds)
    st.session_state.pop(LOTTERY, None)
    st.session_state[RUNNING] = IterativeRun(baseline.key, schedule, histogram_layer, progress)
    data = dataset(baseline.dataset)
    train_set = train_images(baseline, schedule.retrain.train_subset, schedule.retrain.seed)

    def run(progress: IterativeProgress) -> list[Round]:
        for finished in iterate(
            baseline.model_name,
            baseline.state,
            schedule,
            train_set,
            (data.test_images, data.test_labels),
            histogram_layer,
            on_step=progress.on_step,
            should_stop=progress.should_stop,
        ):
            progress.add(finished)
        return progress.rounds

    try:
        with contextlib.suppress(TrainingStopped):  # the rounds it finished are kept
            train_live(
                run,
                label="Pruning",
                at_once=True,
                progress=progress,
                display=lambda: LiveRounds(schedule.rounds),
            )
    except Exception:  # a run that failed is not one to offer after a Stop
        st.session_state.pop(RUNNING, None)
        raise
    st.session_state.pop(RUNNING, None)
    keep_outcome(baseline.key, schedule, progress.rounds)


def keep_outcome(baseline_key: str, schedule: Schedule, rounds: list[Round]) -> None:
    """Keep the finished rounds (the last one whole, the others without their weights); a
    run with fewer than its planned rounds was stopped."""
    if not rounds:
        st.session_state.pop(OUTCOME, None)
        return
    light = [replace(r, state={}, masks={}) for r in rounds[:-1]]
    st.session_state[OUTCOME] = IterativeOutcome(
        baseline_key, schedule, (*light, rounds[-1]), stopped=rounds[-1].round < schedule.rounds
    )


def interrupted() -> bool:
    """Whether this person's last run was stopped; the rounds it finished are kept."""
    run = st.session_state.pop(RUNNING, None)
    if not isinstance(run, IterativeRun):
        return False
    run.progress.stop()
    run.progress.wait_ended(STOP_WAIT)
    keep_outcome(run.baseline_key, run.schedule, run.progress.rounds)
    st.session_state.pop(LOTTERY, None)
    return True


def outcome_for(baseline: Baseline) -> IterativeOutcome | None:
    outcome = st.session_state.get(OUTCOME)
    if isinstance(outcome, IterativeOutcome) and outcome.baseline_key == baseline.key:
        return outcome
    return None


def recorded_seed(baseline: Baseline) -> bool:
    """Whether the seed that initialised ``baseline`` is known: its checkpoint's recipe
    records it, or it was retrained here from a model whose seed it carries."""
    recipe = baseline.metadata.get("train_config") or {}
    return is_retrained(baseline) or "seed" in recipe


def run_lottery(baseline: Baseline, outcome: IterativeOutcome, config: TrainConfig) -> None:
    """Train the last round's mask from the baseline's initial weights and from another
    seed's, one after the other, live; keep both curves."""
    data = dataset(baseline.dataset)
    train_set = train_images(baseline, config.train_subset, config.seed)
    test_set = (data.test_images, data.test_labels)
    masks = outcome.last.masks
    seeds = (baseline.seed, other_seed(baseline.seed))

    def run(progress: TrainingProgress) -> tuple:
        return tuple(
            rewind(
                baseline.model_name,
                seed,
                masks,
                train_set,
                config,
                test_set,
                on_step=progress.on_step,
                should_stop=progress.should_stop,
            )
            for seed in seeds
        )

    try:
        (ticket, reinit), _ = train_live(
            run,
            label="Training the ticket, then the random re-initialisation",
            chart=False,
            at_once=True,
        )
    except TrainingStopped:
        return
    st.session_state[LOTTERY] = (
        outcome,
        LotteryOutcome(seeds[0], seeds[1], config, tuple(ticket.history), tuple(reinit.history)),
    )


def lottery_for(outcome: IterativeOutcome) -> LotteryOutcome | None:
    """The last rewind of ``outcome``'s mask (None if none)."""
    found = st.session_state.get(LOTTERY)
    if isinstance(found, tuple) and found[0] is outcome:
        return found[1]
    return None


def pruned_baseline(origin: Baseline, outcome: IterativeOutcome) -> Baseline:
    """The last round's model as one of this person's baselines. Its weights descend from
    the origin's initial weights, so it keeps the origin's seed (a rewind from it is the
    same rewind)."""
    last, schedule = outcome.last, outcome.schedule
    rounds = fmt.count(last.round, "round")
    pruned = f"{100 * last.sparsity:.0f}%"
    on = "" if origin.dataset == "mnist" else f" on {dataset_title(origin.dataset)}"
    recipe = {**config_dict(schedule.retrain), "seed": origin.seed}
    return Baseline(
        key=f"{PRUNED_PREFIX}{uuid.uuid4().hex}",
        model_name=origin.model_name,
        state=last.state,
        dataset=origin.dataset,
        seed=origin.seed,
        metadata={
            "dataset": origin.dataset,
            "train_config": recipe,
            "test_accuracy": last.accuracy,
            "iterative_pruning": {
                "target_sparsity": schedule.target_sparsity,
                "rounds": [r.numbers() for r in outcome.rounds],
            },
        },
        title=f"your {MODEL_TITLES[origin.model_name]} pruned{on}: {pruned} in {rounds}",
        label=f"your {origin.model_name.upper()} pruned{on}: {pruned} in {rounds}",
        note=f"pruned here from {origin.title} in {rounds} of magnitude pruning, each "
        f"retrained for {fmt.count(schedule.retrain.epochs, 'epoch')}: {pruned} of the "
        f"weights removed, test accuracy {fmt.accuracy(last.accuracy)}.",
    )


def keep_as_baseline(origin: Baseline, outcome: IterativeOutcome) -> Baseline:
    """Make the last round's model this person's baseline (and select it)."""
    model = pruned_baseline(origin, outcome)
    baselines.add_own_baseline(model)
    return model
