"""The server-wide cache of slider curves: one curve per baseline, slider and other settings."""

from __future__ import annotations

from shared_data import random_state

from compression.settings import CompressionSettings
from ui.state.baselines import Baseline
from ui.state.curves import curve_key, slider_curve

MLP = Baseline(key="test:curve-mlp", model_name="mlp", state=random_state("mlp"), dataset="mnist")


def test_every_position_of_a_slider_names_the_same_curve():
    at_half = curve_key(MLP, CompressionSettings(prune_sparsity=0.5), "prune_sparsity")
    at_cut = curve_key(MLP, CompressionSettings(prune_threshold=0.02), "prune_sparsity")
    assert at_half == at_cut  # the slider's own value and its alternative are not part of it
    binarized = curve_key(
        MLP, CompressionSettings(prune_sparsity=0.5, binarize_threshold=0.7), "prune_sparsity"
    )
    assert binarized != at_half
    assert curve_key(MLP, CompressionSettings(), "binarize_threshold") != at_half


def test_a_curve_is_computed_once_and_shared():
    opened = CompressionSettings(quantize_bits=4, layers=("fc3",))
    first = slider_curve(MLP, opened, "quantize_bits")
    moved = CompressionSettings(quantize_bits=7, layers=("fc3",))  # another session, elsewhere
    again = slider_curve(MLP, moved, "quantize_bits")
    assert again is first
    assert [point.value for point in first] == [2, 3, 4, 5, 6, 7, 8]
    assert all(point.settings.layers == ("fc3",) for point in first)


def test_settings_that_cannot_be_applied_give_no_curve():
    bad = CompressionSettings(binarize_threshold=0.7, quantize_bits=4)
    assert slider_curve(MLP, bad, "prune_sparsity") is None
