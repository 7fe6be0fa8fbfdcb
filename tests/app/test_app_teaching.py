"""The pictures on the compress pages, checked against an independent computation (tiny model)."""

from __future__ import annotations

import pytest
import torch
from app_driver import APP, TIMEOUT, chart_array, chart_spec, problems, slider
from streamlit.testing.v1 import AppTest

from compression.compress import compress
from compression.files.checkpoint import Checkpoint, save_checkpoint
from compression.models import build_model
from compression.settings import CompressionSettings
from ui.state import baselines


@pytest.fixture
def tiny_checkpoints(tmp_path, monkeypatch, tiny_mlp_state):
    """The app's shipped mlp is the tiny test model (3 epochs on 2,000 images)."""
    metadata = {"dataset": "mnist", "train_config": {"seed": 0}, "history": []}
    save_checkpoint(tmp_path / "mlp-mnist.pt", Checkpoint("mlp", tiny_mlp_state, metadata))
    monkeypatch.setenv(baselines.CHECKPOINTS_ENV, str(tmp_path))
    return tiny_mlp_state


def predictions(model_state, images):
    model = build_model("mlp", seed=0)
    model.load_state_dict(model_state)
    with torch.no_grad():
        return model(images).argmax(dim=1)


def open_combine() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.switch_page("pages/4_Combine.py").run()
    return app


def test_new_mistakes_count_and_gallery_match_an_independent_forward_pass(tiny_checkpoints, mnist):
    app = open_combine()
    app.segmented_control(key="combine.prune_mode").set_value("sparsity").run()
    slider(app, "Target sparsity").set_value(90).run()
    assert not problems(app)
    settings = CompressionSettings(prune_sparsity=0.9, binarize_threshold=0.0)
    compressed = compress(tiny_checkpoints, ["fc1", "fc2", "fc3"], settings).state
    before = predictions(tiny_checkpoints, mnist.test_images)
    after = predictions(compressed, mnist.test_images)
    lost = torch.nonzero((before == mnist.test_labels) & (after != mnist.test_labels)).flatten()
    gained = ((before != mnist.test_labels) & (after == mnist.test_labels)).sum()
    text = " ".join(m.value for m in app.markdown)
    assert f"**{len(lost):,}** test images the baseline got right are now wrong" in text
    assert f"**{int(gained):,}** it got wrong are now right" in text
    gallery = chart_spec(app, "gallery")
    first = chart_array(gallery["data"][0]["customdata"])[:28, :28]
    torch.testing.assert_close(first, mnist.test_images[lost[0], 0])
    captions = [a["text"] for a in gallery["layout"]["annotations"]]
    assert captions[0] == f"{int(mnist.test_labels[lost[0]])} → {int(after[lost[0]])}"


def test_weight_images_are_the_strongest_rows_of_fc1_before_and_after(tiny_checkpoints):
    app = open_combine()
    slider(app, "Pruning threshold").set_value(0.05).run()
    assert not problems(app)
    weight = tiny_checkpoints["fc1.weight"]
    strongest = int(torch.linalg.vector_norm(weight, dim=1).argmax())
    before, after, kept = (
        chart_array(chart_spec(app, f"unit_images.{panel}")["data"][0]["customdata"])[:28, :28]
        for panel in ("before", "after", "kept")
    )
    row = weight[strongest].reshape(28, 28)
    torch.testing.assert_close(before, row)
    # pruned at |W| <= 0.05, then binarized to ±a over the survivors
    expected_kept = (row.abs() > 0.05).float()
    torch.testing.assert_close(kept, expected_kept)
    assert torch.equal(after != 0, expected_kept.bool())
    assert len(torch.unique(after[after != 0].abs())) == 1  # one scale a per layer


def test_confusion_matrix_counts_every_test_image_and_follows_the_slider(tiny_checkpoints, mnist):
    app = open_combine()
    first = chart_array(chart_spec(app, "confusion")["data"][0]["z"])
    assert first.sum() == len(mnist.test_labels)
    slider(app, "Binarization threshold").set_value(1.2).run()
    second = chart_array(chart_spec(app, "confusion")["data"][0]["z"])
    assert not torch.equal(second, first)
    assert second.sum() == len(mnist.test_labels)


def test_the_pictures_are_off_by_default_on_binarize_and_prune_and_on_for_combine():
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    for page, shown in (("binarize", False), ("prune", False), ("combine", True)):
        number = {"binarize": 2, "prune": 3, "combine": 4}[page]
        app.switch_page(f"pages/{number}_{page.title()}.py").run()
        assert app.toggle(key=f"{page}.teaching").value is shown
        has_gallery = any("confusion" in c.proto.id for c in app.get("plotly_chart"))
        assert has_gallery is shown
