"""The slider positions a person is likely to ask for next, for the background worker.

After each move, a slider notes one step on in its direction of travel, one back and
two on (the guesses), then all its other positions, nearest first. A page hands
:func:`nearby_settings` and :func:`other_positions` to :mod:`ui.state.measuring`.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from compression.settings import CompressionSettings
from ui.controls import keys

DIGITS = 10  # slider values are rounded so a key press and a guess name the same setting


def remember_ahead(
    page: str, group: str, field: str, value: float, step: float, low: float, high: float
) -> None:
    """Keep the values a slider is likely to take next: one step on, one back, two on;
    and its other positions, nearest first.

    "On" is the way it last moved (up at first). The group that moved last comes first
    in :func:`nearby_settings` and :func:`other_positions`.
    """
    ahead = st.session_state.setdefault(keys.likely_next(page), {})
    others = st.session_state.setdefault(keys.other_positions(page), {})
    previous = st.session_state.get(keys.previous_value(page, group, field))
    st.session_state[keys.previous_value(page, group, field)] = value
    direction = -1 if previous is not None and value < previous else 1
    candidates = [round(value + steps * direction * step, DIGITS) for steps in (1, -1, 2)]
    inside = [{field: v} for v in candidates if low <= v <= high]
    if previous != value or group not in ahead:
        ahead.pop(group, None)  # re-inserted last: the most recent move
        others.pop(group, None)
    ahead[group] = inside
    taken = {value, *candidates}
    positions = slider_positions(value, step, low, high, direction)
    others[group] = [{field: v} for v in positions if v not in taken]


def slider_positions(
    value: float, step: float, low: float, high: float, direction: int = 1
) -> list[float]:
    """Every value of a slider from ``low`` to ``high`` by ``step``, nearest ``value`` first.

    Of two equally near, the one in ``direction`` (+1 up, -1 down) comes first. Rounded
    to :data:`DIGITS` like the slider's own values, so both name the same setting.
    """
    count = int(round((high - low) / step, 6))
    values = {round(low + index * step, DIGITS) for index in range(count + 1)}
    values |= {round(high, DIGITS)}  # the top, when the range is not a whole number of steps
    values = {v for v in values if low <= v <= high}
    return sorted(values, key=lambda v: (round(abs(v - value) / step), -direction * (v - value)))


def nearby_settings(page: str, settings: CompressionSettings) -> list[CompressionSettings]:
    """``settings`` with one slider of ``page`` moved to a likely next value, likeliest first."""
    ahead = st.session_state.get(keys.likely_next(page), {})
    return [
        replace(settings, **fields) for group in reversed(list(ahead)) for fields in ahead[group]
    ]


def other_positions(page: str, settings: CompressionSettings) -> list[CompressionSettings]:
    """``settings`` with one slider of ``page`` at each of its other values, nearest first.

    The slider that moved last comes first; the guesses of :func:`nearby_settings` are
    not repeated.
    """
    others = st.session_state.get(keys.other_positions(page), {})
    return [
        replace(settings, **fields) for group in reversed(list(others)) for fields in others[group]
    ]
