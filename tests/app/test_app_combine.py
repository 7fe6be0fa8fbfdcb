"""The Combine page: prune, then one values method of the survivors at a time; the byte
ledger from float32 to the file; the choice kept by a share link."""

from __future__ import annotations

import pytest
from app_driver import APP, TIMEOUT, chart_array, chart_spec, exact_size, open_app, problems, slider
from shared_data import shipped_mlp_state
from streamlit.testing.v1 import AppTest

from compression.compress import compress
from compression.methods import METHODS
from compression.models import layer_names_for
from compression.size import size_summary, size_table
from ui.controls import keys

PAGE = "pages/4_Combine.py"
CHOICE = "Values of the survivors"


def _choose(app: AppTest, name: str) -> AppTest:
    next(box for box in app.selectbox if box.label == CHOICE).set_value(name).run()
    return app


def _settings(app: AppTest):
    return app.session_state[keys.CURRENT_SETUP].settings


def _engine_bytes(settings) -> int:
    layers = layer_names_for("mlp")
    state = compress(shipped_mlp_state(), layers, settings).state
    return size_summary(size_table(state, layers))["size_bytes"]["compressed"]


def _marks(app: AppTest) -> str:
    return next(c.value for c in app.main.caption if c.value.startswith("**Real weights"))


def test_the_page_opens_at_80_percent_pruned_and_binary_values():
    app = open_app(PAGE)
    assert not problems(app)
    assert next(box for box in app.selectbox if box.label == CHOICE).value == "binarize"
    settings = _settings(app)
    assert settings.binarize_threshold == 0.0 and settings.prunes
    assert settings.quantize_bits is None and settings.share_weights is None


@pytest.mark.parametrize("name", ["quantize", "share", "none"])
def test_each_values_method_changes_the_size_and_the_histogram_marks(name):
    app = open_app(PAGE)
    binary_bytes, binary_marks = exact_size(app), _marks(app)
    _choose(app, name)
    assert not problems(app)
    settings = _settings(app)
    used = settings.values_method
    assert (used.name if used else "none") == name
    assert settings.prunes  # the cut stays
    assert exact_size(app) == _engine_bytes(settings) != binary_bytes
    marks = _marks(app)
    assert marks != binary_marks
    for method in METHODS.values():
        for mark in method.histogram_marks:
            shown = method is METHODS["prune"] or method is used
            assert (mark in marks) == shown, mark


@pytest.mark.parametrize("name", ["binarize", "quantize", "share"])
def test_the_waterfall_runs_from_float32_to_the_size_shown(name):
    app = _choose(open_app(PAGE), name)
    trace = chart_spec(app, "combine.ledger")["data"][0]
    assert trace["type"] == "waterfall"
    assert trace["measure"][0] == "absolute" and trace["measure"][-1] == "total"
    size = exact_size(app)
    assert f"{size:,} bytes" in trace["hovertext"][-1]
    kilobytes = chart_array(trace["x"]).double()  # float32 in the chart: within a byte
    assert float(kilobytes[:-1].sum()) * 1000 == pytest.approx(size, abs=1)
    assert f"{4 * 266_610:,} bytes" in trace["hovertext"][0]  # every parameter in 4 bytes
    steps = trace["y"][1:-1]
    assert ("codebook" in steps) == ("indices" in steps)
    if name == "share":  # every layer: indices into K values, and no scales
        assert "codebook" in steps and "scales" not in steps and "values" not in steps
    if name == "binarize":  # every layer: signs and a scale
        assert "scales" in steps and "codebook" not in steps
    # (a K-bit layer with few distinct values may be stored as shared values: cheaper)


@pytest.mark.parametrize(
    ("name", "widget", "value", "url_key", "shown"),
    [
        ("quantize", "Bits per weight K", 3, "bits", "3"),
        ("share", "Shared values per layer K", 8, "shared", "8"),
        ("none", None, None, "binarize", "off"),
    ],
)
def test_a_link_keeps_the_values_method_chosen(name, widget, value, url_key, shown):
    app = _choose(open_app(PAGE), name)
    if widget is not None:
        slider(app, widget).set_value(value).run()
    assert not problems(app)
    params = dict(app.query_params)
    assert params[url_key] == shown
    reopened = AppTest.from_file(APP, default_timeout=TIMEOUT)
    reopened.query_params.update(params)
    reopened.switch_page(PAGE).run()
    assert not problems(reopened)
    assert next(box for box in reopened.selectbox if box.label == CHOICE).value == name
    assert _settings(reopened) == _settings(app)
    assert exact_size(reopened) == exact_size(app)


@pytest.mark.parametrize("name", ["quantize", "share"])
def test_retraining_keeps_the_cut_and_the_values_method_chosen(name):
    app = _choose(open_app(PAGE), name)
    before = _settings(app)
    app.select_slider(key="combine.ft_epochs").set_value(1)
    app.selectbox(key="combine.ft_images").set_value(2_000)
    app.button(key="combine.ft_go").click().run()
    assert not problems(app)
    assert app.sidebar.selectbox(key="baseline.picker").value.startswith("retrained:")
    after = _settings(app)
    assert after.values_method is before.values_method and after.prunes
    assert after.quantize_bits == before.quantize_bits
    assert after.share_weights == before.share_weights
    assert next(box for box in app.selectbox if box.label == CHOICE).value == name
