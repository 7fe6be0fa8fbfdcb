"""Measuring a baseline under compression settings: cached, and ahead in the background.

Measurements are cached with ``st.cache_data`` keyed by (baseline key, settings), so a
slider position seen before answers at once; the weights themselves are passed unhashed
(hashing 266,610 floats on every move would cost more than it saves). The positions next
to a slider's are measured ahead into that cache in the background (:func:`prefetch`, one
worker for the process), then the slider's other positions, nearest first
(:func:`prefetch_slider`), so that after a short while every position of the slider a
person is using answers from the cache.
"""

from __future__ import annotations

import json
import os
from functools import partial

import streamlit as st
import torch

from compression.explain.chart_data import WeightProfile, weight_profiles
from compression.measure import Measurement, measure, split_settings
from compression.settings import CompressionSettings, SettingsError
from ui.state.baselines import Baseline
from ui.state.datasets import cached_dataset, dataset
from ui.state.prefetch import Prefetcher

# "0": measure only the guesses next to a slider ahead, not all its other positions
# (the tests and the "not measured yet" benchmark rows; the app measures them all).
SLIDER_PREFETCH_ENV = "COMPRESSION_EXPLORER_SLIDER_PREFETCH"
# A slider's every position, on the three compress pages, for one or two layer choices.
MEASUREMENTS_KEPT = 1_024

_PREFETCHER = Prefetcher()


# --- the cache ------------------------------------------------------------------------------


@st.cache_resource(max_entries=16, show_spinner=False)
def _profiles(baseline_key: str, _baseline: Baseline) -> dict[str, WeightProfile]:
    """Histogram bins of a baseline's weights, computed once and shared (read-only)."""
    return weight_profiles(_baseline.state, _baseline.layers)


@st.cache_data(max_entries=MEASUREMENTS_KEPT, show_spinner=False)
def _measure(baseline_key: str, settings_json: str, _baseline: Baseline) -> Measurement:
    data = cached_dataset(_baseline.dataset)  # also run by the background worker: no page
    settings = CompressionSettings.from_dict(json.loads(settings_json))
    profiles = _profiles(baseline_key, _baseline)
    return measure(
        _baseline.model_name,
        _baseline.state,
        settings,
        data.test_images,
        data.test_labels,
        profiles,
    )


def _settings_json(baseline: Baseline, settings: CompressionSettings) -> str:
    """The cache's name for ``settings`` on ``baseline`` (raises SettingsError if invalid)."""
    return json.dumps(settings.validated(baseline.layers).to_dict(), sort_keys=True)


def measured(baseline: Baseline, settings: CompressionSettings) -> Measurement:
    """Accuracy, size and layer views of ``baseline`` under ``settings`` (cached).

    Settings that cannot be applied stop the page with one message, not a traceback.
    """
    try:
        settings_json = _settings_json(baseline, settings)
    except SettingsError as error:
        st.error(f"These settings cannot be applied: {error}.")
        st.stop()
    with _PREFETCHER.page_working():  # the background waits while a person does
        return _measure(baseline.key, settings_json, baseline)


def reference(baseline: Baseline) -> Measurement:
    """The uncompressed baseline, measured the same way."""
    return measured(baseline, CompressionSettings())


def contributions(baseline: Baseline, settings: CompressionSettings) -> dict[str, Measurement]:
    """The four what-ifs of :func:`compression.measure.split_settings`, each measured (cached)."""
    return {name: measured(baseline, part) for name, part in split_settings(settings).items()}


def measure_state(
    model_name: str,
    state: dict[str, torch.Tensor],
    settings: CompressionSettings,
    dataset_name: str,
) -> Measurement:
    """Measure weights that already hold their compression (no caching: used once)."""
    data = dataset(dataset_name)
    return measure(model_name, state, settings, data.test_images, data.test_labels)


# --- ahead, in the background ---------------------------------------------------------------


def _measure_tasks(baseline: Baseline, settings: list[CompressionSettings]) -> list[tuple]:
    """``(cache key, measuring task)`` for each of ``settings`` that can be applied."""
    tasks = []
    for one in settings:
        try:
            settings_json = _settings_json(baseline, one)
        except SettingsError:
            continue  # the page says why once these settings are chosen
        task = partial(_measure, baseline.key, settings_json, baseline)
        tasks.append(((baseline.key, settings_json), task))
    return tasks


def prefetch(baseline: Baseline, candidates: list[CompressionSettings]) -> None:
    """Measure ``candidates`` in the background, into the cache :func:`measured` reads.

    The page calls this with the slider positions a person is likely to try next,
    likeliest first, so that a step there is answered from the cache. Settings that
    cannot be applied are skipped.
    """
    for key, task in reversed(_measure_tasks(baseline, candidates)):  # newest runs first
        _PREFETCHER.submit(key, task)


def prefetch_slider(baseline: Baseline, positions: list[CompressionSettings]) -> None:
    """Measure a slider's other ``positions`` in the background, nearest first.

    They run after the guesses of :func:`prefetch`, one at a time, once no page has
    measured or asked for them for a few seconds (``ui.state.prefetch.QUIET_SECONDS``). Off
    when :data:`SLIDER_PREFETCH_ENV` is ``"0"``.
    """
    if os.environ.get(SLIDER_PREFETCH_ENV, "1") != "0":
        _PREFETCHER.submit_background(_measure_tasks(baseline, positions))


def prefetch_idle(timeout: float | None = None) -> bool:
    """Wait until no background measurement waits or runs; False on timeout."""
    return _PREFETCHER.wait_until_idle(timeout)


def prefetch_contributions(baseline: Baseline, candidates: list[CompressionSettings]) -> None:
    """:func:`prefetch` the four what-ifs of each of ``candidates`` (likeliest first)."""
    prefetch(baseline, [part for near in candidates for part in split_settings(near).values()])


def prefetch_slider_contributions(baseline: Baseline, positions: list[CompressionSettings]) -> None:
    """:func:`prefetch_slider` the four what-ifs of each of ``positions`` (nearest first)."""
    prefetch_slider(baseline, [part for at in positions for part in split_settings(at).values()])
