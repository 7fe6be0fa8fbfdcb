"""Reusing the activations before a layer gives exactly the whole model's results."""

from __future__ import annotations

import threading
from itertools import pairwise

import pytest
import torch
from shared_data import mnist_test_set, random_state, tiny_mlp_state
from torch import nn
from torch.func import functional_call

from compression.models import build_model, layer_names_for, module_for
from compression.sweeps.activation_reuse import (
    ForwardSplit,
    ReusingEvaluator,
    run_segment,
    split_for,
)
from compression.train import evaluate


@pytest.mark.parametrize("model_name", ["mlp", "cnn"])
def test_prefix_then_suffix_is_the_whole_forward_bit_for_bit(model_name):
    model = build_model(model_name, seed=3).eval()
    images = mnist_test_set()[0][:256]
    split = ForwardSplit(model)
    with torch.inference_mode():
        expected = model(images)
        for layer in layer_names_for(model_name):
            activation = split.prefix(layer)(images)
            assert torch.equal(split.suffix(layer)(activation), expected), layer


def test_prefix_ends_at_the_input_of_the_layer():
    model = build_model("mlp", seed=3).eval()
    images = mnist_test_set()[0][:64]
    with torch.inference_mode():
        expected = torch.relu(model.fc1(model.normalize(images).flatten(1)))  # input of fc2
        assert torch.equal(ForwardSplit(model).prefix("fc2")(images), expected)


@pytest.mark.parametrize("model_name", ["mlp", "cnn"])
def test_segments_between_layers_chain_into_the_prefix(model_name):
    model = build_model(model_name, seed=3).eval()
    images = mnist_test_set()[0][:128]
    split = ForwardSplit(model)
    layers = layer_names_for(model_name)
    with torch.inference_mode():
        activation = split.prefix(layers[0])(images)
        for previous, layer in pairwise(layers):
            activation = split.segment(previous, layer)(activation)
            assert torch.equal(activation, split.prefix(layer)(images)), layer


def test_a_segment_must_run_forward():
    with pytest.raises(ValueError, match="does not come after"):
        ForwardSplit(build_model("mlp")).segment("fc2", "fc1")


@pytest.mark.parametrize("order", [["fc1", "fc2", "fc3"], ["fc3", "fc1", "fc2"]])
def test_evaluator_equals_evaluate_on_the_full_test_set(order):
    images, labels = mnist_test_set()
    state = tiny_mlp_state()
    expected = evaluate(module_for("mlp"), state, images, labels)
    evaluator = ReusingEvaluator("mlp", state, images, labels)
    for layer in order:  # later layers reuse the cached input, earlier ones start over
        got = evaluator.evaluate(state, layer)
        assert got.accuracy == expected.accuracy
        assert got.loss == expected.loss
        assert torch.equal(got.predictions, expected.predictions)


def test_evaluator_equals_evaluate_for_cnn_weights_changed_from_the_layer_on():
    images, labels = mnist_test_set()
    images, labels = images[:2000], labels[:2000]
    reference = random_state("cnn")
    changed = {**reference, "fc1.weight": reference["fc1.weight"] * 0.5}
    expected = evaluate(module_for("cnn"), changed, images, labels)
    got = ReusingEvaluator("cnn", reference, images, labels).evaluate(changed, "fc1")
    assert (got.accuracy, got.loss) == (expected.accuracy, expected.loss)
    assert torch.equal(got.predictions, expected.predictions)


def test_evaluator_batches_like_evaluate_beyond_ten_thousand_images():
    data_images, data_labels = mnist_test_set()
    images = torch.cat([data_images, data_images[:500]])
    labels = torch.cat([data_labels, data_labels[:500]])
    state = random_state("mlp")
    expected = evaluate(module_for("mlp"), state, images, labels)
    got = ReusingEvaluator("mlp", state, images, labels).evaluate(state, "fc2")
    assert (got.accuracy, got.loss) == (expected.accuracy, expected.loss)


def test_evaluator_refuses_weights_that_changed_before_the_layer():
    images, labels = mnist_test_set()
    state = random_state("mlp")
    changed = {**state, "fc1.weight": state["fc1.weight"] * 0}
    evaluator = ReusingEvaluator("mlp", state, images[:100], labels[:100])
    with pytest.raises(ValueError, match=r"fc1\.weight differs"):
        evaluator.evaluate(changed, "fc2")
    evaluator.evaluate(changed, "fc1")  # from fc1 on, the change is allowed


class _Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 4)
        self.fc2 = nn.Linear(4, 4)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x))) + x


def test_split_refuses_a_layer_that_is_not_on_a_chain():
    model = _Residual()
    split = ForwardSplit(model)
    with pytest.raises(ValueError, match="not a chain"):
        split.suffix("fc2")  # the skip connection reads x, computed before fc2
    x = torch.randn(3, 4)
    with torch.no_grad():
        assert torch.equal(split.suffix("fc1")(x), model(x))  # from the input on: a chain


def test_split_refuses_an_unknown_layer():
    with pytest.raises(ValueError, match="exactly once"):
        ForwardSplit(build_model("mlp")).prefix("fc9")


@pytest.mark.parametrize("model_name", ["mlp", "cnn"])
def test_reference_logits_equal_the_logits_of_the_reference_bit_for_bit(model_name):
    images, labels = mnist_test_set()
    images, labels = images[:500], labels[:500]
    state = random_state(model_name)
    expected = ReusingEvaluator(model_name, state, images, labels)
    walked = ReusingEvaluator(model_name, state, images, labels)
    for layer in layer_names_for(model_name):
        assert torch.equal(
            torch.cat(walked.reference_logits(layer)), torch.cat(expected.logits(state, layer))
        ), layer


def test_reference_logits_leave_the_next_layers_input_ready(monkeypatch):
    images, labels = mnist_test_set()
    state = random_state("mlp")
    evaluator = ReusingEvaluator("mlp", state, images[:300], labels[:300])
    evaluator.reference_logits("fc1")
    segments_run = []
    monkeypatch.setattr(
        "compression.sweeps.activation_reuse.run_segment", lambda *args: segments_run.append(args)
    )
    fc2_input = evaluator.layer_inputs("fc2")
    assert segments_run == []  # nothing recomputed
    prefix = ForwardSplit(build_model("mlp")).prefix("fc2")
    weights = {name: state[name] for name in prefix.state_dict()}
    with torch.inference_mode():
        expected = functional_call(prefix, weights, (images[:300],))
    assert torch.equal(torch.cat(fc2_input), expected)


def test_next_layer_follows_the_forward_pass():
    split = ForwardSplit(build_model("cnn"))
    layers = layer_names_for("cnn")
    assert [split.next_layer(layer, layers) for layer in layers] == [*layers[1:], None]
    assert split.next_layer(layers[0], list(reversed(layers))) == layers[1]


def test_a_thread_keeps_its_split_and_no_other_thread_gets_it():
    mine = split_for("mlp")
    assert split_for("mlp") is mine and split_for("cnn") is not mine
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(split_for("mlp")))
    thread.start()
    thread.join()
    assert theirs[0] is not mine


def test_run_segment_runs_each_batch_with_the_given_weights_and_changes_nothing():
    split = ForwardSplit(build_model("mlp", seed=0))
    suffix = split.suffix("fc3")
    before = {name: tensor.clone() for name, tensor in suffix.state_dict().items()}
    state = random_state("mlp", seed=5)
    batches = [torch.randn(3, 100), torch.randn(4, 100)]
    outputs = run_segment(suffix, state, batches)
    for batch, output in zip(batches, outputs, strict=True):
        expected = batch @ state["fc3.weight"].T + state["fc3.bias"]
        torch.testing.assert_close(output, expected)
    for name, tensor in suffix.state_dict().items():
        assert torch.equal(tensor, before[name]), name


def test_many_threads_tracing_at_once_all_get_working_pieces():
    """torch.fx patches module-level functions while it traces: threads take turns."""
    import threading

    from compression.models import build_model
    from compression.sweeps.activation_reuse import ForwardSplit

    start = threading.Barrier(6)
    errors = []

    def trace() -> None:
        start.wait()
        try:
            for _ in range(5):
                split = ForwardSplit(build_model("cnn", seed=0).eval())
                split.suffix("fc1")
                split.after("conv2")
        except Exception as error:  # noqa: BLE001 - any failure is the finding
            errors.append(error)

    threads = [threading.Thread(target=trace) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
