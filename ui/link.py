"""An experiment as a link: the page's settings live in the address bar (``st.query_params``).

Reading: the first run of a page in a session applies the link's model, data set,
seed and compression settings to this person's widgets (:func:`restore`). A value
that does not fit falls back to its default and the page says so in one note.
Writing: every run of a compress page puts the settings on screen into the address
(:func:`keep`), so copying the address copies the experiment. The encoding is
:mod:`ui.link_codec`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import streamlit as st

from compression.explain.chart_data import prune_threshold_range
from compression.settings import CompressionSettings, SettingsError
from ui import baselines, datasets
from ui.baselines import Baseline
from ui.link_codec import SHARE_KEYS, SharedSetup, decode_setup, encode_setup, query_string
from ui.widgets import BINARIZE_MAX, MAX_TARGET_PERCENT

CURRENT = "setup.current"  # session key: the SharedSetup last shown on a compress page
_READ = "setup.read_pages"  # session key: pages that already read the link


@dataclass
class LinkRestore:
    """A link read on this run: its setup and what could not be used as given."""

    setup: SharedSetup
    notes: list[str] = field(default_factory=list)


def read(page: str) -> LinkRestore | None:
    """The link's setup on the first run of ``page`` in this session (None otherwise)."""
    done = st.session_state.setdefault(_READ, set())
    if page in done:
        return None
    done.add(page)
    params = st.query_params.to_dict()
    if not any(key in params for key in SHARE_KEYS):
        return None
    decoded = decode_setup(params)
    return LinkRestore(decoded.setup, list(decoded.notes))


def select_baseline(link: LinkRestore) -> None:
    """Use the shipped baseline of the link's model and data set, when there is one."""
    setup = link.setup
    key = baselines.shipped_key(setup.model, setup.dataset)
    if key in baselines.baseline_choices():
        baselines.select_baseline(key)
        return
    link.notes.append(
        f"there is no shipped {setup.model} for {datasets.dataset_title(setup.dataset)} here; "
        "train it on the Train page (its model, data set and seed are filled in)"
    )


def apply(page: str, link: LinkRestore, baseline: Baseline) -> None:
    """Put the link's settings into this page's widgets and the Train page's recipe."""
    setup = link.setup
    ss = st.session_state
    ss["train.model"] = setup.model
    ss["train.seed"] = setup.seed
    ss["train.dataset"] = setup.dataset
    same_model = (setup.model, setup.dataset) == (baseline.model_name, baseline.dataset)
    if same_model and setup.seed != baseline.seed:
        link.notes.append(
            f"the link's model was trained with seed {setup.seed}, {baseline.title} with "
            f"seed {baseline.seed}; train with seed {setup.seed} on the Train page for "
            "the same weights"
        )
    try:
        settings = setup.settings.validated(baseline.layers)
    except SettingsError:  # the link's layers belong to another model
        settings = replace(setup.settings, layers=None)
    ss[f"{page}.layers.{baseline.model_name}"] = list(settings.chosen_layers(baseline.layers))
    ss[CURRENT] = setup_of(baseline, settings)  # what the Learn page computes on
    if settings.binarize_threshold is not None:
        ss[f"{page}.binarize"] = _clamped(
            link, "binarize", settings.binarize_threshold, 0.0, BINARIZE_MAX
        )
        ss[f"{page}.per_channel"] = settings.per_channel
    if settings.prune_threshold is not None:
        top, _, _ = prune_threshold_range(baseline.state, baseline.layers)
        ss[f"{page}.prune_mode"] = "threshold"
        ss[f"{page}.prune_threshold.{baseline.key}"] = _clamped(
            link, "prune_threshold", settings.prune_threshold, 0.0, top
        )
    elif settings.prune_sparsity is not None:
        percent = round(100 * settings.prune_sparsity)
        ss[f"{page}.prune_mode"] = "sparsity"
        ss[f"{page}.prune_sparsity"] = int(
            _clamped(link, "prune_sparsity", percent, 0, MAX_TARGET_PERCENT)
        )
        ss[f"{page}.prune_scope"] = settings.prune_scope
        ss[f"{page}.prune_neurons"] = settings.prune_structure == "neurons"


def _clamped(link: LinkRestore, key: str, value: float, low: float, high: float) -> float:
    if low <= value <= high:
        return value
    shown = min(max(value, low), high)
    link.notes.append(f"{key} {value:g} is outside the slider's range; using {shown:g}")
    return shown


def show_notes(link: LinkRestore | None) -> None:
    if link is not None and link.notes:
        st.info(
            "This link could not be followed exactly, so defaults were used where needed: "
            + "; ".join(link.notes)
            + "."
        )


def setup_of(baseline: Baseline, settings: CompressionSettings) -> SharedSetup:
    """The setup on screen; every layer chosen reads ``layers=all`` in the link."""
    if settings.layers is not None and set(settings.layers) == set(baseline.layers):
        settings = replace(settings, layers=None)
    return SharedSetup(baseline.model_name, baseline.dataset, baseline.seed, settings)


def keep(baseline: Baseline, settings: CompressionSettings) -> SharedSetup:
    """Write the settings on screen into the address bar (only the keys that changed)."""
    setup = setup_of(baseline, settings)
    st.session_state[CURRENT] = setup
    for key, value in encode_setup(setup).items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    return setup


def current_setup(baseline: Baseline) -> SharedSetup:
    """The last settings this person looked at with ``baseline`` (none: no compression)."""
    setup = st.session_state.get(CURRENT)
    if setup is None or (setup.model, setup.dataset) != (baseline.model_name, baseline.dataset):
        return setup_of(baseline, CompressionSettings())
    return setup


def share_box(setup: SharedSetup) -> None:
    """The link to this experiment, ready to copy (for a teacher's slides or a chat)."""
    address = (st.context.url or "").split("?")[0]
    with st.popover("Share this experiment", icon=":material/link:"):
        st.caption(
            "This link opens the same model, data set and settings in a new tab. "
            "The address bar holds it too."
        )
        st.code(f"{address}?{query_string(setup)}", language=None, wrap_lines=True)
