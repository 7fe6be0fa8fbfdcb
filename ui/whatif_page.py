"""The What-if page's sensitivity section, drawn; the trade-off section is
:mod:`ui.whatif_tradeoff`.

``pages/5_What_if.py`` only calls :func:`sensitivity` and
:func:`ui.whatif_tradeoff.tradeoff`; the runners and the remembered results are
:mod:`ui.whatif`, the figures :mod:`compression.figures.sweep_plots`.
"""

from __future__ import annotations

import streamlit as st

from compression.figures.sweep_plots import sensitivity_caption, sensitivity_figure
from compression.methods import METHODS
from compression.settings import SettingsError
from compression.sweeps.sweep import (
    DEFAULT_VALUES,
    SWEEP_METHODS,
    SweepSpec,
    parse_values,
    sweep_csv,
)
from ui import whatif
from ui.controls import keys
from ui.controls.help_texts import CONTROL_HELP
from ui.controls.widgets import KEEP
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


def stale_note(shown_spec, chosen) -> None:
    """Say so when the result shown was measured for other controls than those set now."""
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
    stale_note(last.spec, spec)
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
