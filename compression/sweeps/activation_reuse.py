"""Evaluate many weight sets that differ only from one layer on, computing what comes before once.

A chain model is ``f(x) = g_L(h_L(x))``: ``h_L`` runs everything before weight layer ``L``
(its prefix) and ``g_L`` runs ``L`` and everything after it (its suffix). When the weights
of the layers before ``L`` do not change between evaluations, ``a = h_L(x)`` is the same
every time; it is computed once and only ``g_L(a)`` is run per weight set.

The split is read off the model's own ``forward`` with ``torch.fx`` (no per-model code),
so it serves ``mlp`` and ``cnn`` alike. ``g_L(h_L(x))`` performs the very same operations
on the very same tensors as ``f(x)``, batch by batch (``TEST_BATCH`` images, as
:func:`compression.train.evaluate`), so logits, predictions and loss are bitwise those of
:func:`compression.train.evaluate`.
"""

from __future__ import annotations

import threading

import torch
from torch import fx, nn
from torch.func import functional_call

from compression.models import build_model, layer_names_for
from compression.train import TEST_BATCH, Evaluation, evaluation_of


def same_tensor(first: torch.Tensor, second: torch.Tensor) -> bool:
    """``torch.equal``, answered at once for one tensor object (a sweep point shares most)."""
    return first is second or torch.equal(first, second)


# torch.fx's tracer patches module-level functions while it runs, so two threads tracing at
# once (two sessions starting a sweep) can see each other's patches; one trace at a time.
_TRACE_LOCK = threading.Lock()


class ForwardSplit:
    """Pieces of a traced model between the inputs of its weight layers."""

    def __init__(self, module: nn.Module):
        with _TRACE_LOCK:
            self._traced = fx.symbolic_trace(module)
        self._nodes = list(self._traced.graph.nodes)
        self._segments: dict[tuple[str | None, str | None], fx.GraphModule] = {}

    def _layer_call(self, layer: str) -> fx.Node:
        calls = [node for node in self._nodes if node.op == "call_module" and node.target == layer]
        if len(calls) != 1:
            raise ValueError(f"layer {layer!r} must be called exactly once, found {len(calls)}")
        call = calls[0]
        if len(call.args) != 1 or call.kwargs or not isinstance(call.args[0], fx.Node):
            raise ValueError(f"layer {layer!r} must take one activation as its only input")
        return call

    def comes_before(self, first: str, second: str) -> bool:
        """True if ``first`` runs before ``second`` in the forward pass."""
        return self._position(first) < self._position(second)

    def next_layer(self, layer: str, layers: list[str]) -> str | None:
        """The first of ``layers`` that runs after ``layer``; None if none does."""
        later = [name for name in layers if self.comes_before(layer, name)]
        return min(later, key=self._position, default=None)

    def _position(self, layer: str) -> int:
        return self._nodes.index(self._layer_call(layer))

    def segment(self, start: str | None, end: str | None) -> fx.GraphModule:
        """From the input of ``start`` to the input of ``end``.

        ``start=None``: from the model's input; ``end=None``: to the model's output.
        """
        if (start, end) not in self._segments:
            with _TRACE_LOCK:
                self._segments[start, end] = self._build_segment(start, end)
        return self._segments[start, end]

    def prefix(self, layer: str) -> fx.GraphModule:
        """``h_L``: the model's input -> the input of ``layer``."""
        return self.segment(None, layer)

    def suffix(self, layer: str) -> fx.GraphModule:
        """``g_L``: the input of ``layer`` -> the model's output (``layer`` included)."""
        return self.segment(layer, None)

    def after(self, layer: str) -> fx.GraphModule:
        """``t_L``: the output of ``layer`` -> the model's output, so ``g_L = t_L . L``."""
        if (layer, "after") not in self._segments:
            with _TRACE_LOCK:
                segment = self._build_segment(layer, None, from_output=True)
            self._segments[layer, "after"] = segment
        return self._segments[layer, "after"]

    def layer_module(self, layer: str) -> nn.Module:
        return self._traced.get_submodule(layer)

    def _build_segment(
        self, start: str | None, end: str | None, from_output: bool = False
    ) -> fx.GraphModule:
        graph, copies, first = fx.Graph(), {}, 0
        if start is not None:
            call = self._layer_call(start)
            read = call if from_output else call.args[0]
            copies[read] = graph.placeholder("activation")
            first = self._nodes.index(call) + (1 if from_output else 0)
        stop = len(self._nodes) if end is None else self._nodes.index(self._layer_call(end))
        if stop <= first and not from_output:
            raise ValueError(f"layer {end!r} does not come after {start!r}")

        def copied(old: fx.Node) -> fx.Node:
            if old not in copies:
                raise ValueError(
                    f"the layers after {start!r} also read {old.name!r}, computed before "
                    "it; the model is not a chain at this layer"
                )
            return copies[old]

        for node in self._nodes[first:stop]:
            copies[node] = graph.node_copy(node, copied)
        if end is not None:
            graph.output(copied(self._layer_call(end).args[0]))
        segment = fx.GraphModule(self._traced, graph)
        segment.graph.eliminate_dead_code()  # drop nodes the segment's output does not need
        segment.recompile()
        return segment


class _EachBatch(nn.Module):
    """``segment`` applied to each tensor of a list, so one functional_call serves them all."""

    def __init__(self, segment: nn.Module):
        super().__init__()
        self.segment = segment

    def forward(self, batches: list[torch.Tensor]) -> list[torch.Tensor]:
        return [self.segment(batch) for batch in batches]


def run_segment(
    module: fx.GraphModule, state: dict[str, torch.Tensor], batches: list[torch.Tensor]
) -> list[torch.Tensor]:
    """``[module(x) for x in batches]`` with the weights of ``state`` it uses.

    Functional: nothing is changed. The weights are put in place once for all batches
    (putting them in place costs more than a small layer's product).
    """
    names = module.state_dict().keys()
    weights = {f"segment.{name}": state[name] for name in names}
    return functional_call(_EachBatch(module), weights, (batches,))


_THREAD_SPLITS = threading.local()


def split_for(model_name: str) -> ForwardSplit:
    """The ForwardSplit of a fresh ``model_name`` module, one per thread, segments kept.

    Tracing and compiling the segments costs more than a small layer's test pass, so they
    are made once per thread. Not shared between threads: :func:`run_segment` swaps a
    segment's tensors for the duration of a call.
    """
    splits = getattr(_THREAD_SPLITS, "splits", None)
    if splits is None:
        splits = _THREAD_SPLITS.splits = {}
    if model_name not in splits:
        splits[model_name] = ForwardSplit(build_model(model_name, seed=0).eval())
    return splits[model_name]


class ReusingEvaluator:
    """Accuracy and loss of weight sets that agree with ``reference_state`` before a layer.

    ``evaluate(state, layer)`` equals ``compression.train.evaluate(model, state, images,
    labels)`` bit for bit, provided every tensor of the layers before ``layer`` in
    ``state`` equals the one in ``reference_state`` (checked). The input of ``layer`` is
    computed from ``reference_state`` once and kept until a later layer is asked for;
    the input of a later layer is then computed from it, not from the images again
    (:meth:`reference_logits` leaves the next layer's input ready on its way).
    """

    def __init__(
        self,
        model_name: str,
        reference_state: dict[str, torch.Tensor],
        images: torch.Tensor,
        labels: torch.Tensor,
    ):
        self.split = split_for(model_name)  # this thread's: use the evaluator where it was made
        self.layers = layer_names_for(model_name)
        self._reference = reference_state
        self._images, self.labels = images, labels
        # {layer: its input, one (B, ...) activation per batch}: the layer last asked for,
        # and the next one once reference_logits has passed through it
        self._cached: dict[str, list[torch.Tensor]] = {}

    def batches(self) -> range:
        return range(0, len(self.labels), TEST_BATCH)

    def layer_inputs(self, layer: str) -> list[torch.Tensor]:
        """Input of ``layer`` per batch: from the cached input of an earlier layer if any.

        Inputs of layers before ``layer`` are dropped (a sweep goes forward).
        """
        if layer not in self._cached:
            earlier = [name for name in self._cached if self.split.comes_before(name, layer)]
            start = earlier[-1] if earlier else None
            sources = self._cached[start] if start else self._image_batches()
            segment = self.split.segment(start, layer)
            with torch.inference_mode():
                self._cached[layer] = run_segment(segment, self._reference, sources)
        self._cached = {
            name: inputs
            for name, inputs in self._cached.items()
            if name == layer or self.split.comes_before(layer, name)
        }
        return self._cached[layer]

    def reference_logits(self, layer: str) -> list[torch.Tensor]:
        """``logits(reference_state, layer)``, keeping the next layer's input on the way.

        ``g_L = g_next . s`` with ``s`` the segment between the two inputs: the same
        operations on the same tensors, so the logits are bitwise those of ``logits``, and
        the next layer's input costs nothing more.
        """
        following = self.split.next_layer(layer, self.layers)
        try:
            between = self.split.segment(layer, following) if following else None
            rest = self.split.suffix(following) if following else None
        except ValueError:  # not a chain from ``following`` on: no input to keep
            between = rest = None
        if rest is None:
            return self.logits(self._reference, layer)
        with torch.inference_mode():
            nexts = run_segment(between, self._reference, self.layer_inputs(layer))
            self._cached[following] = nexts
            return run_segment(rest, self._reference, nexts)

    def _image_batches(self) -> list[torch.Tensor]:
        return [self._images[start : start + TEST_BATCH] for start in self.batches()]

    def check_prefix_unchanged(self, state: dict[str, torch.Tensor], layer: str) -> None:
        for name in self.split.prefix(layer).state_dict():
            if not same_tensor(state[name], self._reference[name]):
                raise ValueError(
                    f"{name} differs from the reference weights, so the activations "
                    f"before {layer!r} cannot be reused"
                )

    def logits(self, state: dict[str, torch.Tensor], layer: str) -> list[torch.Tensor]:
        """Logits of ``state`` per batch, running only ``layer`` and the layers after it."""
        self.check_prefix_unchanged(state, layer)
        suffix = self.split.suffix(layer)
        with torch.inference_mode():
            return run_segment(suffix, state, self.layer_inputs(layer))

    def evaluate(self, state: dict[str, torch.Tensor], layer: str) -> Evaluation:
        """Test ``state``, running only ``layer`` and the layers after it."""
        return evaluation_of(self.logits(state, layer), self.labels)
