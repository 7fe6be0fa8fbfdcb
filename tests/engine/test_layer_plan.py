"""Per-layer settings: each layer compressed under its own setting, as one-setting runs give."""

from dataclasses import replace

import pytest
import torch
from shared_data import random_state

from compression.compress import compress
from compression.layer_plan import LayerPlan, compress_plan
from compression.models import layer_names_for
from compression.settings import CompressionSettings, SettingsError

LAYERS = layer_names_for("mlp")
PLAN = LayerPlan(
    (
        ("fc1", CompressionSettings(prune_sparsity=0.9, binarize_threshold=0.0)),
        ("fc2", CompressionSettings(quantize_bits=4, prune_sparsity=0.5)),
    )
)


def test_each_layer_equals_its_setting_applied_alone_and_others_stay_as_trained():
    state = random_state("mlp")
    planned = compress_plan(state, LAYERS, PLAN)
    for name, settings in PLAN.entries:
        alone = compress(state, LAYERS, replace(settings, layers=(name,))).state
        assert torch.equal(planned[f"{name}.weight"], alone[f"{name}.weight"])
    assert torch.equal(planned["fc3.weight"], state["fc3.weight"])
    for key in ("fc1.bias", "fc2.bias", "fc3.bias"):
        assert torch.equal(planned[key], state[key])
    assert float((planned["fc1.weight"] == 0).float().mean()) == pytest.approx(0.9, abs=1e-3)
    assert planned["fc2.weight"].unique().numel() <= 2**4 - 1  # symmetric 4-bit codes


def test_one_setting_on_every_layer_is_the_one_setting_api():
    state = random_state("mlp")
    settings = CompressionSettings(prune_sparsity=0.7, quantize_bits=8)
    plan = LayerPlan(tuple((name, settings) for name in LAYERS))
    planned = compress_plan(state, LAYERS, plan)
    whole = compress(state, LAYERS, settings).state
    assert all(torch.equal(planned[key], whole[key]) for key in whole)


def test_the_state_given_is_not_changed():
    state = random_state("mlp")
    before = {key: tensor.clone() for key, tensor in state.items()}
    compress_plan(state, LAYERS, PLAN)
    assert all(torch.equal(state[key], before[key]) for key in before)


def test_plan_round_trips_through_its_dict():
    data = PLAN.to_dict()
    assert list(data) == ["fc1", "fc2"] and "layers" not in data["fc1"]
    assert data["fc2"]["quantize_bits"] == 4
    assert LayerPlan.from_dict(data) == PLAN
    assert PLAN.settings_of("fc3") == CompressionSettings()


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ((("fc9", CompressionSettings()),), "unknown layer fc9"),
        ((("fc1", CompressionSettings()), ("fc1", CompressionSettings())), "more than one"),
        ((("fc1", CompressionSettings(prune_sparsity=1.5)),), "sparsity"),
        ((("fc1", CompressionSettings(layers=("fc2",))),), "names other layers"),
        (
            (("fc1", CompressionSettings(quantize_bits=4, binarize_threshold=0.0)),),
            "not both",
        ),
    ],
)
def test_a_bad_plan_is_refused_with_one_sentence(entries, message):
    with pytest.raises(SettingsError, match=message):
        compress_plan(random_state("mlp"), LAYERS, LayerPlan(entries))
