"""The layout in a real browser: one screen on a laptop, readable charts on a phone.

At 1400 × 900 a compress page shows its sliders, its headline metrics and the weight
histograms together, before any scrolling. At 390 × 844 (a phone) no two chart titles,
axis titles, tick labels or chart labels overlap, and Plotly's toolbar covers none of them;
every tab is opened so the charts inside are drawn and checked too.
"""

from __future__ import annotations

import pytest

from bench import live_app
from compression.methods import METHODS

# each compress page and the methods it has sliders for
PAGE_METHODS = {
    "pages/2_Binarize.py": ("binarize",),
    "pages/3_Prune.py": ("prune",),
    "pages/4_Combine.py": ("prune", "binarize"),
}
COMPRESS_PAGES = list(PAGE_METHODS)
LAPTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
# the y-axis title of the weight histograms
HISTOGRAM_AXIS = "weights per bin"

# Boxes of what a chart writes ({chart, kind, text, x, y, width, height}), read from
# Plotly's SVG; zero-sized boxes belong to charts that are not on screen.
CHART_TEXTS = """() => {
    const found = [];
    const charts = document.querySelectorAll(
        "[data-testid='stMain'] [data-testid='stPlotlyChart']");
    charts.forEach((chart, index) => {
        // the chart title (gtitle), axis titles (xtitle, x2title, ytitle...), tick labels,
        // labels drawn on the chart (annotations: subplot titles, notes, captions)
        const selector = "text[class$='title'], g.xtick > text, g.ytick > text, .annotation-text";
        for (const node of chart.querySelectorAll(selector)) {
            const box = node.getBoundingClientRect();
            if (box.width === 0 || box.height === 0 || !node.textContent.trim()) continue;
            found.push({chart: index, kind: node.getAttribute("class"), text: node.textContent,
                        x: box.x, y: box.y, width: box.width, height: box.height});
        }
        const bar = chart.querySelector(".modebar");
        if (bar) {
            const box = bar.getBoundingClientRect();
            if (box.width > 0 && box.height > 0)
                found.push({chart: index, kind: "modebar", text: "", x: box.x, y: box.y,
                            width: box.width, height: box.height});
        }
    });
    return found;
}"""


@pytest.fixture
def sized_tab(browser):
    """A factory of fresh tabs with a given window size; all closed after the test."""
    contexts = []

    def open_tab(viewport: dict[str, int]):
        context = browser.new_context(viewport=viewport)
        context.set_default_timeout(120_000)
        contexts.append(context)
        return context.new_page()

    yield open_tab
    for context in contexts:
        context.close()


def inside(box: dict, viewport: dict[str, int]) -> bool:
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
        and box["y"] + box["height"] <= viewport["height"]
    )


def overlap(a: dict, b: dict, slack: float = 1.0) -> bool:
    """The two boxes share more than a ``slack``-pixel strip."""
    wide = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
    tall = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
    return wide > slack and tall > slack


def collisions(texts: list[dict]) -> list[str]:
    """Pairs of overlapping texts, and texts under a toolbar, each as one readable line."""
    found = []
    for index, first in enumerate(texts):
        for second in texts[index + 1 :]:
            if "modebar" in (first["kind"], second["kind"]) and first["chart"] != second["chart"]:
                continue  # a toolbar only covers its own chart
            if overlap(first, second):
                found.append(
                    f"{first['kind']} {first['text']!r} overlaps {second['kind']} "
                    f"{second['text']!r} (chart {first['chart']} / {second['chart']})"
                )
    return found


def assert_first_screen(tab, methods: tuple[str, ...]) -> None:
    """The methods' sliders, the metrics and every layer's histogram fit the laptop screen."""
    assert tab.evaluate("() => window.scrollY") == 0
    main = tab.locator("[data-testid='stMain']")
    labels = [
        control.label
        for name in methods
        for control in METHODS[name].controls
        if control.kind == "number"
    ]
    sliders = [  # the methods' sliders (retraining's come further down)
        slider
        for slider in main.locator("[data-testid='stSlider']").all()
        if any(label in slider.inner_text() for label in labels)
    ]
    metrics = main.locator(live_app.METRIC).all()
    histograms = main.locator(live_app.CHART, has_text=HISTOGRAM_AXIS).all()
    assert len(sliders) >= len(methods), "a slider per method"
    assert len(metrics) >= 4, "the page shows its headline metrics"
    assert histograms, "the page shows its weight histograms"
    drawn = " ".join(histogram.text_content() for histogram in histograms)
    assert all(layer in drawn for layer in ("fc1", "fc2", "fc3")), "every layer's histogram"
    for what, elements in (("slider", sliders), ("metric", metrics), ("histogram", histograms)):
        for element in elements:
            box = element.bounding_box()
            assert box is not None and inside(box, LAPTOP), (
                f"a {what} is not on the first screen: {box} in {LAPTOP}"
            )


@pytest.mark.parametrize("page_file", COMPRESS_PAGES)
def test_a_laptop_screen_shows_sliders_metrics_and_histograms_without_scrolling(
    server, sized_tab, page_file
):
    tab = sized_tab(LAPTOP)
    live_app.open_page(tab, server, page_file)
    assert_first_screen(tab, PAGE_METHODS[page_file])


@pytest.mark.parametrize(
    ("link", "method"), [("bits=4&binarize=off", "quantize"), ("shared=16&binarize=off", "share")]
)
def test_combine_fits_the_laptop_screen_with_every_values_method(server, sized_tab, link, method):
    tab = sized_tab(LAPTOP)
    tab.goto(f"{live_app.page_url(server, 'pages/4_Combine.py')}?{link}")
    live_app.settle(tab)
    assert_first_screen(tab, ("prune", method))


def tab_count(tab) -> int:
    return tab.locator("[data-testid='stMain'] [role='tab']").count()


def show_tab(tab, index: int) -> None:
    """Click the ``index``-th tab of the main area; its charts are drawn once it shows."""
    tab.locator("[data-testid='stMain'] [role='tab']").nth(index).click()
    live_app.settle(tab)


@pytest.mark.parametrize(
    "page_file", [None, *COMPRESS_PAGES], ids=["home", "binarize", "prune", "combine"]
)
def test_on_a_phone_no_chart_text_overlaps_another_or_sits_under_the_toolbar(
    server, sized_tab, page_file
):
    tab = sized_tab(PHONE)
    live_app.open_page(tab, server, page_file)
    texts = tab.evaluate(CHART_TEXTS)
    found = collisions(texts)
    for index in range(tab_count(tab)):
        show_tab(tab, index)
        shown = tab.evaluate(CHART_TEXTS)
        found += collisions(shown)
        texts += shown
    assert any(text["kind"] == "modebar" for text in texts), "the toolbars were found"
    assert sum(text["kind"] != "modebar" for text in texts) >= 3, "chart texts were found"
    assert not found, "\n".join(dict.fromkeys(found))
