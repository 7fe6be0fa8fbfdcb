"""The Iterative pruning page: Han's prune-and-retrain schedule live, then the lottery rewind."""

from __future__ import annotations

import streamlit as st

from compression.figures import iterative_plots
from compression.iterative import ROUNDS_MAX, Schedule, kept_fractions
from compression.lottery import other_seed
from compression.train import TrainConfig
from ui import format as fmt
from ui import iterative
from ui.controls import keys
from ui.controls.help_texts import CONTROL_HELP
from ui.controls.widgets import KEEP
from ui.iterative import IterativeOutcome, LotteryOutcome
from ui.safe_text import TITLE_LIMIT, shown
from ui.state.baselines import Baseline

PAGE = iterative.PAGE
KEPT = "iterate.kept"  # session: the title of the model that just became the baseline
IMAGES = (2_000, 10_000, 60_000)
RETRAIN_RATE = 5e-4  # the retrain button's step size on the compress pages
TICKET_RATE = 1e-3  # the Train page's: the ticket trains from scratch, as the baseline did
INTRO = (
    "Pruning a trained network in one cut loses accuracy that retraining only partly wins "
    "back. Han et al. (2015) cut a little, retrain, and cut again: round *r* of *N* keeps "
    "the share **k^(r/N)** of each layer's weights (k = 1 − target sparsity), removing "
    "those with the smallest |W| of the ones left, and retrains the survivors with the "
    "pruned weights held at 0. The histogram shows the layer's surviving weights: the "
    "small ones go, and it splits into two humps."
)
LOTTERY_INTRO = (
    "Frankle & Carbin (2019): keep the final mask, but rewind the surviving weights to the "
    "values they had **before the baseline was trained**, recreated from its seed, and train "
    "them again. The control is the same mask on another seed's initial weights. If the "
    "rewound *ticket* learns faster and better, the mask found the right weights *and* the "
    "right starting values."
)


def controls(baseline: Baseline) -> tuple[Schedule, str]:
    """The schedule's widgets; the schedule and the layer whose weights the histogram shows."""
    left, middle, right = st.columns(3)
    sparsity = left.slider(
        "Target sparsity (% of weights removed)",
        min_value=50,
        max_value=99,
        value=90,
        step=1,
        key=keys.element(PAGE, "target"),
        persist_state=KEEP,
        help="The share of every layer's weights gone after the last round.",
    )
    rounds = middle.slider(
        "Rounds",
        min_value=1,
        max_value=ROUNDS_MAX,
        value=4,
        key=keys.element(PAGE, "rounds"),
        persist_state=KEEP,
        help="How many prune-and-retrain rounds reach the target; 1 is a single cut, "
        "then retraining.",
    )
    layer = right.selectbox(
        "Histogram of layer",
        options=baseline.layers,
        key=keys.element(PAGE, "layer", baseline.model_name),
        persist_state=KEEP,
        help="The layer whose surviving weights the histogram shows round by round.",
    )
    left, middle, _ = st.columns(3)
    epochs = left.select_slider(
        "Retraining epochs per round",
        options=[1, 2, 3],
        value=1,
        key=keys.element(PAGE, "epochs"),
        persist_state=KEEP,
        help=CONTROL_HELP["finetune_epochs"],
    )
    images = middle.selectbox(
        "Training images",
        options=IMAGES,
        index=1,
        format_func="{:,}".format,
        key=keys.element(PAGE, "images"),
        persist_state=KEEP,
        help=CONTROL_HELP["train_subset"],
    )
    config = TrainConfig(
        epochs=epochs, learning_rate=RETRAIN_RATE, train_subset=images, seed=baseline.seed
    )
    schedule = Schedule(target_sparsity=sparsity / 100, rounds=rounds, retrain=config)
    kept = ", ".join(f"{100 * k:.1f}%" for k in kept_fractions(schedule.target_sparsity, rounds))
    st.caption(f"Weights kept after each round: {kept}.")
    return schedule, layer


def show_rounds(baseline: Baseline, outcome: IterativeOutcome) -> None:
    """The finished rounds: the last one's numbers and the whole chart."""
    first, last = outcome.rounds[0], outcome.last
    if outcome.stopped:
        st.warning(
            f"Stopped after {fmt.count(last.round, 'round')} of {outcome.schedule.rounds}: "
            "the rounds that finished are shown."
        )
    columns = st.columns(3)
    columns[0].metric(
        "Accuracy after the last round",
        fmt.accuracy(last.accuracy),
        delta=fmt.points(last.accuracy - first.accuracy),
        help="Test accuracy of the pruned, retrained model; the change is from the baseline.",
    )
    columns[1].metric(
        "Weights removed",
        fmt.percent(last.sparsity),
        help="The share of the pruned layers' weights that are 0 after the last round.",
    )
    columns[2].metric(
        "Size",
        fmt.kilobytes(last.size_bytes),
        delta=fmt.size_change(last.size_bytes, last.dense_bytes),
        delta_color="off",
        help=f"{fmt.exact_bytes(last.size_bytes)} in the compact encoding, against "
        f"{fmt.exact_bytes(last.dense_bytes)} as float32.",
    )
    st.plotly_chart(
        iterative.rounds_figure(
            list(outcome.rounds), outcome.schedule.rounds, "Iterative pruning, round by round"
        ),
        key=keys.element(PAGE, "rounds_chart"),
    )
    if last.round > 0 and st.button(
        "Make the pruned model your baseline",
        key=keys.element(PAGE, "keep"),
        help="Every page then compresses the pruned model (in this browser tab only); the "
        "sidebar's picker goes back to the model it came from.",
    ):
        kept = iterative.keep_as_baseline(baseline, outcome)
        st.session_state[KEPT] = kept.title
        st.rerun()


def lottery_ui(baseline: Baseline, outcome: IterativeOutcome, stop_pressed: bool) -> None:
    """The rewind button and, once pressed, the comparison of the three trained models."""
    st.subheader("Rewind to the initial weights: the lottery ticket")
    st.markdown(LOTTERY_INTRO)
    if outcome.last.round == 0:
        st.info("No round finished, so there is no mask to rewind: run at least one round.")
        return
    seed, control = baseline.seed, other_seed(baseline.seed)
    if iterative.recorded_seed(baseline):
        st.caption(
            f"Initial weights recreated from seed **{seed}**, the seed this baseline was "
            f"trained with; the random re-initialisation uses seed {control}. Both see the "
            "same images in the same order."
        )
    else:
        st.caption(
            f"This model records no training seed: seed {seed} is assumed, so the rewound "
            "weights may not be the ones it started from."
        )
    left, middle, right = st.columns([1, 1, 2])
    epochs = left.select_slider(
        "Training epochs",
        options=[1, 2, 3, 4, 5],
        value=2,
        key=keys.element(PAGE, "ticket_epochs"),
        persist_state=KEEP,
        help="Passes over the training images for the ticket and for its control.",
    )
    images = middle.selectbox(
        "Training images",
        options=IMAGES,
        index=1,
        format_func="{:,}".format,
        key=keys.element(PAGE, "ticket_images"),
        persist_state=KEEP,
        help=CONTROL_HELP["train_subset"],
    )
    right.write("")
    pressed = right.button(
        "Rewind and retrain",
        key=keys.element(PAGE, "rewind"),
        type="primary",
        help="Train the final mask from the baseline's initial weights and from another "
        "seed's; the comparison appears below.",
    )
    if pressed and not stop_pressed:
        config = TrainConfig(
            epochs=epochs, learning_rate=TICKET_RATE, train_subset=images, seed=seed
        )
        iterative.run_lottery(baseline, outcome, config)
    found = iterative.lottery_for(outcome)
    if found is not None:
        show_lottery(found, outcome)


def show_lottery(found: LotteryOutcome, outcome: IterativeOutcome) -> None:
    ticket = [r["test_accuracy"] for r in found.ticket]
    reinit = [r["test_accuracy"] for r in found.reinit]
    columns = st.columns(3)
    columns[0].metric(
        "Rewound ticket",
        fmt.accuracy(ticket[-1]),
        help=f"The mask on the initial weights of seed {found.init_seed}, after "
        f"{fmt.count(len(ticket), 'epoch')}.",
    )
    columns[1].metric(
        "Random re-initialisation",
        fmt.accuracy(reinit[-1]),
        delta=fmt.points(reinit[-1] - ticket[-1]),
        help=f"The same mask on the initial weights of seed {found.reinit_seed}; the change "
        "is from the ticket.",
    )
    columns[2].metric(
        "Iteratively pruned",
        fmt.accuracy(outcome.last.accuracy),
        help="The model the rounds left: the mask with the trained weights, retrained.",
    )
    st.plotly_chart(
        iterative_plots.lottery_chart(
            {
                f"rewound ticket (seed {found.init_seed})": ticket,
                f"random re-init (seed {found.reinit_seed})": reinit,
            },
            outcome.last.accuracy,
            outcome.rounds[0].accuracy,
        ),
        key=keys.element(PAGE, "lottery_chart"),
    )


def show(baseline: Baseline) -> None:
    st.title("Iterative pruning")
    st.markdown(INTRO)
    schedule, layer = controls(baseline)
    go, stop, _ = st.columns([1, 1, 4])
    start = go.button(
        f"Run {fmt.count(schedule.rounds, 'round')}",
        type="primary",
        key=keys.element(PAGE, "go"),
        help="Prune and retrain round by round; the chart grows as each round finishes.",
    )
    stop_pressed = stop.button(
        "Stop",
        key=keys.element(PAGE, "stop"),
        help="Stop after the current step; the rounds that finished are kept.",
    )
    iterative.interrupted()
    if kept := st.session_state.pop(KEPT, None):
        st.success(f"{shown(kept, TITLE_LIMIT)} is now your baseline on every page.")
    if start and not stop_pressed:
        try:
            iterative.run_rounds(baseline, schedule, layer)
        except ValueError as error:
            st.error(f"Pruning could not start: {error}")
    outcome = iterative.outcome_for(baseline)
    if outcome is None:
        st.info("Press the button to run the rounds on your baseline.")
        return
    show_rounds(baseline, outcome)
    lottery_ui(baseline, outcome, stop_pressed)
