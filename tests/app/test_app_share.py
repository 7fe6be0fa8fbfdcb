"""Shareable setups: the page's settings live in the address; a link opens the same experiment."""

from __future__ import annotations

import re

import pytest
from app_driver import APP, TIMEOUT, exact_size, metrics, problems, slider
from streamlit.testing.v1 import AppTest

COMBINE = "pages/4_Combine.py"
PRUNE = "pages/3_Prune.py"


def open_link(page: str, params: dict[str, str]) -> AppTest:
    """A new browser tab opened on ``page`` with ``params`` in its address."""
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.query_params.update(params)
    return app.switch_page(page).run()


def combine_widgets(app: AppTest) -> dict:
    return {
        "mode": app.segmented_control(key="combine.prune_mode").value,
        "sparsity": slider(app, "Target sparsity").value,
        "scope": app.radio(key="combine.prune_scope").value,
        "binarize": slider(app, "Binarization threshold").value,
        "per_channel": app.toggle(key="combine.per_channel").value,
        "layers": list(app.multiselect(key="combine.layers.mlp").value),
    }


def test_a_link_sets_the_widgets_and_the_address_keeps_them():
    app = open_link(
        COMBINE,
        {"model": "mlp", "prune_sparsity": "0.8", "prune_scope": "global", "binarize": "0.7",
         "per_channel": "1", "layers": "fc1,fc2"},
    )  # fmt: skip
    assert not problems(app)
    assert combine_widgets(app) == {
        "mode": "sparsity",
        "sparsity": 80,
        "scope": "global",
        "binarize": pytest.approx(0.7),
        "per_channel": True,
        "layers": ["fc1", "fc2"],
    }
    assert app.query_params["prune_sparsity"] == "0.8"
    assert app.query_params["layers"] == "fc1,fc2"


def test_round_trip_change_reload_same_settings_and_same_numbers():
    app = open_link(COMBINE, {"model": "mlp", "prune_sparsity": "0.5"})
    slider(app, "Target sparsity").set_value(90).run()
    slider(app, "Binarization threshold").set_value(0.35).run()
    assert not problems(app)
    params = dict(app.query_params)
    assert params["prune_sparsity"] == "0.9"
    assert float(params["binarize"]) == pytest.approx(0.35)
    reopened = open_link(COMBINE, params)
    assert not problems(reopened)
    assert combine_widgets(reopened) == combine_widgets(app)
    assert metrics(reopened)["Test accuracy"] == metrics(app)["Test accuracy"]
    assert exact_size(reopened) == exact_size(app)


def test_a_threshold_link_opens_the_prune_page_in_threshold_mode():
    app = open_link("pages/3_Prune.py", {"prune_threshold": "0.05"})
    assert not problems(app)
    assert app.segmented_control(key="prune.prune_mode").value == "threshold"
    assert slider(app, "Pruning threshold").value == pytest.approx(0.05)
    assert app.query_params["prune_threshold"] == "0.05"


def test_a_bad_link_falls_back_to_defaults_with_a_note_not_an_error():
    app = open_link(
        COMBINE,
        {"model": "resnet", "prune_sparsity": "lots", "binarize": "-3", "layers": "fc9"},
    )
    assert not problems(app)
    note = " ".join(info.value for info in app.info)
    for bad in ("model='resnet'", "prune_sparsity='lots'", "binarize='-3'", "layers='fc9'"):
        assert bad in note
    assert app.query_params["model"] == "mlp"
    assert app.query_params["layers"] == "all"


def test_a_link_beyond_the_slider_range_is_clamped_with_a_note():
    app = open_link(COMBINE, {"binarize": "4", "prune_sparsity": "0.999"})
    assert not problems(app)
    assert slider(app, "Binarization threshold").value == pytest.approx(2.5)
    assert slider(app, "Target sparsity").value == 98
    note = " ".join(info.value for info in app.info)
    assert "binarize 4 is outside" in note and "prune_sparsity 0.999 is outside" in note
    assert "using t = 2.5" in note and "using 98%" in note and "100" not in note


def notice(app: AppTest) -> str:
    return " ".join(info.value for info in app.info)


def test_an_unreadable_threshold_names_the_threshold_the_slider_shows():
    app = open_link(PRUNE, {"prune_threshold": "abc"})
    assert not problems(app)
    assert app.segmented_control(key="prune.prune_mode").value == "threshold"
    threshold = slider(app, "Pruning threshold")
    note = notice(app)
    assert "prune_threshold='abc'" in note and "off" not in note
    assert f"needs a number from 0 to {threshold.max:g})" in note  # the slider's range
    assert f"using T = {threshold.value:.3f}" in note  # as the slider shows it
    assert float(app.query_params["prune_threshold"]) == pytest.approx(threshold.value)


def test_a_number_above_the_slider_names_the_sliders_range_and_the_value_used():
    app = open_link("pages/2_Binarize.py", {"binarize": "5"})
    assert not problems(app)
    assert slider(app, "Binarization threshold").value == pytest.approx(2.5)
    note = notice(app)
    assert "binarize 5 is outside the slider's range (0 to 2.5); using t = 2.5" in note
    assert "10" not in note  # the settings' wider range is not the slider's
    assert float(app.query_params["binarize"]) == pytest.approx(2.5)


def test_a_share_between_whole_percents_is_rounded_as_the_slider_rounds_it():
    app = open_link(COMBINE, {"prune_sparsity": "0.555", "binarize": "zzz"})
    assert not problems(app)
    sparsity = slider(app, "Target sparsity").value
    binarize = slider(app, "Binarization threshold").value
    note = notice(app)
    assert sparsity == 56
    assert "prune_sparsity 0.555 falls between the slider's whole percents; using 56%" in note
    assert "binarize='zzz' (needs a number from 0 to 2.5); using t = 0" in note
    assert binarize == 0 and app.query_params["prune_sparsity"] == "0.56"


def test_a_page_without_the_slider_says_the_number_is_not_used_there():
    app = open_link("pages/6_Learn.py", {"binarize": "2", "prune_threshold": "abc"})
    assert not problems(app)
    note = notice(app)
    assert "prune_threshold='abc'" in note and "not used on this page" in note
    assert "binarize" not in note  # Learn computes on t = 2 as given: nothing to correct
    assert app.query_params["binarize"] == "2.0"


def test_the_share_box_holds_the_query_string_of_the_settings_on_screen():
    app = open_link(COMBINE, {"prune_sparsity": "0.6"})
    shown = " ".join(code.value for code in app.code)
    assert "prune_sparsity=0.6" in shown and "model=mlp" in shown


HOSTILE_LINK = {
    "model": "<img src=x onerror=alert(1)>",
    "prune_scope": "![logo](https://example.com/logo.png)",
    "layers": "fc1,[Session expired - log in](https://example.com)",
}


def unescaped(markdown: str) -> set[str]:
    """Link, image and HTML characters of ``markdown`` that no backslash escapes."""
    return set(re.sub(r"\\.", "", markdown)) & set("[]<>")


@pytest.mark.parametrize(
    "page", [None, "pages/3_Prune.py", COMBINE, "pages/5_What_if.py", "pages/6_Learn.py"]
)
def test_a_link_cannot_put_links_or_images_into_the_pages_notice(page):
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.query_params.update(HOSTILE_LINK)
    app = app.run() if page is None else app.switch_page(page).run()
    assert not problems(app)
    notice = " ".join(info.value for info in app.info)
    assert "\\[Session expired - log in\\](https:\u2060//exam…" in notice  # as typed, cut short
    assert r"!\[logo\]" in notice and r"\<img src=x onerror=alert(1)\>" in notice
    assert unescaped(notice) == set() and "https://" not in notice  # no autolink either


def test_a_100_kb_link_value_gives_a_short_notice():
    app = open_link(COMBINE, {"layers": "[x](https://example.com)" * 4_000, "seed": "9" * 100_000})
    assert not problems(app)
    notice = " ".join(info.value for info in app.info)
    assert "…" in notice and len(notice) < 600
    assert unescaped(notice) == set()
