"""The knapsack over each layer's options: the known best on hand-made tables, and the same
answer as trying every combination on random ones."""

import itertools
import random

import pytest

from compression.budget.allocate import (
    best_allocations,
    exhaustive_best,
    pareto_front,
    smallest_bytes,
)
from compression.budget.options import LayerOption, OptionTable
from compression.settings import CompressionSettings


def table_of(base: float, layers: dict[str, list[tuple[int, float]]]) -> OptionTable:
    """Options given as (bytes, accuracy with only that layer changed)."""
    return OptionTable(
        base,
        {
            layer: [
                LayerOption(layer, f"v{i}", 0.0, CompressionSettings(), size, accuracy)
                for i, (size, accuracy) in enumerate(options)
            ]
            for layer, options in layers.items()
        },
    )


# a: as trained (100 B), a middle option (50 B, -1 point), a small one (10 B, -5 points);
# b: as trained (100 B), 40 B at -2 points, 10 B at -10 points.
HAND = table_of(
    0.9,
    {"a": [(100, 0.90), (50, 0.89), (10, 0.85)], "b": [(100, 0.90), (40, 0.88), (10, 0.80)]},
)


@pytest.mark.parametrize(
    ("capacity", "expected", "drop"),
    [
        (200, ("v0", "v0"), 0.0),  # everything fits: nothing is compressed
        (150, ("v1", "v0"), 0.01),  # a's middle option, b as trained
        (140, ("v0", "v1"), 0.02),  # 150 B no longer fits: b gives up 2 points instead
        (100, ("v1", "v1"), 0.03),  # 90 B beats a's small option with b as trained (110 B)
        (60, ("v2", "v1"), 0.07),  # 50 B at -7 beats the larger 60 B at -11
        (20, ("v2", "v2"), 0.15),
    ],
)
def test_the_knapsack_picks_the_known_best(capacity, expected, drop):
    best = best_allocations(HAND, capacity)[0]
    assert tuple(option.values for option in best.options) == expected
    assert best.drop == pytest.approx(drop)
    assert best.bytes == sum(option.bytes for option in best.options) <= capacity


def test_the_front_falls_in_drop_as_it_grows_in_bytes_and_ends_at_the_best():
    front = pareto_front(HAND, 150)
    assert [plan.bytes for plan in front] == sorted(plan.bytes for plan in front)
    assert all(later.drop < earlier.drop for earlier, later in itertools.pairwise(front))
    assert front[-1] == exhaustive_best(HAND, 150)


def test_below_the_smallest_plan_nothing_fits():
    assert smallest_bytes(HAND) == 20
    assert pareto_front(HAND, 19) == [] and best_allocations(HAND, 19) == []
    assert exhaustive_best(HAND, 19) is None


def test_the_knapsack_equals_trying_every_combination_on_random_tables():
    generator = random.Random(0)
    for _ in range(300):
        layers = {
            f"l{layer}": [
                (generator.randint(1, 60), round(generator.uniform(0.3, 1.0), 3))
                for _ in range(generator.randint(1, 5))
            ]
            for layer in range(generator.randint(1, 4))
        }
        table = table_of(0.95, layers)
        capacity = generator.randint(0, 200)
        expected = exhaustive_best(table, capacity)
        found = best_allocations(table, capacity)
        if expected is None:
            assert found == []
        else:
            assert (found[0].drop, found[0].bytes) == (expected.drop, expected.bytes)


def test_the_candidates_are_the_best_few_in_order():
    candidates = best_allocations(HAND, 200, count=3)
    assert [plan.drop for plan in candidates] == sorted(plan.drop for plan in candidates)
    assert candidates[0].drop == 0.0 and len(candidates) == 3
