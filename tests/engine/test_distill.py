"""Distillation: the loss against a computation by hand, and retraining with a teacher."""

import math

import numpy as np
import pytest
import torch

from compression.compress import compress
from compression.distill import Distillation, distillation_loss, teacher_logits
from compression.models import build_model
from compression.settings import CompressionSettings
from compression.train import TrainConfig, finetune

LAYERS = ["fc1", "fc2", "fc3"]
STUDENT = torch.tensor([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]])
TEACHER = torch.tensor([[1.0, 0.0, -1.0], [-0.5, 4.0, 1.5]])
LABELS = torch.tensor([2, 1])


def by_hand(student, teacher, labels, temperature, alpha):
    """The formula in float64, one image and one class at a time."""
    total = 0.0
    for z, v, y in zip(student.tolist(), teacher.tolist(), labels.tolist(), strict=True):
        p = [math.exp(x / temperature) for x in v]
        p = [x / sum(p) for x in p]
        q = [math.exp(x / temperature) for x in z]
        q = [x / sum(q) for x in q]
        kl = sum(pk * math.log(pk / qk) for pk, qk in zip(p, q, strict=True))
        cross_entropy = -math.log(math.exp(z[y]) / sum(math.exp(x) for x in z))
        total += alpha * temperature**2 * kl + (1 - alpha) * cross_entropy
    return total / len(labels)


@pytest.mark.parametrize(("temperature", "alpha"), [(1, 0.5), (4, 0.9), (20, 1.0), (0.5, 0.0)])
def test_the_loss_is_the_formula_computed_by_hand(temperature, alpha):
    expected = by_hand(STUDENT, TEACHER, LABELS, temperature, alpha)
    exact = distillation_loss(STUDENT.double(), TEACHER.double(), LABELS, temperature, alpha)
    assert float(exact) == pytest.approx(expected, rel=1e-12)
    # float32: T^2 = 400 magnifies the rounding of a small KL
    loss = distillation_loss(STUDENT, TEACHER, LABELS, temperature, alpha)
    assert float(loss) == pytest.approx(expected, rel=1e-4)


def test_the_soft_term_agrees_with_torch_kl_div():
    temperature = 3.0
    log_q = torch.log_softmax(STUDENT / temperature, dim=1)
    log_p = torch.log_softmax(TEACHER / temperature, dim=1)
    reference = torch.nn.functional.kl_div(log_q, log_p, log_target=True, reduction="batchmean")
    loss = distillation_loss(STUDENT, TEACHER, LABELS, temperature, alpha=1.0)
    assert float(loss) == pytest.approx(temperature**2 * float(reference), rel=1e-6)


def test_at_a_high_temperature_the_scaled_gradient_is_the_logit_difference_over_classes():
    """Hinton et al. eq. 3: with zero-mean logits, dKL/dz ~ (z - v) / (classes * T^2), so the
    T^2 factor makes the soft gradient independent of T."""
    rng = np.random.default_rng(0)
    student = torch.tensor(rng.normal(size=(4, 10)), dtype=torch.float64)
    teacher = torch.tensor(rng.normal(size=(4, 10)), dtype=torch.float64)
    student, teacher = student - student.mean(1, keepdim=True), teacher - teacher.mean(1, True)
    student.requires_grad_(True)
    distillation_loss(student, teacher, torch.zeros(4, dtype=torch.long), 100.0, 1.0).backward()
    expected = (student.detach() - teacher) / (10 * 4)  # per image, mean over the batch of 4
    assert torch.allclose(student.grad, expected, rtol=0.05, atol=1e-4)


def test_the_teacher_gets_no_gradient():
    teacher = TEACHER.clone().requires_grad_(True)
    distillation_loss(STUDENT.clone().requires_grad_(True), teacher, LABELS, 4, 0.9).backward()
    assert teacher.grad is None


@pytest.mark.parametrize(
    ("recipe", "message"),
    [
        ({"temperature": 0}, r"temperature must be in \(0, 100\], got 0"),
        ({"temperature": -1.0}, "temperature must be in"),
        ({"temperature": 100.5}, "temperature must be in"),
        ({"temperature": float("nan")}, "temperature must be in"),
        ({"temperature": float("inf")}, "temperature must be in"),
        ({"alpha": -0.1}, r"alpha must be in \[0, 1\], got -0.1"),
        ({"alpha": 1.01}, "alpha must be in"),
        ({"alpha": float("nan")}, "alpha must be in"),
        ({"alpha": "0.5"}, "alpha must be a number, got '0.5'"),
        ({"temperature": True}, "temperature must be a number"),
    ],
)
def test_a_recipe_out_of_range_is_one_clear_error(recipe, message):
    with pytest.raises(ValueError, match=message):
        Distillation(**recipe).validated()


def test_the_bounds_themselves_are_allowed():
    assert Distillation(temperature=100, alpha=0).validated().to_dict() == {
        "temperature": 100.0,
        "alpha": 0.0,
    }
    Distillation(temperature=1e-3, alpha=1).validated()


def test_the_teacher_logits_are_a_plain_forward_pass_of_the_dense_model(tiny_mlp_state, mnist):
    images = mnist.train_images[:1500]
    module = build_model("mlp")
    module.load_state_dict(tiny_mlp_state)
    with torch.no_grad():
        expected = module(images)
    student_model = build_model("mlp").train()
    logits = teacher_logits(student_model, tiny_mlp_state, images, batch_size=1000)
    assert torch.allclose(logits, expected, atol=1e-5) and logits.shape == (1500, 10)
    assert student_model.training and not logits.requires_grad  # its mode is given back


SETTINGS = CompressionSettings(prune_sparsity=0.8, binarize_threshold=0.0)


def _retrain(state, train, distill, seed=0, teacher=None):
    images, labels = train[0][:256], train[1][:256]
    config = TrainConfig(epochs=1, seed=seed, batch_size=64)
    return finetune(
        "mlp", state, SETTINGS, images, labels, config, distill=distill, teacher=teacher
    ).state


def test_alpha_zero_is_plain_retraining_bit_for_bit(tiny_mlp_state, small_train):
    plain = _retrain(tiny_mlp_state, small_train, None)
    hard_only = _retrain(tiny_mlp_state, small_train, Distillation(temperature=4, alpha=0))
    assert all(torch.equal(plain[key], hard_only[key]) for key in plain)


def test_distilled_retraining_keeps_the_compression_and_repeats_with_the_seed(
    tiny_mlp_state, small_train
):
    snapshot = {key: value.clone() for key, value in tiny_mlp_state.items()}
    recipe = Distillation(temperature=4, alpha=0.9)
    first = _retrain(tiny_mlp_state, small_train, recipe)
    again = _retrain(tiny_mlp_state, small_train, recipe)
    plain = _retrain(tiny_mlp_state, small_train, None)
    other_seed = _retrain(tiny_mlp_state, small_train, recipe, seed=1)
    pruned = compress(tiny_mlp_state, LAYERS, SETTINGS)
    for layer in LAYERS:
        weight = first[f"{layer}.weight"]
        assert torch.equal(weight == 0, ~pruned.keep_masks[layer])  # the pruned set, exactly
        assert len(weight[weight != 0].abs().unique()) == 1  # one binary magnitude
    assert all(torch.equal(first[key], again[key]) for key in first)
    assert not torch.equal(first["fc2.weight"], plain["fc2.weight"])  # the teacher was heard
    assert not torch.equal(first["fc2.weight"], other_seed["fc2.weight"])
    assert all(torch.equal(tiny_mlp_state[k], snapshot[k]) for k in snapshot)


def test_another_teacher_is_heard_and_the_start_itself_is_the_default(tiny_mlp_state, small_train):
    recipe = Distillation(temperature=4, alpha=0.9)
    other = {
        key: value.flip(0) if value.dim() == 1 else value.flip(1)
        for key, value in tiny_mlp_state.items()
    }
    own = _retrain(tiny_mlp_state, small_train, recipe)
    named_own = _retrain(tiny_mlp_state, small_train, recipe, teacher=tiny_mlp_state)
    from_other = _retrain(tiny_mlp_state, small_train, recipe, teacher=other)
    assert all(torch.equal(own[key], named_own[key]) for key in own)
    assert not torch.equal(own["fc2.weight"], from_other["fc2.weight"])
    assert torch.equal(own["fc2.weight"] == 0, from_other["fc2.weight"] == 0)  # same pruning


def test_retraining_refuses_a_bad_recipe_before_training(tiny_mlp_state, small_train):
    with pytest.raises(ValueError, match="alpha must be in"):
        _retrain(tiny_mlp_state, small_train, Distillation(alpha=2.0))
