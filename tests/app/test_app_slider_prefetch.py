"""After a page opens, every position of the slider in use is measured in the background,
nearest first, so a jump anywhere on it answers from the cache."""

from __future__ import annotations

import pytest
from app_driver import metrics, open_app, problems, slider

from compression.methods.binarize import BINARIZE
from ui.state import measuring
from ui.state.lookahead import slider_positions
from ui.state.measuring import SLIDER_PREFETCH_ENV

BINARIZE_SLIDER = BINARIZE.control("binarize_threshold")
BINARIZE_MAX, BINARIZE_STEP = BINARIZE_SLIDER.slider_high, BINARIZE_SLIDER.step


def test_positions_run_from_the_value_outwards_the_way_of_travel_first():
    assert slider_positions(0.3, 0.1, 0.0, 0.6) == [0.3, 0.4, 0.2, 0.5, 0.1, 0.6, 0.0]
    assert slider_positions(0.3, 0.1, 0.0, 0.6, direction=-1)[:3] == [0.3, 0.2, 0.4]


def test_positions_are_rounded_as_the_slider_s_values_are_and_include_the_top():
    positions = slider_positions(0.0, 0.001, 0.0, 0.0125)
    assert len(positions) == 14  # 0.000 ... 0.012, and the top 0.0125
    assert 0.007 in positions and 0.0125 in positions  # not 0.007000000000000001
    assert max(positions) == 0.0125 and min(positions) == 0.0


def test_the_binarize_slider_has_51_positions():
    positions = slider_positions(0.0, BINARIZE_STEP, 0.0, BINARIZE_MAX)
    assert len(positions) == 51 and positions[-1] == BINARIZE_MAX


@pytest.fixture
def whole_slider(monkeypatch, page_measurements):
    """As shipped: a slider's every position is measured in the background."""
    monkeypatch.setenv(SLIDER_PREFETCH_ENV, "1")
    return page_measurements


@pytest.mark.slow
def test_a_jump_anywhere_on_the_binarize_slider_is_answered_from_the_cache(whole_slider):
    app = open_app("pages/2_Binarize.py")
    assert measuring.prefetch_idle(300)  # all 51 positions, in the background
    whole_slider.clear()
    shown = []
    for value in (1.5, 0.05, 0.85, 1.2):
        slider(app, "Binarization threshold").set_value(value).run()
        assert not problems(app)
        shown.append(metrics(app))
    assert whole_slider == []  # none measured while the person waited
    assert len({str(numbers) for numbers in shown}) == 4  # and each shows its own numbers


def test_with_it_off_a_jump_is_measured_on_the_page(whole_slider, monkeypatch):
    monkeypatch.setenv(SLIDER_PREFETCH_ENV, "0")
    app = open_app("pages/2_Binarize.py")
    assert measuring.prefetch_idle(300)
    whole_slider.clear()
    slider(app, "Binarization threshold").set_value(1.2).run()
    assert [settings.binarize_threshold for settings in whole_slider] == [1.2]
