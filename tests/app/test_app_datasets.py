"""Fashion-MNIST in the app, reproducible training, and a missing data set that explains itself."""

from __future__ import annotations

import dataclasses

import pytest
from app_driver import baseline_shown, number, open_app, problems

from compression import data
from compression.measure import measure
from compression.settings import CompressionSettings


def train_tiny(app, dataset="mnist", seed=3):
    app.radio(key="train.dataset").set_value(dataset)
    app.slider(key="train.epochs").set_value(1)
    app.number_input(key="train.seed").set_value(seed)
    app.select_slider(key="train.images").set_value(2_000)
    app.button(key="train.go").click().run()
    assert not problems(app)
    return app.session_state["baseline.own"][app.session_state["baseline.selected"]]


def test_training_twice_with_the_same_settings_and_seed_gives_the_same_accuracy():
    first = train_tiny(open_app("pages/1_Train.py"))
    second = train_tiny(open_app("pages/1_Train.py"))
    assert first.metadata["test_accuracy"] == second.metadata["test_accuracy"]
    assert first.metadata["train_config"] == {
        "epochs": 1, "learning_rate": 1e-3, "batch_size": 128, "seed": 3,
        "train_subset": 2_000, "lr_decay": 0.75,
    }  # fmt: skip
    assert first.metadata["dataset"] == "mnist" and first.seed == 3


def test_a_model_trained_on_fashion_mnist_is_measured_on_its_own_test_set():
    app = open_app("pages/1_Train.py")
    trained = train_tiny(app, dataset="fashion-mnist", seed=0)
    assert trained.dataset == "fashion-mnist"
    fashion = data.load_dataset("fashion-mnist")
    expected = measure(
        "mlp", trained.state, CompressionSettings(), fashion.test_images, fashion.test_labels
    ).accuracy
    assert number(baseline_shown(app)["Baseline accuracy"]) == pytest.approx(
        100 * expected, abs=0.006
    )
    assert trained.metadata["test_accuracy"] == pytest.approx(expected, abs=1e-6)
    app.switch_page("pages/2_Binarize.py").run()
    assert not problems(app)
    assert app.query_params["dataset"] == "fashion-mnist"


def test_a_missing_fashion_mnist_says_how_to_get_it_instead_of_failing(tmp_path, monkeypatch):
    spec = data.DATASETS["fashion-mnist"]
    empty = dataclasses.replace(spec, folder=tmp_path, other_folders=(tmp_path / "none",))
    monkeypatch.setitem(data.DATASETS, "fashion-mnist", empty)
    app = open_app("pages/1_Train.py")
    app.radio(key="train.dataset").set_value("fashion-mnist").run()
    assert not problems(app)
    note = " ".join(info.value for info in app.info)
    assert "apt-get install dataset-fashion-mnist" in note
    assert app.button(key="train.go").disabled
    picker = app.sidebar.selectbox(key="baseline.picker")
    assert all("fashion" not in option for option in picker.options)
    assert any("Not offered" in c.value for c in app.sidebar.caption)
