"""Shared fixtures: the real MNIST (loaded once) and a tiny trained mlp."""

from __future__ import annotations

import threading

import pytest
import torch

from compression.data import load_dataset, subset
from compression.train import TrainConfig, train
from ui.state import SLIDER_PREFETCH_ENV


@pytest.fixture(autouse=True)
def guesses_only(monkeypatch):
    """Pages measure only the guesses next to a slider ahead, not its every position: a
    test counts what a page measures, and a whole slider is seconds of background work.
    ``tests/test_app_slider_prefetch.py`` turns it back on."""
    monkeypatch.setenv(SLIDER_PREFETCH_ENV, "0")


@pytest.fixture
def page_measurements(monkeypatch):
    """Settings measured by page runs (not by the background worker), from an empty cache."""
    from ui import state

    state._measure.clear()
    on_page = []
    measure = state.measure

    def counted(model_name, weights, settings, *args, **kwargs):
        if not threading.current_thread().name.startswith("prefetch"):
            on_page.append(settings)
        return measure(model_name, weights, settings, *args, **kwargs)

    monkeypatch.setattr(state, "measure", counted)
    yield on_page
    assert state.prefetch_idle(300)
    state._measure.clear()


@pytest.fixture(scope="session")
def mnist():
    return load_dataset("mnist")


@pytest.fixture(scope="session")
def small_train(mnist):
    """2,000 training images: enough for a model well above chance in a second."""
    return subset(mnist.train_images, mnist.train_labels, 2000, seed=0)


@pytest.fixture(scope="session")
def small_test(mnist):
    return subset(mnist.test_images, mnist.test_labels, 1000, seed=1)


@pytest.fixture(scope="session")
def tiny_mlp_state(small_train):
    """An mlp trained for three epochs on 2,000 images (read-only: tests must not change it)."""
    images, labels = small_train
    return train("mlp", images, labels, TrainConfig(epochs=3, seed=0)).state


@pytest.fixture
def random_mlp_state():
    torch.manual_seed(123)
    from compression.models import build_model

    return {k: v.detach().clone() for k, v in build_model("mlp", seed=7).state_dict().items()}


# A skipped test is a test that did not run: the suite fails instead of going green.
_SKIPPED: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _SKIPPED and exitstatus == 0:
        print(f"\nskipped tests make the run fail: {', '.join(_SKIPPED)}")
        session.exitstatus = 1
