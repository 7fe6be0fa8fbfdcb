"""The Compare page: pin A on a compress page, move the slider to B, see both side by side;
or open two share links, and refuse a bad one without changing anything."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from app_driver import (
    APP,
    TIMEOUT,
    chart_array,
    chart_spec,
    number,
    open_app,
    problems,
    slider,
)
from streamlit.testing.v1 import AppTest

from compression.settings import CompressionSettings
from ui.controls.link_codec import SharedSetup, query_string

PRUNE = "pages/3_Prune.py"
COMPARE = "pages/9_Compare.py"
LINK_A = "http://localhost:8501/Prune?" + query_string(
    SharedSetup(settings=CompressionSettings(prune_sparsity=0.5))
)
LINK_B = "http://localhost:8501/Binarize?" + query_string(
    SharedSetup(settings=CompressionSettings(binarize_threshold=0.7))
)


def table(app: AppTest) -> dict[str, dict[str, str]]:
    """{metric: {"A": ..., "B": ..., "B − A": ...}} of the comparison's table."""
    frame = app.main.dataframe[0].value
    return {row[""]: {k: row[k] for k in ("A", "B", "B − A")} for _, row in frame.iterrows()}


def sides(app: AppTest) -> list[str]:
    return [m.value for m in app.main.markdown if m.value.startswith(("**A**", "**B**"))]


def _submit(app: AppTest) -> AppTest:
    submit = next(b for b in app.get("form_submit_button") if "Compare these" in str(b.proto))
    return submit.click().run()


def test_pin_a_move_the_slider_and_compare_shows_both():
    app = open_app(PRUNE)
    app.segmented_control(key="prune.prune_mode").set_value("sparsity").run()
    slider(app, "Target sparsity").set_value(50).run()
    app.button(key="prune.pin").click().run()
    assert not problems(app)
    slider(app, "Target sparsity").set_value(95).run()
    app.switch_page(COMPARE).run()
    assert not problems(app)
    assert sides(app) == [
        "**A** (the Prune page): prune 50% of weights (layer)",
        "**B** (the sliders): prune 95% of weights (layer)",
    ]
    shown = table(app)
    assert number(shown["Sparsity"]["A"]) == pytest.approx(50, abs=0.5)
    assert number(shown["Sparsity"]["B"]) == pytest.approx(95, abs=0.5)
    assert number(shown["Compressed size"]["B − A"]) < 0  # B keeps fewer weights
    accuracy = shown["Test accuracy"]
    assert number(accuracy["B − A"]) == pytest.approx(
        number(accuracy["B"]) - number(accuracy["A"]), abs=0.011
    )
    # every weight B keeps, A keeps too: no weight is "kept by B only"
    bars = {trace["name"]: trace["x"] for trace in chart_spec(app, "compare.overlap")["data"]}
    assert all(share == 0 for share in bars["kept by B only"])
    assert all(share == pytest.approx(45, abs=0.5) for share in bars["kept by A only"])
    gallery = chart_spec(app, "compare.gallery")
    assert gallery["layout"]["title"]["text"].startswith("Right by A only: ")
    # the address holds the comparison: both settings, each as a share link's query
    assert "prune_sparsity=0.5" in app.query_params["a"]
    assert "prune_sparsity=0.95" in app.query_params["b"]


def test_nothing_pinned_says_what_to_do():
    app = open_app(COMPARE)
    assert not problems(app)
    assert "Pin as A" in app.info[0].value
    assert not app.main.dataframe


def test_two_pasted_share_links_are_compared():
    app = _submit_links(open_app(COMPARE), LINK_A, LINK_B)
    assert not problems(app)
    assert sides(app) == [
        "**A** (link A): prune 50% of weights (layer)",
        "**B** (link B): binarize t = 0.70 (per layer scale)",
    ]
    assert number(table(app)["Bits per weight"]["B"]) < number(table(app)["Bits per weight"]["A"])


def test_a_compare_address_opens_both_settings():
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.query_params.update({"a": LINK_A.split("?")[1], "b": LINK_B.split("?")[1]})
    app.switch_page(COMPARE).run()
    assert not problems(app)
    assert [line.split(":")[0] for line in sides(app)] == ["**A** (link A)", "**B** (link B)"]


def test_a_bad_compare_address_says_why_and_compares_nothing():
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    too_long = urlencode({"model": "mlp", "junk": "y" * 3000})
    app.query_params.update({"a": LINK_A.split("?")[1], "b": too_long})
    app.switch_page(COMPARE).run()
    (error,) = app.error
    assert error.value.startswith("Nothing changed: link B is too long (3,")
    assert "Pin as A" in app.info[0].value and not app.main.dataframe


@pytest.mark.parametrize(
    ("link_b", "said"),
    [
        ("not a link at all", "is not a share link"),
        (LINK_B.replace("binarize=0.7", "binarize=lots"), "cannot be read exactly"),
        (LINK_B.replace("model=mlp", "model=cnn"), "compress different models"),
    ],
)
def test_a_bad_link_says_why_in_one_line_and_changes_nothing(link_b, said):
    app = _submit_links(open_app(COMPARE), LINK_A, LINK_B)
    before = table(app)
    app = _submit_links(app, LINK_A.replace("0.5", "0.8"), link_b)
    (error,) = app.error
    assert error.value.startswith("Nothing changed:") and said in error.value
    assert "\n" not in error.value
    assert table(app) == before  # still the first pair


def _submit_links(app: AppTest, link_a: str, link_b: str) -> AppTest:
    app.text_input(key="compare.link_a").input(link_a)
    app.text_input(key="compare.link_b").input(link_b)
    return _submit(app)


@pytest.mark.parametrize(
    ("model", "dataset", "first_layer", "shape"),
    [("cnn", "mnist", "conv1", (6, 25)), ("mlp", "fashion-mnist", "fc1", (300, 784))],
)
def test_links_of_every_model_and_data_set_compare_values_methods(
    model, dataset, first_layer, shape
):
    def linked(settings: CompressionSettings) -> str:
        return query_string(SharedSetup(model, dataset, 0, settings))

    app = _submit_links(
        open_app(COMPARE),
        linked(CompressionSettings(share_weights=4)),
        linked(CompressionSettings(quantize_bits=8)),
    )
    assert not problems(app)
    assert app.selectbox(key="compare.layer").value == first_layer
    kept = chart_spec(app, "compare.map")["data"][0]
    assert tuple(chart_array(kept["z"]).shape) == shape
    assert number(table(app)["Bits per weight"]["B − A"]) > 0  # 8 bits against 2 (4 values)
    classes = chart_spec(app, "compare.classes")["data"][0]["x"]
    assert len(classes) == 10 and (classes[0] == "T-shirt/top") == (dataset == "fashion-mnist")


def test_links_to_a_model_no_longer_kept_change_nothing():
    app = open_app(COMPARE)
    picker = app.sidebar.selectbox[0]
    picker.set_value("shipped:cnn").run()

    def gone(settings: CompressionSettings) -> str:
        return query_string(SharedSetup("mlp", "mnist", 0, settings, baseline="ab" * 32))

    app = _submit_links(
        app, gone(CompressionSettings(prune_sparsity=0.5)), gone(CompressionSettings())
    )
    (error,) = app.error
    assert error.value.startswith("Nothing changed: the links' model cannot be opened:")
    assert app.sidebar.selectbox[0].value == "shipped:cnn"
    assert "Pin as A" in app.info[0].value


def test_links_of_another_model_switch_the_baseline_to_theirs():
    app = open_app(COMPARE)
    app.sidebar.selectbox[0].set_value("shipped:cnn").run()
    app = _submit_links(app, LINK_A, LINK_B)  # both of the shipped mlp on MNIST
    assert not problems(app)
    assert app.sidebar.selectbox[0].value == "shipped:mlp"
    assert app.selectbox(key="compare.layer").options == ["fc1", "fc2", "fc3"]


def test_pin_on_quantize_then_fewer_bits_shows_what_the_zero_level_takes():
    app = open_app("pages/3_Quantize.py")
    slider(app, "Bits").set_value(8).run()
    app.button(key="quantize.pin").click().run()
    slider(app, "Bits").set_value(2).run()
    app.switch_page(COMPARE).run()
    assert not problems(app)
    assert [line.split(":")[1].strip() for line in sides(app)] == [
        "quantize to 8 bits (per layer scale)",
        "quantize to 2 bits (per layer scale)",
    ]
    assert number(table(app)["Bits per weight"]["B − A"]) < 0
    # 2 bits round the small weights to 0: B keeps a subset of what A keeps
    bars = {trace["name"]: trace["x"] for trace in chart_spec(app, "compare.overlap")["data"]}
    assert all(share == 0 for share in bars["kept by B only"])
    assert all(share > 0 for share in bars["kept by A only"])
