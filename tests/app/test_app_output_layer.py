"""The Prune page with whole neurons: the output layer keeps its classes, and the page says why."""

from __future__ import annotations

from app_driver import metrics, number, open_app, problems, slider

from ui.readouts import ACCURACY

REASON = "output layer fc3 keeps all its rows"


def _layer_rows(app) -> dict[str, dict]:
    table = next(frame.value for frame in app.dataframe if "rows kept" in frame.value.columns)
    return {row["layer"]: row for row in table.to_dict("records")}


def test_whole_neurons_keep_the_ten_class_rows_and_the_page_says_why():
    app = open_app("pages/3_Prune.py")
    app.segmented_control(key="prune.prune_mode").set_value("sparsity").run()
    slider(app, "Target sparsity").set_value(89).run()
    assert not any(REASON in caption.value for caption in app.caption)  # only with neurons
    app.toggle(key="prune.prune_neurons").set_value(True).run()
    assert not problems(app)
    assert any(REASON in caption.value for caption in app.caption)
    rows = _layer_rows(app)
    assert rows["fc3"]["rows kept"] == "10 of 10"
    assert rows["fc3"]["weights = 0"] == "0.0 %"
    assert rows["fc1"]["rows kept"] == "33 of 300"  # 89% of 300 neurons removed
    assert number(metrics(app)[ACCURACY]) > 20  # 11% (chance) when fc3 lost its rows


def test_the_reason_goes_when_whole_neurons_are_turned_off():
    app = open_app("pages/3_Prune.py")
    app.segmented_control(key="prune.prune_mode").set_value("sparsity").run()
    app.toggle(key="prune.prune_neurons").set_value(True).run()
    assert any(REASON in caption.value for caption in app.caption)
    app.toggle(key="prune.prune_neurons").set_value(False).run()
    assert not any(REASON in caption.value for caption in app.caption)
    assert _layer_rows(app)["fc3"]["rows kept"] == "10 of 10"
