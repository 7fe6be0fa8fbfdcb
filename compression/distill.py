"""Knowledge distillation (Hinton, Vinyals, Dean 2015) as a way to retrain a compressed model.

The dense model is the teacher, the compressed model being retrained is the student. With
teacher logits ``v``, student logits ``z``, labels ``y`` and ``p = softmax(v/T)``,
``q = softmax(z/T)``, the loss per image is

    L = alpha * T^2 * KL(p || q) + (1 - alpha) * CE(softmax(z), y)

so ``alpha`` weighs the soft (teacher) term and ``1 - alpha`` the hard-label term. The soft
term's gradient shrinks as 1/T^2; the factor T^2 keeps the two terms' balance when T changes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from numbers import Real

import torch
from torch import nn
from torch.func import functional_call

TEMPERATURE_MAX = 100.0  # softmax(v/100) of MNIST logits is all but uniform: nothing is taught

# The usual choices: Hinton et al. put "a considerably lower weight" on the hard labels
# (alpha near 1), and libraries default to T of 3 to 5 (the paper's MNIST nets of 30 units
# per layer did best at T 2.5 to 4; at 300 units any T above 8 did about as well).
DEFAULT_TEMPERATURE = 4.0
DEFAULT_ALPHA = 0.9


@dataclass(frozen=True)
class Distillation:
    """How the teacher's soft targets enter the loss: see :func:`distillation_loss`."""

    temperature: float = DEFAULT_TEMPERATURE  # T in (0, 100]
    alpha: float = DEFAULT_ALPHA  # weight of the soft term, in [0, 1]

    def validated(self) -> Distillation:
        for name, value in (("temperature", self.temperature), ("alpha", self.alpha)):
            if not isinstance(value, Real) or isinstance(value, bool):
                raise ValueError(f"distillation {name} must be a number, got {value!r}")
        if not 0 < self.temperature <= TEMPERATURE_MAX:
            raise ValueError(
                f"distillation temperature must be in (0, {TEMPERATURE_MAX:g}], "
                f"got {self.temperature}"
            )
        if not 0 <= self.alpha <= 1:
            raise ValueError(f"distillation alpha must be in [0, 1], got {self.alpha}")
        return self

    def to_dict(self) -> dict:
        return {key: float(value) for key, value in asdict(self).items()}


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    temperature: float,
    alpha: float,
) -> torch.Tensor:
    """Batch mean of ``alpha * T^2 * KL(softmax(v/T) || softmax(z/T)) + (1 - alpha) * CE(z, y)``.

    KL(p || q) = sum_k p_k (log p_k - log q_k), summed over classes, averaged over images;
    CE is the usual cross-entropy at temperature 1. ``teacher_logits`` get no gradient.
    """
    log_p = torch.log_softmax(teacher_logits.detach() / temperature, dim=1)
    log_q = torch.log_softmax(student_logits / temperature, dim=1)
    soft = (log_p.exp() * (log_p - log_q)).sum(dim=1).mean()
    hard = nn.functional.cross_entropy(student_logits, labels)
    return alpha * temperature**2 * soft + (1 - alpha) * hard


def teacher_logits(
    model: nn.Module, state: dict[str, torch.Tensor], images: torch.Tensor, batch_size: int
) -> torch.Tensor:
    """The teacher's logits on every image, (N, classes), without gradients, in eval mode.

    Computed once per fine-tuning run: one forward pass over the training images instead of
    one per epoch (bench/distillation.py measures both).
    """
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return torch.cat(
                [
                    functional_call(model, state, (images[start : start + batch_size],))
                    for start in range(0, len(images), batch_size)
                ]
            )
    finally:
        model.train(was_training)
