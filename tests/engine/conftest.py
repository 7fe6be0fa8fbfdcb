"""Fixtures of the engine tests."""

from __future__ import annotations

import pytest
from shared_data import random_state

from compression.files.checkpoint import Checkpoint, save_checkpoint


@pytest.fixture
def base_checkpoint(tmp_path):
    """An untrained mlp saved as a checkpoint file (tests must not need its accuracy)."""
    path = tmp_path / "base.pt"
    save_checkpoint(path, Checkpoint("mlp", random_state("mlp"), {"dataset": "mnist"}))
    return path
