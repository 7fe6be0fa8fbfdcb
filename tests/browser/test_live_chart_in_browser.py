"""The live loss/accuracy chart of a training run stays on screen while it is redrawn."""

from __future__ import annotations

from bench import live_app

TRAIN = "pages/1_Train.py"
# Watches the page, every 20 ms and on every change of the page, while a progress bar is shown
# (the run is going on): how many different live charts were drawn (a Plotly plot in a chart
# titled "(live)"), how often none was seen after the first (visible, its curves drawn), and
# how often two were seen in different places (the page jumping). While a new drawing replaces
# the last one both may be there for a moment, laid one over the other: that is not a jump.
WATCH_LIVE_CHART = """() => {
    const seen = new WeakSet();
    window.liveChart = {looks: 0, drawings: 0, gaps: 0, mostSeen: 0, apart: 0, drawn: false};
    const look = () => {
        if (!document.querySelector("[data-testid='stProgress']")) return;
        const plots = [...document.querySelectorAll(
            "[data-testid='stPlotlyChart'] .js-plotly-plot")]
            .filter(plot => plot.textContent.includes("(live)"));
        window.liveChart.looks += 1;
        for (const plot of plots) {
            if (!seen.has(plot)) { seen.add(plot); window.liveChart.drawings += 1; }
        }
        const shown = plots.filter(plot => getComputedStyle(plot).visibility === "visible"
            && plot.getBoundingClientRect().height > 0
            && plot.querySelector(".scatterlayer .trace"));
        const seenNow = shown.length;
        const tops = shown.map(plot => plot.getBoundingClientRect().top);
        if (tops.length > 1 && Math.max(...tops) - Math.min(...tops) > 5) {
            window.liveChart.apart += 1;
        }
        window.liveChart.mostSeen = Math.max(window.liveChart.mostSeen, seenNow);
        if (seenNow > 0) window.liveChart.drawn = true;
        else if (window.liveChart.drawn) window.liveChart.gaps += 1;
    };
    new MutationObserver(look).observe(document.body,
        {childList: true, subtree: true, attributes: true, characterData: true});
    window.setInterval(look, 20);
}"""


def test_the_live_chart_never_disappears_while_it_is_redrawn(server, tab):
    live_app.open_page(tab, server, TRAIN)
    # 3 epochs: each epoch's end redraws the chart, so a fast machine still sees 3 drawings
    live_app.press_slider(tab, "Epochs", "Home")
    live_app.press_slider(tab, "Epochs", "ArrowRight", 2)
    live_app.wait_until(lambda: live_app.slider_value(tab, "Epochs") == 3, 30, "3 epochs")
    live_app.settle(tab)
    tab.get_by_text("Advanced").click()
    live_app.press_slider(tab, "Training images", "Home")  # 2,000 images
    tab.get_by_text("2,000").first.wait_for()
    live_app.settle(tab)
    live_app.press_slider(tab, "Batch size", "Home")  # batches of 32: more steps to redraw
    live_app.settle(tab)
    tab.evaluate(WATCH_LIVE_CHART)
    tab.get_by_test_id("stMainBlockContainer").get_by_role(
        "button", name="Train", exact=True
    ).click()
    tab.get_by_text("It is now your baseline").wait_for(timeout=300_000)
    live_app.settle(tab)
    assert live_app.exceptions(tab) == []
    watched = tab.evaluate("window.liveChart")
    assert watched["drawings"] >= 3, f"the chart was redrawn during training: {watched}"
    # a look on every change of the page, and every 20 ms when the machine lets the timer run
    assert watched["looks"] > 3 * watched["drawings"], f"looked often enough: {watched}"
    assert watched["gaps"] == 0, f"the live chart disappeared while redrawn: {watched}"
    assert watched["apart"] == 0, f"two live charts were seen one below the other: {watched}"


def test_the_live_rounds_chart_never_disappears_while_rounds_finish(server, tab):
    live_app.open_page(tab, server, "pages/8_Iterative_pruning.py")
    tab.evaluate(WATCH_LIVE_CHART)
    tab.get_by_test_id("stMainBlockContainer").get_by_role(
        "button", name="Run 4 rounds", exact=True
    ).click()
    tab.get_by_text("Accuracy after the last round").wait_for(timeout=300_000)
    live_app.settle(tab)
    assert live_app.exceptions(tab) == []
    watched = tab.evaluate("window.liveChart")
    # round 0 and each of the 4 rounds redraw the chart as they finish; a loaded machine may
    # paint two quick redraws as one, so at least 3 drawings are seen
    assert watched["drawings"] >= 3, f"the chart was redrawn round by round: {watched}"
    assert watched["gaps"] == 0, f"the live chart disappeared while redrawn: {watched}"
    assert watched["apart"] == 0, f"two live charts were seen one below the other: {watched}"
