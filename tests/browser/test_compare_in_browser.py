"""The Compare page in a real Chromium: pin A on Prune, move the cut, open Compare with A."""

from __future__ import annotations

from bench import live_app


def test_pin_a_move_the_cut_and_compare_draws_both(server, tab):
    live_app.open_page(tab, server, "pages/3_Prune.py")
    tab.get_by_role("button", name="Pin as A").click()
    live_app.settle(tab)
    live_app.click_slider(tab, "Pruning threshold", 0.7)
    live_app.settle(tab)
    tab.get_by_role("link", name="Compare with A").click()
    live_app.settle(tab)
    assert live_app.exceptions(tab) == []
    main = tab.locator("[data-testid='stMain']")
    assert "A (the Prune page): prune |W| ≤" in main.inner_text()
    table = main.locator("[data-testid='stDataFrame']").first
    assert table.is_visible()
    charts = main.locator(live_app.CHART)
    live_app.wait_until(lambda: charts.count() >= 5, 60, "the five charts")
    drawn = " ".join(chart.text_content() for chart in charts.all())
    for title in ("weights kept by A and by B", "keep different weights", "Accuracy per class"):
        assert title in drawn
    # the address holds both settings, so reloading it opens the same comparison
    assert "a=" in tab.url and "b=" in tab.url
    tab.reload()
    live_app.settle(tab)
    assert "A (link A)" in tab.locator("[data-testid='stMain']").inner_text()
