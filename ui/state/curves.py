"""A slider's whole curve, measured once per server process for everyone who asks.

:func:`slider_curve` returns every position of a compress page's slider measured by
:func:`compression.sweeps.curve.slider_curve` (measure's numbers and histograms). It is
cached with ``st.cache_resource`` by what decides the numbers: the baseline's key, the
slider's field and the page's other settings with that slider unset, so a class opening
the same page computes it once, and a slider's own moves never start a new curve. The
page's name is not part of the key: two pages with the same slider and settings share one
curve. The points are shared by every session: read them, never change them.
"""

from __future__ import annotations

import json

import streamlit as st

from compression.settings import CompressionSettings, SettingsError
from compression.sweeps.curve import CurvePoint, without_slider
from compression.sweeps.curve import slider_curve as measure_curve
from ui.state.baselines import Baseline
from ui.state.datasets import cached_dataset

CURVES_KEPT = 64  # a few sliders of a few models; ~10 KB a position (255 shared values: 3 MB)


@st.cache_resource(max_entries=CURVES_KEPT, show_spinner=False)
def _curve(
    baseline_key: str, field_name: str, base_json: str, _baseline: Baseline
) -> tuple[CurvePoint, ...]:
    data = cached_dataset(_baseline.dataset)
    base = CompressionSettings.from_dict(json.loads(base_json))
    return measure_curve(
        _baseline.model_name,
        _baseline.state,
        base,
        field_name,
        data.test_images,
        data.test_labels,
    )


def curve_key(baseline: Baseline, settings: CompressionSettings, field_name: str) -> tuple:
    """The cache's name of the curve of ``field_name``'s slider under ``settings``."""
    base = without_slider(settings, field_name).validated(baseline.layers)
    return baseline.key, field_name, json.dumps(base.to_dict(), sort_keys=True)


def slider_curve(
    baseline: Baseline, settings: CompressionSettings, field_name: str
) -> tuple[CurvePoint, ...] | None:
    """Every position of the slider of ``field_name`` on ``baseline``, the page's other
    settings being ``settings``; ascending by value. None (and one message) when the
    settings cannot be applied."""
    try:
        baseline_key, field_name, base_json = curve_key(baseline, settings, field_name)
    except SettingsError as error:
        st.error(f"These settings cannot be applied: {error}.")
        return None
    return _curve(baseline_key, field_name, base_json, baseline)
