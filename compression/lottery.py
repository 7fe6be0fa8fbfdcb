"""The lottery-ticket rewind (Frankle & Carbin 2019): keep the mask, forget the trained values.

A pruned network's mask ``m`` is applied to the weights the network had *before* training,
``W_0 * m``, and the survivors are trained again from there with ``m`` held fixed. ``W_0``
is recreated from the seed that initialised the baseline
(:func:`compression.models.build_model`), so nothing but the seed needs to be stored. The
control is the same mask on other initial weights (another seed): if the rewound ticket
learns better, the mask alone was not what mattered, the initial values it selected were.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from compression.iterative import apply_masks
from compression.models import build_model
from compression.train import SEED_MAX, Progress, TrainConfig, TrainResult, train_masked


def initial_state(model_name: str, seed: int) -> dict[str, torch.Tensor]:
    """The weights ``build_model(model_name, seed)`` starts with, as training starts from them."""
    model = build_model(model_name, seed=seed)
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def rewound_start(
    model_name: str, init_seed: int, masks: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """``W_0 * m``: the initial weights of seed ``init_seed`` under the keep-masks ``masks``."""
    if not 0 <= init_seed <= SEED_MAX:
        raise ValueError(f"seed must be between 0 and {SEED_MAX}, got {init_seed}")
    return apply_masks(initial_state(model_name, init_seed), masks)


def other_seed(seed: int) -> int:
    """A seed other than ``seed`` for the random re-initialisation: the next one (0 after the
    largest)."""
    return 0 if seed >= SEED_MAX else seed + 1


def rewind(
    model_name: str,
    init_seed: int,
    masks: dict[str, torch.Tensor],
    train_set: tuple[torch.Tensor, torch.Tensor],
    config: TrainConfig,
    test_set: tuple[torch.Tensor, torch.Tensor] | None = None,
    on_step: Callable[[Progress], None] | None = None,
    on_epoch: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Train ``W_0 * m`` (``W_0`` from ``init_seed``) with ``m`` fixed; its history holds the
    test accuracy of every epoch when ``test_set`` is given.

    ``config.seed`` orders the batches, so a rewind and its random re-initialisation (another
    ``init_seed``, the same ``config``) see the same images in the same order.
    """
    return train_masked(
        model_name,
        rewound_start(model_name, init_seed, masks),
        masks,
        *train_set,
        config,
        on_step=on_step,
        on_epoch=on_epoch,
        should_stop=should_stop,
        test_set=test_set,
    )
