"""The Learn page's lessons: their order, their text, and the live table beside each.

The prose lives in ``docs/learn/*.md``; :data:`LESSONS` lists it in reading order. The
tables are computed by :mod:`compression.explain.lesson` on the person's own weights and
last settings; this module says which table goes with which lesson and how it is
captioned. Pure Python: no Streamlit, so it is tested on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch

from compression.compress import prune_masks
from compression.data import PROJECT_ROOT
from compression.explain.lesson import (
    layer_scales,
    pruning_thresholds,
    quantization_levels,
    removed_by_threshold,
    straight_through_example,
    ternary_band,
)
from compression.explain.sharing_lesson import layer_centroids, shared_values
from compression.explain.sparse_speed import recorded_sparse_timings
from compression.methods.binarize import TWN_THRESHOLD
from compression.methods.quantize import QUANTIZE
from compression.methods.share import index_bits
from compression.methods.weight_sharing import SHARE
from compression.models import weight_key
from compression.settings import CompressionSettings

RECORDED_TIMINGS_CAPTION = (
    "measured with `python bench/sparse_speed.py` (one thread) on the machine that "
    "built this app; times on yours will differ, the pattern should not"
)

LEARN_DIR = PROJECT_ROOT / "docs" / "learn"


@dataclass(frozen=True)
class Lesson:
    """One section of the Learn page: a title and its markdown file."""

    key: str  # stable id, also the file stem
    title: str

    @property
    def path(self) -> Path:
        return LEARN_DIR / f"{self.key}.md"


LESSONS = (
    Lesson("binarization", "Binarization: one bit per weight"),
    Lesson("straight_through", "Training through sign(): the straight-through estimator"),
    Lesson("ternary", "Ternary weights: a band of zeros"),
    Lesson("quantization", "k-bit quantization: whole numbers times one scale"),
    Lesson("weight_sharing", "Weight sharing: K values found by k-means"),
    Lesson("pruning", "Magnitude pruning"),
    Lesson("sparse_speed", "Why a sparse model is not automatically faster"),
    Lesson("pictures", "Reading the pictures"),
)


def lesson_markdown(key: str) -> str:
    """The markdown text of a lesson (LaTeX between ``$`` signs)."""
    lessons = {lesson.key: lesson for lesson in LESSONS}
    if key not in lessons:
        raise ValueError(f"unknown lesson {key!r}; choose one of {', '.join(lessons)}")
    return lessons[key].path.read_text(encoding="utf-8")


EXAMPLE_SPARSITY = 0.9  # shown when the user has not chosen a sparsity
EXAMPLE_BITS = int(QUANTIZE.control("quantize_bits").start)  # when quantization is off
EXAMPLE_SHARED = int(SHARE.control("share_weights").start)  # when weight sharing is off


@dataclass(frozen=True)
class ColumnView:
    """How a column of a lesson table is shown: a title for a person, and a number format.

    ``format`` is a Streamlit number format (``"%.4f"``, ``"percent"``, ``"localized"``),
    ``"check"`` for a yes/no column, ``"hidden"`` for one the caption already states, None
    for text.
    """

    title: str
    format: str | None = None


# Every column of every lesson table, named for a person, units included.
COLUMN_VIEWS = {
    "layer": ColumnView("layer"),
    "params": ColumnView("weights", "localized"),
    "mean_abs": ColumnView("a = mean |W|", "%.4f"),
    "max_abs": ColumnView("largest |W|", "%.4f"),
    "band": ColumnView("band Δ", "%.4f"),
    "considered": ColumnView("weights looked at", "localized"),
    "zeroed": ColumnView("set to 0", "localized"),
    "zeroed_fraction": ColumnView("share set to 0", "percent"),
    "scale": ColumnView("a (outside the band)", "%.4f"),
    "scale_s": ColumnView("scale s", "%.5f"),
    "mean_scale": ColumnView("s (mean of the rows)", "%.5f"),
    "levels": ColumnView("levels 2^K − 1", "localized"),
    "mean_error": ColumnView("mean error |W − Wq|", "%.5f"),
    "w": ColumnView("w", "%.2f"),
    "w_b": ColumnView("a·sign(w)", "%.3f"),
    "upstream_grad": ColumnView("g (given)", "%.2f"),
    "passes": ColumnView("|w| ≤ 1", "check"),
    "grad_autograd": ColumnView("∂L/∂w autograd", "%.2f"),
    "grad_formula": ColumnView("∂L/∂w formula", "%.2f"),
    "threshold": ColumnView("cut τ on |W|", "%.4f"),
    "removed": ColumnView("weights removed", "localized"),
    "removed_fraction": ColumnView("share removed", "percent"),
    "sparsity": ColumnView("sparsity", "percent"),
    "batch": ColumnView("images", "localized"),
    "threads": ColumnView("CPU threads", "hidden"),
    "dense_us": ColumnView("dense (µs)", "%.0f"),
    "csr_us": ColumnView("CSR (µs)", "%.0f"),
    "csr_vs_dense": ColumnView("CSR ÷ dense time", "%.1f×"),
    "dense_bytes": ColumnView("dense (bytes)", "localized"),
    "indexed": ColumnView("weights n", "localized"),
    "index_bits": ColumnView("⌈log2 K⌉", "hidden"),  # the caption says it
    "shared_bytes": ColumnView("bytes", "localized"),
    "mse": ColumnView("mean (W − c)²", "%.2e"),
    "huffman_mean": ColumnView("Huffman bits", "%.2f"),
    "bits_saved": ColumnView("bits saved", "localized"),
    "cluster": ColumnView("k", "localized"),
    "start": ColumnView("linear start", "%.4f"),
    "centroid": ColumnView("shared value cₖ", "%.4f"),
    "cluster_size": ColumnView("weights nₖ", "localized"),
    "code_length": ColumnView("Huffman code bits", "localized"),
    "csr_bytes": ColumnView("CSR (bytes)", "localized"),
}


@dataclass(frozen=True)
class LiveExample:
    """A lesson's table computed on the user's weights, and one line saying what it shows."""

    table: pd.DataFrame
    caption: str


def live_example(
    key: str,
    state: dict[str, torch.Tensor],
    layers: Sequence[str],
    settings: CompressionSettings | None = None,
    output: str | None = None,
) -> LiveExample | None:
    """The table that sits under lesson ``key``; None for lessons without one.

    Its columns are shown with the titles and formats of :data:`COLUMN_VIEWS`.

    ``layers`` are the layers the user compresses (``settings.chosen_layers(all)``);
    ``settings`` None means no compression; ``output`` is the model's output layer, whose
    rows neuron pruning keeps. ``sparse_speed`` gets the recorded
    benchmark: timing live takes seconds and, on a busy shared server, measures the
    other users more than the matrices (``compression.explain.sparse_speed.sparse_matmul_timings``
    can still be offered on request).
    """
    settings = CompressionSettings() if settings is None else settings
    if key == "binarization":
        return LiveExample(layer_scales(state, layers), "a = mean|W| of each layer of your model")
    if key == "straight_through":
        return LiveExample(straight_through_example(), "six hand-picked weights, a = mean|w|")
    if key == "ternary":
        t = settings.binarize_threshold
        caption = (
            f"at your threshold t = {t:g}" if t is not None
            else f"at t = {TWN_THRESHOLD} (binarization is off; the Ternary Weight Networks value)"
        )  # fmt: skip
        masks = prune_masks({n: state[weight_key(n)] for n in layers}, settings, output)
        table = ternary_band(state, layers, TWN_THRESHOLD if t is None else t, masks)
        return LiveExample(table, caption)
    if key == "quantization":
        bits = settings.quantize_bits
        scales = "one s per output row" if settings.per_channel else "one s per layer"
        caption = (
            f"at your K = {bits:g} bits, {scales}" if bits is not None
            else f"at K = {EXAMPLE_BITS} bits, {scales} (quantization is off; the Quantize "
            "page's starting value)"
        )  # fmt: skip
        masks = prune_masks({n: state[weight_key(n)] for n in layers}, settings, output)
        chosen = EXAMPLE_BITS if bits is None else int(bits)
        table = quantization_levels(state, layers, chosen, settings.per_channel, masks)
        return LiveExample(table, caption)
    if key == "weight_sharing":
        count, caption = shared_count(settings)
        masks = prune_masks({n: state[weight_key(n)] for n in layers}, settings, output)
        return LiveExample(shared_values(state, layers, count, masks), caption)
    if key == "pruning":
        if settings.prune_threshold is not None:
            table = removed_by_threshold(state, layers, settings.prune_threshold)
            return LiveExample(table, f"at your threshold |W| <= {settings.prune_threshold:g}")
        sparsity = settings.prune_sparsity
        chosen = EXAMPLE_SPARSITY if sparsity is None else sparsity
        scope = settings.prune_scope
        caption = (
            f"at your sparsity {chosen:.0%}, scope {scope}" if sparsity is not None
            else f"at sparsity {chosen:.0%}, scope {scope} (pruning is off)"
        )  # fmt: skip
        return LiveExample(pruning_thresholds(state, layers, chosen, scope), caption)
    if key == "sparse_speed":
        return LiveExample(recorded_sparse_timings(), RECORDED_TIMINGS_CAPTION)
    if key in {lesson.key for lesson in LESSONS}:
        return None
    raise ValueError(f"unknown lesson {key!r}")


def shared_count(settings: CompressionSettings) -> tuple[int, str]:
    """The K the weight-sharing lesson uses (the person's, else the page's start), and a
    caption saying which."""
    if settings.share_weights is not None:
        count = int(settings.share_weights)
        chosen = f"at your K = {count} shared values per layer"
    else:
        count = EXAMPLE_SHARED
        chosen = (
            f"at K = {count} shared values (weight sharing is off; the Share weights page's "
            "starting value)"
        )
    bits = index_bits(count)
    return count, (
        f"{chosen}: ⌈log2 K⌉ = {bits} bits per index; bytes = indices + {count} float32 values "
        "(positions not counted); Huffman bits = the mean code length of the indices, to "
        f"compare with {bits}"
    )


LAYER_EXAMPLES = ("weight_sharing",)  # lessons with a second table, for one chosen layer


def layer_example(
    key: str,
    state: dict[str, torch.Tensor],
    layers: Sequence[str],
    layer: str,
    settings: CompressionSettings | None = None,
    output: str | None = None,
) -> LiveExample | None:
    """The second table of lesson ``key`` for ``layer``, one of ``layers`` (the compressed
    ones, as in :func:`live_example`); None for lessons without one.

    Weight sharing: the layer's K shared values, each with its linear start, its cluster's
    size and its Huffman code length (after the settings' pruning, as on the page).
    """
    if layer not in layers:
        raise ValueError(f"layer {layer!r} is not one of the compressed layers {list(layers)}")
    settings = CompressionSettings() if settings is None else settings
    if key == "weight_sharing":
        count, _ = shared_count(settings)
        masks = prune_masks({n: state[weight_key(n)] for n in layers}, settings, output)
        table = layer_centroids(state[weight_key(layer)], count, masks.get(layer))
        return LiveExample(table, f"the K = {count} shared values of `{layer}`, smallest first")
    if key in {lesson.key for lesson in LESSONS}:
        return None
    raise ValueError(f"unknown lesson {key!r}")
