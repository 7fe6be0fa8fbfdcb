"""Training is seeded and reports progress; fine-tuning holds the compression."""

import pytest
import torch

from compression.compress import compress, prune_masks, training_view
from compression.measure import measure
from compression.models import build_model
from compression.settings import CompressionSettings
from compression.train import (
    TrainConfig,
    TrainingStopped,
    evaluate,
    evaluation_of,
    finetune,
    train,
)

LAYERS = ["fc1", "fc2", "fc3"]


def test_same_seed_gives_identical_weights_and_a_different_seed_does_not(small_train):
    images, labels = small_train[0][:500], small_train[1][:500]
    config = TrainConfig(epochs=1, seed=3)
    first = train("mlp", images, labels, config).state
    second = train("mlp", images, labels, config).state
    other = train("mlp", images, labels, TrainConfig(epochs=1, seed=4)).state
    assert all(torch.equal(first[k], second[k]) for k in first)
    assert not torch.equal(first["fc1.weight"], other["fc1.weight"])


def test_progress_is_reported_every_step_and_history_every_epoch(small_train, small_test):
    images, labels = small_train[0][:512], small_train[1][:512]
    steps, epochs = [], []
    result = train(
        "mlp", images, labels, TrainConfig(epochs=2, batch_size=128),
        on_step=steps.append, on_epoch=epochs.append, test_set=small_test,
    )  # fmt: skip
    assert len(steps) == 2 * 4
    assert steps[-1].fraction == 1.0 and steps[0].fraction == pytest.approx(1 / 8)
    assert [r["epoch"] for r in result.history] == [1, 2] and epochs == result.history
    assert set(result.history[0]) == {
        "epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy",
    }  # fmt: skip


def test_a_stop_request_ends_training_early(small_train):
    calls = []

    def stop_after_three():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(TrainingStopped, match="step 4"):
        train("mlp", *small_train, TrainConfig(epochs=1), should_stop=stop_after_three)


def test_a_stopped_run_hands_back_its_last_whole_epoch_which_its_recipe_retrains(small_train):
    images, labels = small_train[0][:512], small_train[1][:512]
    epochs = []
    with pytest.raises(TrainingStopped) as stopped:
        train(
            "mlp", images, labels, TrainConfig(epochs=3, batch_size=128, seed=2),
            on_epoch=epochs.append, should_stop=lambda: len(epochs) >= 1,
        )  # fmt: skip
    finished = stopped.value.finished
    assert finished is not None and finished.history == epochs
    # the recipe with the epochs it finished trains the same weights
    again = train("mlp", images, labels, TrainConfig(epochs=1, batch_size=128, seed=2))
    assert all(torch.equal(finished.state[k], again.state[k]) for k in again.state)
    assert again.history == finished.history


def test_a_run_stopped_in_its_first_epoch_has_nothing_to_keep(small_train):
    with pytest.raises(TrainingStopped) as stopped:
        train("mlp", *small_train, TrainConfig(epochs=2), should_stop=lambda: True)
    assert stopped.value.finished is None


def test_a_stopped_retraining_hands_back_its_last_epoch_with_the_compression_baked_in(
    tiny_mlp_state, small_train
):
    images, labels = small_train[0][:512], small_train[1][:512]
    settings = CompressionSettings(prune_threshold=0.05, binarize_threshold=0.0)
    epochs = []
    with pytest.raises(TrainingStopped) as stopped:
        finetune(
            "mlp", tiny_mlp_state, settings, images, labels, TrainConfig(epochs=2),
            on_epoch=epochs.append, should_stop=lambda: len(epochs) >= 1,
        )  # fmt: skip
    finished = stopped.value.finished
    assert finished is not None and len(finished.history) == 1
    weight = finished.state["fc1.weight"]
    assert len(torch.unique(weight.abs())) <= 2  # zeros and one binary magnitude


def test_training_learns_far_above_chance(tiny_mlp_state, small_test):
    accuracy = evaluate(build_model("mlp"), tiny_mlp_state, *small_test).accuracy
    assert accuracy > 0.8


def test_evaluate_agrees_with_a_plain_forward_pass(tiny_mlp_state, small_test):
    images, labels = small_test
    model = build_model("mlp")
    model.load_state_dict(tiny_mlp_state)
    with torch.no_grad():
        logits = model(images)
    expected_accuracy = int((logits.argmax(1) == labels).sum()) / len(labels)
    expected_loss = float(torch.nn.functional.cross_entropy(logits, labels))
    result = evaluate(build_model("mlp"), tiny_mlp_state, images, labels, batch_size=300)
    assert result.accuracy == expected_accuracy
    assert result.loss == pytest.approx(expected_loss, rel=1e-5)


def test_accuracy_is_the_exact_fraction_of_images_right_not_a_float32_mean():
    state = build_model("mlp", seed=0).state_dict()
    images, labels = torch.zeros(1000, 1, 28, 28), torch.zeros(1000, dtype=torch.long)
    predicted = evaluate(build_model("mlp"), state, images, labels).predictions
    labels[:983] = predicted[:983]  # 983 right,
    labels[983:] = (predicted[983:] + 1) % 10  # 17 wrong
    assert evaluate(build_model("mlp"), state, images, labels).accuracy == 0.983


def test_pruned_weights_get_exactly_zero_gradient_so_adam_moments_stay_zero(tiny_mlp_state):
    settings = CompressionSettings(prune_sparsity=0.8)
    weights = {n: tiny_mlp_state[f"{n}.weight"] for n in LAYERS}
    masks = prune_masks(weights, settings, None)
    params = {k: v.clone().requires_grad_(True) for k, v in tiny_mlp_state.items()}
    view = training_view(params, masks, CompressionSettings(binarize_threshold=0.0), LAYERS)
    logits = torch.func.functional_call(build_model("mlp"), view, (torch.rand(8, 1, 28, 28),))
    logits.sum().backward()
    for name, keep in masks.items():
        assert torch.all(params[f"{name}.weight"].grad[~keep] == 0)
        assert torch.any(params[f"{name}.weight"].grad[keep] != 0)


def test_finetuning_keeps_the_pruned_set_and_recovers_accuracy(
    tiny_mlp_state, small_train, small_test
):
    snapshot = {k: v.clone() for k, v in tiny_mlp_state.items()}
    settings = CompressionSettings(prune_sparsity=0.95)
    pruned = compress(tiny_mlp_state, LAYERS, settings)
    tuned = finetune("mlp", tiny_mlp_state, settings, *small_train, TrainConfig(epochs=1))
    for layer in LAYERS:
        key = f"{layer}.weight"
        assert torch.equal(tuned.state[key] == 0, ~pruned.keep_masks[layer])
    module = build_model("mlp")
    assert evaluate(module, tuned.state, *small_test).accuracy > (
        evaluate(module, pruned.state, *small_test).accuracy + 0.02
    )
    assert all(torch.equal(tiny_mlp_state[k], snapshot[k]) for k in snapshot)


def test_binarization_aware_finetuning_returns_binary_weights(tiny_mlp_state, small_train):
    settings = CompressionSettings(binarize_threshold=0.0, layers=("fc2",))
    tuned = finetune("mlp", tiny_mlp_state, settings, *small_train, TrainConfig(epochs=1))
    values = tuned.state["fc2.weight"].unique()
    assert len(values) == 2 and float(values[0]) == -float(values[1])
    assert len(tuned.state["fc1.weight"].unique()) > 1000  # fc1 stays float


@pytest.mark.slow
def test_default_recipe_reaches_98_percent_on_full_mnist(mnist):
    """The one real run: the documented recipe, all 60,000 images, all 10,000 tests."""
    result = train("mlp", mnist.train_images, mnist.train_labels)
    measured = measure(
        "mlp", result.state, CompressionSettings(), mnist.test_images, mnist.test_labels
    )
    assert measured.accuracy >= 0.98


def test_an_evaluation_does_not_depend_on_how_the_logits_were_batched():
    logits = torch.randn(50, 10, generator=torch.Generator().manual_seed(3))
    labels = torch.randint(0, 10, (50,), generator=torch.Generator().manual_seed(4))
    whole = evaluation_of([logits], labels)
    batched = evaluation_of(list(logits.split(7)), labels)
    assert (batched.accuracy, batched.loss) == (whole.accuracy, whole.loss)
    assert torch.equal(batched.predictions, whole.predictions)
    with pytest.raises(ValueError, match="49 logits for 50 labels"):
        evaluation_of([logits[:49]], labels)
