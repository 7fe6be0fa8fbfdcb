"""The iterative-pruning charts draw the numbers they are given, and nothing else."""

from __future__ import annotations

import pytest

from compression.figures.iterative_plots import lottery_chart, rounds_chart

ROUNDS = [
    {"round": 0, "kept_fraction": 1.0, "sparsity": 0.0, "pruned_accuracy": 0.98,
     "accuracy": 0.98, "size_bytes": 1_066_440},
    {"round": 1, "kept_fraction": 0.3, "sparsity": 0.7, "pruned_accuracy": 0.9,
     "accuracy": 0.975, "size_bytes": 400_000},
]  # fmt: skip
HISTOGRAM = {"layer": "fc1", "edges": (-1.0, 0.0, 1.0), "counts": (3, 5)}


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_the_rounds_chart_draws_accuracy_size_and_the_survivors():
    fig = rounds_chart(ROUNDS, HISTOGRAM, {**HISTOGRAM, "counts": (9, 9)}, planned_rounds=4)
    assert list(_trace(fig, "after retraining").y) == pytest.approx([98.0, 97.5])
    assert list(_trace(fig, "after the cut").y) == pytest.approx([98.0, 90.0])
    assert list(_trace(fig, "size (KB)").y) == pytest.approx([1066.44, 400.0])
    assert list(_trace(fig, "survivors now").y) == [3, 5]
    assert list(_trace(fig, "survivors now").x) == [-0.5, 0.5]
    assert list(_trace(fig, "before any cut").y) == [9, 9]
    assert fig.layout.xaxis.range == (-0.3, 4.3)  # the planned rounds fix the axis
    assert "fc1" in fig.layout.annotations[1].text


def test_the_rounds_chart_of_round_zero_alone_has_no_outline():
    fig = rounds_chart(ROUNDS[:1], HISTOGRAM)
    assert [t.name for t in fig.data if t.type == "bar"] == ["survivors now"]


def test_the_lottery_chart_draws_both_curves_and_the_two_levels():
    fig = lottery_chart({"ticket": [0.9, 0.95], "re-init": [0.8, 0.85]}, 0.97, 0.983)
    assert list(_trace(fig, "ticket").y) == pytest.approx([90.0, 95.0])
    assert list(_trace(fig, "re-init").x) == [1, 2]
    assert _trace(fig, "iteratively pruned (97.00%)").y == pytest.approx((97.0, 97.0))
    assert _trace(fig, "dense baseline (98.30%)").y == pytest.approx((98.3, 98.3))
