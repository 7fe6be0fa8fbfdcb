"""Every page, opened in a real Chromium as a person would: what is on screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import live_app
from ui import format as fmt
from ui.navigation import page_files

# The home page (None) and every page file: a new page is tested without editing this file.
ALL_PAGES = [None, *(path for path, _ in page_files())]
SCREENSHOTS = live_app.ROOT / "runs" / "browser"


def page_id(page_file: str | None) -> str:
    return "home" if page_file is None else Path(page_file).stem


@pytest.mark.parametrize("page_file", ALL_PAGES, ids=page_id)
def test_every_page_renders_without_an_exception_box(server, tab, page_file, shipped_mlp):
    live_app.open_page(tab, server, page_file)
    assert live_app.exceptions(tab) == []
    assert tab.locator("[data-testid='stMain'] h1").count() >= 1, "the page shows its title"
    sidebar = live_app.metrics(tab, sidebar=True)
    assert sidebar["Baseline accuracy"] == fmt.accuracy(shipped_mlp.metadata["test_accuracy"])
    assert sidebar["Float32 size"] == "1,066.4 KB"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{page_id(page_file)}.png"), full_page=True)


def chart_titles(tab) -> list[str]:
    """The titles Plotly drew in its SVG (SVG text has no innerText: read textContent)."""
    titles = tab.locator("[data-testid='stPlotlyChart'] .gtitle")
    return titles.evaluate_all("nodes => nodes.map(node => node.textContent)")


def test_home_page_shows_the_digit_grid_and_the_model(server, tab):
    live_app.open_page(tab, server, None)
    assert "Real MNIST test images" in chart_titles(tab)
    digits = tab.locator("[data-testid='stPlotlyChart']", has_text="Real MNIST test images")
    # the 36 digits are one heatmap image in Plotly's SVG, each under its label
    assert digits.locator("svg.main-svg .hm image").count() == 1
    labels = digits.locator(".annotation-text").evaluate_all(
        "nodes => nodes.map(n => n.textContent)"
    )
    assert len(labels) == 36 and all(label in "0123456789" for label in labels)
    shown = live_app.metrics(tab)
    assert shown["Model"] == "MLP"
    assert shown["Parameters"] == "266,610"


@pytest.mark.parametrize("page_file", ["pages/2_Binarize.py", "pages/3_Prune.py"])
def test_compression_pages_draw_their_charts_as_svg(server, tab, page_file):
    live_app.open_page(tab, server, page_file)
    charts = tab.locator("[data-testid='stPlotlyChart']")
    assert charts.count() >= 5  # a histogram per layer and two bar charts (in a tab)
    for chart in charts.all():
        assert chart.locator("svg.main-svg").count() >= 1
    # the histograms' title is the line above them; each names its layer under its x axis
    assert tab.get_by_text("Real weights per layer").count() == 1
    axes = tab.locator("[data-testid='stPlotlyChart'] .xtitle").evaluate_all(
        "nodes => nodes.map(node => node.textContent)"
    )
    for layer, weights in (("fc1", 235_200), ("fc2", 30_000), ("fc3", 1_000)):
        assert f"W in {layer} ({weights:,} weights)" in axes
    shown = live_app.metrics(tab)
    for label in ("Test accuracy", "Compressed size", "Compression ratio"):
        assert shown[label], f"{label} is shown"
