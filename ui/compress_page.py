"""The compress page: one template for every page that compresses with sliders.

A page says which methods it shows and its texts (:class:`CompressPage`); the template
lays out the methods' controls, the headline metrics, the charts, the downloads, the
share box, the pictures of what was learned and lost, and retraining. Which metric
and which chart appear follows from the methods: a *positions* method (pruning) adds
sparsity, a *values* method (binarization) adds bits per weight.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import streamlit as st

from compression.figures import plots
from compression.measure import contribution_table
from compression.methods import METHODS, encodings
from compression.settings import CompressionSettings
from ui import downloads, page, readouts, retrain, surprises, teaching
from ui import format as fmt
from ui.controls import keys, link, method_widgets, widgets
from ui.state import lookahead, measuring
from ui.state.baselines import Baseline

COMBINED = "pruned + binarized"  # the contributions' row with every method applied
HISTOGRAMS_PER_ROW = 3  # layers side by side on a wide screen


@dataclass(frozen=True)
class CompressPage:
    """What one compress page shows; everything else comes from the template."""

    key: str  # widget keys start with it: "prune"
    title: str  # in the menu and the browser tab: "Prune"
    heading: str  # the page's title
    intro: str  # one paragraph of Markdown under the title
    methods: tuple[str, ...]  # names in compression.methods.METHODS, in the order they apply
    histogram_title: str
    method_headings: tuple[str, ...] = ()  # above each method's controls, when several
    pictures_open: bool = False  # the learned-and-lost pictures shown from the start
    # {settings field: start} where this page opens differently from the controls' own
    starts: Mapping[str, float] = field(default_factory=dict)


def show(spec: CompressPage) -> None:
    """Draw the page: title, the intro folded away, then the live explorer (a fragment)."""
    baseline, reference = page.start_page(spec.title, methods=spec.methods + encodings())
    st.title(spec.heading)
    with st.expander("What is this?"):
        st.markdown(spec.intro)

    @st.fragment
    def explorer() -> None:
        _explorer(spec, baseline, reference)

    explorer()


def _controls(spec: CompressPage, baseline: Baseline) -> tuple[dict, tuple[str, ...]]:
    """Each method's widgets in a column, the layer choice in a narrower last one
    -> (fields, layers). One row, so the metrics and charts stay on the first screen; the
    encodings (Huffman coding), which change bytes and no weight, go in the sidebar."""
    columns = st.columns([3] * len(spec.methods) + [2], gap="large")
    fields = {}
    for index, name in enumerate(spec.methods):
        with columns[index]:
            if index < len(spec.method_headings):
                st.markdown(spec.method_headings[index])
            fields |= method_widgets.method_ui(spec.key, METHODS[name], baseline, spec.starts)
    with columns[-1]:
        layers = widgets.layers_ui(baseline, spec.key)
    with st.sidebar:
        for name in encodings():
            fields |= method_widgets.method_ui(spec.key, METHODS[name], baseline)
    return fields, layers


def _metrics(measured, reference, prunes: bool, quantizes: bool) -> None:
    """The headline numbers in one row: accuracy, sparsity, size, bits, ratio."""
    shown = [readouts.accuracy_metric]
    shown += [readouts.sparsity_metric] if prunes else []
    shown += [readouts.size_metric]
    shown += [readouts.bits_metric] if quantizes else []
    shown += [readouts.ratio_metric]
    for column, metric in zip(st.columns(len(shown)), shown, strict=True):
        if metric is readouts.accuracy_metric:
            metric(column, measured, reference)
        else:
            metric(column, measured)


def _histograms(spec: CompressPage, measured) -> None:
    """The main chart: one histogram a layer, three a row (Streamlit stacks them on a phone),
    under one line that names the chart and its colours."""
    key = [":blue[■ kept weights]", ":gray[■ weights set to 0]"]
    key += [mark for name in spec.methods for mark in METHODS[name].histogram_marks]
    st.caption(f"**{spec.histogram_title}**: " + " · ".join(key))
    views = measured.layers
    for start in range(0, len(views), HISTOGRAMS_PER_ROW):
        row = views[start : start + HISTOGRAMS_PER_ROW]
        for column, view in zip(st.columns(HISTOGRAMS_PER_ROW), row, strict=False):
            column.plotly_chart(
                plots.layer_histogram(view), key=keys.element(spec.key, "histogram", view.name)
            )


def _secondary(spec: CompressPage, measured, measurements, prunes: bool) -> None:
    """The charts and table under the main one, in tabs: what each step adds (when the page
    combines methods), bytes and sparsity per layer, the per-layer encoding."""
    names = ["What each step contributes"] if measurements is not None else []
    names += ["Size per layer", "Encoding per layer"]
    tabs = st.tabs(names)
    if measurements is not None:
        with tabs[0]:
            table = contribution_table(measurements)
            st.plotly_chart(
                plots.configuration_bars(table), key=keys.element(spec.key, "contributions")
            )
            readouts.table(fmt.contribution_table(table))
    with tabs[-2]:
        left, right = st.columns(2)
        if prunes:
            left.plotly_chart(
                plots.sparsity_bars(measured.sizes), key=keys.element(spec.key, "sparsity")
            )
            right.plotly_chart(plots.size_bars(measured.sizes), key=keys.element(spec.key, "sizes"))
        else:
            left.plotly_chart(plots.size_bars(measured.sizes), key=keys.element(spec.key, "sizes"))
            right.plotly_chart(
                plots.size_breakdown_bars(measured.sizes),
                key=keys.element(spec.key, "breakdown"),
            )
    with tabs[-1]:
        readouts.layer_table(measured)


def _explorer(spec: CompressPage, baseline: Baseline, reference) -> None:
    fields, layers = _controls(spec, baseline)
    if readouts.layers_warning(layers):
        return
    settings = CompressionSettings(**fields, layers=layers)
    compares = len(spec.methods) > 1
    measurements = measuring.contributions(baseline, settings) if compares else None
    measured = measurements[COMBINED] if compares else measuring.measured(baseline, settings)

    prunes = any(METHODS[name].masks for name in spec.methods)
    quantizes = any(METHODS[name].quantize for name in spec.methods)
    _metrics(measured, reference, prunes, quantizes)
    retrain.before_retraining(baseline)
    _histograms(spec, measured)
    # under the main chart, so the first screen keeps the slider, metrics and histograms
    surprises.reasons(baseline, measurements if compares else measured)
    with st.container(horizontal=True):
        link.share_box(link.keep(baseline, settings))
        downloads.download_buttons(baseline, measured)
    _secondary(spec, measured, measurements, prunes)
    teaching.learned_and_lost(
        spec.key, baseline, settings, measured, reference, shown=spec.pictures_open
    )
    retrain.finetune_ui(spec.key, baseline, settings, spec.methods)
    if compares:
        measuring.prefetch_contributions(baseline, lookahead.nearby_settings(spec.key, settings))
        measuring.prefetch_slider_contributions(
            baseline, lookahead.other_positions(spec.key, settings)
        )
    else:
        measuring.prefetch(baseline, lookahead.nearby_settings(spec.key, settings))
        measuring.prefetch_slider(baseline, lookahead.other_positions(spec.key, settings))
