"""The download buttons: each label states the size of the file the button gives."""

from __future__ import annotations

import io

import pytest
import torch
from app_driver import exact_size, number, open_app, problems, slider

from compression.compress import compress
from compression.files.compact_format import load_compact
from compression.measure import measure
from compression.models import layer_names_for
from compression.settings import CompressionSettings
from compression.size import size_summary, size_table
from ui.downloads import download_files, download_offers
from ui.state.baselines import Baseline

SETTINGS = [
    CompressionSettings(),
    CompressionSettings(binarize_threshold=0.7),
    CompressionSettings(prune_sparsity=0.9, binarize_threshold=0.0, per_channel=True),
    CompressionSettings(prune_threshold=0.05, layers=("fc1",)),
]


@pytest.fixture(scope="module")
def mlp_baseline(tiny_mlp_state):
    return Baseline(
        key="test:mlp", model_name="mlp", state=tiny_mlp_state, dataset="mnist", title="test MLP"
    )


def label_kilobytes(label: str) -> float:
    """``"Download … (.cxm, 1,066.5 KB)"`` -> 1066.5."""
    return number(label.rsplit(", ", 1)[1])


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: str(s.to_dict()))
def test_each_label_states_the_exact_size_of_its_file(mlp_baseline, small_test, settings):
    measured = measure("mlp", mlp_baseline.state, settings, *small_test)
    offers = download_offers(mlp_baseline, measured)
    files = download_files(mlp_baseline, measured)
    for offer, file in zip(offers, files, strict=True):
        assert offer.size_bytes == len(file.payload)
        assert offer.file_name == file.file_name
        assert f"{len(file.payload):,} bytes" in offer.help
        assert label_kilobytes(offer.label) == pytest.approx(len(file.payload) / 1000, abs=0.05)


def test_compact_file_is_the_compressed_size_plus_only_its_header(mlp_baseline, small_test):
    settings = CompressionSettings(prune_sparsity=0.8, binarize_threshold=0.5)
    measured = measure("mlp", mlp_baseline.state, settings, *small_test)
    compact, _ = download_files(mlp_baseline, measured)
    recounted = size_summary(
        size_table(
            compress(mlp_baseline.state, mlp_baseline.layers, settings).state,
            layer_names_for("mlp"),
        )
    )["size_bytes"]["compressed"]
    header = load_compact(compact.payload).metadata["header_bytes"]
    assert measured.size_bytes == recounted
    assert len(compact.payload) == recounted + header
    assert header < 200


def test_downloaded_files_hold_the_compressed_weights(mlp_baseline, small_test):
    settings = CompressionSettings(prune_sparsity=0.7, binarize_threshold=0.7)
    measured = measure("mlp", mlp_baseline.state, settings, *small_test)
    expected = compress(mlp_baseline.state, mlp_baseline.layers, settings).state
    compact, dense = download_files(mlp_baseline, measured)
    from_compact = load_compact(compact.payload)
    from_dense = torch.load(io.BytesIO(dense.payload), weights_only=True)
    assert from_compact.metadata["compression"] == settings.validated(mlp_baseline.layers).to_dict()
    assert from_dense["metadata"]["compression"] == measured.settings.to_dict()
    for key, tensor in expected.items():
        assert torch.equal(from_dense["state_dict"][key], tensor)
        torch.testing.assert_close(from_compact.state[key], tensor, rtol=1e-6, atol=1e-7)


def _downloads(app) -> dict[str, object]:
    return {button.label.split(" (")[0]: button for button in app.get("download_button")}


def test_combine_page_offers_both_files_labelled_with_the_shown_size():
    app = open_app("pages/4_Combine.py")
    slider(app, "Binarization threshold").set_value(0.7).run()
    assert not problems(app)
    buttons = _downloads(app)
    assert set(buttons) == {"Download compressed model", "Download float32 checkpoint"}
    compact_help = buttons["Download compressed model"].proto.help
    file_bytes = int(number(compact_help))
    accounted = exact_size(app)
    assert f"({accounted:,} bytes)" in compact_help
    assert 0 < file_bytes - accounted < 200
    assert label_kilobytes(buttons["Download compressed model"].label) == pytest.approx(
        file_bytes / 1000, abs=0.05
    )
    dense_bytes = int(number(buttons["Download float32 checkpoint"].proto.help))
    assert dense_bytes > 266_610 * 4  # every float32 weight and bias, plus the zip's records


@pytest.mark.parametrize("page", ["pages/2_Binarize.py", "pages/3_Prune.py"])
def test_binarize_and_prune_pages_offer_both_files(page):
    app = open_app(page)
    assert not problems(app)
    assert set(_downloads(app)) == {"Download compressed model", "Download float32 checkpoint"}
