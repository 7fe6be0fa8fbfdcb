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
    assert r"c_k = \operatorname{mean}\{w_i : a_i = k\}" in text
    # every lesson but "Reading the pictures", and weight sharing's table of one layer
    assert len(app.dataframe) == 8


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
    speed = json.loads(app.dataframe[7].proto.columns)
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
    pruning = app.dataframe[6].value
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


def test_the_weight_sharing_lesson_shows_the_values_bits_and_codes_of_the_share_page(
    shipped_mlp,
):
    app = open_app("pages/3_Share_weights.py")
    slider(app, "Shared values per layer K").set_value(6).run()
    app.switch_page("pages/6_Learn.py").run()
    assert not problems(app)
    captions = [c.value for c in app.caption]
    assert any(
        c.startswith("at your K = 6 shared values per layer: ⌈log2 K⌉ = 3") for c in captions
    )
    table = app.dataframe[4].value
    assert table["layer"].tolist() == ["fc1", "fc2", "fc3"]
    assert table["index_bits"].tolist() == [3, 3, 3]  # ceil(log2 6)
    app.selectbox(key="learn.weight_sharing.layer").set_value("fc3").run()
    assert "the K = 6 shared values of `fc3`, smallest first" in [c.value for c in app.caption]
    values = app.dataframe[5].value
    weight = shipped_mlp.state["fc3.weight"].double().flatten()
    row = table[table["layer"] == "fc3"].iloc[0]
    # Checked against the shown values alone: each weight to its nearest value (numpy),
    # the sizes, the squared error, the bytes and the Huffman bits follow.
    centroids = torch.tensor(values["centroid"].to_numpy(), dtype=torch.float64)
    nearest = (weight[:, None] - centroids[None, :]).abs().argmin(dim=1)
    assert values["cluster_size"].tolist() == torch.bincount(nearest, minlength=6).tolist()
    error = ((weight - centroids[nearest]) ** 2).mean().item()
    assert row["mse"] == pytest.approx(error, rel=1e-4)
    assert row["indexed"] == weight.numel() == values["cluster_size"].sum()
    assert row["shared_bytes"] == -(-weight.numel() * 3 // 8) + 6 * 4
    lengths, sizes = values["code_length"], values["cluster_size"]
    assert sum(2.0**-n for n in lengths[sizes > 0]) <= 1  # a prefix code (Kraft)
    coded = int((lengths * sizes).sum())
    assert row["huffman_mean"] == pytest.approx(coded / weight.numel())
    assert row["bits_saved"] == 3 * weight.numel() - coded > 0
    # the clusters near 0 hold more weights and get codes no longer than the outer ones
    assert lengths.iloc[sizes.idxmax()] == lengths[sizes > 0].min()
