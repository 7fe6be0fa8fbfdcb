"""Binarize: weights become ±a (or 0, ±a); watch accuracy and bytes as the threshold moves."""

from ui.compress_page import CompressPage, show

show(
    CompressPage(
        key="binarize",
        title="Binarize",
        heading="Binarize",
        intro=(
            "Every weight W of a chosen layer becomes **a·sign(W)**: one bit says + or −, and "
            "one number **a** (the mean |W| of the layer) keeps the scale. With a threshold "
            "**t > 0**, weights with |W| ≤ t·mean|W| become **0** instead (ternary weights: "
            "0, ±a). t = 0 is BinaryConnect's pure binary; t = 0.7 is the rule of Ternary "
            "Weight Networks."
        ),
        methods=("binarize",),
        histogram_title="Real weights per layer, the zero band, and the values they become",
    )
)
