"""One sentence per control, for Streamlit's ``help=``: what moving it does.

Keys match the setting names of :mod:`ui.link_codec` and :class:`compression.train.TrainConfig`,
so a page writes ``st.slider(..., help=CONTROL_HELP["prune_sparsity"])``.
"""

from __future__ import annotations

CONTROL_HELP: dict[str, str] = {
    # what is compressed
    "model": (
        "Which network to explore: a 784-300-100 fully connected MLP or a small "
        "LeNet-5 style convolutional net."
    ),
    "dataset": (
        "Which images the network learns: handwritten digits (MNIST) or clothing "
        "(Fashion-MNIST), both 28x28 grey levels in 10 classes."
    ),
    "seed": (
        "Starting point of the random initial weights and batch order; the same seed "
        "and settings train exactly the same model."
    ),
    "layers": "Which layers are pruned and binarized; the others keep their trained weights.",
    # pruning
    "prune_mode": (
        "Prune by an absolute cut on |W| (same cut everywhere) or by the fraction of "
        "weights to remove."
    ),
    "prune_threshold": "Every weight with |W| at or below this value is set to zero.",
    "prune_sparsity": "The fraction of weights removed, those with the smallest |W| first.",
    "prune_scope": (
        "'layer' removes that fraction from every layer; 'global' uses one |W| cut for "
        "all chosen layers, so layers with small weights lose more."
    ),
    "prune_structure": (
        "'unstructured' removes single weights; 'neurons' removes whole hidden units "
        "(filters) with the smallest L2 norm, which really shrinks the matrices."
    ),
    # binarization
    "binarize": (
        "Replace each kept weight by +a or -a (a = mean|W| of the layer), i.e. one bit "
        "per weight plus one scale."
    ),
    "binarize_threshold": (
        "Weights with |W| below this multiple of mean|W| become 0 (ternary); "
        "0 gives pure binary, 0.7 is the Ternary Weight Networks choice."
    ),
    "per_channel": (
        "Use one scale a per output unit (XNOR-Net) instead of one per layer; costs "
        "a few more bytes, usually keeps more accuracy."
    ),
    # training
    "epochs": "Passes over the training images; more take longer and usually help a little.",
    "learning_rate": "Adam's step size at the start; it is multiplied by 0.75 after every epoch.",
    "batch_size": "Images per gradient step.",
    "train_subset": "Train on only this many images, for a faster (and less accurate) model.",
    # what-if sweeps
    "sweep_method": (
        "Which setting the sweep varies: the share of weights pruned, the |W| pruning cut, "
        "or the binarization threshold."
    ),
    "sweep_values": "The values to try, separated by commas; each one is a compressed model.",
    "sweep_per_layer": (
        "Compress one layer at a time, the others left as trained, to see which layer "
        "tolerates the most compression."
    ),
    "grid_prune_values": (
        "The pruning settings of the grid; each is combined with every binarization value."
    ),
    "grid_binarize_values": (
        "The binarization thresholds of the grid (x mean|W|); 'off' keeps the surviving "
        "weights as float32."
    ),
    "marked_setting": "Which page's sliders give the star on the chart: your current setting.",
    "finetune_epochs": (
        "Retrain with the pruning mask and binarization held fixed, so the remaining "
        "weights make up for the removed ones."
    ),
}
