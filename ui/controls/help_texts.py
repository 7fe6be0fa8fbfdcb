"""Help texts for Streamlit's ``help=``, one sentence per control: what moving it does.

Keys name the setting the control sets where it sets one (:mod:`ui.controls.link_codec`,
:class:`compression.train.TrainConfig`); a page writes
``st.selectbox(..., help=CONTROL_HELP["sweep_method"])``. Every entry is shown by some page.
"""

from __future__ import annotations

CONTROL_HELP: dict[str, str] = {
    # the baseline
    "dataset": (
        "Which images the network learns: handwritten digits (MNIST) or clothing "
        "(Fashion-MNIST), both 28x28 grey levels in 10 classes."
    ),
    # binarization
    "per_channel": (
        "Use one scale a per output unit (XNOR-Net) instead of one per layer; costs "
        "a few more bytes, usually keeps more accuracy."
    ),
    # training
    "batch_size": "Images per gradient step.",
    "train_subset": "Train on only this many images, for a faster (and less accurate) model.",
    # what-if sweeps
    "sweep_method": (
        "Which setting the sweep varies: the share of weights pruned, the |W| pruning cut, "
        "the binarization threshold, the bits of k-bit quantization or the shared values."
    ),
    "sweep_values": "The values to try, separated by commas; each one is a compressed model.",
    "sweep_per_layer": (
        "Compress one layer at a time, the others left as trained, to see which layer "
        "tolerates the most compression."
    ),
    "grid_prune_values": (
        "The pruning settings of the grid; each is combined with every binarization value, "
        "every bit width and every number of shared values."
    ),
    "grid_binarize_values": (
        "The binarization thresholds of the grid (x mean|W|); 'off' keeps the surviving "
        "weights as float32."
    ),
    "grid_bits_values": (
        "The k-bit widths of the grid: each weight becomes s·n with n a K-bit whole number "
        "and s = max|W| / (2^(K−1)−1), shown as int8, int4 and so on."
    ),
    "grid_shared_values": (
        "The shared values of the grid (weight sharing, Deep Compression): each layer's kept "
        "weights become K values found by k-means, each weight a log2(K)-bit index."
    ),
    "ratio_meaning": (
        "What the x axis divides: float32 bytes by the bytes stored (positions and codes "
        "included), or the weights by the nonzero weights; papers report one or the other."
    ),
    "budget_bytes": (
        "The largest .cxm file you accept, header included; each layer gets the setting "
        "that keeps the most accuracy on the test images."
    ),
    "marked_setting": "Which page's sliders give the star on the chart: your current setting.",
    "distill": (
        "Also learn from the uncompressed baseline's soft answers (knowledge distillation, "
        "temperature T = 4, weight 0.9 on the teacher), not from the labels alone."
    ),
    "finetune_epochs": (
        "Passes over the training images with the compression held in place, so the "
        "remaining weights make up for what it removed."
    ),
}
