"""The sliders spend their track where accuracy changes, on every shipped model."""

from __future__ import annotations

import pytest
import torch

from compression.data import PROJECT_ROOT, load_dataset
from compression.files.checkpoint import load_checkpoint
from compression.measure import measure
from compression.methods import METHODS
from compression.methods.prune import prune_threshold_range
from compression.models import layer_names_for, weight_key
from compression.settings import CompressionSettings

SHIPPED = ["mlp-mnist", "cnn-mnist", "mlp-fashion-mnist"]


@pytest.fixture(scope="module", params=SHIPPED)
def shipped(request):
    checkpoint = load_checkpoint(PROJECT_ROOT / "checkpoints" / f"{request.param}.pt")
    data = load_dataset(checkpoint.metadata.get("dataset", "mnist"))
    layers = layer_names_for(checkpoint.model_name)

    def accuracy(**fields) -> float:
        settings = CompressionSettings(**fields)
        test = (data.test_images, data.test_labels)
        return measure(checkpoint.model_name, checkpoint.state, settings, *test).accuracy

    return checkpoint, layers, accuracy


def test_the_threshold_slider_ends_where_the_model_has_collapsed(shipped):
    checkpoint, layers, accuracy = shipped
    top, step, start = prune_threshold_range(checkpoint.state, layers)
    magnitudes = torch.cat([checkpoint.state[weight_key(n)].abs().reshape(-1) for n in layers])
    gone_at_top = float((magnitudes <= top).float().mean())
    assert 0.98 <= gone_at_top < 0.99  # about 98% of the weights are gone at the top
    assert 40 <= round(top / step) <= 70  # an arrow key moves the cut visibly
    baseline = accuracy()
    assert accuracy(prune_threshold=top) < 0.5 * baseline  # the fall is on the track
    halfway = step * round(top / 2 / step)
    assert accuracy(prune_threshold=halfway) > 0.85 * baseline  # not half a dead track
    assert 0 < start < halfway


def test_the_binarize_slider_ends_at_chance_and_has_about_fifty_steps(shipped):
    _checkpoint, _layers, accuracy = shipped
    control = METHODS["binarize"].control("binarize_threshold")
    assert 40 <= round(control.slider_high / control.step) <= 60
    assert accuracy(binarize_threshold=control.slider_high) < 0.15  # 10 classes: chance 0.1
    assert accuracy(binarize_threshold=control.slider_high - 0.5) > 0.15


def test_the_sparsity_slider_has_about_fifty_steps_and_reaches_the_collapse(shipped):
    _checkpoint, _layers, accuracy = shipped
    control = METHODS["prune"].control("prune_sparsity")
    assert 40 <= round(control.slider_high / control.step) <= 60
    assert accuracy(prune_sparsity=control.slider_high) < 0.2
