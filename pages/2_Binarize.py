"""Binarize: weights become ±a (or 0, ±a); watch accuracy and bytes as the threshold moves."""

import streamlit as st

from compression.figures import plots
from compression.settings import CompressionSettings
from ui import downloads, link, measuring, page, readouts, retrain, teaching, widgets

PAGE = "binarize"

baseline, reference = page.start_page("Binarize")

st.title("Binarize")
st.markdown(
    "Every weight W of a chosen layer becomes **a·sign(W)**: one bit says + or −, and one "
    "number **a** (the mean |W| of the layer) keeps the scale. With a threshold **t > 0**, "
    "weights with |W| ≤ t·mean|W| become **0** instead (ternary weights: 0, ±a). "
    "t = 0 is BinaryConnect's pure binary; t = 0.7 is the rule of Ternary Weight Networks."
)


@st.fragment
def explorer() -> None:
    controls = st.columns([3, 2], gap="large")
    with controls[0]:
        binarize = widgets.binarize_ui(PAGE)
    with controls[1]:
        layers = widgets.layers_ui(baseline, PAGE)
    if readouts.layers_warning(layers):
        return
    settings = CompressionSettings(**binarize, layers=layers)
    measured = measuring.measured(baseline, settings)
    link.share_box(link.keep(baseline, settings))

    metrics = st.columns(4)
    readouts.accuracy_metric(metrics[0], measured, reference)
    readouts.size_metric(metrics[1], measured)
    readouts.bits_metric(metrics[2], measured)
    readouts.ratio_metric(metrics[3], measured)
    downloads.download_buttons(baseline, measured)

    st.plotly_chart(
        plots.weight_histograms(
            measured.layers,
            title="Real weights per layer, the zero band, and the values they become",
        ),
        key=f"{PAGE}.histograms",
    )
    left, right = st.columns(2)
    left.plotly_chart(plots.size_bars(measured.sizes), key=f"{PAGE}.sizes")
    right.plotly_chart(plots.size_breakdown_bars(measured.sizes), key=f"{PAGE}.breakdown")
    readouts.layer_table(measured)
    teaching.learned_and_lost(PAGE, baseline, settings, measured, reference)
    retrain.finetune_ui(PAGE, baseline, settings)
    measuring.prefetch(baseline, widgets.nearby_settings(PAGE, settings))
    measuring.prefetch_slider(baseline, widgets.other_positions(PAGE, settings))


explorer()
