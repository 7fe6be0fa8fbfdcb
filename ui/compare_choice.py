"""Where the Compare page's A and B come from: a pin on a compress page, or two links.

A is pinned with :func:`pin_button` (in a compress page's share row) or read from a share
link; B is the settings last shown on a compress page, unless a link gave it. Both live in
this person's session (:class:`Chosen`). Two links, pasted or in the page's address
(:mod:`ui.controls.compare_link`), must read exactly; a pair that does not changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from compression.models import layer_names_for
from compression.settings import CompressionSettings, SettingsError
from ui.controls import keys, link
from ui.controls.compare_link import COMPARE_KEYS, LINK_LIMIT, CompareLinkError, read_pair
from ui.controls.link_codec import SharedSetup
from ui.navigation import page_path
from ui.safe_text import MESSAGE_LIMIT, shown
from ui.state import baselines
from ui.state.baselines import Baseline


@dataclass(frozen=True)
class Chosen:
    """One side of the comparison: settings of one baseline, and where they came from."""

    baseline_key: str
    settings: CompressionSettings
    source: str  # "the Prune page", "link A": app text, never a link's


def _pin(baseline_key: str, settings: CompressionSettings, title: str) -> None:
    st.session_state[keys.COMPARE_A] = Chosen(baseline_key, settings, f"the {title} page")
    st.session_state.pop(keys.COMPARE_B, None)  # B follows the sliders again
    st.toast("Pinned as A. Move the sliders to B, then open Compare.", icon=":material/push_pin:")


def pin_button(page: str, title: str, baseline: Baseline, settings: CompressionSettings) -> None:
    """ "Pin as A" (and, once something is pinned, a link to the Compare page)."""
    st.button(
        "Pin as A",
        icon=":material/push_pin:",
        key=keys.element(page, "pin"),
        on_click=_pin,
        args=(baseline.key, link.setup_of(baseline, settings).settings, title),  # all: None
        help="Keep these settings as A. Move the sliders to a setting B and open the Compare "
        "page to see both side by side.",
    )
    if st.session_state.get(keys.COMPARE_A) is not None:
        st.page_link(page_path("Compare"), label="Compare with A", icon=":material/compare:")


def _adopt(a: SharedSetup, b: SharedSetup) -> None:
    """Make the links' model this person's baseline and the links' settings A and B.

    Raises :class:`CompareLinkError` (and leaves the baseline in use as it was) when the
    model cannot be opened or the settings do not fit it.
    """
    try:
        settings_a = a.settings.validated(layer_names_for(a.model))
        settings_b = b.settings.validated(layer_names_for(b.model))
    except SettingsError as error:
        reason = shown(error, MESSAGE_LIMIT)
        raise CompareLinkError(f"the links' settings do not fit: {reason}") from None
    previous = baselines.selected_key()
    restore = link.LinkRestore(a)
    link.select_baseline(restore)  # selects only on success; a failure adds a note
    baseline = baselines.current_baseline()
    if restore.notes or (baseline.model_name, baseline.dataset) != (a.model, a.dataset):
        baselines.select_baseline(previous)
        reason = restore.notes[0] if restore.notes else "that model is not offered here"
        raise CompareLinkError(f"the links' model cannot be opened: {reason}")
    st.session_state[keys.COMPARE_A] = Chosen(baseline.key, settings_a, "link A")
    st.session_state[keys.COMPARE_B] = Chosen(baseline.key, settings_b, "link B")


def _follow(link_a: str, link_b: str) -> bool:
    """Compare two links; False (and one line saying why) when they cannot be."""
    try:
        _adopt(*read_pair(link_a, link_b))
    except CompareLinkError as error:
        st.error(f"Nothing changed: {error}.")
        return False
    return True


def read_address(baseline: Baseline) -> None:
    """On the page's first run in a session, compare the address's ``a`` and ``b`` links."""
    done = st.session_state.setdefault(keys.LINK_READ, set())
    if keys.COMPARE_ADDRESS in done:
        return
    done.add(keys.COMPARE_ADDRESS)
    given = {key: st.query_params.get(key) for key in COMPARE_KEYS}
    if all(value is None for value in given.values()):
        return
    followed = _follow(given["a"] or "", given["b"] or "")
    if followed and baselines.current_baseline().key != baseline.key:
        st.rerun()  # the sidebar shows the links' model


def links_form() -> None:
    """Two share links pasted, compared on submit; a bad one changes nothing."""
    with (
        st.expander("Compare two share links"),
        st.form(keys.element("compare", "links"), border=False),
    ):
        link_a, link_b = (
            st.text_input(
                f"Link {name}",
                max_chars=LINK_LIMIT,
                key=keys.element("compare", f"link_{name.lower()}"),
                help=f"A share link for setting {name}, copied from a compress page's "
                "*Share this experiment* box (the whole address, or what follows '?').",
            )
            for name in ("A", "B")
        )
        submitted = st.form_submit_button(
            "Compare these links",
            help="Both links must be of one model and read exactly; otherwise nothing changes.",
        )
    if submitted and _follow(link_a, link_b):
        st.rerun()  # redraw with the links' model and settings (and its sidebar)


def chosen(baseline: Baseline) -> tuple[Chosen, Chosen] | None:
    """A and B for ``baseline``, or None (and a line saying what to do) when A is missing."""
    a = st.session_state.get(keys.COMPARE_A)
    if a is None:
        st.info(
            "Nothing to compare yet: on a compress page (Prune, Binarize, Quantize, Share "
            "weights, Combine) press **Pin as A**, move the sliders, and come back; or paste "
            "two share links above."
        )
        return None
    if a.baseline_key != baseline.key:
        st.info("A was pinned on another baseline model: pin A again with this one.")
        return None
    b = st.session_state.get(keys.COMPARE_B)
    if b is None or b.baseline_key != baseline.key:
        b = Chosen(baseline.key, link.current_setup(baseline).settings, "the sliders")
    return a, b
