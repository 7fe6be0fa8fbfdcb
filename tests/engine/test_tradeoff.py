"""The pruning x binarization grid and its Pareto front."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from shared_data import mnist_test_set, tiny_mlp_state

from compression.measure import measure
from compression.settings import CompressionSettings, SettingsError
from compression.sweeps import tradeoff as tradeoff_module
from compression.sweeps.tradeoff import (
    CURRENT_METHOD,
    DEFAULT_PRUNE_GRID,
    TRADEOFF_COLUMNS,
    MarkedPoint,
    front_in,
    grid_settings,
    pareto_front,
    settings_label,
    tradeoff_grid,
    with_current,
)

LAYERS = ["fc1", "fc2", "fc3"]


def test_pareto_front_of_a_hand_worked_example():
    #        A     B     C     D     E     F (= B)
    sizes = [100, 200, 300, 250, 50, 200]
    accuracies = [0.90, 0.95, 0.97, 0.94, 0.80, 0.95]
    # D is beaten by B (smaller, more accurate); the rest trade size for accuracy
    assert pareto_front(sizes, accuracies).tolist() == [True, True, True, False, True, True]


def _dominates(first, second) -> bool:
    (size_a, accuracy_a), (size_b, accuracy_b) = first, second
    no_worse = size_a <= size_b and accuracy_a >= accuracy_b
    return no_worse and (size_a < size_b or accuracy_a > accuracy_b)


def test_pareto_front_agrees_with_a_pairwise_check_on_random_points():
    generator = np.random.default_rng(0)
    sizes = generator.integers(1, 30, 200)  # small ranges: many ties
    accuracies = generator.integers(0, 30, 200) / 30
    points = list(zip(sizes, accuracies, strict=True))
    front = pareto_front(sizes, accuracies)
    for index, point in enumerate(points):
        beaten = any(_dominates(other, point) for other in points)
        assert front[index] == (not beaten)


def test_pareto_front_needs_matching_lengths():
    with pytest.raises(ValueError, match="3 sizes but 2 accuracies"):
        pareto_front([1, 2, 3], [0.5, 0.6])


def test_grid_points_equal_measure_of_their_settings():
    images, labels = mnist_test_set()
    images, labels = images[:3000], labels[:3000]
    state = tiny_mlp_state()
    grid = tradeoff_grid(
        "mlp", state, images, labels, prune_values=(0.0, 0.9), binarize_values=(None, 0.7)
    )
    assert tuple(grid.columns) == TRADEOFF_COLUMNS
    assert list(zip(grid.prune_value, grid.binarize_threshold.fillna(-1), strict=True)) == [
        (0.0, -1), (0.0, 0.7), (0.9, -1), (0.9, 0.7),
    ]  # fmt: skip
    for row in grid.itertuples():
        binarize = None if pd.isna(row.binarize_threshold) else row.binarize_threshold
        settings = CompressionSettings(prune_sparsity=row.prune_value, binarize_threshold=binarize)
        measured = measure("mlp", state, settings, images, labels)
        assert (row.accuracy, row.loss) == (measured.accuracy, measured.loss)
        assert row.compressed_bytes == measured.summary["size_bytes"]["compressed"]
        assert row.settings == settings_label("prune-sparsity", row.prune_value, binarize)
    assert grid.on_front.tolist() == pareto_front(grid.compressed_bytes, grid.accuracy).tolist()


def test_k_bit_grid_points_equal_measure_of_their_settings():
    images, labels = mnist_test_set()
    images, labels = images[:2000], labels[:2000]
    state = tiny_mlp_state()
    grid = tradeoff_grid(
        "mlp", state, images, labels, prune_values=(0.0, 0.8), binarize_values=(0.7,),
        bits_values=(8, 3),
    )  # fmt: skip
    assert list(grid.settings) == [
        f"prune-sparsity {p:g}, {values}" for p in (0.0, 0.8)
        for values in ("binarize 0.7", "8-bit", "3-bit")
    ]  # fmt: skip
    assert grid.quantize_bits.fillna(0).tolist() == [0, 8, 3] * 2
    for row in grid[grid.quantize_bits.notna()].itertuples():
        settings = CompressionSettings(
            prune_sparsity=row.prune_value, quantize_bits=int(row.quantize_bits)
        )
        measured = measure("mlp", state, settings, images, labels)
        assert (row.accuracy, row.loss) == (measured.accuracy, measured.loss)
        assert row.compressed_bytes == measured.summary["size_bytes"]["compressed"]
        assert pd.isna(row.binarize_threshold)
    bits_only = tradeoff_grid(
        "mlp", state, images, labels, prune_values=(0.5,), binarize_values=(), bits_values=(4,)
    )
    assert list(bits_only.settings) == ["prune-sparsity 0.5, 4-bit"]
    with pytest.raises(SettingsError, match="between 2 and 8"):
        grid_settings(CompressionSettings(), {"prune-sparsity": (0.5,)}, (), LAYERS, (1,))
    with pytest.raises(SettingsError, match="whole numbers"):
        grid_settings(CompressionSettings(), {"prune-sparsity": (0.5,)}, (), LAYERS, (3.5,))
    with pytest.raises(SettingsError, match="at least one"):
        grid_settings(CompressionSettings(), {"prune-sparsity": (0.5,)}, (), LAYERS, ())


def test_grid_keeps_the_other_base_options_and_reports_progress():
    images, labels = mnist_test_set()
    images, labels = images[:500], labels[:500]
    state = tiny_mlp_state()
    base = CompressionSettings(per_channel=True, layers=("fc1",))
    seen = []
    grid = tradeoff_grid(
        "mlp", state, images, labels, prune_values=(0.02,), binarize_values=(0.0,),
        prune_method="prune-threshold", base=base, on_point=seen.append,
    )  # fmt: skip
    settings = CompressionSettings(
        prune_threshold=0.02, binarize_threshold=0.0, per_channel=True, layers=("fc1",)
    )
    measured = measure("mlp", state, settings, images, labels)
    assert grid.accuracy[0] == measured.accuracy
    assert grid.compressed_bytes[0] == measured.summary["size_bytes"]["compressed"]
    assert [(progress.done, progress.total) for progress in seen] == [(1, 1)]
    assert seen[0].label == "prune-threshold 0.02, binarize 0"


def test_grid_settings_refuse_bad_values():
    layers = ["fc1", "fc2", "fc3"]
    base = CompressionSettings()
    with pytest.raises(SettingsError, match="between 0 and 1"):
        grid_settings(base, {"prune-sparsity": (1.2,)}, (None,), layers)
    with pytest.raises(SettingsError, match="binarization threshold must be between 0 and 10"):
        grid_settings(base, {"prune-sparsity": (0.5,)}, (12.0,), layers)
    with pytest.raises(SettingsError, match="prunes by one of"):
        grid_settings(base, {"binarize-threshold": (0.5,)}, (None,), layers)
    with pytest.raises(SettingsError, match="at least one"):
        grid_settings(base, {"prune-sparsity": ()}, (None,), layers)
    with pytest.raises(SettingsError, match="at least one"):
        grid_settings(base, {}, (None,), layers)
    images, labels = mnist_test_set()
    with pytest.raises(SettingsError, match="give the pruning values once"):
        tradeoff_grid(
            "mlp", tiny_mlp_state(), images[:10], labels[:10], prune_values=(0.5,),
            prune_grid={"prune-threshold": (0.05,)},
        )  # fmt: skip


def test_the_default_grid_covers_both_ways_of_pruning():
    images, labels = mnist_test_set()
    images, labels = images[:500], labels[:500]
    state = tiny_mlp_state()
    grid = tradeoff_grid("mlp", state, images, labels, binarize_values=(None, 0.7))
    assert set(grid.prune_method) == {"prune-sparsity", "prune-threshold"}
    expected = [
        (method, value) for method, values in DEFAULT_PRUNE_GRID.items() for value in values
    ]
    by_point = grid.groupby(["prune_method", "prune_value"], sort=False).size()
    assert list(by_point.index) == expected and set(by_point) == {2}
    by_cut = grid[(grid.prune_method == "prune-threshold") & (grid.prune_value == 0.05)]
    measured = measure(
        "mlp", state, CompressionSettings(prune_threshold=0.05), images, labels
    )  # the same model a person gets from the Prune page's |W| slider
    assert by_cut.accuracy.iloc[0] == measured.accuracy
    assert by_cut.compressed_bytes.iloc[0] == measured.summary["size_bytes"]["compressed"]


def _beats(first, second) -> bool:
    return _dominates((first.compressed_bytes, first.accuracy), (second.compressed_bytes,
                      second.accuracy))  # fmt: skip


def test_a_setting_outside_the_grid_never_lies_above_the_front():
    images, labels = mnist_test_set()
    images, labels = images[:1000], labels[:1000]
    state = tiny_mlp_state()
    grid = tradeoff_grid(
        "mlp", state, images, labels, prune_grid={"prune-sparsity": (0.0, 0.5, 0.9)},
        binarize_values=(None, 0.7),
    )  # fmt: skip
    # a |W| cut between the grid's sparsities: none of the grid's settings
    settings = CompressionSettings(prune_threshold=0.043, binarize_threshold=0.5)
    measured = measure("mlp", state, settings, images, labels)
    marked = with_current(grid, MarkedPoint.of(measured, "mine"))
    assert len(marked) == len(grid) + 1 and marked.current.tolist() == [False] * len(grid) + [True]
    star = marked.iloc[-1]
    assert (star.prune_method, star.settings, star.accuracy) == (
        CURRENT_METHOD, "mine", measured.accuracy,
    )  # fmt: skip
    front = marked[marked.on_front]
    assert not any(_beats(star, point) for point in front.itertuples())
    beaten = [point.Index for point in grid.itertuples() if _beats(star, point)]
    assert beaten, "the example needs a grid point that the star beats"
    assert not marked.loc[beaten, "on_front"].any()
    assert grid.loc[beaten, "on_front"].any()  # ... which the grid alone had on its front
    assert star.on_front == (not any(_beats(point, star) for point in grid.itertuples()))


def test_a_star_never_lies_above_the_front_on_random_points():
    generator = np.random.default_rng(1)
    for _ in range(50):
        count = int(generator.integers(1, 12))
        sizes, accuracies = generator.integers(1, 20, count), generator.integers(0, 20, count) / 20
        grid = pd.DataFrame({"compressed_bytes": sizes, "accuracy": accuracies})
        grid["on_front"] = pareto_front(sizes, accuracies)
        size, accuracy = int(generator.integers(1, 20)), generator.integers(0, 20) / 20
        marked = with_current(grid, MarkedPoint("star", accuracy, size, 40, 10, 5))
        star = marked.iloc[-1]
        assert not any(_beats(star, point) for point in marked[marked.on_front].itertuples())
        assert not any(_beats(point, other) for point in marked.itertuples()
                       for other in marked[marked.on_front].itertuples())  # fmt: skip


def test_documented_columns_match_the_table():
    assert "``on_front``" in tradeoff_module.__doc__
    assert all(f"``{column}``" in tradeoff_module.__doc__ for column in TRADEOFF_COLUMNS)


def test_shared_values_sit_beside_binarization_and_k_bits_and_equal_measure():
    images, labels = mnist_test_set()
    images, labels = images[:1000], labels[:1000]
    state = tiny_mlp_state()
    grid = tradeoff_grid(
        "mlp", state, images, labels, prune_values=(0.0, 0.9), binarize_values=(None,),
        bits_values=(4,), shared_values=(16, 4),
    )  # fmt: skip
    assert list(grid.settings) == [
        f"prune-sparsity {p:g}, {values}" for p in (0.0, 0.9)
        for values in ("binarize off", "4-bit", "16 shared values", "4 shared values")
    ]  # fmt: skip
    assert grid.share_weights.fillna(0).tolist() == [0, 0, 16, 4] * 2
    weights = sum(state[f"{name}.weight"].numel() for name in LAYERS)
    for row in grid.itertuples():
        shared = None if pd.isna(row.share_weights) else int(row.share_weights)
        bits = None if pd.isna(row.quantize_bits) else int(row.quantize_bits)
        settings = CompressionSettings(
            prune_sparsity=row.prune_value, quantize_bits=bits, share_weights=shared
        )
        measured = measure("mlp", state, settings, images, labels)
        assert (row.accuracy, row.loss) == (measured.accuracy, measured.loss)
        assert row.compressed_bytes == measured.summary["size_bytes"]["compressed"]
        point = MarkedPoint.of(measured, "same")  # nonzero weights counted from the sizes
        assert row.kept_weights == point.kept_weights and point.weights == weights
        assert row.parameter_ratio == weights / row.kept_weights
        assert row.compression_ratio == measured.compression_ratio
    with pytest.raises(SettingsError, match="between 2 and 256"):
        grid_settings(CompressionSettings(), {"prune-sparsity": (0.5,)}, (), LAYERS, (), (1,))
    shared_only = grid_settings(CompressionSettings(), {"prune-sparsity": (0.5,)}, (), LAYERS,
                                (), (16,))  # fmt: skip
    assert [settings.share_weights for _, settings in shared_only] == [16]


def test_the_front_in_parameters_counts_nonzero_weights_not_bytes():
    grid = pd.DataFrame(
        {"compressed_bytes": [1000, 300, 200], "kept_weights": [1000, 100, 900],
         "accuracy": [0.98, 0.95, 0.90]}
    )  # fmt: skip
    # by bytes nothing beats the 200-byte point; by weights the 100-weight point beats it
    assert front_in(grid, "bytes").on_front.tolist() == [True, True, True]
    assert front_in(grid, "parameters").on_front.tolist() == [True, True, False]
    assert "on_front" not in grid  # a copy: the grid itself is untouched
    with pytest.raises(ValueError, match="means one of"):
        front_in(grid, "pixels")
