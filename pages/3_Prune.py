"""Prune: remove the smallest weights; watch sparsity, bytes and accuracy as the cut moves."""

import streamlit as st

from compression.figures import plots
from compression.settings import CompressionSettings
from ui import downloads, link, measuring, page, readouts, retrain, teaching, widgets

PAGE = "prune"

baseline, reference = page.start_page("Prune")

st.title("Prune")
st.markdown(
    "Weights with a small magnitude |W| matter least: set them to **0**. A zero needs no "
    "value, only its position (a bitmask, column indices or run lengths, whichever is "
    "smallest), so the model shrinks as the cut rises. Set the cut as an absolute |W| "
    "(Han et al. 2015) or as the share of weights to remove."
)


@st.fragment
def explorer() -> None:
    controls = st.columns([3, 2], gap="large")
    with controls[0]:
        prune = widgets.prune_ui(baseline, PAGE)
    with controls[1]:
        layers = widgets.layers_ui(baseline, PAGE)
    if readouts.layers_warning(layers):
        return
    settings = CompressionSettings(**prune, layers=layers)
    measured = measuring.measured(baseline, settings)
    link.share_box(link.keep(baseline, settings))

    metrics = st.columns(4)
    readouts.accuracy_metric(metrics[0], measured, reference)
    readouts.sparsity_metric(metrics[1], measured)
    readouts.size_metric(metrics[2], measured)
    readouts.ratio_metric(metrics[3], measured)
    downloads.download_buttons(baseline, measured)

    st.plotly_chart(
        plots.weight_histograms(measured.layers, title="Real weights per layer and the cut"),
        key=f"{PAGE}.histograms",
    )
    left, right = st.columns(2)
    left.plotly_chart(plots.sparsity_bars(measured.sizes), key=f"{PAGE}.sparsity")
    right.plotly_chart(plots.size_bars(measured.sizes), key=f"{PAGE}.sizes")
    readouts.layer_table(measured)
    teaching.learned_and_lost(PAGE, baseline, settings, measured, reference)
    retrain.finetune_ui(PAGE, baseline, settings)
    measuring.prefetch(baseline, widgets.nearby_settings(PAGE, settings))
    measuring.prefetch_slider(baseline, widgets.other_positions(PAGE, settings))


explorer()
