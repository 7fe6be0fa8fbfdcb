"""Share weights: each layer keeps K values found by k-means; accuracy and bytes as K moves."""

from ui.compress_page import CompressPage, show

show(
    CompressPage(
        key="share weights",  # the title in lower case, as every page's key
        title="Share weights",
        heading="Share weights: K values per layer",
        intro=(
            "The weights of a chosen layer are grouped into **K clusters** by k-means (in one "
            "dimension, starting from K evenly spaced values), and every weight becomes its "
            "cluster's mean: the layer keeps only **K shared values**. Each weight stores "
            "which one it takes, an index of **⌈log2 K⌉ bits**, and the layer stores the K "
            "values as 32-bit floats (Deep Compression's weight sharing). Unlike K-bit "
            "quantization the values need not be evenly spaced: they sit where the weights "
            "are. Pruned weights stay 0 and take no index."
        ),
        methods=("share",),
        histogram_title="Real weights per layer and the K shared values they become",
    )
)
