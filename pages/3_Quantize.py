"""Quantize: weights become K-bit integers times one scale; watch accuracy and bytes as K moves."""

from ui.compress_page import CompressPage, show

show(
    CompressPage(
        key="quantize",
        title="Quantize",
        heading="Quantize to K bits",
        intro=(
            "Every weight W of a chosen layer becomes **s·n**: a whole number **n** from "
            "−(2^(K−1)−1) to 2^(K−1)−1, stored in **K bits**, times one number **s** = "
            "max|W| / (2^(K−1)−1) that keeps the scale (symmetric uniform quantization, "
            "round half to even). 8 bits keep 255 values and nearly all the accuracy; each "
            "bit fewer halves the levels, and at 2 bits only −s, 0 and +s are left."
        ),
        methods=("quantize",),
        histogram_title="Real weights per layer and the values s·n they are rounded to",
    )
)
