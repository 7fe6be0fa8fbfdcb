"""The What-if page's trade-off section: the pruning x values grid, its chart, the budget.

The chart's x axis is the compression ratio in either meaning (bytes stored or parameters
kept, :mod:`compression.explain.papers`), with the published results beside the grid on
LeNet-300-100 and MNIST; the budget box is :mod:`ui.budget_box`, the runners
:mod:`ui.whatif`, the figure :mod:`compression.figures.sweep_plots`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from compression.explain import papers
from compression.figures.sweep_plots import pareto_caption, pareto_figure
from compression.sweeps.sweep import DEFAULT_VALUES, sweep_csv
from compression.sweeps.tradeoff import (
    DEFAULT_BINARIZE_THRESHOLDS,
    DEFAULT_PRUNE_SPARSITIES,
    DEFAULT_PRUNE_THRESHOLDS,
    DEFAULT_QUANTIZE_BITS,
    DEFAULT_SHARED_VALUES,
    QUANTIZE_SWEEP,
    SHARE_SWEEP,
    MarkedPoint,
    front_in,
    with_current,
)
from ui import budget_box, whatif
from ui.controls import keys
from ui.controls.help_texts import CONTROL_HELP
from ui.controls.widgets import KEEP
from ui.retrain import settings_caption
from ui.state.baselines import Baseline
from ui.whatif_page import PAGE, stale_note

GRID_SPARSITY_OPTIONS = sorted(
    set(DEFAULT_VALUES["prune-sparsity"]) | set(DEFAULT_PRUNE_SPARSITIES)
)
GRID_THRESHOLD_OPTIONS = sorted(
    set(DEFAULT_VALUES["prune-threshold"]) | set(DEFAULT_PRUNE_THRESHOLDS)
)
GRID_BINARIZE_OPTIONS = [None, 0.0, 0.3, 0.5, 0.7, 1.0, 1.2, 1.5]
GRID_BITS_OPTIONS = [int(bits) for bits in DEFAULT_VALUES[QUANTIZE_SWEEP]]  # 8 down to 2
GRID_SHARED_OPTIONS = [int(count) for count in DEFAULT_VALUES[SHARE_SWEEP]]  # 256 down to 2
GRID_COLUMNS = {
    "settings": st.column_config.TextColumn("settings"),
    "prune_method": None,
    "prune_value": None,
    "binarize_threshold": None,
    "quantize_bits": None,
    "share_weights": None,
    "accuracy": st.column_config.NumberColumn("test accuracy", format="percent"),
    "loss": st.column_config.NumberColumn("loss", format="%.4f"),
    "sparsity": st.column_config.NumberColumn("sparsity", format="percent"),
    "compressed_bytes": st.column_config.NumberColumn("bytes", format="localized"),
    "compression_ratio": st.column_config.NumberColumn(
        "smaller by (bytes)", format="%.1f×", help="float32 bytes ÷ bytes stored"
    ),
    "kept_weights": st.column_config.NumberColumn("nonzero weights", format="localized"),
    "parameter_ratio": st.column_config.NumberColumn(
        "smaller by (parameters)", format="%.1f×", help="weights ÷ nonzero weights"
    ),
    "on_front": st.column_config.CheckboxColumn("on the front (bytes)"),
}


def bits_name(bits: int) -> str:
    """A k-bit width as the grid's menu shows it: ``"int4 (4-bit)"``."""
    return f"int{bits} ({bits}-bit)"


def shared_name(count: int) -> str:
    """A number of shared values as the grid's menu shows it: ``"16 values (4-bit index)"``."""
    return f"{count} values ({max(1, (count - 1).bit_length())}-bit index)"


def _grid_spec() -> whatif.GridSpec:
    """The grid the controls describe: both ways of pruning, times the values options
    (binarization thresholds, k-bit widths and shared values)."""
    left, middle, right = st.columns(3, vertical_alignment="bottom")  # pruning, binarization
    values_left, values_middle, values_right = st.columns(3, vertical_alignment="bottom")
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
    shared_values = values_middle.multiselect(
        "Shared values per layer",
        options=GRID_SHARED_OPTIONS,
        default=list(DEFAULT_SHARED_VALUES),
        format_func=shared_name,
        key=keys.element(PAGE, "grid_shared"),
        persist_state=KEEP,
        help=CONTROL_HELP["grid_shared_values"],
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
    bits_values = values_left.multiselect(
        "k-bit quantization",
        options=GRID_BITS_OPTIONS,
        default=list(DEFAULT_QUANTIZE_BITS),
        format_func=bits_name,
        key=keys.element(PAGE, "grid_bits"),
        persist_state=KEEP,
        help=CONTROL_HELP["grid_bits_values"],
    )
    per_channel = values_right.toggle(
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
        tuple(sorted(shared_values, reverse=True)),
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


def _meaning() -> str:
    """The meaning of "compression ratio" on the chart's x axis, chosen by a radio."""
    return st.radio(
        "Compression ratio on the x axis",
        options=list(papers.MEANINGS),
        format_func=papers.MEANINGS.get,
        horizontal=True,
        key=keys.element(PAGE, "ratio_meaning"),
        persist_state=KEEP,
        help=CONTROL_HELP["ratio_meaning"],
    )


def _references(baseline: Baseline, meaning: str) -> tuple[pd.DataFrame | None, tuple]:
    """The published and reproduced points in ``meaning`` and the names left out, or
    (None, ()) with the reason said when the baseline is not LeNet-300-100 on MNIST."""
    hidden = papers.hidden_reason(baseline.model_name, baseline.dataset)
    if hidden is not None:
        st.caption(hidden)
        return None, ()
    return pd.DataFrame(papers.reference_points(meaning)), tuple(papers.left_out(meaning))


def _chart(baseline: Baseline, table, picked) -> None:
    """The trade-off chart of ``table``, with the star, the budget's pick and the papers."""
    meaning = _meaning()
    grid = _marked(baseline, table)
    if picked is not None:
        point = MarkedPoint.of(picked.result.measurement, budget_box.pick_label(picked))
        grid = with_current(grid, point, kind="budget")
    references, left_out = _references(baseline, meaning)
    figure = pareto_figure(front_in(grid, meaning), meaning, references, left_out)
    st.plotly_chart(figure, key=keys.element(PAGE, "pareto"))
    st.caption(pareto_caption(figure))


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
        st.warning(
            "Choose at least one pruning value and one binarization threshold, bit width or "
            "number of shared values."
        )
    if pressed:
        whatif.run_grid(baseline, spec)
    last = whatif.last_run("grid", baseline)
    chart_slot = st.container()  # drawn after the budget box, which it shows
    picked = budget_box.budget_box(baseline)
    with chart_slot:
        if last is None:
            st.caption("Press Run to draw the chart.")
            return
        stale_note(last.spec, spec)
        _chart(baseline, last.table, picked)
        with st.expander(f"The {len(last.table)} grid points as a table"):
            st.dataframe(last.table, hide_index=True, column_config=GRID_COLUMNS)
        st.download_button(
            "Download the grid as CSV",
            data=sweep_csv(last.table),
            file_name=f"{baseline.model_name}-tradeoff.csv",
            mime="text/csv",
            key=keys.element(PAGE, "grid_csv"),
            help="One row per grid point, full precision; binarize_threshold is empty when "
            "off, quantize_bits when the weights are not quantized, share_weights when they "
            "are not shared.",
        )
