"""Fixtures of the app tests: the background worker kept small, and what pages measure."""

from __future__ import annotations

import threading

import pytest

from compression.files.model_store import SHARED_MODELS_ENV
from ui.state.measuring import SLIDER_PREFETCH_ENV


@pytest.fixture(autouse=True)
def guesses_only(monkeypatch):
    """Pages measure only the guesses next to a slider ahead, not its every position: a
    test counts what a page measures, and a whole slider is seconds of background work.
    ``tests/app/test_app_slider_prefetch.py`` turns it back on."""
    monkeypatch.setenv(SLIDER_PREFETCH_ENV, "0")


@pytest.fixture(autouse=True)
def shared_models(tmp_path, monkeypatch):
    """The folder where share links keep people's own models: one per test, never the
    project's own."""
    folder = tmp_path / "shared-models"
    monkeypatch.setenv(SHARED_MODELS_ENV, str(folder))
    return folder


@pytest.fixture
def page_measurements(monkeypatch):
    """Settings measured by page runs (not by the background worker), from an empty cache."""
    from ui.state import measuring

    measuring._measure.clear()
    on_page = []
    measure = measuring.measure

    def counted(model_name, weights, settings, *args, **kwargs):
        if not threading.current_thread().name.startswith("prefetch"):
            on_page.append(settings)
        return measure(model_name, weights, settings, *args, **kwargs)

    monkeypatch.setattr(measuring, "measure", counted)
    yield on_page
    assert measuring.prefetch_idle(300)
    measuring._measure.clear()
