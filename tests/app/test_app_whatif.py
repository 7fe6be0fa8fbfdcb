"""The What-if page, driven as a person would: sweep, trade-off grid, remembered results."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pandas as pd
import pytest
from app_driver import (
    ROOT,
    baseline_shown,
    exact_size,
    metrics,
    number,
    open_app,
    problems,
    slider,
)
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

import ui.whatif
from compression.data import load_dataset
from compression.files.checkpoint import load_checkpoint
from compression.files.compact_format import load_compact
from compression.measure import measure
from compression.settings import CompressionSettings
from compression.sweeps.sweep import SWEEP_COLUMNS
from compression.sweeps.tradeoff import pareto_front

PAGE = "pages/5_What_if.py"
FLOAT32_BYTES = 266_610 * 4  # the mlp's weights and biases as float32


@pytest.fixture
def downloads(monkeypatch):
    """{file name: bytes} of every download button drawn while the test runs."""
    saved = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def recording(self, path_or_data, mimetype, kind, filename=None):
        saved[filename] = path_or_data.encode() if isinstance(path_or_data, str) else path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    return saved


@pytest.fixture
def computations(monkeypatch):
    """How often the page really computed a sweep or a grid (not found in a store)."""
    calls = {"sweep": 0, "grid": 0}
    sweep, grid = ui.whatif.run_sweep, ui.whatif.tradeoff_grid

    def counted_sweep(*args, **kwargs):
        calls["sweep"] += 1
        return sweep(*args, **kwargs)

    def counted_grid(*args, **kwargs):
        calls["grid"] += 1
        return grid(*args, **kwargs)

    monkeypatch.setattr(ui.whatif, "run_sweep", counted_sweep)
    monkeypatch.setattr(ui.whatif, "tradeoff_grid", counted_grid)
    store = ui.whatif.ResultStore(ui.whatif.RESULTS_KEPT)  # empty: nothing found by chance
    monkeypatch.setattr(ui.whatif, "shared_results", lambda: store)
    return calls


def chart_spec(app, key: str) -> dict:
    """The plotly figure (data and layout) of the chart with ``key``."""
    chart = next(c for c in app.get("plotly_chart") if c.proto.id.endswith(key))
    return json.loads(chart.proto.spec)


def traces(app, key: str) -> dict[str, dict]:
    """{trace name: {"x": array, "y": array}} of the plotly chart with ``key``."""
    found = {}
    for trace in chart_spec(app, key)["data"]:
        found[trace["name"]] = {axis: _array(trace[axis]) for axis in ("x", "y")}
    return found


def _array(values) -> np.ndarray:
    if isinstance(values, dict):  # plotly's typed array: base64 of the raw numbers
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values, dtype=float)


def run_sweep_on_page(app, values: str):
    app.text_input(key="whatif.values.prune-sparsity").set_value(values).run()
    app.button(key="whatif.run_sweep").click().run()
    return app


def test_page_runs_from_a_cold_start_and_waits_for_run():
    app = open_app(PAGE)
    assert not problems(app)
    assert app.title[0].value == "What if …?"
    assert not app.dataframe and not app.get("plotly_chart")
    values = app.text_input(key="whatif.values.prune-sparsity").value
    assert values == ", ".join(f"{step / 10:g}" for step in range(11))
    controls = [*app.text_input, *app.button, *app.selectbox, *app.multiselect, *app.toggle]
    assert all(control.help for control in controls)


def test_per_layer_sweep_rows_are_the_reports_of_each_layer_pruned_alone(
    shipped_mlp, downloads, computations
):
    app = run_sweep_on_page(open_app(PAGE), "0, 0.5, 0.9")
    assert not problems(app)
    table = app.dataframe[0].value
    assert list(table["layer"]) == ["fc1"] * 3 + ["fc2"] * 3 + ["fc3"] * 3
    assert list(table["value"]) == [0.0, 0.5, 0.9] * 3
    data = load_dataset("mnist")
    for row in table.itertuples():
        settings = CompressionSettings(prune_sparsity=row.value, layers=(row.layer,))
        measured = measure("mlp", shipped_mlp.state, settings, data.test_images, data.test_labels)
        assert row.accuracy == pytest.approx(measured.accuracy, abs=1e-12)
        assert row.compressed_bytes == measured.summary["size_bytes"]["compressed"]
    curves = traces(app, "whatif.sensitivity")
    assert set(curves) == {"fc1", "fc2", "fc3"}
    low = chart_spec(app, "whatif.sensitivity")["layout"]["yaxis"]["range"][0]
    assert 0.5 < low < table["accuracy"].min()  # fitted to the curves, not from 0
    caption = " ".join(c.value for c in app.caption)
    assert "one layer (fc1, fc2, fc3) compressed alone" in caption
    assert '"all"' not in caption and f"starts at {low:.0%}, not at 0" in caption
    app.toggle(key="whatif.fit_axis").set_value(False).run()
    assert chart_spec(app, "whatif.sensitivity")["layout"]["yaxis"]["range"][0] == 0
    fc2 = table[table["layer"] == "fc2"]
    np.testing.assert_allclose(curves["fc2"]["y"], fc2["accuracy"])
    np.testing.assert_allclose(curves["fc2"]["x"], fc2["layer_sparsity"])
    baseline_accuracy = number(baseline_shown(app)["Baseline accuracy"]) / 100
    assert table["accuracy"].iloc[0] == pytest.approx(baseline_accuracy, abs=5e-5)
    csv = pd.read_csv(io.BytesIO(downloads["mlp-prune-sparsity-sweep.csv"]))
    assert tuple(csv.columns) == SWEEP_COLUMNS
    pd.testing.assert_frame_equal(csv, table, check_dtype=False)
    assert computations["sweep"] == 1


def test_a_fashion_mnist_baseline_is_swept_on_the_fashion_mnist_test_images(computations):
    app = open_app(PAGE)
    app.selectbox(key="baseline.picker").set_value("shipped:mlp:fashion-mnist").run()
    app = run_sweep_on_page(app, "0, 0.9")
    assert not problems(app)
    table = app.dataframe[0].value
    fashion = load_dataset("fashion-mnist")
    state = load_checkpoint(ROOT / "checkpoints" / "mlp-fashion-mnist.pt").state
    for row in table.itertuples():
        settings = CompressionSettings(prune_sparsity=row.value, layers=(row.layer,))
        measured = measure("mlp", state, settings, fashion.test_images, fashion.test_labels)
        assert row.accuracy == pytest.approx(measured.accuracy, abs=1e-12)
    app.multiselect(key="whatif.grid_prune.prune-sparsity").set_value([0.9]).run()
    app.multiselect(key="whatif.grid_prune.prune-threshold").set_value([]).run()
    app.multiselect(key="whatif.grid_binarize").set_value([None]).run()
    app.multiselect(key="whatif.grid_bits").set_value([]).run()
    app.multiselect(key="whatif.grid_shared").set_value([]).run()
    app.button(key="whatif.run_grid").click().run()
    assert not problems(app)
    grid = app.dataframe[-1].value
    pruned = CompressionSettings(prune_sparsity=0.9)
    measured = measure("mlp", state, pruned, fashion.test_images, fashion.test_labels)
    assert grid["accuracy"].tolist() == [pytest.approx(measured.accuracy, abs=1e-12)]
    assert computations == {"sweep": 1, "grid": 1}


def test_bad_values_show_an_error_and_run_nothing(computations):
    app = open_app(PAGE)
    app.text_input(key="whatif.values.prune-sparsity").set_value("0, 0.5, lots").run()
    assert any("'lots' is not a number" in message for message in problems(app))
    assert app.button(key="whatif.run_sweep").disabled
    assert not app.dataframe and computations["sweep"] == 0
    app.text_input(key="whatif.values.prune-sparsity").set_value("0.5, 1.5").run()
    assert any("between 0 and 1, got 1.5" in message for message in problems(app))


def test_revisiting_the_page_shows_the_last_result_without_computing_again(computations):
    app = run_sweep_on_page(open_app(PAGE), "0.3, 0.95")
    first = app.dataframe[0].value
    app.switch_page("pages/3_Prune.py").run()
    app.switch_page(PAGE).run()
    assert not problems(app)
    pd.testing.assert_frame_equal(app.dataframe[0].value, first)
    assert app.text_input(key="whatif.values.prune-sparsity").value == "0.3, 0.95"
    other_person = run_sweep_on_page(open_app(PAGE), "0.3, 0.95")
    pd.testing.assert_frame_equal(other_person.dataframe[0].value, first)
    assert computations["sweep"] == 1  # the second person's Run found it in the store


def test_changing_the_values_after_a_run_says_the_result_is_for_the_previous_choice(
    computations,
):
    app = run_sweep_on_page(open_app(PAGE), "0.5")
    app.text_input(key="whatif.values.prune-sparsity").set_value("0.6").run()
    assert any("previous choice" in info.value for info in app.info)
    assert list(app.dataframe[0].value["value"]) == [0.5] * 3


def test_tradeoff_grid_covers_both_ways_of_pruning_and_its_front_includes_the_star(
    downloads, computations
):
    app = open_app("pages/4_Combine.py")
    combine_bytes = exact_size(app)
    combine_accuracy = number(metrics(app)["Test accuracy"]) / 100
    app.switch_page(PAGE).run()
    app.multiselect(key="whatif.grid_prune.prune-sparsity").set_value([0.0, 0.9]).run()
    app.multiselect(key="whatif.grid_prune.prune-threshold").set_value([0.05]).run()
    app.multiselect(key="whatif.grid_binarize").set_value([None, 0.7]).run()
    app.multiselect(key="whatif.grid_bits").set_value([]).run()
    app.multiselect(key="whatif.grid_shared").set_value([]).run()
    assert "(6 points)" in app.button(key="whatif.run_grid").label
    app.button(key="whatif.run_grid").click().run()
    assert not problems(app)
    grid = app.dataframe[-1].value
    assert list(grid["settings"]) == [
        "prune-sparsity 0, binarize off",
        "prune-sparsity 0, binarize 0.7",
        "prune-sparsity 0.9, binarize off",
        "prune-sparsity 0.9, binarize 0.7",
        "prune-threshold 0.05, binarize off",
        "prune-threshold 0.05, binarize 0.7",
    ]
    dense = grid.iloc[0]
    assert dense["compressed_bytes"] == 266_610 * 4
    data = load_dataset("mnist")
    state = load_checkpoint(ROOT / "checkpoints" / "mlp-mnist.pt").state
    by_cut = CompressionSettings(prune_threshold=0.05, binarize_threshold=0.7)
    measured = measure("mlp", state, by_cut, data.test_images, data.test_labels)
    assert grid["accuracy"].iloc[-1] == pytest.approx(measured.accuracy, abs=1e-12)
    np.testing.assert_array_equal(
        grid["on_front"], pareto_front(grid["compressed_bytes"], grid["accuracy"])
    )
    chart = traces(app, "whatif.pareto")
    star = chart["your setting (Combine page)"]
    assert star["x"][0] == pytest.approx(FLOAT32_BYTES / combine_bytes)  # bytes meaning
    assert star["y"][0] == pytest.approx(combine_accuracy, abs=5e-5)
    # the front is taken over the grid and the star together: the star is never above it
    sizes = [*grid["compressed_bytes"], combine_bytes]
    accuracies = [*grid["accuracy"], star["y"][0]]
    on_front = pareto_front(sizes, accuracies)
    low = chart_spec(app, "whatif.pareto")["layout"]["yaxis"]["range"][0]
    expected = sorted(
        FLOAT32_BYTES / s
        for s, a, f in zip(sizes, accuracies, on_front, strict=True)
        if f and a >= low
    )
    np.testing.assert_allclose(sorted(chart["Pareto front"]["x"]), expected)
    labels = [note["text"] for note in chart_spec(app, "whatif.pareto")["layout"]["annotations"]]
    assert len(labels) == len(expected) and "no pruning, float32" in labels
    caption = " ".join(c.value for c in app.caption)
    assert "the front is computed over the grid and this setting together" in caption
    csv = pd.read_csv(io.BytesIO(downloads["mlp-tradeoff.csv"]))
    assert list(csv["accuracy"]) == list(grid["accuracy"])
    assert computations["grid"] == 1


def _measured(state, **settings):
    data = load_dataset("mnist")
    return measure("mlp", state, CompressionSettings(**settings), data.test_images,
                   data.test_labels)  # fmt: skip


def test_the_sweep_menu_offers_every_method_s_sweep_axis_including_quantization_and_sharing():
    app = open_app(PAGE)
    menu = app.selectbox(key="whatif.method")
    assert menu.value == "prune-sparsity"  # first, as before
    assert set(menu.options) == {
        "Prune: target sparsity", "Prune: pruning threshold |W|",
        "Binarize: binarization threshold (x mean|W|)", "Quantize: bits per weight K",
        "Share weights: shared values per layer K",
    }  # fmt: skip


@pytest.mark.parametrize("per_layer", [True, False])
def test_a_bits_sweep_gives_the_numbers_of_each_k_bit_model_measured_alone(
    shipped_mlp, computations, per_layer
):
    app = open_app(PAGE)
    app.selectbox(key="whatif.method").set_value("quantize-bits").run()
    assert app.text_input(key="whatif.values.quantize-bits").value == "8, 7, 6, 5, 4, 3, 2"
    app.text_input(key="whatif.values.quantize-bits").set_value("8, 4, 2").run()
    app.toggle(key="whatif.per_layer").set_value(per_layer).run()
    app.button(key="whatif.run_sweep").click().run()
    assert not problems(app)
    table = app.dataframe[0].value
    layers = ["fc1", "fc2", "fc3"] if per_layer else ["all"]
    assert list(table["layer"]) == [layer for layer in layers for _ in range(3)]
    assert set(table["method"]) == {"quantize-bits"}
    for row in table.itertuples():
        chosen = {} if row.layer == "all" else {"layers": (row.layer,)}
        measured = _measured(shipped_mlp.state, quantize_bits=int(row.value), **chosen)
        assert row.accuracy == pytest.approx(measured.accuracy, abs=1e-12)
        assert row.loss == pytest.approx(measured.loss, rel=1e-5)
        assert row.compressed_bytes == measured.summary["size_bytes"]["compressed"]
    layout = chart_spec(app, "whatif.sensitivity")["layout"]
    assert layout["xaxis"]["title"]["text"] == "bits per weight K"
    assert computations["sweep"] == 1


def test_the_grid_puts_k_bit_widths_beside_binarization_and_names_them_int_k(computations):
    app = open_app(PAGE)
    app.multiselect(key="whatif.grid_prune.prune-sparsity").set_value([0.0, 0.9]).run()
    app.multiselect(key="whatif.grid_prune.prune-threshold").set_value([]).run()
    app.multiselect(key="whatif.grid_binarize").set_value([None, 0.0]).run()
    bits = app.multiselect(key="whatif.grid_bits")
    assert bits.value == [8, 4]  # the page's default widths
    assert bits.options == [f"int{k} ({k}-bit)" for k in range(8, 1, -1)]
    bits.set_value([4, 8]).run()
    app.multiselect(key="whatif.grid_shared").set_value([]).run()
    assert "(8 points)" in app.button(key="whatif.run_grid").label
    app.button(key="whatif.run_grid").click().run()
    assert not problems(app)
    grid = app.dataframe[-1].value
    assert list(grid["settings"]) == [
        f"prune-sparsity {p:g}, {values}"
        for p in (0.0, 0.9)
        for values in ("binarize off", "binarize 0", "8-bit", "4-bit")
    ]
    state = load_checkpoint(ROOT / "checkpoints" / "mlp-mnist.pt").state
    for row in grid[grid["quantize_bits"].notna()].itertuples():
        measured = _measured(
            state, prune_sparsity=row.prune_value, quantize_bits=int(row.quantize_bits)
        )
        assert row.accuracy == pytest.approx(measured.accuracy, abs=1e-12)
        assert row.compressed_bytes == measured.summary["size_bytes"]["compressed"]
        assert np.isnan(row.binarize_threshold)
    labels = {note["text"] for note in chart_spec(app, "whatif.pareto")["layout"]["annotations"]}
    front = grid[grid["on_front"]]
    expected = set()
    for row in front.itertuples():
        pruned = "no pruning" if row.prune_value == 0 else f"{row.prune_value:.0%} pruned"
        if not np.isnan(row.quantize_bits):
            expected.add(f"{pruned}, int{int(row.quantize_bits)}")
    assert expected and expected <= labels  # the k-bit points of the front, named int K


def test_the_star_can_come_from_the_quantize_page(computations):
    app = open_app("pages/3_Quantize.py")
    slider(app, "Bits per weight K").set_value(3).run()
    quantize_bytes = exact_size(app)
    quantize_accuracy = number(metrics(app)["Test accuracy"]) / 100
    app.switch_page(PAGE).run()
    app.multiselect(key="whatif.grid_prune.prune-sparsity").set_value([0.0]).run()
    app.multiselect(key="whatif.grid_prune.prune-threshold").set_value([]).run()
    app.multiselect(key="whatif.grid_binarize").set_value([None]).run()
    app.multiselect(key="whatif.grid_bits").set_value([4]).run()
    app.multiselect(key="whatif.grid_shared").set_value([]).run()
    app.button(key="whatif.run_grid").click().run()
    assert not problems(app)
    assert app.selectbox(key="whatif.marked").options == ["Quantize"]
    star = traces(app, "whatif.pareto")["your setting (Quantize page)"]
    assert star["x"][0] == pytest.approx(FLOAT32_BYTES / quantize_bytes)
    assert star["y"][0] == pytest.approx(quantize_accuracy, abs=5e-5)
    assert "quantize to 3 bits" in " ".join(c.value for c in app.caption)


def _small_grid(app, shared=(16,)):
    """A 4-point grid: no pruning and 90% pruned, float32 and ``shared`` shared values."""
    app.multiselect(key="whatif.grid_prune.prune-sparsity").set_value([0.0, 0.9]).run()
    app.multiselect(key="whatif.grid_prune.prune-threshold").set_value([]).run()
    app.multiselect(key="whatif.grid_binarize").set_value([None]).run()
    app.multiselect(key="whatif.grid_bits").set_value([]).run()
    app.multiselect(key="whatif.grid_shared").set_value(list(shared)).run()
    app.button(key="whatif.run_grid").click().run()
    return app


def test_the_grid_offers_shared_values_by_default_and_measures_them(computations):
    app = open_app(PAGE)
    shared = app.multiselect(key="whatif.grid_shared")
    assert shared.value == [16]  # the page's default shared values
    assert "16 values (4-bit index)" in shared.options
    app = _small_grid(app)
    assert not problems(app)
    grid = app.dataframe[-1].value
    assert list(grid["settings"]) == [
        "prune-sparsity 0, binarize off", "prune-sparsity 0, 16 shared values",
        "prune-sparsity 0.9, binarize off", "prune-sparsity 0.9, 16 shared values",
    ]  # fmt: skip
    state = load_checkpoint(ROOT / "checkpoints" / "mlp-mnist.pt").state
    row = grid.iloc[1]
    measured = _measured(state, share_weights=16)
    assert row["accuracy"] == pytest.approx(measured.accuracy, abs=1e-12)
    assert row["compressed_bytes"] == measured.summary["size_bytes"]["compressed"]


def test_a_share_weights_sweep_draws_one_curve_per_layer(computations):
    app = open_app(PAGE)
    app.selectbox(key="whatif.method").set_value("share-weights").run()
    app.text_input(key="whatif.values.share-weights").set_value("16, 4").run()
    app.button(key="whatif.run_sweep").click().run()
    assert not problems(app)
    assert set(traces(app, "whatif.sensitivity")) == {"fc1", "fc2", "fc3"}
    layout = chart_spec(app, "whatif.sensitivity")["layout"]
    assert layout["xaxis"]["title"]["text"] == "shared values per layer K"


def _trace(app, name: str) -> dict:
    return next(t for t in chart_spec(app, "whatif.pareto")["data"] if t["name"] == name)


def _published(app) -> dict[str, float]:
    """{name: x} of the published results drawn on the trade-off chart."""
    data = chart_spec(app, "whatif.pareto")["data"]
    return {t["name"]: _array(t["x"])[0] for t in data if t.get("legendgroup") == "published"}


def test_the_x_axis_switches_meaning_and_papers_are_drawn_in_the_meaning_they_report(
    computations,
):
    app = _small_grid(open_app(PAGE))
    assert not problems(app)
    grid = app.dataframe[-1].value
    radio = app.radio(key="whatif.ratio_meaning")
    assert radio.value == "bytes" and radio.help
    chart = traces(app, "whatif.pareto")
    drawn = np.concatenate([chart[name]["x"] for name in ("grid point", "Pareto front")])
    np.testing.assert_allclose(sorted(drawn), sorted(grid["compression_ratio"]))
    assert set(_published(app)) == {"Deep Compression", "BinaryConnect"}
    caption = " ".join(c.value for c in app.caption)
    assert "report only parameters kept: Han 2015, Sparse VD" in caption
    radio.set_value("parameters").run()
    assert not problems(app)
    layout = chart_spec(app, "whatif.pareto")["layout"]
    assert "weights ÷ nonzero weights" in layout["xaxis"]["title"]["text"]
    chart = traces(app, "whatif.pareto")
    drawn = np.concatenate([chart[name]["x"] for name in chart if name in ("grid point",
                            "Pareto front")])  # fmt: skip
    np.testing.assert_allclose(sorted(drawn), sorted(grid["parameter_ratio"]))
    assert _published(app) == {"Han 2015": pytest.approx(267 / 22), "Sparse VD": 68}
    caption = " ".join(c.value for c in app.caption)
    assert "report only bytes stored: Deep Compression, BinaryConnect" in caption
    assert computations["grid"] == 1  # switching the axis measures nothing


def test_paper_points_are_hidden_for_another_data_set_and_the_page_says_why(computations):
    app = open_app(PAGE)
    app.selectbox(key="baseline.picker").set_value("shipped:mlp:fashion-mnist").run()
    app = _small_grid(app, shared=())
    assert not problems(app)
    groups = {trace.get("legendgroup") for trace in chart_spec(app, "whatif.pareto")["data"]}
    assert groups == {None}  # no published or reproduced results drawn
    caption = " ".join(c.value for c in app.caption)
    assert "the mlp on fashion-mnist" in caption and "hidden" in caption


@pytest.fixture
def small_budget(monkeypatch):
    """The budget box's options cut to binary or 4-bit x no pruning or 90%: seconds."""
    import ui.budget_box
    from compression.settings import CompressionSettings as Settings

    grid = {
        "values_options": {"binary": Settings(binarize_threshold=0.0),
                           "int4": Settings(quantize_bits=4)},
        "sparsities": (0.0, 0.9),
    }  # fmt: skip
    monkeypatch.setattr(ui.budget_box, "APP_GRID", grid)
    calls = []
    fit = ui.budget_box.fit_table

    def counted(*args, **kwargs):
        calls.append(args[3])  # max_bytes
        return fit(*args, **kwargs)

    monkeypatch.setattr(ui.budget_box, "fit_table", counted)
    return calls


def _choices(app) -> pd.DataFrame:
    """The budget box's table: one row per layer."""
    return next(frame.value for frame in app.dataframe if "values" in frame.value.columns)


def test_the_budget_box_fits_the_baseline_shows_the_pick_and_offers_its_file(
    small_budget, downloads, computations
):
    app = _small_grid(open_app(PAGE), shared=())
    app.number_input(key="whatif.budget_bytes.mlp").set_value(60_000).run()
    app.button(key="whatif.budget_fit").click().run()
    assert not problems(app)
    assert small_budget == [60_000]
    choices = _choices(app)
    assert list(choices["layer"]) == ["fc1", "fc2", "fc3"]
    assert set(choices["values"]) <= {"binary (±a)", "4-bit"}
    assert set(choices["pruned"]) <= {0.0, 0.9}
    payload = downloads["mlp-mnist-60000-bytes.cxm"]
    assert len(payload) <= 60_000
    loaded = load_compact(payload, label="test")
    data = load_dataset("mnist")
    measured = measure("mlp", loaded.state, CompressionSettings(), data.test_images,
                       data.test_labels)  # fmt: skip
    shown = metrics(app)
    assert number(shown["Test accuracy"]) / 100 == pytest.approx(measured.accuracy, abs=5e-5)
    assert sum(choices["bytes"]) == measured.size_bytes  # the table's bytes are the file's
    pick = _trace(app, "fits in 60,000 bytes")
    assert pick["marker"]["symbol"] == "diamond"
    assert _array(pick["x"])[0] == pytest.approx(FLOAT32_BYTES / measured.size_bytes)
    assert "◆ fits in 60,000 bytes" in " ".join(c.value for c in app.caption)
    # an impossible budget: one line, nothing changed, nothing measured
    app.number_input(key="whatif.budget_bytes.mlp").set_value(100).run()
    app.button(key="whatif.budget_fit").click().run()
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and "no setting fits 100 bytes" in errors[0]
    assert "nothing was changed" in errors[0] and not app.exception
    assert small_budget == [60_000]
    pd.testing.assert_frame_equal(_choices(app), choices)
    assert _trace(app, "fits in 60,000 bytes")


def test_the_star_follows_the_values_method_chosen_on_combine(computations):
    app = open_app("pages/4_Combine.py")
    # binarization's slider was drawn first and stays in the session; sharing is the choice
    app.selectbox(key="combine.values_method").set_value("share").run()
    combine_bytes = exact_size(app)
    combine_accuracy = number(metrics(app)["Test accuracy"]) / 100
    app.switch_page(PAGE).run()
    app.multiselect(key="whatif.grid_prune.prune-sparsity").set_value([0.0]).run()
    app.multiselect(key="whatif.grid_prune.prune-threshold").set_value([]).run()
    app.multiselect(key="whatif.grid_binarize").set_value([None]).run()
    app.multiselect(key="whatif.grid_bits").set_value([4]).run()
    app.button(key="whatif.run_grid").click().run()
    assert not problems(app)
    assert "Combine" in app.selectbox(key="whatif.marked").options
    star = traces(app, "whatif.pareto")["your setting (Combine page)"]
    assert star["x"][0] == pytest.approx(FLOAT32_BYTES / combine_bytes)  # bytes meaning
    assert star["y"][0] == pytest.approx(combine_accuracy, abs=5e-5)
