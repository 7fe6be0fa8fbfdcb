"""The Learn page: every lesson, each next to numbers computed on the person's own model."""

from __future__ import annotations

import json
import re

import pytest
import torch
from app_driver import open_app, problems, slider

from ui.lessons import LESSONS


def test_every_lesson_is_shown_with_its_formula_and_live_table():
    app = open_app("pages/6_Learn.py")
    assert not problems(app)
    assert [h.value for h in app.header] == [lesson.title for lesson in LESSONS]
    text = " ".join(m.value for m in app.markdown)
    assert r"W_b = a \cdot \operatorname{sign}(W)" in text
    assert r"W_q = s \cdot \operatorname{clamp}" in text
    assert len(app.dataframe) == 6  # every lesson but "Reading the pictures"


def test_every_table_column_has_a_readable_title_and_the_index_is_hidden():
    app = open_app("pages/6_Learn.py")
    for frame in app.dataframe:
        config = json.loads(frame.proto.columns)
        assert config["_index"] == {"hidden": True}
        shown = [name for name in frame.value.columns if not config[name].get("hidden")]
        titles = [config[name]["label"] for name in shown]
        assert all(titles), config
        # a program's name (zeroed_fraction, grad_autograd, dense_us) is never the title
        assert not [title for title in titles if re.fullmatch(r"[a-z]+(_[a-z]+)+", title)]
    speed = json.loads(app.dataframe[5].proto.columns)
    assert speed["dense_us"]["label"] == "dense (µs)"
    assert speed["csr_vs_dense"]["type_config"]["format"] == "%.1f×"


def test_the_value_of_a_is_the_mean_absolute_weight_of_each_layer_of_the_model(shipped_mlp):
    app = open_app("pages/6_Learn.py")
    table = app.dataframe[0].value
    shipped = shipped_mlp.state
    for layer in ("fc1", "fc2", "fc3"):
        expected = shipped[f"{layer}.weight"].abs().mean().item()
        shown = table.loc[table["layer"] == layer, "mean_abs"].item()
        assert shown == pytest.approx(expected, rel=1e-6)


def test_the_live_examples_follow_the_settings_of_the_compress_pages(shipped_mlp):
    app = open_app("pages/4_Combine.py")
    app.segmented_control(key="combine.prune_mode").set_value("sparsity").run()
    slider(app, "Target sparsity").set_value(70).run()
    slider(app, "Binarization threshold").set_value(0.5).run()
    app.switch_page("pages/6_Learn.py").run()
    assert not problems(app)
    captions = " ".join(c.value for c in app.caption)
    assert "at your threshold t = 0.5" in captions
    assert "at your sparsity 70%, scope layer" in captions
    pruning = app.dataframe[4].value
    shipped = shipped_mlp.state
    fc1 = shipped["fc1.weight"].abs().flatten()
    cut = torch.kthvalue(fc1, round(0.7 * fc1.numel())).values.item()
    assert pruning.loc[pruning["layer"] == "fc1", "threshold"].item() == pytest.approx(cut)
    assert pruning["removed_fraction"].tolist() == pytest.approx([0.7] * 3, abs=0.001)


def test_the_quantization_lesson_shows_the_scale_levels_zeros_and_error_of_the_quantize_page(
    shipped_mlp,
):
    app = open_app("pages/3_Quantize.py")
    slider(app, "Bits per weight K").set_value(3).run()
    app.switch_page("pages/6_Learn.py").run()
    assert not problems(app)
    assert "at your K = 3 bits, one s per layer" in [c.value for c in app.caption]
    frame = app.dataframe[3]
    titles = {name: spec["label"] for name, spec in json.loads(frame.proto.columns).items()
              if name != "_index"}  # fmt: skip
    assert titles["scale_s"] == "scale s" and titles["mean_error"] == "mean error |W − Wq|"
    table = frame.value
    for layer in ("fc1", "fc2", "fc3"):
        weight = shipped_mlp.state[f"{layer}.weight"].double()
        step = weight.abs().max() / 3  # s = max|W| / (2^(3-1) - 1)
        rounded = step * torch.clamp(torch.round(weight / step), -3, 3)
        row = table[table["layer"] == layer].iloc[0]
        assert row["scale_s"] == pytest.approx(step.item(), rel=1e-6)
        assert row["levels"] == 7
        assert row["zeroed_fraction"] == pytest.approx((rounded == 0).double().mean().item())
        error = (weight - rounded).abs().mean().item()
        assert row["mean_error"] == pytest.approx(error, rel=1e-4)
