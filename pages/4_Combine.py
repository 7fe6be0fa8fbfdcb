"""Combine: prune, then binarize the survivors; see what each step contributes."""

from compression.explain.retrained_story import COMBINE_STARTS
from ui.compress_page import CompressPage, show

show(
    CompressPage(
        key="combine",
        title="Combine",
        heading="Prune and binarize together",
        intro=(
            "Pruning decides **which** weights exist; binarization decides the **values** of "
            "the survivors (±a, or 0 inside the band). The chart below compares four models: "
            "the baseline, each step alone, and both together, so you can see what each one "
            "buys in bytes and what it costs in accuracy. Note that a zero is not free: its "
            "position must be stored too, so pruning a 1-bit layer saves bytes only at high "
            "sparsity: the page opens at a cut that removes 80% of the weights."
        ),
        methods=("prune", "binarize"),
        method_headings=("**1. Prune**", "**2. Binarize the survivors**"),
        histogram_title="Real weights per layer: the cut, the band and the values",
        pictures_open=True,
        starts=COMBINE_STARTS,  # where pruning a 1-bit layer starts to save bytes
    )
)
