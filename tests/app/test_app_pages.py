"""Every page of the app, driven as a person would: AppTest sessions on the real code."""

from __future__ import annotations

import pytest
import torch
from app_driver import (
    PAGES,
    ROOT,
    TIMEOUT,
    baseline_shown,
    exact_size,
    metric_help,
    metrics,
    number,
    open_app,
    problems,
    slider,
)
from streamlit.elements.lib import policies
from streamlit.testing.v1 import AppTest

from compression.files.checkpoint import load_checkpoint
from ui.state import baselines


def test_home_page_shows_digits_and_the_shipped_model(shipped_mlp):
    app = open_app()
    assert not problems(app)
    shown = metrics(app)
    shipped = shipped_mlp
    assert number(shown["Baseline accuracy"]) == pytest.approx(
        100 * shipped.metadata["test_accuracy"], abs=0.01
    )
    assert shown["Parameters"] == "266,610"
    assert shown["Float32 size"] == "1,066.4 KB"
    assert "1,066,440 bytes" in metric_help(app, "Float32 size")
    assert app.title[0].value == "Compression Explorer"


@pytest.mark.parametrize("page", PAGES)
def test_each_page_runs_without_exceptions_from_a_cold_start(page):
    app = open_app(page)
    assert not problems(app)
    assert app.title, "the page shows its title"


def test_moving_the_pruning_slider_up_raises_sparsity_and_lowers_size():
    app = open_app("pages/3_Prune.py")
    cut = slider(app, "Pruning threshold")
    readings = []
    for value in (0.01, 0.03, 0.08):
        cut.set_value(value).run()
        readings.append((number(metrics(app)["Sparsity"]), exact_size(app)))
        assert not problems(app)
    sparsities, sizes = zip(*readings, strict=True)
    assert sparsities[0] < sparsities[1] < sparsities[2]
    assert sizes[0] > sizes[1] > sizes[2]


def test_target_sparsity_mode_reports_the_asked_share_per_layer():
    app = open_app("pages/3_Prune.py")
    app.segmented_control(key="prune.prune_mode").set_value("sparsity").run()
    slider(app, "Target sparsity").set_value(80).run()
    assert not problems(app)
    # 80% of the weights and none of the 410 biases of 266,610 parameters are 0
    assert number(metrics(app)["Sparsity"]) == pytest.approx(100 * 0.8 * 266_200 / 266_610, abs=0.1)


def test_pure_binary_reports_about_one_bit_per_weight_and_ternary_more():
    app = open_app("pages/2_Binarize.py")
    slider(app, "Binarization threshold").set_value(0.0).run()
    assert number(metrics(app)["Bits per weight"]) == pytest.approx(1.0, abs=0.02)
    # 1 bit per weight + a 4-byte scale per layer + float32 biases
    layers = [(300, 784), (100, 300), (10, 100)]
    assert exact_size(app) == sum(o * i // 8 + 4 + 4 * o for o, i in layers)
    app.button(key="binarize.preset.ternary").click().run()
    assert slider(app, "Binarization threshold").value == pytest.approx(0.7)
    assert 1.2 < number(metrics(app)["Bits per weight"]) < 2.0


def test_accuracy_change_is_the_difference_from_the_baseline_in_points():
    app = open_app("pages/2_Binarize.py")
    shown = next(m for m in app.main.metric if m.label == "Test accuracy")
    baseline = number(baseline_shown(app)["Baseline accuracy"])
    assert number(shown.delta) == pytest.approx(number(shown.value) - baseline, abs=0.011)


def test_compressing_leaves_the_shared_baseline_unchanged():
    path = ROOT / "checkpoints" / "mlp-mnist.pt"
    on_disk = load_checkpoint(path).state
    prune = open_app("pages/3_Prune.py")
    slider(prune, "Pruning threshold").set_value(0.1).run()
    combine = open_app("pages/4_Combine.py")
    slider(combine, "Binarization threshold").set_value(0.7).run()
    assert not problems(prune) and not problems(combine)
    shared = baselines._shipped(str(path), "mlp", "mnist").state  # the object every session reads
    for key, tensor in on_disk.items():
        assert torch.equal(shared[key], tensor), key


def test_two_sessions_keep_their_own_sliders_and_numbers():
    first = open_app("pages/3_Prune.py")
    second = open_app("pages/3_Prune.py")
    slider(first, "Pruning threshold").set_value(0.01).run()
    slider(second, "Pruning threshold").set_value(0.1).run()
    first.run()  # the first tab redraws after the second one moved its slider
    assert slider(first, "Pruning threshold").value == pytest.approx(0.01)
    assert slider(second, "Pruning threshold").value == pytest.approx(0.1)
    assert metrics(first)["Sparsity"] != metrics(second)["Sparsity"]
    assert number(metrics(first)["Test accuracy"]) > number(metrics(second)["Test accuracy"])


def test_sliders_keep_their_place_when_a_person_comes_back_to_a_page():
    app = open_app("pages/3_Prune.py")
    slider(app, "Pruning threshold").set_value(0.05).run()
    app.switch_page("pages/2_Binarize.py").run()
    app.switch_page("pages/3_Prune.py").run()
    assert slider(app, "Pruning threshold").value == pytest.approx(0.05)


def test_no_layer_chosen_gives_a_message_not_a_traceback():
    app = open_app("pages/2_Binarize.py")
    app.multiselect(key="binarize.layers.mlp").set_value([]).run()
    assert not app.exception
    assert any("at least one layer" in w.value for w in app.warning)


def test_compressing_one_layer_leaves_the_others_float32():
    app = open_app("pages/2_Binarize.py")
    app.multiselect(key="binarize.layers.mlp").set_value(["fc3"]).run()
    # only fc3 (1,000 weights) shrinks: 4,040 bytes become 125 + 4 + 40
    dense = 1_066_440
    assert exact_size(app) == dense - 4_040 + 125 + 4 + 40
    assert number(metrics(app)["Bits per weight"]) == pytest.approx(1.03, abs=0.01)


def test_combine_page_shows_what_each_step_contributes():
    app = open_app("pages/4_Combine.py")
    slider(app, "Binarization threshold").set_value(0.0).run()
    table = app.dataframe[0].value
    assert list(table["model"]) == ["baseline", "pruned", "binarized", "pruned + binarized"]
    combined = table.set_index("model")["bytes"]
    assert combined["pruned + binarized"] == exact_size(app)
    assert combined["pruned + binarized"] < combined["pruned"] < combined["baseline"]
    # the page opens at an 80% cut, where pruning a 1-bit layer starts to save bytes
    assert combined["pruned + binarized"] < combined["binarized"]
    # at a 50% cut binary weights alone are smaller: each zero costs a position bit
    slider(app, "Pruning threshold").set_value(0.024).run()
    combined = app.dataframe[0].value.set_index("model")["bytes"]
    assert combined["binarized"] < combined["pruned + binarized"]


def test_the_cnn_baseline_can_be_picked_and_compressed():
    app = open_app("pages/2_Binarize.py")
    app.sidebar.selectbox(key="baseline.picker").set_value("shipped:cnn").run()
    assert not problems(app)
    assert baseline_shown(app)["Float32 size"] == "246.8 KB"  # 61,706 float32 parameters
    assert app.multiselect(key="binarize.layers.cnn").value == [
        "conv1", "conv2", "fc1", "fc2", "fc3"
    ]  # fmt: skip
    assert number(metrics(app)["Bits per weight"]) == pytest.approx(1.0, abs=0.05)


def _measure_negative_threshold():
    from compression.settings import CompressionSettings
    from ui.state import baselines, measuring

    measuring.measured(baselines.current_baseline(), CompressionSettings(prune_threshold=-1.0))


def test_settings_that_cannot_apply_give_one_message_not_a_traceback():
    app = AppTest.from_function(_measure_negative_threshold, default_timeout=TIMEOUT).run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        "These settings cannot be applied: pruning threshold must be >= 0 (an absolute |W|), "
        "got -1.0."
    ]


def test_preset_buttons_set_the_slider_without_a_session_state_warning(monkeypatch):
    warnings = []
    monkeypatch.setattr(policies._LOGGER, "warning", lambda *args, **kw: warnings.append(args))
    app = open_app("pages/2_Binarize.py")
    app.button(key="binarize.preset.ternary").click().run()
    app.button(key="binarize.preset.binary").click().run()
    assert slider(app, "Binarization threshold").value == 0.0
    assert warnings == []
