"""The colours of the explorer: one meaning, one colour, on every page and chart.

A colour-blind-safe set (Tableau 10 hues): blue is the trained baseline, orange the
compressed model, green a model retrained after compression, red marks a threshold.
"""

from __future__ import annotations

BASELINE = "#4C78A8"  # the float32 model as trained
COMPRESSED = "#F58518"  # the same model after pruning and/or binarization
FINETUNED = "#54A24B"  # the compressed model after retraining
REMOVED = "#BAB0AC"  # weights that became 0 (pruned, or inside the ternary band)
THRESHOLD = "#E45756"  # a cut or band edge, drawn where it acts
THRESHOLD_FILL = "rgba(228, 87, 86, 0.12)"  # the region a threshold sends to 0
TEST = "#B279A2"  # test-set curves in training charts
TRAIN = "#4C78A8"  # training-set curves in training charts
BATCH = "#9ECAE9"  # each training batch's loss: a light training blue

# Training charts, {series: (colour, dash)}: the colour says which images (training or
# test), the dash says what is measured (loss dotted, accuracy dashed), so no two legend
# entries look alike.
TRAINING_SERIES = {
    "batch_loss": (BATCH, "solid"),
    "train_loss": (TRAIN, "dot"),
    "test_loss": (TEST, "dot"),
    "train_accuracy": (TRAIN, "dash"),
    "test_accuracy": (TEST, "dash"),
}

# The parts of a compressed layer, in the order they are stacked.
SIZE_PARTS = {
    "position_bytes": ("positions", "#72B7B2"),
    "value_bytes": ("values", "#F58518"),
    "scale_bytes": ("scales", "#EECA3B"),
    "bias_bytes": ("biases", "#9D755D"),
}
HUFFMAN_TABLES = ("Huffman tables", "#B279A2")  # stacked last, only when there are some

# One colour per what-if configuration (see compression.measure.split_settings).
CONFIGURATIONS = {
    "baseline": BASELINE,
    "pruned": "#72B7B2",
    "binarized": "#EECA3B",
    "pruned + binarized": COMPRESSED,
    # the other values methods on the Combine page: alone, then after pruning
    "quantized": "#EECA3B",
    "pruned + quantized": COMPRESSED,
    "shared": "#EECA3B",
    "pruned + shared": COMPRESSED,
}

# One colour per layer in the what-if sensitivity curves, in the order the layers are drawn:
# distinct hues (the first five at least 35 degrees apart on the colour wheel).
LAYER_COLORS = ("#4C78A8", "#F58518", "#54A24B", "#B279A2", "#72B7B2", "#E45756")
ALL_LAYERS_COLOR = "#333333"  # the "all layers at once" curve: neutral, unlike any layer

# Two settings compared side by side (the Compare page): A purple, B teal; a weight both keep
# dark grey, one neither keeps near white.
SETTING_A = "#7E57C2"
SETTING_B = "#009E73"
OVERLAP_BOTH = "#4D4D4D"
OVERLAP_NEITHER = "#F2F2F2"
