"""Prune: remove the smallest weights; watch sparsity, bytes and accuracy as the cut moves."""

from ui.compress_page import CompressPage, show

show(
    CompressPage(
        key="prune",
        title="Prune",
        heading="Prune",
        intro=(
            "Weights with a small magnitude |W| matter least: set them to **0**. A zero needs "
            "no value, only its position (a bitmask, column indices or run lengths, whichever "
            "is smallest), so the model shrinks as the cut rises. Set the cut as an absolute "
            "|W| (Han et al. 2015) or as the share of weights to remove."
        ),
        methods=("prune",),
        histogram_title="Real weights per layer and the cut",
    )
)
