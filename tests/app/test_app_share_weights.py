"""The Share weights page: a K slider, the shared values on the histograms, the numbers of
the engine, retraining, and the link."""

from __future__ import annotations

import pytest
from app_driver import chart_spec, exact_size, metrics, number, open_app, problems, slider
from shared_data import mnist_test_set, shipped_mlp_checkpoint

from compression.compress import compress
from compression.measure import measure
from compression.models import layer_names_for
from compression.settings import CompressionSettings
from ui.controls.link_codec import SharedSetup, decode_setup, encode_setup

PAGE = "pages/3_Share_weights.py"
LABEL = "Shared values per layer K"
LAYERS = [(300, 784), (100, 300), (10, 100)]


def _measured(**settings):
    checkpoint = shipped_mlp_checkpoint()
    return measure("mlp", checkpoint.state, CompressionSettings(**settings), *mnist_test_set())


def test_the_page_opens_from_home_with_a_2_to_256_slider_at_16():
    app = open_app(PAGE)
    assert not problems(app)
    shared = slider(app, LABEL)
    assert (shared.min, shared.max, shared.step, shared.value) == (2, 256, 1, 16)
    shown = metrics(app)
    assert {"Test accuracy", "Compressed size", "Bits per weight", "Compression ratio"} <= set(
        shown
    )
    assert "Sparsity" not in shown  # sharing decides values, not positions
    assert any(link.proto.label == "Share weights" for link in app.sidebar.get("page_link"))
    assert not app.main.get("toggle") or all(
        "per output channel" not in toggle.label for toggle in app.main.toggle
    )  # one set of shared values per layer: no per-channel switch


@pytest.mark.parametrize("count", [4, 256])
def test_accuracy_size_and_bits_are_the_engine_s(count):
    app = open_app(PAGE)
    slider(app, LABEL).set_value(count).run()
    assert not problems(app)
    expected = _measured(share_weights=count)
    shown = metrics(app)
    assert number(shown["Test accuracy"]) == pytest.approx(100 * expected.accuracy, abs=0.006)
    assert exact_size(app) == expected.size_bytes
    assert number(shown["Bits per weight"]) == pytest.approx(expected.bits_per_weight, abs=0.006)


def test_sixteen_values_cost_a_4_bit_index_and_sixteen_floats_per_layer():
    app = open_app(PAGE)
    # the default K = 16; every weight of the shipped mlp is nonzero, so every one has an
    # index (no positions to store), plus 16 float32 values per layer and float32 biases
    assert exact_size(app) == sum(-(-4 * o * i // 8) + 16 * 4 + 4 * o for o, i in LAYERS)


def test_the_histograms_draw_the_shared_values():
    app = open_app(PAGE)
    slider(app, LABEL).set_value(5).run()
    layers = layer_names_for("mlp")
    state = compress(shipped_mlp_checkpoint().state, layers, CompressionSettings(share_weights=5))
    notes = []
    for name in layers:  # one chart a layer
        spec = chart_spec(app, f"histogram.{name}")
        drawn = sorted(s["x0"] for s in spec["layout"]["shapes"] if s["type"] == "line")
        values = sorted(state.state[f"{name}.weight"].unique().tolist())
        assert len(values) == 5 and drawn == pytest.approx(values, rel=1e-6), name
        notes += [note["text"] for note in spec["layout"]["annotations"]]
    assert sum(text == "5 shared values" for text in notes) == 3


def test_the_link_carries_k_and_retraining_is_offered():
    app = open_app(PAGE)
    slider(app, LABEL).set_value(32).run()
    assert app.query_params["shared"] == "32"
    assert any("sum of its weights' gradients" in caption.value for caption in app.caption)


def test_a_link_writes_a_whole_k_and_keeps_one_values_method_with_a_note():
    setup = SharedSetup(settings=CompressionSettings(share_weights=64))
    encoded = encode_setup(setup)
    assert encoded["shared"] == "64" and encoded["bits"] == "off"
    assert decode_setup(encoded).setup == setup
    decoded = decode_setup({**encoded, "shared": "8.5"})
    assert decoded.setup.settings.share_weights is None
    assert "needs a whole number between 2 and 256" in decoded.unread["share_weights"].reason
    both = decode_setup({**encoded, "bits": "4"})
    assert both.setup.settings.share_weights is None
    assert both.setup.settings.quantize_bits == 4 and len(both.notes) == 1
    per_channel = decode_setup({**encoded, "per_channel": "1"})
    assert per_channel.setup.settings == CompressionSettings(share_weights=64)
    assert len(per_channel.notes) == 1


def test_a_link_with_k_opens_the_page_at_that_k():
    app = open_app()
    app.query_params["shared"] = "8"
    app.switch_page(PAGE).run()
    assert not problems(app)
    assert slider(app, LABEL).value == 8


def test_retraining_on_the_page_keeps_k_values_per_layer_and_becomes_the_baseline():
    app = open_app(PAGE)
    slider(app, LABEL).set_value(4).run()
    app.select_slider(key="share weights.ft_epochs").set_value(1)
    app.selectbox(key="share weights.ft_images").set_value(2_000)
    app.button(key="share weights.ft_go").click().run()
    assert not problems(app)
    assert app.sidebar.selectbox(key="baseline.picker").value.startswith("retrained:")
    shown = metrics(app)
    assert shown["Test accuracy"] == shown["Accuracy after retraining"]
    # the retrained weights are shared already: K = 4 again gives 4 values per layer and
    # 2-bit indices, the size of the page before retraining
    assert exact_size(app) == sum(-(-2 * o * i // 8) + 4 * 4 + 4 * o for o, i in LAYERS)
