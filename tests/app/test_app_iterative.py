"""The Iterative pruning page: rounds run live and stay on screen, a Stop keeps the rounds that
finished, and the rewind compares the ticket with its random re-initialisation."""

from __future__ import annotations

import json

import pytest
from app_driver import ROOT, baseline_shown, metrics, number, open_app, problems

from compression.data import load_dataset, subset
from compression.files.checkpoint import load_checkpoint
from compression.iterative import Schedule, iterate
from compression.train import TrainConfig
from ui import iterative
from ui.iterative import IterativeProgress, IterativeRun
from ui.state import baselines

PAGE = "pages/8_Iterative_pruning.py"


def set_small_run(app, rounds: int = 2, target: int = 80) -> None:
    app.slider(key="iterate.target").set_value(target)
    app.slider(key="iterate.rounds").set_value(rounds)
    app.selectbox(key="iterate.images").set_value(2_000)
    app.select_slider(key="iterate.epochs").set_value(1)


def chart(app, key: str) -> dict:
    found = next(c for c in app.get("plotly_chart") if key in c.proto.id)
    return json.loads(found.proto.spec)


def trace(spec: dict, name: str) -> dict:
    return next(t for t in spec["data"] if t.get("name") == name)


def test_a_run_of_two_rounds_shows_each_round_and_reaches_the_target():
    app = open_app(PAGE)
    assert not problems(app)
    assert app.button(key="iterate.go").label == "Run 4 rounds"
    set_small_run(app)
    app.button(key="iterate.go").click().run()
    assert not problems(app)
    shown = metrics(app)
    assert shown["Weights removed"] == "80.0 %"
    assert not app.warning  # it finished
    spec = chart(app, "rounds_chart")
    retrained = trace(spec, "after retraining")
    assert list(retrained["x"]) == [0, 1, 2]
    assert retrained["y"][-1] == pytest.approx(
        number(shown["Accuracy after the last round"]), abs=0.006
    )
    sizes = trace(spec, "size (KB)")["y"]
    assert sizes[0] == pytest.approx(1066.44) and sizes[2] < sizes[1] < sizes[0]
    survivors = trace(spec, "survivors now")
    assert sum(survivors["y"]) == round(0.2 * 784 * 300)  # fc1's kept weights, binned
    # the baseline in use is still the shipped one, dense as it was
    assert app.sidebar.selectbox(key="baseline.picker").value == "shipped:mlp"
    shared = baselines.shipped_baseline("mlp", "mnist").state
    assert int(shared["fc1.weight"].count_nonzero()) == 784 * 300
    # the pruned model can become this person's baseline
    app.button(key="iterate.keep").click().run()
    assert not problems(app)
    assert app.sidebar.selectbox(key="baseline.picker").value.startswith("pruned:")
    assert baseline_shown(app)["Baseline accuracy"] == shown["Accuracy after the last round"]
    assert any("pruned" in s.value and "now your baseline" in s.value for s in app.success)


class StopsAfterTheFirstRound(IterativeProgress):
    """Stands for a Stop pressed while the second round retrains."""

    def add(self, finished) -> None:
        super().add(finished)
        if finished.round >= 1:
            self.stop()


def test_a_stop_keeps_the_rounds_that_finished(monkeypatch):
    monkeypatch.setattr(iterative, "IterativeProgress", StopsAfterTheFirstRound)
    app = open_app(PAGE)
    set_small_run(app, rounds=3)
    app.button(key="iterate.go").click().run()
    assert not problems(app)
    assert any("Stopped after 1 round of 3" in w.value for w in app.warning)
    assert list(trace(chart(app, "rounds_chart"), "after retraining")["x"]) == [0, 1]
    assert app.button(key="iterate.rewind")  # the first round's mask can be rewound


def test_the_page_run_after_a_stop_press_shows_what_the_run_finished():
    """A Stop press ends the page run that trains; the next one finds the run's rounds."""
    data = load_dataset("mnist")
    train_set = subset(data.train_images, data.train_labels, 2_000, 0)
    schedule = Schedule(0.8, 3, TrainConfig(epochs=1, learning_rate=5e-4, train_subset=2_000))
    state = load_checkpoint(ROOT / "checkpoints" / "mlp-mnist.pt").state
    progress = IterativeProgress(3)
    run = iterate("mlp", state, schedule, train_set, (data.test_images, data.test_labels))
    for finished in run:
        progress.add(finished)
        if finished.round == 2:
            break
    progress.end()
    app = open_app(PAGE)
    shipped = baselines.shipped_baseline("mlp", "mnist").key
    app.session_state[iterative.RUNNING] = IterativeRun(shipped, schedule, "fc1", progress)
    app.button(key="iterate.stop").click().run()
    assert not problems(app)
    assert any("Stopped after 2 rounds of 3" in w.value for w in app.warning)
    assert list(trace(chart(app, "rounds_chart"), "after retraining")["x"]) == [0, 1, 2]


def test_the_rewind_compares_the_ticket_with_a_random_reinit_and_repeats_exactly():
    app = open_app(PAGE)
    set_small_run(app)
    app.button(key="iterate.go").click().run()
    app.select_slider(key="iterate.ticket_epochs").set_value(1)
    app.selectbox(key="iterate.ticket_images").set_value(2_000)
    assert any("seed **0**" in c.value for c in app.main.caption)  # the shipped recipe's seed
    app.button(key="iterate.rewind").click().run()
    assert not problems(app)
    shown = metrics(app)
    spec = chart(app, "lottery_chart")
    ticket = trace(spec, "rewound ticket (seed 0)")["y"]
    control = trace(spec, "random re-init (seed 1)")["y"]
    assert len(ticket) == len(control) == 1
    assert ticket[-1] == pytest.approx(number(shown["Rewound ticket"]), abs=0.006)
    assert control[-1] == pytest.approx(number(shown["Random re-initialisation"]), abs=0.006)
    assert ticket != control
    assert shown["Iteratively pruned"] == shown["Accuracy after the last round"]
    app.button(key="iterate.rewind").click().run()
    assert metrics(app) == shown  # the same seed and settings, the same numbers


@pytest.mark.parametrize(
    ("picked", "layer"), [("shipped:cnn", "conv1"), ("shipped:mlp:fashion-mnist", "fc1")]
)
def test_one_round_runs_on_the_cnn_and_on_fashion_mnist(picked, layer):
    app = open_app(PAGE)
    app.sidebar.selectbox(key="baseline.picker").set_value(picked).run()
    set_small_run(app, rounds=1, target=60)
    app.button(key="iterate.go").click().run()
    assert not problems(app)
    assert metrics(app)["Weights removed"] == "60.0 %"
    assert f"of {layer}" in chart(app, "rounds_chart")["layout"]["annotations"][1]["text"]
