"""The What-if page's two sections, drawn: the sensitivity sweep and the trade-off grid.

``pages/5_What_if.py`` only calls :func:`sensitivity` and :func:`tradeoff`; the runners and
the remembered results are :mod:`ui.whatif`, the figures :mod:`compression.figures.sweep_plots`.
"""

from __future__ import annotations

import streamlit as st

from compression.figures.sweep_plots import (
    pareto_caption,
    pareto_figure,
    sensitivity_caption,
    sensitivity_figure,
)
from compression.methods import METHODS
from compression.settings import SettingsError
from compression.sweeps.sweep import (
    DEFAULT_VALUES,
    SWEEP_METHODS,
    SweepSpec,
    parse_values,
    sweep_csv,
)
from compression.sweeps.tradeoff import (
    DEFAULT_BINARIZE_THRESHOLDS,
    DEFAULT_PRUNE_SPARSITIES,
    DEFAULT_PRUNE_THRESHOLDS,
    DEFAULT_QUANTIZE_BITS,
    QUANTIZE_SWEEP,
)
from ui import whatif
from ui.controls import keys
from ui.controls.help_texts import CONTROL_HELP
from ui.controls.widgets import KEEP
from ui.retrain import settings_caption
from ui.safe_text import MESSAGE_LIMIT, shown
from ui.state.baselines import Baseline

PAGE = "whatif"
# {sweep method: name in the menu}, from every method's number controls with a sweep axis
METHOD_TITLES = {
    control.sweep.name: f"{method.title}: {control.sweep.axis_title}"
    for method in METHODS.values()
    for control in method.numbers()
    if control.sweep is not None
}
FIRST_SWEEP = "prune-sparsity"  # what the menu shows first
GRID_SPARSITY_OPTIONS = sorted(
    set(DEFAULT_VALUES["prune-sparsity"]) | set(DEFAULT_PRUNE_SPARSITIES)
)
GRID_THRESHOLD_OPTIONS = sorted(
    set(DEFAULT_VALUES["prune-threshold"]) | set(DEFAULT_PRUNE_THRESHOLDS)
)
GRID_BINARIZE_OPTIONS = [None, 0.0, 0.3, 0.5, 0.7, 1.0, 1.2, 1.5]
GRID_BITS_OPTIONS = [int(bits) for bits in DEFAULT_VALUES[QUANTIZE_SWEEP]]  # 8 down to 2
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
    "quantize_bits": None,
    "accuracy": st.column_config.NumberColumn("test accuracy", format="percent"),
    "loss": st.column_config.NumberColumn("loss", format="%.4f"),
    "sparsity": st.column_config.NumberColumn("sparsity", format="percent"),
    "compressed_bytes": st.column_config.NumberColumn("bytes", format="localized"),
    "compression_ratio": st.column_config.NumberColumn("smaller by", format="%.1f×"),
    "on_front": st.column_config.CheckboxColumn("on the front"),
}


def _stale_note(shown_spec, chosen) -> None:
    if shown_spec != chosen:
        st.info("The result below is for your previous choice: press Run to measure the new one.")


def _sweep_spec() -> SweepSpec | None:
    """The sweep the controls describe; None (and an error shown) when it cannot be run."""
    left, middle, right = st.columns([2, 3, 1.5], vertical_alignment="bottom")
    method = left.selectbox(
        "What to sweep",
        options=[FIRST_SWEEP, *(name for name in METHOD_TITLES if name != FIRST_SWEEP)],
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
        return SweepSpec(method, parse_values(text, method), per_layer=per_layer)
    except SettingsError as error:
        st.error(f"These values cannot be swept: {shown(error, MESSAGE_LIMIT)}.")
        return None


@st.fragment
def sensitivity(baseline: Baseline, baseline_accuracy: float) -> None:
    st.header("Sensitivity sweep")
    spec = _sweep_spec()
    count = "" if spec is None else f" ({spec.point_count(baseline.layers)} points)"
    row = st.container(horizontal=True, vertical_alignment="center")
    pressed = row.button(
        f"Run the sweep{count}",
        key=keys.element(PAGE, "run_sweep"),
        type="primary",
        disabled=spec is None,
        help="Measure every value now.",
    )
    fit_axis = row.toggle(
        "Fit the axis to the curves",
        value=True,
        key=keys.element(PAGE, "fit_axis"),
        persist_state=KEEP,
        help="Start the accuracy axis just below the lowest model that still works, so the "
        "few percent where layers differ are visible; off: from 0 to 100%.",
    )
    if pressed and spec is not None:
        whatif.run_sensitivity(baseline, spec)
    last = whatif.last_run("sweep", baseline)
    if last is None:
        st.caption("Press Run to draw the curves.")
        return
    _stale_note(last.spec, spec)
    figure = sensitivity_figure(
        last.table,
        SWEEP_METHODS[last.spec.method].axis_title,
        baseline_accuracy=baseline_accuracy,
        fit_axis=fit_axis,
    )
    st.plotly_chart(figure, key=keys.element(PAGE, "sensitivity"))
    st.caption(sensitivity_caption(figure))
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


def bits_name(bits: int) -> str:
    """A k-bit width as the grid's menu shows it: ``"int4 (4-bit)"``."""
    return f"int{bits} ({bits}-bit)"


def _grid_spec() -> whatif.GridSpec:
    """The grid the controls describe: both ways of pruning, times the values options
    (binarization thresholds and k-bit widths)."""
    left, middle, right = st.columns(3, vertical_alignment="bottom")
    sparsities = left.multiselect(
        "Shares of weights pruned",
        options=GRID_SPARSITY_OPTIONS,
        default=list(DEFAULT_PRUNE_SPARSITIES),
        format_func="{:g}".format,
        key=keys.element(PAGE, "grid_prune", "prune-sparsity"),
        persist_state=KEEP,
        help=CONTROL_HELP["grid_prune_values"] + " Pruning by a target share of weights.",
    )
    thresholds = middle.multiselect(
        "Cuts on |W|",
        options=GRID_THRESHOLD_OPTIONS,
        default=list(DEFAULT_PRUNE_THRESHOLDS),
        format_func="{:g}".format,
        key=keys.element(PAGE, "grid_prune", "prune-threshold"),
        persist_state=KEEP,
        help=CONTROL_HELP["grid_prune_values"] + " Pruning by an absolute cut on |W|.",
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
    bits_values = right.multiselect(
        "k-bit quantization",
        options=GRID_BITS_OPTIONS,
        default=list(DEFAULT_QUANTIZE_BITS),
        format_func=bits_name,
        key=keys.element(PAGE, "grid_bits"),
        persist_state=KEEP,
        help=CONTROL_HELP["grid_bits_values"],
    )
    per_channel = st.toggle(
        "One scale per output channel",
        value=False,
        key=keys.element(PAGE, "grid_per_channel"),
        persist_state=KEEP,
        help=CONTROL_HELP["per_channel"],
    )
    return whatif.GridSpec(
        tuple(sorted(sparsities)),
        tuple(sorted(thresholds)),
        tuple(sorted(binarize_values, key=lambda value: -1 if value is None else value)),
        per_channel,
        tuple(sorted(bits_values, reverse=True)),
    )


def _marked(baseline: Baseline, grid):
    """``grid`` with the person's chosen setting added as the star, if they set one."""
    visited = whatif.visited_settings(baseline)
    if not visited:
        st.caption(
            "Move the sliders on the Combine, Prune, Binarize or Quantize page and your "
            "setting appears here as a ★."
        )
        return grid
    source = st.columns([1, 2])[0].selectbox(
        "Mark my setting from",
        options=list(visited),
        key=keys.element(PAGE, "marked"),
        help=CONTROL_HELP["marked_setting"],
    )
    label = f"your setting ({source} page)"
    st.caption(f"★ {label}: {settings_caption(visited[source])}.")
    return whatif.with_marker(grid, baseline, visited[source], label)


@st.fragment
def tradeoff(baseline: Baseline) -> None:
    st.header("Trade-off: size against accuracy")
    spec = _grid_spec()
    pressed = st.button(
        f"Run the grid ({spec.point_count} points)",
        key=keys.element(PAGE, "run_grid"),
        type="primary",
        disabled=spec.point_count == 0,
        help="Measure every combination now.",
    )
    if spec.point_count == 0:
        st.warning("Choose at least one pruning value and one binarization threshold or bit width.")
    if pressed:
        whatif.run_grid(baseline, spec)
    last = whatif.last_run("grid", baseline)
    if last is None:
        st.caption("Press Run to draw the chart.")
        return
    _stale_note(last.spec, spec)
    figure = pareto_figure(_marked(baseline, last.table))
    st.plotly_chart(figure, key=keys.element(PAGE, "pareto"))
    st.caption(pareto_caption(figure))
    with st.expander(f"The {len(last.table)} grid points as a table"):
        st.dataframe(last.table, hide_index=True, column_config=GRID_COLUMNS)
    st.download_button(
        "Download the grid as CSV",
        data=sweep_csv(last.table),
        file_name=f"{baseline.model_name}-tradeoff.csv",
        mime="text/csv",
        key=keys.element(PAGE, "grid_csv"),
        help="One row per grid point, full precision; binarize_threshold is empty when off, "
        "quantize_bits when the weights are not quantized.",
    )
