"""The Huffman-code toggle: in the sidebar of every compress page (from the encoding's
description), counted in the size shown, in the downloaded file and in the link."""

from __future__ import annotations

import pytest
from app_driver import exact_size, number, open_app, problems, slider
from shared_data import mnist_test_set, shipped_mlp_checkpoint

from compression.files.compact_format import load_compact
from compression.measure import measure
from compression.settings import CompressionSettings
from ui.downloads import download_files, download_offers
from ui.state.baselines import Baseline

PAGE = "pages/3_Share_weights.py"
LABEL = "Huffman-code"


def _toggle(app):
    return next(toggle for toggle in app.sidebar.toggle if toggle.label == LABEL)


def _measured(**settings):
    checkpoint = shipped_mlp_checkpoint()
    return measure("mlp", checkpoint.state, CompressionSettings(**settings), *mnist_test_set())


def test_the_toggle_shrinks_the_size_shown_to_the_engine_s_and_enters_the_link():
    app = open_app(PAGE)
    slider(app, "Shared values per layer K").set_value(4).run()
    assert not _toggle(app).value
    before = exact_size(app)
    assert before == _measured(share_weights=4).size_bytes
    _toggle(app).set_value(True).run()
    assert not problems(app)
    after = exact_size(app)
    assert after == _measured(share_weights=4, huffman=True).size_bytes < before
    assert app.query_params["huffman"] == "1"
    compact = next(b for b in app.get("download_button") if "compressed" in b.label)
    assert f"({after:,} bytes)" in compact.proto.help


@pytest.mark.parametrize("page", ["pages/2_Binarize.py", "pages/3_Prune.py", "pages/4_Combine.py"])
def test_every_compress_page_has_the_toggle_in_its_sidebar(page):
    app = open_app(page)
    assert not problems(app)
    assert not _toggle(app).value
    assert all(toggle.label != LABEL for toggle in app.main.get("toggle"))


def test_a_link_with_huffman_opens_the_page_with_the_toggle_on():
    app = open_app()
    app.query_params["shared"] = "8"
    app.query_params["huffman"] = "1"
    app.switch_page(PAGE).run()
    assert not problems(app)
    assert _toggle(app).value


def test_the_downloaded_file_is_huffman_coded_and_its_label_exact(tiny_mlp_state, small_test):
    baseline = Baseline(
        key="test:mlp", model_name="mlp", state=tiny_mlp_state, dataset="mnist", title="test"
    )
    settings = CompressionSettings(prune_sparsity=0.9, share_weights=8, huffman=True)
    measured = measure("mlp", tiny_mlp_state, settings, *small_test)
    offers = download_offers(baseline, measured)
    compact = download_files(baseline, measured)[0]
    assert offers[0].size_bytes == len(compact.payload)
    loaded = load_compact(compact.payload)
    assert loaded.metadata["format_version"] == 2
    assert len(compact.payload) == loaded.metadata["header_bytes"] + measured.size_bytes
    assert number(offers[0].help) == len(compact.payload)
