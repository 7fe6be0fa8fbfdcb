"""Combine: prune, then binarize the survivors; see what each step contributes."""

import streamlit as st

from compression.figures import plots
from compression.measure import contribution_table
from compression.settings import CompressionSettings
from ui import downloads, link, measuring, page, readouts, retrain, teaching, widgets
from ui import format as fmt

PAGE = "combine"

baseline, reference = page.start_page("Combine")

st.title("Prune and binarize together")
st.markdown(
    "Pruning decides **which** weights exist; binarization decides the **values** of the "
    "survivors (±a, or 0 inside the band). The chart below compares four models: the "
    "baseline, each step alone, and both together, so you can see what each one buys in "
    "bytes and what it costs in accuracy. Note that a zero is not free: its position must "
    "be stored too, so pruning a 1-bit layer saves bytes only at high sparsity."
)


@st.fragment
def explorer() -> None:
    controls = st.columns(2, gap="large")
    with controls[0]:
        st.markdown("**1. Prune**")
        prune = widgets.prune_ui(baseline, PAGE)
    with controls[1]:
        st.markdown("**2. Binarize the survivors**")
        binarize = widgets.binarize_ui(PAGE)
        layers = widgets.layers_ui(baseline, PAGE)
    if readouts.layers_warning(layers):
        return
    settings = CompressionSettings(**prune, **binarize, layers=layers)
    measurements = measuring.contributions(baseline, settings)
    measured = measurements["pruned + binarized"]
    link.share_box(link.keep(baseline, settings))

    metrics = st.columns(5)
    readouts.accuracy_metric(metrics[0], measured, reference)
    readouts.sparsity_metric(metrics[1], measured)
    readouts.size_metric(metrics[2], measured)
    readouts.bits_metric(metrics[3], measured)
    readouts.ratio_metric(metrics[4], measured)
    downloads.download_buttons(baseline, measured)

    table = contribution_table(measurements)
    st.plotly_chart(plots.configuration_bars(table), key=f"{PAGE}.contributions")
    st.dataframe(fmt.contribution_table(table), hide_index=True)
    st.plotly_chart(
        plots.weight_histograms(
            measured.layers, title="Real weights per layer: the cut, the band and the values"
        ),
        key=f"{PAGE}.histograms",
    )
    left, right = st.columns(2)
    left.plotly_chart(plots.sparsity_bars(measured.sizes), key=f"{PAGE}.sparsity")
    right.plotly_chart(plots.size_bars(measured.sizes), key=f"{PAGE}.sizes")
    readouts.layer_table(measured)
    teaching.learned_and_lost(PAGE, baseline, settings, measured, reference, shown=True)
    retrain.finetune_ui(PAGE, baseline, settings)
    measuring.prefetch_contributions(baseline, widgets.nearby_settings(PAGE, settings))
    measuring.prefetch_slider_contributions(baseline, widgets.other_positions(PAGE, settings))


explorer()
