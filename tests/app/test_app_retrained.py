"""A retrained model becomes a baseline, and sliders keep their meaning across baselines."""

from __future__ import annotations

import pytest
import torch
from app_driver import ROOT, baseline_shown, chart_spec, metrics, number, open_app, problems, slider

from compression.data import load_dataset
from compression.files.checkpoint import load_checkpoint
from compression.measure import measure
from compression.methods import PRUNE
from compression.settings import CompressionSettings
from ui.controls.method_widgets import slider_range
from ui.state import baselines

PICKER = "baseline.picker"
THRESHOLD = "Pruning threshold"


def retrain_tiny(app, page: str) -> None:
    """Retrain the page's compressed model for 1 epoch on 2,000 images."""
    app.select_slider(key=f"{page}.ft_epochs").set_value(1)
    app.selectbox(key=f"{page}.ft_images").set_value(2_000)
    app.button(key=f"{page}.ft_go").click().run()


def picked(app) -> str:
    return app.sidebar.selectbox(key=PICKER).value


def pick(app, key: str) -> None:
    app.sidebar.selectbox(key=PICKER).set_value(key).run()


def share_removed(weights: list[torch.Tensor], cut: float) -> float:
    """The share of ``weights`` with |W| <= ``cut``."""
    magnitudes = torch.cat([w.abs().reshape(-1) for w in weights])
    return (magnitudes <= cut).double().mean().item()


def kept_counts(app) -> list:
    """The "kept (nonzero)" counts of the weight histograms, layer after layer."""
    charts = [chart_spec(app, f"histogram.{name}")["data"] for name in ("fc1", "fc2", "fc3")]
    return [t["y"] for traces in charts for t in traces if t.get("name") == "kept (nonzero)"]


def test_after_retraining_the_page_shows_the_retrained_model_and_every_page_offers_it():
    app = open_app("pages/3_Prune.py")
    slider(app, THRESHOLD).set_value(0.08).run()
    before = metrics(app)
    histograms_before = kept_counts(app)
    retrain_tiny(app, "prune")
    assert not problems(app)
    shown = metrics(app)
    # the page now compresses the retrained model: its accuracy is the retrained one ...
    assert picked(app).startswith("retrained:")
    assert shown["Test accuracy"] == shown["Accuracy after retraining"]
    assert number(shown["Test accuracy"]) > number(before["Test accuracy"])
    # ... with the same weights removed, and the accuracy before retraining next to it
    assert number(shown["Sparsity"]) == pytest.approx(number(before["Sparsity"]), abs=0.05)
    assert any(
        f"Before retraining: {before['Test accuracy']}" in caption.value
        for caption in app.main.caption
    )
    assert kept_counts(app) != histograms_before  # the histograms show the retrained weights
    # an independent measurement of the retrained weights gives the accuracy shown
    model = app.session_state["baseline.own"][picked(app)]
    data = load_dataset("mnist")
    measured = measure("mlp", model.state, CompressionSettings(), data.test_images,
                       data.test_labels)  # fmt: skip
    assert number(shown["Test accuracy"]) == pytest.approx(100 * measured.accuracy, abs=0.006)
    # it says what it is, and its checkpoint records the recipe and the settings
    options = app.sidebar.selectbox(key=PICKER).options
    assert "your MLP retrained: pruned T = 0.08, 1 epoch" in options
    file = load_checkpoint(baselines.checkpoint_file(model))
    assert file.metadata["compression"]["prune_threshold"] == pytest.approx(0.08)
    assert file.metadata["train_config"]["train_subset"] == 2_000
    # the shared baseline is not changed
    shared = baselines._shipped(str(ROOT / "checkpoints" / "mlp-mnist.pt"), "mlp", "mnist").state
    on_disk = load_checkpoint(ROOT / "checkpoints" / "mlp-mnist.pt").state
    assert all(torch.equal(shared[k], on_disk[k]) for k in on_disk)

    # the picker goes back to the model it came from, at the cut the person set
    retrained_key = picked(app)
    pick(app, "shipped:mlp")
    assert slider(app, THRESHOLD).value == pytest.approx(0.08)
    assert metrics(app)["Test accuracy"] == before["Test accuracy"]
    assert any("in the sidebar's picker" in caption.value for caption in app.main.caption)

    # another page offers the retrained model, and compresses it
    for page in ("pages/4_Combine.py", "pages/5_What_if.py"):
        app.switch_page(page).run()
        assert (
            "your MLP retrained: pruned T = 0.08, 1 epoch"
            in app.sidebar.selectbox(key=PICKER).options
        )
        pick(app, retrained_key)
        assert not problems(app)
        assert picked(app) == retrained_key
        assert number(baseline_shown(app)["Baseline accuracy"]) == pytest.approx(
            number(shown["Accuracy after retraining"]), abs=0.006
        )
    app.switch_page("pages/4_Combine.py").run()
    assert not problems(app)  # it opens at the retrained model's own setting: values float32
    app.selectbox(key="combine.values_method").set_value("binarize").run()
    assert not problems(app) and "Bits per weight" in metrics(app)


def test_retraining_at_a_target_sparsity_keeps_the_percent_on_the_retrained_model():
    app = open_app("pages/3_Prune.py")
    app.segmented_control(key="prune.prune_mode").set_value("sparsity").run()
    slider(app, "Target sparsity").set_value(90).run()
    before = metrics(app)
    retrain_tiny(app, "prune")
    assert not problems(app)
    assert picked(app).startswith("retrained:")
    assert slider(app, "Target sparsity").value == 90
    shown = metrics(app)
    assert shown["Test accuracy"] == shown["Accuracy after retraining"]
    assert shown["Sparsity"] == before["Sparsity"]


def test_switching_mlp_to_cnn_keeps_the_share_a_pruning_threshold_removes():
    app = open_app("pages/3_Prune.py")
    slider(app, THRESHOLD).set_value(0.03).run()
    mlp_sparsity = number(metrics(app)["Sparsity"])
    pick(app, "shipped:cnn")
    assert not problems(app)
    cnn_cut = slider(app, THRESHOLD).value
    # not the CNN's own start value, but the cut that removes the same share
    cnn = baselines.shipped_baseline("cnn", "mnist")
    bounds = slider_range(PRUNE, PRUNE.control("prune_threshold"), cnn)
    assert cnn_cut != pytest.approx(bounds.start)
    mlp = baselines.shipped_baseline("mlp", "mnist")
    share = share_removed([mlp.state[f"{n}.weight"] for n in mlp.layers], 0.03)
    cnn_weights = [cnn.state[f"{n}.weight"] for n in cnn.layers]
    below = share_removed(cnn_weights, cnn_cut - bounds.step)
    above = share_removed(cnn_weights, cnn_cut + bounds.step)
    assert below <= share <= above  # within one slider step
    # the page's sparsity, of all parameters, within what one slider step moves
    step_share = 100 * (above - below)
    assert number(metrics(app)["Sparsity"]) == pytest.approx(mlp_sparsity, abs=step_share)
    assert any("T = 0.030 became" in caption.value for caption in app.sidebar.caption)
    # and back: the MLP's cut again
    pick(app, "shipped:mlp")
    assert slider(app, THRESHOLD).value == pytest.approx(0.03)


def test_switching_mlp_to_cnn_keeps_a_target_sparsity_and_a_binarization_threshold():
    app = open_app("pages/4_Combine.py")
    app.segmented_control(key="combine.prune_mode").set_value("sparsity").run()
    slider(app, "Target sparsity").set_value(70).run()
    slider(app, "Binarization threshold").set_value(0.7).run()
    pick(app, "shipped:cnn")
    assert not problems(app)
    assert slider(app, "Target sparsity").value == 70
    assert slider(app, "Binarization threshold").value == pytest.approx(0.7)


def test_a_model_trained_on_the_train_page_gets_the_cut_that_removes_the_same_share():
    app = open_app("pages/3_Prune.py")
    slider(app, THRESHOLD).set_value(0.05).run()
    mlp = baselines.shipped_baseline("mlp", "mnist")
    share = share_removed([mlp.state[f"{n}.weight"] for n in mlp.layers], 0.05)
    app.switch_page("pages/1_Train.py").run()
    app.slider(key="train.epochs").set_value(1)
    app.select_slider(key="train.images").set_value(2_000)
    app.button(key="train.go").click().run()
    assert picked(app).startswith("trained:")
    app.switch_page("pages/3_Prune.py").run()
    assert not problems(app) and picked(app).startswith("trained:")
    trained = app.session_state["baseline.own"][picked(app)]
    cut = slider(app, THRESHOLD).value
    step = slider_range(PRUNE, PRUNE.control("prune_threshold"), trained).step
    weights = [trained.state[f"{n}.weight"] for n in trained.layers]
    assert share_removed(weights, cut - step) <= share <= share_removed(weights, cut + step)


def test_a_ternary_model_retrained_on_combine_at_t_1_keeps_its_weights_on_the_page():
    """The retrained baseline holds the real weights: binarizing it again at t = 1 gives
    the retrained model, not a model whose every weight fell inside the zero band."""
    app = open_app("pages/4_Combine.py")
    app.segmented_control(key="combine.prune_mode").set_value("threshold").run()
    slider(app, THRESHOLD).set_value(0.04).run()
    slider(app, "Binarization threshold").set_value(1.0).run()
    retrain_tiny(app, "combine")
    assert not problems(app) and picked(app).startswith("retrained:")
    shown = metrics(app)
    assert shown["Test accuracy"] == shown["Accuracy after retraining"]
    assert number(shown["Test accuracy"]) > 50


def test_retraining_can_learn_from_the_dense_model_and_says_so():
    app = open_app("pages/3_Prune.py")
    slider(app, THRESHOLD).set_value(0.08).run()
    app.toggle(key="prune.ft_distill").set_value(True)
    retrain_tiny(app, "prune")
    assert not problems(app)
    model = app.session_state["baseline.own"][picked(app)]
    assert model.metadata["distillation"] == {"temperature": 4.0, "alpha": 0.9}
    assert any("1 epoch distilled" in o for o in app.sidebar.selectbox(key=PICKER).options)
