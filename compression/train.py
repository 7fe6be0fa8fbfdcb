"""Training, compression-aware fine-tuning and evaluation on in-memory tensors.

All three run the model functionally (``torch.func.functional_call``) on a dict
of weights, so one module instance can serve any number of weight sets and no
shared model is ever changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import torch
from torch import nn
from torch.func import functional_call

from compression.compress import compress_with_masks, prune_masks, training_view
from compression.distill import Distillation, distillation_loss, teacher_logits
from compression.models import build_model, output_layer, weight_key, weight_layer_names
from compression.settings import CompressionSettings

# Test images per forward pass wherever a model is tested (measure, sweeps):
# the same batches give the same sums, so every path predicts alike, bit for bit. 1,000
# keeps the activations in cache: on the 2-core machine all 10,000 mlp test images take
# ~53 ms this way against ~65 ms in one batch (bench/slider_latency.py).
TEST_BATCH = 1_000

# The share link's bound too: numpy's seeds stop at 2**32 - 1, and torch maps 2**63 and beyond
# back onto small seeds (2**63 trains like 0), so a larger seed would not be the one recorded.
SEED_MAX = 2**32 - 1
# ~40 minutes of mlp training on 2 cores; with the default decay (0.75 per epoch) the step
# size is below 1e-15 after 100 epochs, so more is a slip of the keyboard, not a recipe.
EPOCHS_MAX = 1_000


class TrainingStopped(RuntimeError):
    """Raised when the caller's ``should_stop`` asked training to end early.

    ``finished``: the weights and history after the last whole epoch, so a caller can keep
    them (None when the first epoch was not finished).
    """

    def __init__(self, message: str, finished: TrainResult | None = None):
        super().__init__(message)
        self.finished = finished


@dataclass(frozen=True)
class TrainConfig:
    """A training recipe. The defaults take ``mlp`` past 98% test accuracy on MNIST."""

    epochs: int = 8  # passes over the training set
    learning_rate: float = 1e-3  # Adam step size at the start
    batch_size: int = 128  # images per step
    seed: int = 0  # initial weights and batch order
    train_subset: int | None = None  # use only this many training images (None: all)
    lr_decay: float = 0.75  # multiply the step size by this after every epoch

    def validated(self) -> TrainConfig:
        if not 1 <= self.epochs <= EPOCHS_MAX:
            raise ValueError(f"epochs must be between 1 and {EPOCHS_MAX}, got {self.epochs}")
        if not 0 <= self.seed <= SEED_MAX:
            raise ValueError(f"seed must be between 0 and {SEED_MAX}, got {self.seed}")
        if not 0 < self.learning_rate <= 1:
            raise ValueError(f"learning rate must be in (0, 1], got {self.learning_rate}")
        if self.batch_size < 1:
            raise ValueError(f"batch size must be at least 1, got {self.batch_size}")
        if self.train_subset is not None and self.train_subset < 1:
            raise ValueError(f"train subset must be at least 1 image, got {self.train_subset}")
        if not 0 < self.lr_decay <= 1:
            raise ValueError(f"lr decay must be in (0, 1], got {self.lr_decay}")
        return self


@dataclass(frozen=True)
class Progress:
    """What a progress callback is told after every step."""

    epoch: int  # 1-based
    epochs: int
    step: int  # 1-based within the epoch
    steps_per_epoch: int
    loss: float  # of this batch

    @property
    def fraction(self) -> float:
        """Share of the whole run done, in [0, 1]."""
        done = (self.epoch - 1) * self.steps_per_epoch + self.step
        return done / (self.epochs * self.steps_per_epoch)


@dataclass(frozen=True)
class Evaluation:
    """Accuracy and mean cross-entropy of a set of weights on a labelled set."""

    accuracy: float  # fraction correct, in [0, 1]
    loss: float  # mean cross-entropy
    predictions: torch.Tensor = field(repr=False)  # (N,) predicted classes


@dataclass
class TrainResult:
    """Weights after training and the per-epoch history."""

    state: dict[str, torch.Tensor]
    history: list[dict] = field(default_factory=list)  # epoch, train_loss, train_accuracy, ...
    # After retraining: the real weights the compression was computed from (``state``
    # holds the compression baked in); compressing them again with the same settings gives
    # ``state``. None after plain training.
    real_state: dict[str, torch.Tensor] | None = field(default=None, repr=False)


def evaluate(
    model: nn.Module,
    state: dict[str, torch.Tensor],
    images: torch.Tensor,
    labels: torch.Tensor,
    batch_size: int = TEST_BATCH,
) -> Evaluation:
    """Test ``state`` on ``images``: accuracy = mean(argmax f(x) == y), loss = mean CE."""
    with torch.inference_mode():
        logit_batches = [
            functional_call(model, state, (images[start : start + batch_size],))
            for start in range(0, len(labels), batch_size)
        ]
    return evaluation_of(logit_batches, labels)


def evaluation_of(logit_batches: list[torch.Tensor], labels: torch.Tensor) -> Evaluation:
    """accuracy = (number right) / N, loss = mean cross-entropy, over consecutive batches.

    The batches are joined and summed in one call, so equal logits give equal numbers
    however they were batched.
    """
    with torch.inference_mode():
        logits = torch.cat(logit_batches)
        if len(logits) != len(labels):
            raise ValueError(f"{len(logits)} logits for {len(labels)} labels")
        total_loss = float(nn.functional.cross_entropy(logits, labels, reduction="sum"))
        predicted = logits.argmax(dim=1)
    return Evaluation(
        accuracy=int((predicted == labels).sum()) / len(labels),  # exact: 9830 / 10000 = 0.983
        loss=total_loss / len(labels),
        predictions=predicted,
    )


def _fit(
    model: nn.Module,
    start_state: dict[str, torch.Tensor],
    view: Callable[[dict[str, torch.Tensor]], dict[str, torch.Tensor]],
    after_step: Callable[[dict[str, torch.Tensor]], None],
    images: torch.Tensor,
    labels: torch.Tensor,
    config: TrainConfig,
    on_step: Callable[[Progress], None] | None,
    on_epoch: Callable[[dict], None] | None,
    should_stop: Callable[[], bool] | None,
    test_set: tuple[torch.Tensor, torch.Tensor] | None,
    loss_of: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> TrainResult:
    """Adam on the weights ``params``; the forward pass uses ``view(params)``.

    The loss is cross-entropy, or ``loss_of(logits, labels, batch)`` with ``batch`` the
    indices of the batch's images in ``images``.
    """
    params = {k: v.detach().clone().requires_grad_(True) for k, v in start_state.items()}
    optimizer = torch.optim.Adam(params.values(), lr=config.learning_rate)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=config.lr_decay)
    order_generator = torch.Generator().manual_seed(config.seed)
    steps = -(-len(labels) // config.batch_size)
    history = []
    finished = None  # the last whole epoch's weights, for a caller that stops the run
    for epoch in range(1, config.epochs + 1):
        order = torch.randperm(len(labels), generator=order_generator)
        loss_sum, correct = 0.0, 0
        for step in range(1, steps + 1):
            if should_stop is not None and should_stop():
                raise TrainingStopped(f"stopped in epoch {epoch}, step {step}", finished)
            batch = order[(step - 1) * config.batch_size : step * config.batch_size]
            x, y = images[batch], labels[batch]
            logits = functional_call(model, view(params), (x,))
            if loss_of is None:
                loss = nn.functional.cross_entropy(logits, y)
            else:
                loss = loss_of(logits, y, batch)
            optimizer.zero_grad(set_to_none=False)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                after_step(params)
            loss_sum += float(loss.detach()) * len(y)
            correct += int((logits.argmax(1) == y).sum())
            if on_step is not None:
                on_step(Progress(epoch, config.epochs, step, steps, float(loss.detach())))
        scheduler.step()
        record = {
            "epoch": epoch,
            "train_loss": loss_sum / len(labels),
            "train_accuracy": correct / len(labels),
        }
        if test_set is not None:
            with torch.no_grad():
                tested = evaluate(model, view(params), *test_set)
            record.update(test_loss=tested.loss, test_accuracy=tested.accuracy)
        history.append(record)
        if on_epoch is not None:
            on_epoch(record)
        if epoch < config.epochs and should_stop is not None:
            finished = TrainResult({k: v.detach().clone() for k, v in params.items()}, history[:])
    return TrainResult({k: v.detach() for k, v in params.items()}, history)


def train(
    model_name: str,
    images: torch.Tensor,
    labels: torch.Tensor,
    config: TrainConfig = TrainConfig(),
    on_step: Callable[[Progress], None] | None = None,
    on_epoch: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    test_set: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> TrainResult:
    """Train ``model_name`` from seeded initial weights; same seed and data, same weights.

    ``images``/``labels`` are the training set (``config.train_subset`` is applied by
    the caller's data choice); ``test_set`` adds test accuracy to each epoch's record.
    """
    config = config.validated()
    model = build_model(model_name, seed=config.seed)
    start = {k: v.detach() for k, v in model.state_dict().items()}
    return _fit(
        model, start, lambda p: p, lambda p: None, images, labels, config,
        on_step, on_epoch, should_stop, test_set,
    )  # fmt: skip


def finetune(
    model_name: str,
    state: dict[str, torch.Tensor],
    settings: CompressionSettings,
    images: torch.Tensor,
    labels: torch.Tensor,
    config: TrainConfig = TrainConfig(epochs=2, learning_rate=5e-4),
    on_step: Callable[[Progress], None] | None = None,
    on_epoch: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    test_set: tuple[torch.Tensor, torch.Tensor] | None = None,
    distill: Distillation | None = None,
    teacher: dict[str, torch.Tensor] | None = None,
) -> TrainResult:
    """Retrain under ``settings`` and return the *compressed* weights.

    The pruning masks are computed once from ``state`` and held fixed: a pruned
    weight gets zero gradient and is re-zeroed after every step, so it stays exactly
    0 (Adam's moments at those places stay 0 too). Binarized and k-bit quantized layers
    train with the straight-through estimator; shared layers train their centroids with
    the assignment found once from ``state``. ``state`` itself is not changed.

    ``distill``: learn from ``state`` itself as the teacher (its logits on ``images``,
    computed once) with :func:`compression.distill.distillation_loss`; None: cross-entropy.
    The history's ``train_loss`` is then the distillation loss. ``teacher``: other weights
    of the same model to learn from instead (say the dense model while retraining a cut of
    a cut); only used with ``distill``.
    """
    config = config.validated()
    distill = None if distill is None else distill.validated()
    model = build_model(model_name, seed=config.seed)
    layers = weight_layer_names(model)
    settings = settings.validated(layers)
    chosen = settings.chosen_layers(layers)
    weights = {name: state[weight_key(name)] for name in chosen}
    masks = prune_masks(weights, settings, output_layer(layers))
    # Pruning is by fixed mask from here on; the values method is recomputed each step.
    values = settings.values_method
    fixed = CompressionSettings(
        **{name: getattr(settings, name) for name in (values.fields if values else ())},
        layers=tuple(chosen),
    )

    def view(params):
        return training_view(params, masks, fixed, layers)

    def rezero(params):
        for name, keep in masks.items():
            params[weight_key(name)].mul_(keep)

    def bake(params):
        return compress_with_masks(params, layers, fixed, masks).state

    def real_of(params):
        return params

    def baked(result: TrainResult) -> TrainResult:
        """The compression baked in: pruned zeros and binarized values are the weights."""
        # the real weights the compression is computed from: the trained parameters, or
        # for shared layers (whose parameters are centroids) the shared weights themselves
        return TrainResult(bake(result.state), result.history, real_state=real_of(result.state))

    loss_of = None
    if distill is not None:
        teacher_state = state if teacher is None else teacher
        soft_targets = teacher_logits(model, teacher_state, images, TEST_BATCH)

        def loss_of(logits, y, batch):
            return distillation_loss(
                logits, soft_targets[batch], y, distill.temperature, distill.alpha
            )

    start = compress_with_masks(state, layers, CompressionSettings(layers=tuple(chosen)), masks)
    start = start.state
    if values is not None and values.trainable_values is not None:
        # weight sharing: the centroids train, the assignment fixed from the start weights
        trained = values.trainable_values(start, [weight_key(n) for n in chosen], fixed)
        start, view, rezero, bake = (
            trained.start,
            trained.weights,
            trained.after_step,
            trained.baked,
        )
        real_of = trained.baked
    try:
        result = _fit(
            model, start, view, rezero, images, labels, config,
            on_step, on_epoch, should_stop, test_set, loss_of=loss_of,
        )  # fmt: skip
    except TrainingStopped as stopped:
        if stopped.finished is None:
            raise
        raise TrainingStopped(str(stopped), baked(stopped.finished)) from None
    return baked(result)


def train_masked(
    model_name: str,
    start: dict[str, torch.Tensor],
    masks: dict[str, torch.Tensor],
    images: torch.Tensor,
    labels: torch.Tensor,
    config: TrainConfig,
    on_step: Callable[[Progress], None] | None = None,
    on_epoch: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    test_set: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> TrainResult:
    """Train from ``start`` with the given keep-masks ({layer: bool tensor}) held fixed.

    The forward pass uses ``W * mask``; a masked weight is 0 from the start and re-zeroed
    after every step, so it stays exactly 0. ``config.seed`` orders the batches (the start
    weights are the caller's). ``start`` itself is not changed.
    """
    config = config.validated()
    model = build_model(model_name, seed=config.seed)
    keys = {weight_key(name): keep for name, keep in masks.items()}
    begin = {k: v.detach() * keys[k] if k in keys else v.detach() for k, v in start.items()}

    def view(params):
        return {k: v * keys[k] if k in keys else v for k, v in params.items()}

    def rezero(params):
        for key, keep in keys.items():
            params[key].mul_(keep)

    return _fit(
        model, begin, view, rezero, images, labels, config,
        on_step, on_epoch, should_stop, test_set,
    )  # fmt: skip


def config_dict(config: TrainConfig) -> dict:
    return asdict(config)
