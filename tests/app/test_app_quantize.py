"""The Quantize page: a bits slider, the levels on the histograms, the numbers of the engine."""

from __future__ import annotations

import pytest
from app_driver import chart_spec, exact_size, metrics, number, open_app, problems, slider
from shared_data import mnist_test_set, shipped_mlp_checkpoint

from compression.measure import measure
from compression.settings import CompressionSettings
from ui.controls.link_codec import SharedSetup, decode_setup, encode_setup

PAGE = "pages/3_Quantize.py"
LAYERS = [(300, 784), (100, 300), (10, 100)]


def _measured(**settings):
    checkpoint = shipped_mlp_checkpoint()
    return measure("mlp", checkpoint.state, CompressionSettings(**settings), *mnist_test_set())


def test_the_page_opens_from_home_with_a_2_to_8_bit_slider_at_4():
    app = open_app(PAGE)
    assert not problems(app)
    bits = slider(app, "Bits per weight K")
    assert (bits.min, bits.max, bits.step, bits.value) == (2, 8, 1, 4)
    shown = metrics(app)
    assert {"Test accuracy", "Compressed size", "Bits per weight", "Compression ratio"} <= set(
        shown
    )
    assert "Sparsity" not in shown  # quantization decides values, not positions
    assert any(link.proto.label == "Quantize" for link in app.sidebar.get("page_link"))


@pytest.mark.parametrize("bits", [8, 2])
def test_accuracy_size_and_bits_are_the_engine_s(bits):
    app = open_app(PAGE)
    slider(app, "Bits per weight K").set_value(bits).run()
    assert not problems(app)
    expected = _measured(quantize_bits=bits)
    shown = metrics(app)
    assert number(shown["Test accuracy"]) == pytest.approx(100 * expected.accuracy, abs=0.006)
    assert exact_size(app) == expected.size_bytes
    assert number(shown["Bits per weight"]) == pytest.approx(expected.bits_per_weight, abs=0.006)


def test_eight_bits_cost_eight_bits_and_one_scale_per_layer():
    app = open_app(PAGE)
    slider(app, "Bits per weight K").set_value(8).run()
    # every weight in 8 bits (rounding makes a few zeros, but skipping them costs more),
    # one float32 scale per layer, float32 biases
    assert exact_size(app) == sum(o * i + 4 + 4 * o for o, i in LAYERS)


def test_one_scale_per_channel_costs_a_scale_per_output_row():
    app = open_app(PAGE)
    slider(app, "Bits per weight K").set_value(8).run()
    per_layer = exact_size(app)
    app.toggle(key="quantize.per_channel").set_value(True).run()
    assert not problems(app)
    assert exact_size(app) == per_layer + 4 * sum(o - 1 for o, _ in LAYERS)


def test_the_histograms_draw_the_levels_s_times_n():
    app = open_app(PAGE)
    slider(app, "Bits per weight K").set_value(3).run()
    state = shipped_mlp_checkpoint().state
    notes = []
    for name in ("fc1", "fc2", "fc3"):  # one chart a layer
        spec = chart_spec(app, f"histogram.{name}")
        drawn = sorted(shape["x0"] for shape in spec["layout"]["shapes"] if shape["type"] == "line")
        step = float(state[f"{name}.weight"].abs().max()) / 3  # s = max|W| / (2^(3-1) - 1)
        reach = spec["layout"]["xaxis"]["range"][1]
        expected = [step * n for n in range(-3, 4) if abs(step * n) <= reach]
        assert drawn == pytest.approx(expected, rel=1e-6), name
        notes += [note["text"] for note in spec["layout"]["annotations"]]
    assert any(text.startswith("7 values, s = ") for text in notes)


def test_the_link_carries_the_bits_and_retraining_is_offered():
    app = open_app(PAGE)
    slider(app, "Bits per weight K").set_value(5).run()
    assert app.query_params["bits"] == "5"
    assert any("straight-through" in caption.value for caption in app.caption)


def test_a_link_writes_whole_bits_and_refuses_a_fraction_with_a_note():
    setup = SharedSetup(settings=CompressionSettings(quantize_bits=6, per_channel=True))
    encoded = encode_setup(setup)
    assert encoded["bits"] == "6" and encoded["binarize"] == "off"
    assert decode_setup(encoded).setup == setup
    decoded = decode_setup({**encoded, "bits": "4.5"})
    assert decoded.setup.settings.quantize_bits is None
    assert "needs a whole number between 2 and 8" in decoded.unread["quantize_bits"].reason
    both = decode_setup({**encoded, "binarize": "0.7"})
    assert both.setup.settings.quantize_bits is None
    assert both.setup.settings.binarize_threshold == 0.7 and len(both.notes) == 1


def test_a_link_with_bits_opens_the_page_at_those_bits():
    app = open_app()
    app.query_params["bits"] = "7"
    app.switch_page(PAGE).run()
    assert not problems(app)
    assert slider(app, "Bits per weight K").value == 7
