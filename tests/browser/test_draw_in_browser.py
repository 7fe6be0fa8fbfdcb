"""The Draw page in a real Chromium: strokes drawn with the mouse reach both models."""

from __future__ import annotations

import numpy as np
from app_driver import chart_array

from bench import live_app
from ui.draw import EMPTY_PROMPT

DRAW = "pages/7_Draw.py"
CANVAS = "canvas.ink"  # inside the component's shadow root (Playwright's CSS pierces it)
# Plotly keeps a chart's data on its graph div: the input picture's z, both models' bars.
READ_CHARTS = """() => {
  const charts = [...document.querySelectorAll("[data-testid='stPlotlyChart'] .js-plotly-plot")];
  const heatmap = charts.map(c => c.data).find(d => d && d[0].type === "heatmap");
  const bars = charts.map(c => c.data).find(d => d && d[0].type === "bar");
  return {
    input: heatmap ? heatmap[0].z : null,
    bars: bars ? bars.map(b => ({name: b.name, y: b.y})) : null,
  };
}"""
# How far the page is scrolled: Streamlit scrolls its main section, not the window.
SCROLLED = """() => [window.scrollY,
  document.querySelector("[data-testid='stMain']").scrollTop,
  document.querySelector("[data-testid='stAppViewContainer']")?.scrollTop ?? 0]"""
INK_ON_CANVAS = """canvas => {
  const alpha = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0;
  for (let i = 3; i < alpha.length; i += 4) ink += alpha[i] > 0;
  return ink;
}"""


def stroke(tab, points: list[tuple[float, float]]) -> None:
    """Press the mouse at the first point (fractions of the canvas), move through the rest,
    release: one stroke."""
    box = tab.locator(CANVAS).bounding_box()
    at = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in points]
    tab.mouse.move(*at[0])
    tab.mouse.down()
    for point in at[1:]:
        tab.mouse.move(*point, steps=8)
    tab.mouse.up()


def wait_for_charts(tab, before: dict | None = None) -> dict:
    """The 28 x 28 input and {model: probabilities} once drawn and different from ``before``
    (the browser's raw chart data)."""

    def shown():
        charts = tab.evaluate(READ_CHARTS)
        ready = charts["input"] is not None and charts["bars"] is not None
        return ready and charts != before and not live_app.is_running(tab)

    live_app.wait_until(shown, 120, "the drawing's charts")
    live_app.settle(tab)
    charts = tab.evaluate(READ_CHARTS)
    return {
        "input": chart_array(charts["input"]).numpy(),
        "bars": {bar["name"]: chart_array(bar["y"]).numpy() for bar in charts["bars"]},
    }


def ink_box(image: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero((image > 0.05).any(axis=1))
    cols = np.flatnonzero((image > 0.05).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def test_a_stroke_drawn_with_the_mouse_is_read_by_both_models(server, tab):
    live_app.open_page(tab, server, DRAW)
    assert live_app.exceptions(tab) == []
    assert tab.get_by_text(EMPTY_PROMPT).count() == 1
    assert tab.locator(live_app.CHART).count() == 0

    stroke(tab, [(0.5, 0.15), (0.52, 0.5), (0.5, 0.85)])  # a tall line: a one
    first = wait_for_charts(tab)
    image = first["input"]
    assert image.shape == (28, 28) and image.min() >= 0 and image.max() <= 1
    height, width = ink_box(image)
    assert height == 20 and width <= 6  # tall and thin, scaled into the 20-pixel box
    assert list(first["bars"]) == ["baseline", "compressed"]
    for shares in first["bars"].values():
        assert len(shares) == 10 and abs(shares.sum() - 1) < 1e-4
    assert tab.locator(CANVAS).evaluate(INK_ON_CANVAS) > 0  # the rerun kept the stroke

    shown_first = tab.evaluate(READ_CHARTS)
    stroke(tab, [(0.2, 0.15), (0.5, 0.15)])  # a bar on top: now the ink is wider
    second = wait_for_charts(tab, shown_first)
    assert ink_box(second["input"])[1] > width + 4
    assert not np.allclose(second["bars"]["baseline"], first["bars"]["baseline"])
    assert live_app.exceptions(tab) == []

    tab.locator("button.clear").click()
    live_app.wait_until(
        lambda: tab.get_by_text(EMPTY_PROMPT).count() == 1 and not live_app.is_running(tab),
        120,
        "the prompt after Clear",
    )
    assert tab.locator(live_app.CHART).count() == 0
    assert tab.locator(CANVAS).evaluate(INK_ON_CANVAS) == 0


def test_a_finger_draws_on_a_touch_screen(server, browser):
    """Touch events (as a phone or tablet sends them) draw too, and do not scroll the page."""
    context = browser.new_context(
        viewport={"width": 800, "height": 600}, has_touch=True, is_mobile=True
    )
    context.set_default_timeout(120_000)
    try:
        tab = context.new_page()
        live_app.open_page(tab, server, DRAW)
        canvas = tab.locator(CANVAS)
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        scrolled = tab.evaluate(SCROLLED)
        touch = context.new_cdp_session(tab)
        points = [(box["x"] + box["width"] / 2, box["y"] + box["height"] * f)
                  for f in (0.15, 0.3, 0.45, 0.6, 0.75, 0.85)]  # fmt: skip
        for kind, (x, y) in zip(
            ["touchStart"] + ["touchMove"] * (len(points) - 1), points, strict=True
        ):
            touch.send(
                "Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]}
            )
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        shown = wait_for_charts(tab)
        height, width = ink_box(shown["input"])
        assert height == 20 and width <= 6  # the finger's whole line, not a dot
        assert tab.evaluate(SCROLLED) == scrolled  # drawing did not scroll the page
        assert live_app.exceptions(tab) == []
    finally:
        context.close()
