"""Fit a model in ``N`` bytes: measure the layers' options, allocate, measure for real.

Drops measured one layer at a time do not add exactly, so the best ``candidates`` plans
of the knapsack (:mod:`compression.budget.allocate`) are each compressed, written as a
``.cxm`` file and read back, and the one whose file scores best on the images wins
(ties: the smaller file); then :func:`local_search` tries swapping one layer's option at
a time, measured for real, for a plan the drops ranked too low. The file is
``header + sum_L bytes_L`` bytes with the header of a file that records no settings
(:func:`header_bytes`), so the whole file, header included, is at most ``N`` bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from compression.budget.allocate import Allocation, best_allocations, smallest_bytes
from compression.budget.options import OptionTable, option_table, smallest_layer_bytes
from compression.files.compact_format import load_compact
from compression.files.export import compact_file_size, export_bytes
from compression.layer_plan import LayerPlan, compress_plan
from compression.measure import Measurement, measure
from compression.models import layer_names_for, module_for
from compression.settings import CompressionSettings
from compression.train import evaluate

CANDIDATES = 8  # plans measured for real: each costs one export and one test pass
SEARCH_ROUNDS = 2  # rounds of one-layer swaps after them: each costs a test pass per option


class BudgetError(ValueError):
    """No plan of the option grid fits the byte budget; the message is one line."""


@dataclass(frozen=True)
class BudgetResult:
    """The chosen plan, its file and its measurement on the images."""

    plan: LayerPlan
    allocation: Allocation  # what the option table predicted for it
    payload: bytes = field(repr=False)  # the .cxm file
    measurement: Measurement = field(repr=False)  # of the file's weights, as evaluate does
    table: OptionTable = field(repr=False)
    candidates: tuple[tuple[Allocation, float], ...] = ()  # (plan, accuracy measured)

    @property
    def predicted_accuracy(self) -> float:
        return self.table.base_accuracy - self.allocation.drop


def header_bytes(model_name: str, state: dict[str, torch.Tensor], dataset: str) -> int:
    """Bytes of a ``.cxm`` header that records no settings (fixed for a model)."""
    return compact_file_size(model_name, state, 0, None, dataset)


def plan_of(allocation: Allocation) -> LayerPlan:
    return LayerPlan(tuple((option.layer, option.settings) for option in allocation.options))


def plan_file(model_name: str, state: dict[str, torch.Tensor], plan: LayerPlan, dataset: str):
    """The ``.cxm`` bytes of ``state`` compressed by ``plan``, and the weights read back."""
    compressed = compress_plan(state, layer_names_for(model_name), plan)
    payload = export_bytes(model_name, compressed, None, dataset)
    return payload, load_compact(payload, label="budget file").state


def _check_reachable(model_name: str, max_bytes: int, header: int, smallest: int) -> None:
    if max_bytes < header + smallest:
        raise BudgetError(
            f"no setting fits {max_bytes:,} bytes: the smallest {model_name} file the options "
            f"give is {header + smallest:,} bytes ({header:,} of them header)"
        )


def local_search(
    model_name: str,
    state: dict[str, torch.Tensor],
    table: OptionTable,
    start: Allocation,
    start_accuracy: float,
    capacity: int,
    images: torch.Tensor,
    labels: torch.Tensor,
    rounds: int = SEARCH_ROUNDS,
) -> Allocation:
    """Swap one layer's option at a time, measured for real, while the plan still fits:
    each round takes the single swap that gains most, until none gains (or ``rounds``).

    Catches plans the sum of single-layer drops ranks too low to be among the candidates.
    """
    module, layers = module_for(model_name), layer_names_for(model_name)
    current, current_accuracy = start, start_accuracy
    for _ in range(rounds):
        best = None
        for index, options in enumerate(table.options.values()):
            for option in options:
                chosen = current.options[index]
                size = current.bytes - chosen.bytes + option.bytes
                if option is chosen or size > capacity:
                    continue
                swapped = (*current.options[:index], option, *current.options[index + 1 :])
                drop = sum(table.drop(o) for o in swapped)
                plan = Allocation(swapped, size, drop)
                weights = compress_plan(state, layers, plan_of(plan))
                accuracy = evaluate(module, weights, images, labels).accuracy
                if accuracy > current_accuracy and (best is None or accuracy > best[1]):
                    best = (plan, accuracy)
        if best is None:
            break
        current, current_accuracy = best
    return current


def fit_table(
    model_name: str,
    state: dict[str, torch.Tensor],
    table: OptionTable,
    max_bytes: int,
    images: torch.Tensor,
    labels: torch.Tensor,
    dataset: str = "mnist",
    candidates: int = CANDIDATES,
    rounds: int = SEARCH_ROUNDS,
) -> BudgetResult:
    """The best of the knapsack's ``candidates`` plans on ``table``, measured for real, then
    up to ``rounds`` rounds of :func:`local_search` (0: none)."""
    header = header_bytes(model_name, state, dataset)
    _check_reachable(model_name, max_bytes, header, smallest_bytes(table))
    module, tried, best = module_for(model_name), [], None
    for allocation in best_allocations(table, max_bytes - header, candidates):
        plan = plan_of(allocation)
        payload, weights = plan_file(model_name, state, plan, dataset)
        if len(payload) != header + allocation.bytes:  # the accounting is exact: a bug if not
            raise RuntimeError(f"the file has {len(payload)} bytes, the table counts "
                               f"{header + allocation.bytes}")  # fmt: skip
        accuracy = evaluate(module, weights, images, labels).accuracy
        tried.append((allocation, accuracy))
        if best is None or (accuracy, -len(payload)) > (best[1], -len(best[2])):
            best = (allocation, accuracy, payload, weights)
    allocation, accuracy, payload, weights = best
    improved = local_search(model_name, state, table, allocation, accuracy, max_bytes - header,
                            images, labels, rounds)  # fmt: skip
    if improved is not allocation:
        allocation = improved
        payload, weights = plan_file(model_name, state, plan_of(allocation), dataset)
    measured = measure(model_name, weights, CompressionSettings(), images, labels)
    return BudgetResult(plan_of(allocation), allocation, payload, measured, table, tuple(tried))


def check_budget(
    model_name: str,
    state: dict[str, torch.Tensor],
    max_bytes: int,
    dataset: str = "mnist",
    **grid,
) -> None:
    """Raise :class:`BudgetError` when even the smallest file of the option grid (``grid``:
    :func:`option_table`'s ``values_options`` and ``sparsities``) is over ``max_bytes``;
    from sizes alone, before any test pass."""
    header = header_bytes(model_name, state, dataset)
    smallest = sum(smallest_layer_bytes(model_name, state, **grid).values())
    _check_reachable(model_name, max_bytes, header, smallest)


def fit_budget(
    model_name: str,
    state: dict[str, torch.Tensor],
    max_bytes: int,
    images: torch.Tensor,
    labels: torch.Tensor,
    dataset: str = "mnist",
    candidates: int = CANDIDATES,
    on_sweep: Callable[[str], None] | None = None,
    **grid,
) -> BudgetResult:
    """Measure the option grid (``grid``: :func:`option_table`'s ``values_options`` and
    ``sparsities``), then :func:`fit_table`. Raises :class:`BudgetError` when no plan fits."""
    check_budget(model_name, state, max_bytes, dataset, **grid)
    table = option_table(model_name, state, images, labels, on_sweep=on_sweep, **grid)
    return fit_table(model_name, state, table, max_bytes, images, labels, dataset, candidates)
