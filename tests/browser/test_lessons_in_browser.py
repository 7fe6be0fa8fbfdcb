"""A lesson link in a real Chromium: it opens its page, asks, reveals, and moves on."""

from __future__ import annotations

import base64
import json
import zlib

from bench import live_app

PANEL = ".st-key-lesson_panel"
SPARSITY = "Target sparsity"


def test_a_lesson_link_walks_through_its_steps(server, tab):
    tab.goto(live_app.page_url(server, None) + "?lesson=zero-cost")
    tab.locator(PANEL).wait_for(timeout=180_000)
    live_app.settle(tab)
    assert live_app.exceptions(tab) == []
    assert tab.url.split("?")[0].endswith("/Prune")  # the step's page, opened for it
    panel = tab.locator(PANEL)
    assert "Lesson: What does a zero cost? · step 1 of 3" in panel.inner_text()
    main = tab.locator("[data-testid='stMain']")
    # of the pruning controls only the sparsity slider: no |W| slider, no scope buttons
    assert main.locator("[data-testid='stSlider']", has_text=SPARSITY).count() == 1
    assert main.locator("[data-testid='stSlider']", has_text="threshold").count() == 0
    assert main.locator("[data-testid='stRadio']").count() == 0
    assert live_app.slider_value(tab, SPARSITY) == 50

    reveal = panel.get_by_role("button", name="Reveal the measured number")
    assert reveal.is_disabled()  # a prediction first
    field = panel.locator("[data-testid='stNumberInput'] input")
    field.fill("500")
    field.press("Enter")
    live_app.wait_until(lambda: reveal.is_enabled(), 60, "the reveal button to wake up")
    reveal.click()
    answer = panel.locator("[data-testid='stAlert']", has_text="You said 500.0 KB")
    answer.wait_for(timeout=120_000)
    size = live_app.metrics(tab)["Compressed size"]  # "567.3 KB"
    assert f"measured: {size}" in answer.inner_text()

    panel.get_by_role("button", name="Next").click()
    live_app.wait_until(
        lambda: "step 2 of 3" in panel.inner_text() and not live_app.is_running(tab),
        120,
        "step 2",
    )
    live_app.settle(tab)
    assert live_app.slider_value(tab, SPARSITY) == 90
    assert panel.locator("[data-testid='stAlert']").count() == 0  # a new question, unanswered
    assert live_app.exceptions(tab) == []


def test_a_hostile_lesson_link_shows_its_names_as_plain_text(server, tab):
    payload = {
        "v": 1,
        "t": "**Bold** [title](https://example.com)",
        "s": [{"x": "![logo](https://example.com/l.png) :red[x] $x^2$", "p": "Prune",
               "show": ["prune_sparsity", "[log in](https://example.com)"]}],
    }  # fmt: skip
    text = "1." + base64.urlsafe_b64encode(zlib.compress(json.dumps(payload).encode())).decode()
    tab.goto(live_app.page_url(server, "pages/3_Prune.py") + "?lesson=" + text.rstrip("="))
    tab.locator(PANEL).wait_for(timeout=180_000)
    live_app.settle(tab)
    notice = tab.locator("[data-testid='stAlert']", has_text="Part of this lesson")
    panel = tab.locator(PANEL)
    for shown in (notice, panel):
        for drawn in ("a", "img", ".katex"):
            assert shown.locator(drawn).count() == 0, f"{drawn} drawn"
    assert notice.locator("strong").count() == 0
    # the app's own bold heading holds the title as typed, not bolded again
    heading = panel.locator("strong")
    assert heading.count() == 1
    assert heading.inner_text().replace("\u2060", "").startswith("Lesson: **Bold** [title](")
    assert "no control is called [log in](https://example.com)" in notice.inner_text().replace(
        "\u2060", ""
    )
    panel_text = panel.inner_text().replace("\u2060", "")
    assert "Lesson: **Bold** [title](https://example.com)" in panel_text
    assert "![logo](https://example.com/l.png) :red[x] $x^2$" in panel_text
