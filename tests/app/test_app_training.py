"""Training in the app: a person's own baseline, retraining, and the start-up fallback."""

from __future__ import annotations

import pytest
import torch
from app_driver import ROOT, baseline_shown, exact_size, metrics, number, open_app, problems, slider

from compression.data import load_dataset
from compression.files.checkpoint import load_checkpoint
from compression.measure import measure
from compression.settings import CompressionSettings
from ui.state import baselines, starter_model


def train_tiny(app):
    """Train a 1-epoch mlp on 2,000 images on the Train page."""
    app.slider(key="train.epochs").set_value(1)
    app.select_slider(key="train.images").set_value(2_000)
    app.button(key="train.go").click().run()


def test_training_makes_a_new_baseline_for_this_session_only():
    app = open_app("pages/1_Train.py")
    other = open_app("pages/1_Train.py")
    train_tiny(app)
    assert not problems(app)
    assert any("now your baseline" in s.value for s in app.success)
    picked = app.sidebar.selectbox(key="baseline.picker")
    assert picked.value.startswith("trained:")
    # a model trained for one epoch on 2,000 images is well above chance, below the shipped one
    accuracy = number(baseline_shown(app)["Baseline accuracy"])
    assert 70 < accuracy < 97
    # the curves of the new model are drawn
    assert app.get("plotly_chart")
    # the other tab still uses the shipped model
    other.run()
    assert other.sidebar.selectbox(key="baseline.picker").value == "shipped:mlp"
    assert number(baseline_shown(other)["Baseline accuracy"]) == pytest.approx(98.30, abs=0.01)
    # the compression pages now compress the new model
    app.switch_page("pages/2_Binarize.py").run()
    shown = next(m for m in app.main.metric if m.label == "Test accuracy")
    assert number(shown.value) - number(shown.delta) == pytest.approx(accuracy, abs=0.011)


def test_retraining_the_pruned_model_recovers_accuracy_and_keeps_it_sparse():
    app = open_app("pages/3_Prune.py")
    slider(app, "Pruning threshold").set_value(0.08).run()
    pruned_accuracy = number(metrics(app)["Test accuracy"])
    pruned_bytes = exact_size(app)
    app.select_slider(key="prune.ft_epochs").set_value(1)
    app.selectbox(key="prune.ft_images").set_value(2_000)
    app.button(key="prune.ft_go").click().run()
    assert not problems(app)
    shown = metrics(app)
    assert number(shown["Accuracy after retraining"]) > pruned_accuracy
    # the mask was held fixed: the same weights are 0, so the encoding is no larger
    retrained_help = next(m.proto.help for m in app.main.metric if m.label == "Retrained size")
    assert number(retrained_help) <= pruned_bytes
    shared = baselines._shipped(str(ROOT / "checkpoints" / "mlp-mnist.pt"), "mlp", "mnist").state
    on_disk = load_checkpoint(ROOT / "checkpoints" / "mlp-mnist.pt").state
    assert all(torch.equal(shared[k], on_disk[k]) for k in on_disk)
    # the download is a valid checkpoint whose accuracy is the one shown
    outcome = app.session_state["finetuned"]["prune"]
    retrained = load_checkpoint(outcome.checkpoint)
    data = load_dataset("mnist")
    measured = measure("mlp", retrained.state, CompressionSettings(), data.test_images,
                       data.test_labels)  # fmt: skip
    assert number(shown["Accuracy after retraining"]) == pytest.approx(
        100 * measured.accuracy, abs=0.006
    )
    assert (retrained.state["fc1.weight"] == 0).sum() >= (on_disk["fc1.weight"].abs() <= 0.08).sum()
    # back on the model it came from, moving the slider says which settings the result has
    app.sidebar.selectbox(key="baseline.picker").set_value("shipped:mlp").run()
    slider(app, "Pruning threshold").set_value(0.02).run()
    assert any("prune |W| ≤ 0.08" in info.value for info in app.info)


def test_a_broken_shipped_checkpoint_is_replaced_by_a_starter_model(tmp_path, monkeypatch):
    (tmp_path / "mlp-mnist.pt").write_bytes(b"not a checkpoint")
    monkeypatch.setenv(baselines.CHECKPOINTS_ENV, str(tmp_path))
    monkeypatch.setenv(starter_model.FALLBACK_IMAGES_ENV, "600")
    app = open_app()
    assert not problems(app)
    assert "could not be used" in app.sidebar.caption[0].value
    assert 30 < number(metrics(app)["Baseline accuracy"]) < 98
    # the starter model is shared by later sessions instead of being trained again
    again = open_app("pages/3_Prune.py")
    assert not problems(again)
    assert baseline_shown(again)["Baseline accuracy"] == metrics(app)["Baseline accuracy"]
