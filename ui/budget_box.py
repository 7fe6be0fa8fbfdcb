"""The What-if page's budget box: "Fit in N bytes" for the current baseline.

The engine's byte budget (:mod:`compression.budget`) measures each layer's options one
layer at a time (the option table), picks one option per layer by an exact
multiple-choice knapsack, and measures the best plans as real ``.cxm`` files. Here the
option table is the expensive part (a test pass per option), so it is computed once per
baseline and kept in this person's session, with each budget's result; nothing kept is
ever changed. The grid is :data:`APP_GRID`, smaller than the command line's, and fewer
plans and swaps are measured (:data:`APP_CANDIDATES`, :data:`APP_ROUNDS`): the command
line's full search took minutes on a loaded machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from compression.budget.fit import BudgetError, BudgetResult, check_budget, fit_table
from compression.budget.options import OptionTable, option_table
from compression.methods.binarize import BINARIZE
from compression.settings import CompressionSettings
from ui import format as fmt
from ui.controls import keys
from ui.controls.help_texts import CONTROL_HELP
from ui.controls.widgets import KEEP
from ui.safe_text import MESSAGE_LIMIT, shown
from ui.state import datasets
from ui.state.baselines import Baseline

PAGE = "whatif"
_BINARY = {name: threshold for threshold, name in BINARIZE.control("binarize_threshold").presets}
# the options each layer may take on the page: 6 values methods x 6 sparsities = 36 a layer
APP_GRID = {
    "values_options": {
        "float32": CompressionSettings(),
        **{name: CompressionSettings(binarize_threshold=t) for name, t in _BINARY.items()},
        "int8": CompressionSettings(quantize_bits=8),
        "int4": CompressionSettings(quantize_bits=4),
        "shared16": CompressionSettings(share_weights=16),
    },
    "sparsities": (0.0, 0.5, 0.8, 0.9, 0.95, 0.98),
}
APP_CANDIDATES = 4  # plans measured as files (the command line measures 8)
APP_ROUNDS = 1  # rounds of one-layer swaps, a test pass per option each (the command line: 2)
RESULTS_KEPT = 8  # budgets remembered per session, oldest dropped
TABLES_KEPT = 2  # option tables (one per baseline) remembered per session, oldest dropped
_TABLES = keys.element(PAGE, "budget_tables")  # session: {baseline key: OptionTable}
_RESULTS = keys.element(PAGE, "budget_results")  # session: {(baseline key, N): BudgetResult}
_SHOWN = keys.element(PAGE, "budget_shown")  # session: {baseline key: N of the shown pick}


@dataclass(frozen=True)
class Pick:
    """A budget's result as the page shows it."""

    max_bytes: int
    result: BudgetResult


def pick_label(pick: Pick) -> str:
    return f"fits in {pick.max_bytes:,} bytes"


def values_words(settings: CompressionSettings) -> str:
    """What a layer's values become, in words: ``"4-bit"``, ``"16 shared values"``."""
    if settings.share_weights is not None:
        return f"{settings.share_weights} shared values"
    if settings.quantize_bits is not None:
        return f"{settings.quantize_bits}-bit"
    if settings.binarize_threshold is not None:
        threshold = settings.binarize_threshold
        return "binary (±a)" if threshold == 0 else f"ternary (t = {threshold:g})"
    return "float32"


def choice_table(result: BudgetResult) -> pd.DataFrame:
    """One row per layer: its values, the share of its weights pruned, its bytes."""
    return pd.DataFrame(
        [
            {
                "layer": option.layer,
                "values": values_words(option.settings),
                "pruned": option.sparsity,
                "bytes": option.bytes,
            }
            for option in result.allocation.options
        ]
    )


def _table(baseline: Baseline, data) -> OptionTable:
    """This session's option table of ``baseline``, measured with a progress bar if new."""
    tables = st.session_state.setdefault(_TABLES, {})
    if baseline.key not in tables:
        total = len(baseline.layers) * len(APP_GRID["values_options"])
        bar = st.progress(0.0, text="Measuring each layer's options …")
        done = []

        def on_sweep(label: str) -> None:
            done.append(label)
            bar.progress(len(done) / total, text=f"Measured {len(done)}/{total}: {label}")

        try:
            tables[baseline.key] = option_table(
                baseline.model_name, baseline.state, data.test_images, data.test_labels,
                on_sweep=on_sweep, **APP_GRID,
            )  # fmt: skip
        finally:
            bar.empty()
        while len(tables) > TABLES_KEPT:
            tables.pop(next(iter(tables)))
    return tables[baseline.key]


def _fit(baseline: Baseline, max_bytes: int) -> Pick | None:
    """The budget's pick (computed or found in the session); None after one line said why."""
    results = st.session_state.setdefault(_RESULTS, {})
    key = (baseline.key, max_bytes)
    if key not in results:
        try:
            check_budget(baseline.model_name, baseline.state, max_bytes, baseline.dataset,
                         **APP_GRID)  # fmt: skip
            data = datasets.dataset(baseline.dataset)
            table = _table(baseline, data)
            with st.spinner(f"Fitting in {max_bytes:,} bytes: measuring the best plans …"):
                results[key] = fit_table(
                    baseline.model_name, baseline.state, table, max_bytes, data.test_images,
                    data.test_labels, baseline.dataset, APP_CANDIDATES, APP_ROUNDS,
                )  # fmt: skip
        except BudgetError as error:
            st.error(f"{shown(error, MESSAGE_LIMIT)}; nothing was changed.")
            return None
        while len(results) > RESULTS_KEPT:
            results.pop(next(iter(results)))
    st.session_state.setdefault(_SHOWN, {})[baseline.key] = max_bytes
    return Pick(max_bytes, results[key])


def shown_pick(baseline: Baseline) -> Pick | None:
    """The last budget fitted for ``baseline`` in this session, if any."""
    max_bytes = st.session_state.get(_SHOWN, {}).get(baseline.key)
    result = st.session_state.get(_RESULTS, {}).get((baseline.key, max_bytes))
    return None if result is None else Pick(max_bytes, result)


def _show(baseline: Baseline, pick: Pick) -> None:
    result = pick.result
    file_bytes = len(result.payload)
    row = st.container(horizontal=True)
    row.metric("Test accuracy", fmt.accuracy(result.measurement.accuracy))
    row.metric("File", fmt.kilobytes(file_bytes), help=f"{fmt.exact_bytes(file_bytes)}, header "
               f"included; the budget is {fmt.exact_bytes(pick.max_bytes)}.")  # fmt: skip
    st.dataframe(
        choice_table(result),
        hide_index=True,
        column_config={
            "pruned": st.column_config.NumberColumn("pruned", format="percent"),
            "bytes": st.column_config.NumberColumn("bytes", format="localized"),
        },
    )
    st.caption(
        f"The pick for {pick.max_bytes:,} bytes, measured on the test images after writing "
        f"and reading back its .cxm file; the layers' drops measured one at a time predicted "
        f"{fmt.accuracy(result.predicted_accuracy)}. On the chart it is the ◆."
    )
    st.download_button(
        f"Download the .cxm ({fmt.kilobytes(file_bytes)})",
        data=result.payload,
        file_name=f"{baseline.model_name}-{baseline.dataset}-{pick.max_bytes}-bytes.cxm",
        mime="application/octet-stream",
        key=keys.element(PAGE, "budget_download"),
        help="The file the budget measured: load it with "
        "`compression.files.model_file.load_model_file`, or upload it in the sidebar.",
        on_click="ignore",
        icon=":material/download:",
    )


def budget_box(baseline: Baseline) -> Pick | None:
    """The box: a number of bytes, a Fit button, and the last pick for ``baseline``."""
    box = st.container(border=True)
    box.subheader("Fit in N bytes")
    float32_bytes = sum(4 * tensor.numel() for tensor in baseline.state.values())
    suggested = max(1000, round(float32_bytes / 50, -3))  # about 50x smaller
    left, right = box.columns([2, 1], vertical_alignment="bottom")
    max_bytes = left.number_input(
        "Fit in N bytes",
        min_value=1,
        value=int(suggested),
        step=1000,
        key=keys.element(PAGE, "budget_bytes", baseline.model_name),
        persist_state=KEEP,
        help=CONTROL_HELP["budget_bytes"],
    )
    pressed = right.button(
        "Fit", key=keys.element(PAGE, "budget_fit"), help="Choose each layer's setting now."
    )
    with box:
        if pressed:
            _fit(baseline, int(max_bytes))
        pick = shown_pick(baseline)
        if pick is None:
            st.caption(
                "Press Fit: each layer gets its own values (float32, binary, ternary, 8 or "
                "4 bits, 16 shared values) and share pruned, the most accurate plan whose "
                "file fits. The first fit measures every option (a few seconds to a minute)."
            )
            return None
        _show(baseline, pick)
    return pick
