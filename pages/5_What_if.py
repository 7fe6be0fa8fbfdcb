"""What if: sweep one setting (pruning-sensitivity curves) or a pruning x binarization grid."""

import streamlit as st

from compression.figures.sweep_plots import pareto_figure, sensitivity_figure
from compression.settings import SettingsError
from compression.sweeps.sweep import (
    DEFAULT_VALUES,
    SWEEP_METHODS,
    SweepSpec,
    parse_values,
    sweep_csv,
)
from compression.sweeps.tradeoff import DEFAULT_BINARIZE_THRESHOLDS, DEFAULT_PRUNE_SPARSITIES
from ui import page, whatif
from ui.controls import keys
from ui.controls.help_texts import CONTROL_HELP
from ui.controls.widgets import KEEP
from ui.retrain import settings_caption
from ui.safe_text import MESSAGE_LIMIT, shown

PAGE = "whatif"
METHOD_TITLES = {
    "prune-sparsity": "pruning: share of weights",
    "prune-threshold": "pruning: cut on |W|",
    "binarize-threshold": "binarization threshold",
}
GRID_PRUNE_OPTIONS = {
    "prune-sparsity": sorted(set(DEFAULT_VALUES["prune-sparsity"]) | set(DEFAULT_PRUNE_SPARSITIES)),
    "prune-threshold": list(DEFAULT_VALUES["prune-threshold"]),
}
GRID_PRUNE_DEFAULTS = {
    "prune-sparsity": list(DEFAULT_PRUNE_SPARSITIES),
    "prune-threshold": [0.0, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15],
}
GRID_BINARIZE_OPTIONS = [None, 0.0, 0.3, 0.5, 0.7, 1.0, 1.2, 1.5]
SWEEP_COLUMNS = {
    "layer": st.column_config.TextColumn("layer", help="The compressed layer, or all of them."),
    "method": None,
    "value": st.column_config.NumberColumn("value", format="%g", help="The swept setting."),
    "accuracy": st.column_config.NumberColumn("test accuracy", format="percent"),
    "loss": st.column_config.NumberColumn("loss", format="%.4f"),
    "sparsity": st.column_config.NumberColumn("model sparsity", format="percent"),
    "layer_sparsity": st.column_config.NumberColumn("layer sparsity", format="percent"),
    "compressed_bytes": st.column_config.NumberColumn("bytes", format="localized"),
    "compression_ratio": st.column_config.NumberColumn("smaller by", format="%.1f×"),
}
GRID_COLUMNS = {
    "settings": st.column_config.TextColumn("settings"),
    "prune_method": None,
    "prune_value": None,
    "binarize_threshold": None,
    "accuracy": st.column_config.NumberColumn("test accuracy", format="percent"),
    "loss": st.column_config.NumberColumn("loss", format="%.4f"),
    "sparsity": st.column_config.NumberColumn("sparsity", format="percent"),
    "compressed_bytes": st.column_config.NumberColumn("bytes", format="localized"),
    "compression_ratio": st.column_config.NumberColumn("smaller by", format="%.1f×"),
    "on_front": st.column_config.CheckboxColumn("on the front"),
}

baseline, reference = page.start_page("What if")

st.title("What if …?")
st.markdown(
    "Instead of moving one slider at a time, measure many settings at once on all 10,000 "
    "test images. **Sensitivity**: compress one layer at a time, harder and harder, and see "
    "which layers tolerate it. **Trade-off**: try every pair of a pruning and a binarization "
    "setting and see which ones give the most accuracy for their size."
)


def _stale_note(shown, chosen) -> None:
    if shown != chosen:
        st.info("The result below is for your previous choice: press Run to measure the new one.")


@st.fragment
def sensitivity() -> None:
    st.header("Sensitivity sweep")
    left, middle, right = st.columns([2, 3, 1.5], vertical_alignment="bottom")
    method = left.selectbox(
        "What to sweep",
        options=list(METHOD_TITLES),
        format_func=METHOD_TITLES.get,
        key=keys.element(PAGE, "method"),
        persist_state=KEEP,
        help=CONTROL_HELP["sweep_method"],
    )
    text = middle.text_input(
        "Values",
        value=", ".join(f"{value:g}" for value in DEFAULT_VALUES[method]),
        key=keys.element(PAGE, "values", method),
        persist_state=KEEP,
        help=CONTROL_HELP["sweep_values"] + f" Allowed: {SWEEP_METHODS[method].axis_title}.",
    )
    per_layer = right.toggle(
        "Layer by layer",
        value=True,
        key=keys.element(PAGE, "per_layer"),
        persist_state=KEEP,
        help=CONTROL_HELP["sweep_per_layer"],
    )
    try:
        spec = SweepSpec(method, parse_values(text, method), per_layer=per_layer)
    except SettingsError as error:
        st.error(f"These values cannot be swept: {shown(error, MESSAGE_LIMIT)}.")
        spec = None
    count = "" if spec is None else f" ({spec.point_count(baseline.layers)} points)"
    pressed = st.button(
        f"Run the sweep{count}",
        key=keys.element(PAGE, "run_sweep"),
        type="primary",
        disabled=spec is None,
        help="Measure every value now.",
    )
    if pressed and spec is not None:
        whatif.run_sensitivity(baseline, spec)
    last = whatif.last_run("sweep", baseline)
    if last is None:
        st.caption("Press Run to draw the curves.")
        return
    _stale_note(last.spec, spec)
    st.plotly_chart(
        sensitivity_figure(
            last.table,
            SWEEP_METHODS[last.spec.method].axis_title,
            baseline_accuracy=reference.accuracy,
        ),
        key=keys.element(PAGE, "sensitivity"),
    )
    st.caption(
        "Each line is one layer compressed alone, the others left as trained "
        '("all": every layer at once). The dashed line is the baseline\'s accuracy.'
    )
    with st.expander(f"The {len(last.table)} points as a table"):
        st.dataframe(last.table, hide_index=True, column_config=SWEEP_COLUMNS)
    st.download_button(
        "Download the sweep as CSV",
        data=sweep_csv(last.table),
        file_name=f"{baseline.model_name}-{last.spec.method}-sweep.csv",
        mime="text/csv",
        key=keys.element(PAGE, "sweep_csv"),
        help="One row per point, full precision: the columns of `python -m compression sweep`.",
    )


@st.fragment
def tradeoff() -> None:
    st.header("Trade-off: size against accuracy")
    left, middle, right = st.columns([1.5, 3, 3], vertical_alignment="bottom")
    method = left.selectbox(
        "Prune by",
        options=list(GRID_PRUNE_OPTIONS),
        format_func={"prune-sparsity": "share of weights", "prune-threshold": "cut on |W|"}.get,
        key=keys.element(PAGE, "grid_method"),
        persist_state=KEEP,
        help=CONTROL_HELP["prune_mode"],
    )
    prune_values = middle.multiselect(
        "Pruning values" if method == "prune-threshold" else "Shares of weights pruned",
        options=GRID_PRUNE_OPTIONS[method],
        default=GRID_PRUNE_DEFAULTS[method],
        format_func="{:g}".format,
        key=keys.element(PAGE, "grid_prune", method),
        persist_state=KEEP,
        help=CONTROL_HELP["grid_prune_values"],
    )
    binarize_values = right.multiselect(
        "Binarization thresholds",
        options=GRID_BINARIZE_OPTIONS,
        default=list(DEFAULT_BINARIZE_THRESHOLDS),
        format_func=lambda value: "off" if value is None else f"{value:g}",
        key=keys.element(PAGE, "grid_binarize"),
        persist_state=KEEP,
        help=CONTROL_HELP["grid_binarize_values"],
    )
    row = st.container(horizontal=True, vertical_alignment="center")
    per_channel = row.toggle(
        "One scale per output channel",
        value=False,
        key=keys.element(PAGE, "grid_per_channel"),
        persist_state=KEEP,
        help=CONTROL_HELP["per_channel"],
    )
    spec = whatif.GridSpec(
        method,
        tuple(sorted(prune_values)),
        tuple(sorted(binarize_values, key=lambda value: -1 if value is None else value)),
        per_channel,
    )
    pressed = row.button(
        f"Run the grid ({spec.point_count} points)",
        key=keys.element(PAGE, "run_grid"),
        type="primary",
        disabled=spec.point_count == 0,
        help="Measure every combination now.",
    )
    if spec.point_count == 0:
        st.warning("Choose at least one pruning value and one binarization threshold.")
    if pressed:
        whatif.run_grid(baseline, spec)
    last = whatif.last_run("grid", baseline)
    if last is None:
        st.caption("Press Run to draw the chart.")
        return
    _stale_note(last.spec, spec)
    current = None
    visited = whatif.visited_settings(baseline)
    if visited:
        source = st.columns([1, 2])[0].selectbox(
            "Mark my setting from",
            options=list(visited),
            key=keys.element(PAGE, "marked"),
            help=CONTROL_HELP["marked_setting"],
        )
        label = f"your setting ({source} page)"
        current = whatif.current_marker(baseline, visited[source], label)
        st.caption(f"★ {label}: {settings_caption(visited[source])}.")
    else:
        st.caption("Move the sliders on the Combine page and your setting appears here as a ★.")
    st.plotly_chart(pareto_figure(last.table, current), key=keys.element(PAGE, "pareto"))
    st.caption(
        "Red: the Pareto front, the settings no other one beats in both size and accuracy. "
        "Hover a point to see its settings."
    )
    with st.expander(f"The {len(last.table)} grid points as a table"):
        st.dataframe(last.table, hide_index=True, column_config=GRID_COLUMNS)
    st.download_button(
        "Download the grid as CSV",
        data=sweep_csv(last.table),
        file_name=f"{baseline.model_name}-tradeoff.csv",
        mime="text/csv",
        key=keys.element(PAGE, "grid_csv"),
        help="One row per grid point, full precision; binarize_threshold is empty when off.",
    )


sensitivity()
tradeoff()
