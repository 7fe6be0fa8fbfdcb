"""The two networks of the explorer, with layer names a person can read.

- ``mlp``: LeNet-300-100 (LeCun et al. 1998): 784-300-100-10, ReLU, 266,610 parameters.
- ``cnn``: a LeNet-5-style net: conv1 (6 5x5, padded) - pool - conv2 (16 5x5) - pool -
  fc1 120 - fc2 84 - fc3 10, ReLU and max pooling, 61,706 parameters.

Both take images in [0, 1] of shape (N, 1, 28, 28) and normalise them inside, so
every caller feeds the same tensors. The weight layers (``fc1``, ``conv1`` ...) are
the units that compression, plots, JSON and CSV name.
"""

from __future__ import annotations

import functools
import threading

import torch
from torch import nn

from compression.data import MNIST_MEAN, MNIST_STD


class Normalize(nn.Module):
    """x -> (x - mean) / std with fixed data-set statistics (no parameters)."""

    def __init__(self, mean: float = MNIST_MEAN, std: float = MNIST_STD):
        super().__init__()
        self.mean, self.std = mean, std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def extra_repr(self) -> str:
        return f"mean={self.mean}, std={self.std}"


class LeNet300100(nn.Module):
    """LeNet-300-100: 784 -> 300 -> 100 -> 10 fully connected, ReLU."""

    def __init__(self):
        super().__init__()
        self.normalize = Normalize()
        self.fc1 = nn.Linear(784, 300)
        self.fc2 = nn.Linear(300, 100)
        self.fc3 = nn.Linear(100, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.normalize(x).flatten(1)  # (N, 784)
        x = torch.relu(self.fc1(x))  # (N, 300)
        x = torch.relu(self.fc2(x))  # (N, 100)
        return self.fc3(x)  # (N, 10) logits


class LeNet5(nn.Module):
    """LeNet-5 style: two 5x5 convolutions with max pooling, then 120-84-10."""

    def __init__(self):
        super().__init__()
        self.normalize = Normalize()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.normalize(x)
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)  # (N, 6, 14, 14)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)  # (N, 16, 5, 5)
        x = x.flatten(1)  # (N, 400)
        x = torch.relu(self.fc1(x))  # (N, 120)
        x = torch.relu(self.fc2(x))  # (N, 84)
        return self.fc3(x)  # (N, 10) logits


MODELS: dict[str, type[nn.Module]] = {"mlp": LeNet300100, "cnn": LeNet5}
MODEL_TITLES = {
    "mlp": "MLP (LeNet-300-100)",
    "cnn": "CNN (LeNet-5 style)",
}


def weight_key(layer: str) -> str:
    """The state-dict key of a layer's weight: ``fc1`` -> ``fc1.weight``."""
    return f"{layer}.weight"


def build_model(name: str, seed: int | None = None) -> nn.Module:
    """A freshly initialised model by name; ``seed`` makes the initial weights reproducible."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(MODELS)}")
    if seed is None:
        return MODELS[name]()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return MODELS[name]()


def weight_layer_names(model: nn.Module) -> list[str]:
    """Names of the layers that carry a compressible weight, in forward order."""
    return [
        name for name, module in model.named_modules() if isinstance(module, nn.Linear | nn.Conv2d)
    ]


def output_layer(layers: list[str] | tuple[str, ...]) -> str:
    """The layer that gives the class scores: the last weight layer in forward order.

    Each of its rows is one class, so structured pruning keeps them all.
    """
    return layers[-1]


def layer_names_for(model_name: str) -> list[str]:
    """Weight layer names of a model by its name (``mlp`` -> fc1, fc2, fc3)."""
    return list(_layer_names(model_name))


@functools.cache
def _layer_names(model_name: str) -> tuple[str, ...]:
    """Building a model to read its names costs milliseconds: once per name is enough."""
    return tuple(weight_layer_names(build_model(model_name, seed=0)))


_THREAD_MODULES = threading.local()


def module_for(model_name: str) -> nn.Module:
    """A module of the architecture to run with ``functional_call``, one per thread.

    ``functional_call`` swaps the module's tensors for the duration of a call, so a
    module must not be shared between threads (Streamlit runs each session in its own).
    """
    modules = getattr(_THREAD_MODULES, "modules", None)
    if modules is None:
        modules = _THREAD_MODULES.modules = {}
    if model_name not in modules:
        modules[model_name] = build_model(model_name, seed=0).eval()
    return modules[model_name]


def parameter_count(model: nn.Module) -> int:
    """Number of trainable scalars (weights and biases)."""
    return sum(p.numel() for p in model.parameters())
