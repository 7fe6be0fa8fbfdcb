"""Combine: prune, then one values method for the survivors; see what each step contributes."""

from compression.explain.retrained_story import COMBINE_STARTS
from ui.compress_page import CompressPage, show

show(
    CompressPage(
        key="combine",
        title="Combine",
        heading="Prune, then choose the values",
        intro=(
            "Pruning decides **which** weights exist; a values method decides the **values** "
            "of the survivors: binarization (±a, or 0 inside the band), k-bit integers times "
            "a scale, or K shared values found by k-means (Deep Compression), one at a time. "
            "The chart below compares four models: the baseline, each step alone, and both "
            "together, so you can see what each one buys in bytes and what it costs in "
            "accuracy; the tab *From float32 to the file* adds up the bytes part by part. "
            "Note that a zero is not free: its position must be stored too, so pruning a "
            "1-bit layer saves bytes only at high sparsity: the page opens at a cut that "
            "removes 80% of the weights, with binary values."
        ),
        methods=("prune", "binarize", "quantize", "share"),
        method_headings=("**1. Prune**",),
        histogram_title="Real weights per layer: the cut, and the values the survivors take",
        pictures_open=True,
        starts=COMBINE_STARTS,  # where pruning a 1-bit layer starts to save bytes
        values_start="binarize",
        ledger=True,
    )
)
