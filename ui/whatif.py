"""The What-if page's runners: sweeps and trade-off grids, with a progress bar, remembered.

A result is kept twice: in a small store shared by everyone on the server (a class
pressing Run on the same default sweep computes it once) and in this person's session
(their last result per baseline shows again, at once, when they come back to the page).
The shared store holds at most :data:`RESULTS_KEPT` tables, least recently used dropped;
its tables are never changed after they are stored.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from compression.methods import METHODS
from compression.settings import CompressionSettings, SettingsError
from compression.sweeps.sweep import SweepProgress, SweepSpec, run_sweep
from compression.sweeps.tradeoff import MarkedPoint, tradeoff_grid, with_current
from ui.controls import keys, method_widgets
from ui.safe_text import MESSAGE_LIMIT, shown
from ui.state import datasets, measuring
from ui.state.baselines import Baseline

RESULTS_KEPT = 32  # tables in the shared store
_LAST = keys.element("whatif", "last")  # session: {(section, baseline key): LastRun}


@dataclass(frozen=True)
class GridSpec:
    """What a trade-off grid covers; hashable, so results can be found by it.

    Both ways of pruning are in one grid: target sparsities and absolute |W| cuts; each
    is combined with every binarization value, every k-bit width and every number of
    shared values.
    """

    sparsities: tuple[float, ...]  # prune-sparsity values
    thresholds: tuple[float, ...]  # prune-threshold values
    binarize_values: tuple[float | None, ...]  # None: binarization off
    per_channel: bool = False
    bits_values: tuple[int, ...] = ()  # k-bit widths
    shared_values: tuple[int, ...] = ()  # shared values per layer (weight sharing)

    @property
    def prune_grid(self) -> dict[str, tuple[float, ...]]:
        """{pruning sweep method: values}, the methods without values left out."""
        both = {"prune-sparsity": self.sparsities, "prune-threshold": self.thresholds}
        return {method: values for method, values in both.items() if values}

    @property
    def point_count(self) -> int:
        values = len(self.binarize_values) + len(self.bits_values) + len(self.shared_values)
        return (len(self.sparsities) + len(self.thresholds)) * values

    @property
    def base(self) -> CompressionSettings:
        return CompressionSettings(per_channel=self.per_channel)


@dataclass(frozen=True)
class LastRun:
    """A person's last result in one section of the page, for one baseline."""

    spec: Hashable  # SweepSpec or GridSpec
    table: pd.DataFrame


class ResultStore:
    """A thread-safe map with at most ``capacity`` entries, least recently used dropped."""

    def __init__(self, capacity: int):
        self._capacity = capacity
        self._entries: OrderedDict[Hashable, pd.DataFrame] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> pd.DataFrame | None:
        with self._lock:
            if key not in self._entries:
                return None
            self._entries.move_to_end(key)
            return self._entries[key]

    def put(self, key: Hashable, table: pd.DataFrame) -> None:
        with self._lock:
            self._entries[key] = table
            self._entries.move_to_end(key)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


@st.cache_resource(show_spinner=False)
def shared_results() -> ResultStore:
    return ResultStore(RESULTS_KEPT)


def last_run(section: str, baseline: Baseline) -> LastRun | None:
    """This person's last result of ``section`` ("sweep" or "grid") for ``baseline``."""
    return st.session_state.get(_LAST, {}).get((section, baseline.key))


def _remember(section: str, baseline: Baseline, spec: Hashable, table: pd.DataFrame) -> None:
    st.session_state.setdefault(_LAST, {})[(section, baseline.key)] = LastRun(spec, table)


def _with_progress(label: str, compute: Callable[[Callable[[SweepProgress], None]], pd.DataFrame]):
    bar = st.progress(0.0, text=f"{label} …")

    def on_point(progress: SweepProgress) -> None:
        bar.progress(progress.fraction, text=f"{label}: {progress.done}/{progress.total} · "
                     f"{progress.label}")  # fmt: skip

    try:
        return compute(on_point)
    finally:
        bar.empty()


def _run(section: str, baseline: Baseline, spec: Hashable, label: str, compute) -> pd.DataFrame:
    key = (section, baseline.key, spec)
    table = shared_results().get(key)
    if table is None:
        table = _with_progress(label, compute)
        shared_results().put(key, table)
    _remember(section, baseline, spec, table)
    return table


def run_sensitivity(baseline: Baseline, spec: SweepSpec) -> pd.DataFrame | None:
    """The sweep's table (computed with a progress bar, or found); None after an error shown."""
    try:
        spec.validated(baseline.layers)
    except SettingsError as error:
        st.error(f"This sweep cannot be run: {shown(error, MESSAGE_LIMIT)}.")
        return None
    data = datasets.dataset(baseline.dataset)
    total = spec.point_count(baseline.layers)
    return _run(
        "sweep",
        baseline,
        spec,
        f"Sweeping {total} points",
        lambda on_point: run_sweep(
            baseline.model_name,
            baseline.state,
            spec,
            data.test_images,
            data.test_labels,
            on_point=on_point,
        ),
    )


def run_grid(baseline: Baseline, spec: GridSpec) -> pd.DataFrame | None:
    """The trade-off grid's table (computed with a progress bar, or found)."""
    if not spec.prune_grid or not (spec.binarize_values or spec.bits_values or spec.shared_values):
        st.error(
            "Choose at least one pruning value and one binarization value, bit width or "
            "number of shared values."
        )
        return None
    data = datasets.dataset(baseline.dataset)
    try:
        return _run(
            "grid",
            baseline,
            spec,
            f"Measuring {spec.point_count} grid points",
            lambda on_point: tradeoff_grid(
                baseline.model_name,
                baseline.state,
                data.test_images,
                data.test_labels,
                prune_grid=spec.prune_grid,
                binarize_values=spec.binarize_values,
                bits_values=spec.bits_values,
                shared_values=spec.shared_values,
                base=spec.base,
                on_point=on_point,
            ),
        )
    except SettingsError as error:
        st.error(f"This grid cannot be run: {shown(error, MESSAGE_LIMIT)}.")
        return None


# --- the person's current setting, from the sliders of the explorer pages -------------------

# The compress pages (page key -> title) whose sliders give "your current setting".
SETTING_PAGES = {
    "combine": "Combine", "prune": "Prune", "binarize": "Binarize", "quantize": "Quantize",
    "share weights": "Share weights",
}  # fmt: skip


def page_settings(page: str, baseline: Baseline, saved) -> CompressionSettings | None:
    """The settings the sliders of ``page`` were left at (None if it was not visited).

    ``saved`` is the session state (a mapping of widget key -> value); each method the
    page drew is read back by :func:`ui.controls.method_widgets.saved_fields`.
    """
    shown = [method for method in METHODS.values() if method_widgets.shown_on(page, method, saved)]
    if not shown:
        return None
    parts = {}
    for method in shown:
        fields = method_widgets.saved_fields(page, method, baseline.key, saved)
        if fields is None:
            return None
        parts |= fields
    layers = saved.get(keys.layers(page, baseline.model_name))
    if layers is not None:
        parts["layers"] = tuple(layers)
    try:
        return CompressionSettings(**parts).validated(baseline.layers)
    except SettingsError:
        return None


def visited_settings(baseline: Baseline) -> dict[str, CompressionSettings]:
    """{page title: settings} of the explorer pages this person has set, Combine first."""
    found = {}
    for page, title in SETTING_PAGES.items():
        settings = page_settings(page, baseline, st.session_state)
        if settings is not None:
            found[title] = settings
    return found


def with_marker(
    grid: pd.DataFrame, baseline: Baseline, settings: CompressionSettings, label: str
) -> pd.DataFrame:
    """``grid`` plus the star for ``settings``, the Pareto front computed over both.

    The numbers come from the cached measurement the explorer pages show.
    """
    measured = measuring.measured(baseline, settings)
    return with_current(grid, MarkedPoint.of(measured, label))
