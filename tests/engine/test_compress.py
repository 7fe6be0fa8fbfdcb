"""Compression returns new weights and never touches the shared baseline."""

import pytest
import torch

from compression.compress import compress
from compression.settings import CompressionSettings, SettingsError

LAYERS = ["fc1", "fc2", "fc3"]


def test_baseline_is_bit_for_bit_unchanged_after_many_compressions(random_mlp_state):
    snapshot = {k: v.clone() for k, v in random_mlp_state.items()}
    for threshold in (0.0, 0.01, 0.03):
        for binarize in (None, 0.0, 0.7):
            for per_channel in (False, True):
                settings = CompressionSettings(
                    prune_threshold=threshold, binarize_threshold=binarize, per_channel=per_channel
                )
                compress(random_mlp_state, LAYERS, settings)
    compress(
        random_mlp_state, LAYERS, CompressionSettings(prune_sparsity=0.9, prune_scope="global")
    )
    compress(
        random_mlp_state, LAYERS, CompressionSettings(prune_sparsity=0.5, prune_structure="neurons")
    )
    assert all(torch.equal(random_mlp_state[k], snapshot[k]) for k in snapshot)


def test_compressed_tensors_do_not_share_memory_with_the_baseline(random_mlp_state):
    result = compress(random_mlp_state, LAYERS, CompressionSettings(prune_sparsity=0.5))
    for key, tensor in result.state.items():
        assert tensor.data_ptr() != random_mlp_state[key].data_ptr()


def test_absolute_threshold_zeroes_exactly_the_small_magnitudes(random_mlp_state):
    result = compress(random_mlp_state, LAYERS, CompressionSettings(prune_threshold=0.02))
    for layer in LAYERS:
        original = random_mlp_state[f"{layer}.weight"]
        pruned = result.state[f"{layer}.weight"]
        assert torch.equal(pruned == 0, original.abs() <= 0.02)
        assert torch.equal(pruned[pruned != 0], original[pruned != 0])


def test_layer_choice_leaves_the_other_layers_at_baseline(random_mlp_state):
    settings = CompressionSettings(prune_sparsity=0.8, binarize_threshold=0.0, layers=("fc2",))
    result = compress(random_mlp_state, LAYERS, settings)
    assert torch.equal(result.state["fc1.weight"], random_mlp_state["fc1.weight"])
    assert torch.equal(result.state["fc3.weight"], random_mlp_state["fc3.weight"])
    assert float((result.state["fc2.weight"] == 0).float().mean()) == pytest.approx(0.8)
    assert set(result.keep_masks) == set(result.scales) == {"fc2"}


def test_pruning_then_binarizing_gives_zero_or_plus_minus_a(random_mlp_state):
    settings = CompressionSettings(prune_sparsity=0.6, binarize_threshold=0.0)
    result = compress(random_mlp_state, LAYERS, settings)
    for layer in LAYERS:
        weight, scale = result.state[f"{layer}.weight"], result.scales[layer]
        assert set(weight.unique().tolist()) == {-float(scale), 0.0, float(scale)}
        assert torch.equal(weight != 0, result.keep_masks[layer])


def test_global_scope_hits_the_target_sparsity_over_all_layers(random_mlp_state):
    settings = CompressionSettings(prune_sparsity=0.7, prune_scope="global")
    result = compress(random_mlp_state, LAYERS, settings)
    zeros = sum(int((result.state[f"{n}.weight"] == 0).sum()) for n in LAYERS)
    total = sum(result.state[f"{n}.weight"].numel() for n in LAYERS)
    assert zeros == round(0.7 * total)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (CompressionSettings(prune_sparsity=1.5), "between 0 and 1"),
        (CompressionSettings(prune_threshold=-0.1), ">= 0"),
        (CompressionSettings(prune_threshold=0.1, prune_sparsity=0.1), "not both"),
        (CompressionSettings(binarize_threshold=-1), "between 0 and 10"),
        (CompressionSettings(layers=("fc9",)), "unknown layer fc9"),
        (CompressionSettings(layers=()), "at least one layer"),
        (CompressionSettings(prune_scope="row"), "prune scope"),
        (CompressionSettings(prune_structure="neurons", prune_threshold=0.1), "target sparsity"),
    ],
)
def test_out_of_range_settings_are_refused_with_a_specific_message(
    random_mlp_state, settings, message
):
    snapshot = {k: v.clone() for k, v in random_mlp_state.items()}
    with pytest.raises(SettingsError, match=message):
        compress(random_mlp_state, LAYERS, settings)
    assert all(torch.equal(random_mlp_state[k], snapshot[k]) for k in snapshot)


def test_settings_round_trip_through_a_plain_dict():
    settings = CompressionSettings(prune_sparsity=0.5, binarize_threshold=0.7, layers=("fc1",))
    assert CompressionSettings.from_dict(settings.to_dict()) == settings
    with pytest.raises(SettingsError, match="unknown compression setting"):
        CompressionSettings.from_dict({"prune_amount": 0.5})


def test_concurrent_sessions_each_get_their_own_answer(random_mlp_state, mnist):
    """Streamlit serves sessions on threads; analyses running at once must not mix."""
    from concurrent.futures import ThreadPoolExecutor

    from compression.measure import measure

    images, labels = mnist.test_images[:2000], mnist.test_labels[:2000]
    sparsities = [0.0, 0.5, 0.9, 0.99] * 4

    def loss_of(sparsity):
        settings = CompressionSettings(prune_sparsity=sparsity)
        return measure("mlp", random_mlp_state, settings, images, labels).loss

    alone = {s: loss_of(s) for s in set(sparsities)}
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(loss_of, sparsities))
    assert together == [alone[s] for s in sparsities]
