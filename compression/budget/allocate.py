"""Pick one option per layer: the most accuracy within a byte budget, on the option table.

The table predicts a plan's accuracy as ``base - sum_L drop(o_L)`` (each layer's drop
measured alone) and its bytes exactly as ``sum_L bytes(o_L)``. Maximising the first with
the second at most ``B`` is a multiple-choice knapsack, solved here exactly by dynamic
programming over the layers: after each layer only the Pareto front of (bytes, predicted
drop) survives, a partial plan that another beats on both counts cannot start the best
plan. The front holds at most one plan per byte total, usually far fewer, so it needs no
rounding of the bytes (a greedy choice by drop per byte saved can miss the best plan when
a layer's options are not convex; this cannot).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from compression.budget.options import LayerOption, OptionTable


@dataclass(frozen=True)
class Allocation:
    """One option per layer, with what the table predicts for the plan."""

    options: tuple[LayerOption, ...]  # forward order
    bytes: int  # sum of the layers' bytes (exact)
    drop: float  # sum of the layers' accuracy drops (a prediction: drops do not add exactly)


def pareto_front(table: OptionTable, capacity: int) -> list[Allocation]:
    """Every plan within ``capacity`` bytes that no other beats on both bytes and drop.

    Sorted by bytes, so the predicted drop falls along it: the last plan is the
    knapsack's answer. Empty when even the smallest plan is over ``capacity``.
    """
    front = [Allocation((), 0, 0.0)]
    for layer_options in table.options.values():
        grown = [
            Allocation((*plan.options, option), plan.bytes + option.bytes,
                       plan.drop + table.drop(option))
            for plan in front
            for option in layer_options
            if plan.bytes + option.bytes <= capacity
        ]  # fmt: skip
        front = _undominated(grown)
    return front


def _undominated(plans: list[Allocation]) -> list[Allocation]:
    """The plans whose drop is below that of every plan of fewer or as many bytes."""
    kept: list[Allocation] = []
    for plan in sorted(plans, key=lambda p: (p.bytes, p.drop)):
        if not kept or plan.drop < kept[-1].drop:
            kept.append(plan)
    return kept


def best_allocations(table: OptionTable, capacity: int, count: int = 1) -> list[Allocation]:
    """The ``count`` plans of the front with the smallest predicted drop, best first."""
    return pareto_front(table, capacity)[::-1][:count]


def smallest_bytes(table: OptionTable) -> int:
    """Bytes of the smallest plan of the table: a budget below it cannot be met."""
    return sum(min(option.bytes for option in options) for options in table.options.values())


def exhaustive_best(table: OptionTable, capacity: int) -> Allocation | None:
    """Every combination tried: the smallest predicted drop within ``capacity`` (ties:
    fewer bytes). A reference for :func:`pareto_front`, for small tables."""
    best = None
    for combination in itertools.product(*table.options.values()):
        size = sum(option.bytes for option in combination)
        if size > capacity:
            continue
        plan = Allocation(combination, size, sum(table.drop(o) for o in combination))
        if best is None or (plan.drop, plan.bytes) < (best.drop, best.bytes):
            best = plan
    return best
