"""Slider positions next to the current one are measured ahead, so a step answers at once."""

from __future__ import annotations

from app_driver import metrics, open_app, problems, slider

from ui.state import measuring


def _move(app, label: str, value: float) -> None:
    slider(app, label).set_value(value).run()
    assert not problems(app)
    assert measuring.prefetch_idle(120)


def _moved(page: str, label: str, values: tuple[float, ...], page_measurements: list):
    """A new session on ``page`` whose slider went through ``values``; nothing counted yet."""
    app = open_app(page)
    for value in values:
        _move(app, label, value)
    page_measurements.clear()
    return app


def test_a_step_up_after_a_step_up_is_answered_without_measuring(page_measurements):
    app = _moved("pages/3_Prune.py", "Pruning threshold", (0.041, 0.042), page_measurements)
    shown = metrics(app)
    _move(app, "Pruning threshold", 0.043)
    assert page_measurements == []  # measured ahead, while the page was looked at
    assert metrics(app) != shown
    _move(app, "Pruning threshold", 0.07)  # a jump: nothing ahead there
    assert [settings.prune_threshold for settings in page_measurements] == [0.07]


def test_a_slider_moving_down_is_measured_ahead_downwards(page_measurements):
    app = _moved("pages/3_Prune.py", "Pruning threshold", (0.055, 0.054), page_measurements)
    _move(app, "Pruning threshold", 0.053)
    _move(app, "Pruning threshold", 0.052)
    assert page_measurements == []


def test_binarize_steps_are_measured_ahead_too(page_measurements):
    app = _moved("pages/2_Binarize.py", "Binarization threshold", (0.35,), page_measurements)
    _move(app, "Binarization threshold", 0.4)
    assert page_measurements == []


def test_a_result_measured_ahead_equals_one_measured_on_the_page(page_measurements):
    ahead = _moved("pages/3_Prune.py", "Pruning threshold", (0.061, 0.062), page_measurements)
    _move(ahead, "Pruning threshold", 0.063)
    assert page_measurements == []
    measuring._measure.clear()
    on_the_spot = open_app("pages/3_Prune.py")
    _move(on_the_spot, "Pruning threshold", 0.063)
    assert page_measurements[-1].prune_threshold == 0.063  # this time on the page
    assert metrics(on_the_spot) == metrics(ahead)


def test_combine_steps_are_measured_ahead_with_their_four_what_ifs(page_measurements):
    app = _moved("pages/4_Combine.py", "Pruning threshold", (0.031, 0.032), page_measurements)
    _move(app, "Pruning threshold", 0.033)
    assert page_measurements == []  # pruned alone and pruned + binarized, both ahead
