"""Data shared by the tests: the real MNIST test set, the shipped mlp, a tiny trained mlp.

Plain cached functions rather than fixtures, so several test modules share one training.
Callers must not change what they get.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import torch

from compression.data import load_dataset, subset
from compression.files.checkpoint import Checkpoint, load_checkpoint
from compression.models import build_model
from compression.train import TrainConfig, train


def mnist():
    return load_dataset("mnist")


def mnist_test_set() -> tuple[torch.Tensor, torch.Tensor]:
    """All 10,000 MNIST test images and labels."""
    data = mnist()
    return data.test_images, data.test_labels


@lru_cache(maxsize=1)
def tiny_mlp_state() -> dict[str, torch.Tensor]:
    """An mlp trained for one epoch on 2,000 images (about 90% accurate)."""
    images, labels = subset(mnist().train_images, mnist().train_labels, 2000, seed=0)
    return train("mlp", images, labels, TrainConfig(epochs=1, seed=0)).state


def random_state(model_name: str, seed: int = 7) -> dict[str, torch.Tensor]:
    model = build_model(model_name, seed=seed)
    return {key: value.detach().clone() for key, value in model.state_dict().items()}


SHIPPED_MLP = Path(__file__).resolve().parents[1] / "checkpoints" / "mlp-mnist.pt"


@lru_cache(maxsize=1)
def shipped_mlp_checkpoint() -> Checkpoint:
    """The trained mlp shipped in checkpoints/ (about 98% accurate), read once."""
    return load_checkpoint(SHIPPED_MLP)


def shipped_mlp_state() -> dict[str, torch.Tensor]:
    """The shipped mlp's tensors (read-only)."""
    return shipped_mlp_checkpoint().state


# Eight test images of three classes and two models' answers, for the mistakes views.
#                         index: 0  1  2  3  4  5  6  7
LABELS = torch.tensor([0, 1, 2, 2, 1, 0, 2, 1])
BASELINE = torch.tensor([0, 1, 2, 1, 1, 0, 2, 1])  # wrong only at 3
COMPRESSED = torch.tensor([0, 2, 2, 2, 0, 0, 1, 1])  # wrong at 1, 4, 6; right at 3
