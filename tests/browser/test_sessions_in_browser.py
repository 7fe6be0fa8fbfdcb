"""Several people at once on one server: each sees their own numbers; the baseline stays."""

from __future__ import annotations

from test_sliders_in_browser import PRUNE, PRUNE_SLIDER, assert_shows, expected

from bench import live_app
from compression.settings import CompressionSettings


def test_three_sessions_moving_their_sliders_at_once_each_see_their_own_numbers(
    server, new_tab, shipped_mlp, test_digits
):
    tabs = [new_tab() for _ in range(3)]
    for tab in tabs:
        live_app.open_page(tab, server, PRUNE)
    baseline = live_app.metrics(tabs[0], sidebar=True)
    default_cut = live_app.slider_value(tabs[0], PRUNE_SLIDER)
    for round_number in range(2):
        befores = [live_app.metrics(tab) for tab in tabs]
        for steps, tab in zip((3, 9, 27), tabs, strict=True):  # all three before any answer
            key = "ArrowRight" if round_number == 0 else "ArrowLeft"
            live_app.press_slider(tab, PRUNE_SLIDER, key, steps if round_number == 0 else 1)
        for tab, before in zip(tabs, befores, strict=True):
            live_app.wait_for_change(tab, before, timeout=180)
            live_app.settle(tab)
        cuts = [live_app.slider_value(tab, PRUNE_SLIDER) for tab in tabs]
        assert len(set(cuts)) == 3, "each session kept its own slider"
        for tab, cut in zip(tabs, cuts, strict=True):
            wanted = expected(shipped_mlp, CompressionSettings(prune_threshold=cut), test_digits)
            assert_shows(live_app.metrics(tab), wanted)
            assert live_app.exceptions(tab) == []
    fresh = new_tab()
    live_app.open_page(fresh, server, PRUNE)
    assert live_app.metrics(fresh, sidebar=True) == baseline, "the shared baseline is unchanged"
    assert live_app.slider_value(fresh, PRUNE_SLIDER) == default_cut, "a new person: the default"
