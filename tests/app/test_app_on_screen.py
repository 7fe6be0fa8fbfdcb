"""What a person reads is whole and right: short names that fit, counts with separators and
in the singular for one, a greyed-out control's reason on the page, the live curves' place
kept, and a stopped training's finished epochs offered."""

from __future__ import annotations

import json

import pytest
import torch
from app_driver import APP, open_app, problems
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from compression.train import TrainConfig, TrainingStopped
from ui.controls import keys
from ui.stopped_training import TrainingRun
from ui.training import TrainingProgress, _reported, train_on

PICKER = "baseline.picker"
PICKER_LABEL_LIMIT = 28  # characters the sidebar's select box shows whole
LINK_LIMIT = 32  # characters a home page link shows whole in half of a 1024-pixel page


def test_the_model_picker_s_names_fit_and_the_full_name_is_in_the_sidebar():
    app = open_app()
    picker = app.sidebar.selectbox(key=PICKER)
    labels = list(picker.options)  # as shown
    assert "MLP on Fashion-MNIST" in labels
    assert all(len(label) <= PICKER_LABEL_LIMIT for label in labels), labels
    assert "shipped MLP (LeNet-300-100)" in app.sidebar.caption[0].value
    picker.set_value("shipped:mlp:fashion-mnist").run()
    assert not problems(app)
    assert "shipped MLP (LeNet-300-100) on Fashion-MNIST" in app.sidebar.caption[0].value


def test_the_home_page_links_fit_on_one_line():
    app = open_app()
    labels = [link.proto.label for link in app.main.get("page_link")]
    assert len(labels) == 11
    titles = {label.split(":")[0] for label in labels}
    assert {"Quantize", "Share weights", "Draw", "Iterative pruning", "Compare"} <= titles
    assert all(len(label) <= LINK_LIMIT for label in labels), labels


def test_the_home_page_table_shows_thousands_separators():
    app = open_app()
    table = app.main.dataframe[0]
    assert list(table.value["parameters"]) == [235_500, 30_100, 1_010]
    columns = json.loads(table.proto.columns)
    assert columns["parameters"]["type_config"]["format"] == "%,d"  # 235,500


def test_a_greyed_out_control_says_why_on_the_page():
    app = open_app("pages/3_Prune.py")
    app.segmented_control(key="prune.prune_mode").set_value("sparsity").run()
    assert not any("layer by layer" in caption.value for caption in app.main.caption)
    app.radio(key="prune.prune_scope").set_value("global").run()
    assert not problems(app)
    assert app.toggle(key="prune.prune_neurons").disabled
    assert any("layer by layer" in caption.value for caption in app.main.caption)


def test_one_epoch_reads_in_the_singular():
    app = open_app("pages/1_Train.py")
    app.slider(key="train.epochs").set_value(1)
    app.select_slider(key="train.images").set_value(2_000)
    app.button(key="train.go").click().run()
    assert not problems(app)
    shown = [element.value for element in (*app.caption, *app.sidebar.caption)]
    assert any("1 epoch," in text for text in shown), shown
    assert not any("1 epochs" in text for text in shown)


class StopsAfterOneEpoch(TrainingProgress):
    """Stands for a Stop pressed while the second epoch trains."""

    def on_epoch(self, record: dict) -> None:
        super().on_epoch(record)
        self.stop()


def test_a_stopped_training_offers_the_model_of_its_last_whole_epoch(mnist):
    config = TrainConfig(epochs=3, train_subset=2_000, seed=0)
    progress = StopsAfterOneEpoch()
    with pytest.raises(TrainingStopped) as stopped:
        _reported(lambda run: train_on("mlp", mnist, config, run), progress)
    finished = stopped.value.finished
    app = AppTest.from_file(APP, default_timeout=300)
    app.session_state[keys.TRAINING] = TrainingRun("mlp", "mnist", config, progress)
    app.switch_page("pages/1_Train.py").run()
    assert any("stopped before it finished" in warning.value for warning in app.warning)
    assert app.sidebar.selectbox(key=PICKER).value == "shipped:mlp"  # nothing changed yet
    keep = app.button(key="train.keep_stopped")
    assert keep.label == "Keep the model from epoch 1"
    keep.click().run()
    assert not problems(app)
    assert any("trained for 1 epoch." in success.value for success in app.success)
    assert app.sidebar.selectbox(key=PICKER).value.startswith("trained:")
    kept = next(iter(app.session_state[keys.OWN_BASELINES].values()))
    assert kept.metadata["train_config"]["epochs"] == 1
    assert all(torch.equal(kept.state[k], finished.state[k]) for k in finished.state)
    assert not any(button.key == "train.keep_stopped" for button in app.button)


def test_the_live_curves_keep_their_place_while_they_are_redrawn():
    def page():
        from ui.training import LiveTraining, TrainingProgress

        progress = TrainingProgress()
        progress.on_epoch({"epoch": 1, "train_loss": 0.5, "train_accuracy": 0.8})
        LiveTraining().show(progress)

    app = AppTest.from_function(page, default_timeout=60).run()
    assert not problems(app)
    boxes = [
        node
        for node in app.main
        if isinstance(node, Block)
        and node.proto is not None
        and node.proto.height_config.WhichOneof("height_spec") == "pixel_height"
        and any(getattr(inner, "type", "") == "plotly_chart" for inner in node)
    ]
    assert boxes, "the live chart is not in a box of fixed height"
    assert boxes[0].proto.height_config.pixel_height >= 430
