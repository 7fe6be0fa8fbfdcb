"""Every path of the sweep evaluator predicts what a single analysis of the point predicts."""

from __future__ import annotations

from collections import Counter

import pytest
import torch
from shared_data import mnist_test_set, random_state, shipped_mlp_state, tiny_mlp_state
from torch.func import functional_call

from compression.measure import measure
from compression.models import module_for
from compression.settings import CompressionSettings
from compression.sweeps import evaluation as sweep_evaluation
from compression.sweeps.evaluation import (
    BIAS_ONLY,
    EXACT,
    EXACT_NEAR_TIES,
    REFERENCE,
    SPARSE_INPUT,
    TIE_MARGIN,
    SweepEvaluator,
    near_ties,
)
from compression.sweeps.sweep import SweepSpec, run_sweep, sweep_points
from compression.train import TEST_BATCH

SPARSITIES = tuple(step / 10 for step in range(11))


def _dense_logits(model_name, state, images):
    """The logits measure computes: the whole model, batches of TEST_BATCH images."""
    module = module_for(model_name)
    with torch.inference_mode():
        return torch.cat(
            [functional_call(module, state, (batch,)) for batch in images.split(TEST_BATCH)]
        )


def _point(state, layer, sparsity):
    spec = SweepSpec("prune-sparsity", (sparsity,), per_layer=True)
    return next(point for point in sweep_points("mlp", state, spec) if point.layer == layer)


@pytest.mark.slow
def test_fast_sweep_predicts_like_measure_at_every_point_of_the_shipped_mlp():
    images, labels = mnist_test_set()
    state = shipped_mlp_state()
    spec = SweepSpec("prune-sparsity", SPARSITIES, per_layer=True)
    table = run_sweep("mlp", state, spec, images, labels)
    evaluator = SweepEvaluator("mlp", state, images, labels)
    paths = Counter()
    for row, point in zip(table.itertuples(), sweep_points("mlp", state, spec), strict=True):
        settings = CompressionSettings(prune_sparsity=row.value, layers=(row.layer,))
        measured = measure("mlp", state, settings, images, labels)
        assert row.accuracy == measured.accuracy, (row.layer, row.value)
        assert abs(row.loss - measured.loss) < 1e-6, (row.layer, row.value)
        result = evaluator.evaluate(point.state, point.layer)
        assert torch.equal(result.evaluation.predictions, measured.predictions.long())
        paths[row.layer, result.path] += 1
    assert paths["fc1", SPARSE_INPUT] >= 6  # not vacuous


def test_sparse_input_logits_differ_from_measure_by_rounding_far_below_the_tie_margin():
    images, labels = mnist_test_set()
    state = shipped_mlp_state()
    evaluator = SweepEvaluator("mlp", state, images, labels)
    for sparsity in (0.3, 0.7):
        point = _point(state, "fc1", sparsity)
        result = evaluator.evaluate(point.state, "fc1")
        assert result.path == SPARSE_INPUT, sparsity
        gap = (torch.cat(result.logits) - _dense_logits("mlp", point.state, images)).abs()
        assert float(gap.max()) < TIE_MARGIN / 20, sparsity


def test_when_every_image_is_a_near_tie_every_batch_is_recomputed_bit_for_bit(monkeypatch):
    images, labels = mnist_test_set()
    state = shipped_mlp_state()
    point = _point(state, "fc1", 0.5)
    monkeypatch.setattr(sweep_evaluation, "TIE_MARGIN", float("inf"))  # every image is a tie
    result = SweepEvaluator("mlp", state, images, labels).evaluate(point.state, "fc1")
    assert result.path == EXACT_NEAR_TIES
    assert torch.equal(torch.cat(result.logits), _dense_logits("mlp", point.state, images))
    measured = measure("mlp", state, point.settings, images, labels)
    assert result.evaluation.loss == measured.loss


def test_only_the_batch_holding_a_near_tie_is_recomputed(monkeypatch):
    images, labels = mnist_test_set()
    images, labels = images[: 3 * TEST_BATCH], labels[: 3 * TEST_BATCH]
    state = shipped_mlp_state()
    point = _point(state, "fc1", 0.5)
    sparse = SweepEvaluator("mlp", state, images, labels).evaluate(point.state, "fc1")
    assert sparse.path == SPARSE_INPUT
    dense = _dense_logits("mlp", point.state, images).split(TEST_BATCH)
    assert not torch.equal(sparse.logits[1], dense[1])  # rounding differs: the test can see

    def one_tie(logits):
        tied = torch.zeros(len(logits), dtype=torch.bool)
        tied[TEST_BATCH + 5] = True  # an image of the second batch
        return tied

    monkeypatch.setattr(sweep_evaluation, "near_ties", one_tie)
    result = SweepEvaluator("mlp", state, images, labels).evaluate(point.state, "fc1")
    assert result.path == EXACT_NEAR_TIES
    assert torch.equal(result.logits[1], dense[1])
    assert torch.equal(result.logits[0], sparse.logits[0])
    assert torch.equal(result.logits[2], sparse.logits[2])


def test_a_near_tie_is_a_top_two_gap_below_the_margin_or_a_nan():
    logits = torch.tensor(
        [[3.0, 1.0, 0.0], [2.0, 2.0 + TIE_MARGIN / 2, 0.0], [float("nan"), 1.0, 0.0]]
    )
    assert near_ties(logits).tolist() == [False, True, True]
    assert near_ties(torch.zeros(3, 1)).tolist() == [False, False, False]  # one class


@pytest.mark.parametrize(("sparsity", "path"), [(0.0, REFERENCE), (1.0, BIAS_ONLY)])
def test_unpruned_and_fully_pruned_points_are_measure_bit_for_bit(sparsity, path):
    images, labels = mnist_test_set()
    state = tiny_mlp_state()
    evaluator = SweepEvaluator("mlp", state, images, labels)
    for layer in ("fc1", "fc2", "fc3"):
        point = _point(state, layer, sparsity)
        result = evaluator.evaluate(point.state, layer)
        assert result.path == path
        assert torch.equal(torch.cat(result.logits), _dense_logits("mlp", point.state, images))
        measured = measure("mlp", state, point.settings, images, labels)
        assert (result.evaluation.accuracy, result.evaluation.loss) == (
            measured.accuracy,
            measured.loss,
        )


@pytest.mark.parametrize("sparsity", [0.5, 1.0])
def test_an_infinite_input_takes_the_exact_path(sparsity):
    images, labels = mnist_test_set()
    images, labels = images[:200].clone(), labels[:200]
    images[7, 0, 14, 14] = float("inf")  # 0 * inf is nan in the dense product, not 0
    state = tiny_mlp_state()
    point = _point(state, "fc1", sparsity)
    result = SweepEvaluator("mlp", state, images, labels).evaluate(point.state, "fc1")
    assert result.path == EXACT
    dense = _dense_logits("mlp", point.state, images)
    assert dense[7].isnan().any() and not dense[6].isnan().any()
    torch.testing.assert_close(torch.cat(result.logits), dense, rtol=0, atol=0, equal_nan=True)


def test_a_nan_logit_sends_its_batch_to_the_exact_path():
    images, labels = mnist_test_set()
    images, labels = images[:2000], labels[:2000]
    state = tiny_mlp_state()
    point = _point(state, "fc1", 0.5)
    nan_bias = point.state["fc3.bias"].clone()
    nan_bias[0] = float("nan")  # after the swept layer: every image gets a nan logit
    changed = {**point.state, "fc3.bias": nan_bias}
    result = SweepEvaluator("mlp", state, images, labels).evaluate(changed, "fc1")
    assert result.path == EXACT_NEAR_TIES
    dense = _dense_logits("mlp", changed, images)
    torch.testing.assert_close(torch.cat(result.logits), dense, rtol=0, atol=0, equal_nan=True)


def test_dense_inputs_and_convolutions_take_the_exact_path():
    images, labels = mnist_test_set()
    images, labels = images[:1000], labels[:1000]
    mlp = shipped_mlp_state()  # fc2 reads 47% and fc3 66% nonzero ReLU outputs
    for layer in ("fc2", "fc3"):
        point = _point(mlp, layer, 0.5)
        result = SweepEvaluator("mlp", mlp, images, labels).evaluate(point.state, layer)
        assert result.path == EXACT, layer
        assert torch.equal(torch.cat(result.logits), _dense_logits("mlp", point.state, images))
    cnn = random_state("cnn")
    changed = {**cnn, "conv2.weight": cnn["conv2.weight"] * 0.5}
    result = SweepEvaluator("cnn", cnn, images, labels).evaluate(changed, "conv2")
    assert result.path == EXACT
    assert torch.equal(torch.cat(result.logits), _dense_logits("cnn", changed, images))


def test_weights_changed_before_the_layer_are_refused():
    images, labels = mnist_test_set()
    state = random_state("mlp")
    changed = {**state, "fc1.weight": state["fc1.weight"] * 0}
    with pytest.raises(ValueError, match=r"fc1\.weight differs"):
        SweepEvaluator("mlp", state, images[:100], labels[:100]).evaluate(changed, "fc2")
