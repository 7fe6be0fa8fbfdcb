"""Fixtures of every layer: the real MNIST (loaded once), the shipped mlp, a tiny trained mlp.

Nothing here imports Streamlit: the engine tests run without it (app fixtures live in
``tests/app/conftest.py``). Long tests carry ``@pytest.mark.slow``; the suite runs them all.
"""

from __future__ import annotations

import pytest
import torch
from shared_data import shipped_mlp_checkpoint

from compression.data import load_dataset, subset
from compression.train import TrainConfig, train


@pytest.fixture(scope="session")
def shipped_mlp():
    """The trained mlp shipped in ``checkpoints/mlp-mnist.pt`` (read-only: a Checkpoint)."""
    return shipped_mlp_checkpoint()


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
