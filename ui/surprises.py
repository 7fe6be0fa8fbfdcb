"""The reasons for surprising numbers, under a compress page's metrics.

The sentences come from :mod:`compression.explain.surprises`; the after-retraining
numbers from the shipped story file, shown only for the model they were measured on
(its weights' fingerprint), so a person's own model gets the general reasons only.
"""

from __future__ import annotations

import streamlit as st

from compression.explain import retrained_story
from compression.explain.surprises import binarize_notes, combine_notes, weight_error
from compression.measure import Measurement
from compression.settings import CompressionSettings
from ui.state.baselines import Baseline


@st.cache_data(max_entries=1, show_spinner=False)
def _story() -> dict:
    return retrained_story.load_story()


@st.cache_data(max_entries=16, show_spinner=False)
def _fingerprint(baseline_key: str, _baseline: Baseline) -> str:
    return retrained_story.fingerprint(_baseline.state)


@st.cache_data(max_entries=64, show_spinner=False)
def _errors(baseline_key: str, _baseline: Baseline, settings: CompressionSettings) -> tuple:
    binary = CompressionSettings(binarize_threshold=0.0, layers=settings.layers)
    layers = _baseline.layers
    return weight_error(_baseline.state, layers, binary), weight_error(
        _baseline.state, layers, settings
    )


def outcomes(baseline: Baseline) -> dict:
    """{settings key: outcome} of the shipped story for this baseline ({} for others)."""
    return retrained_story.outcomes_for(
        _story(), _fingerprint(baseline.key, baseline), baseline.layers
    )


def reasons(baseline: Baseline, measured: Measurement | dict[str, Measurement]) -> None:
    """One caption per surprising number: ``measured`` is one measurement (one method)
    or the Combine page's what-ifs by name."""
    known = outcomes(baseline)
    if isinstance(measured, dict):
        notes = combine_notes(measured, known, baseline.layers)
    else:
        settings = measured.settings
        errors = _errors(baseline.key, baseline, settings) if settings.binarizes else None
        notes = binarize_notes(measured, known, baseline.layers, errors)
    for note in notes:
        st.caption(note)
