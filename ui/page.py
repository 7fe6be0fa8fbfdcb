"""What every page does first: page set-up, the menu, and this person's baseline in the sidebar."""

from __future__ import annotations

import streamlit as st

from compression.measure import Measurement
from ui import format as fmt
from ui import lesson_walk, upload
from ui.controls import carry, keys, link
from ui.navigation import sidebar_menu
from ui.readouts import BASELINE_ACCURACY, DENSE_SIZE
from ui.safe_text import MESSAGE_LIMIT, TITLE_LIMIT, shown
from ui.state import baselines, datasets, measuring
from ui.state.baselines import Baseline

APP_TITLE = "Compression Explorer"


def _on_pick() -> None:
    baselines.select_baseline(st.session_state[keys.BASELINE_PICKER])


def baseline_picker() -> None:
    """A select box of this person's baselines (shipped ones and those they trained)."""
    choices = baselines.baseline_choices()
    st.session_state[keys.BASELINE_PICKER] = baselines.selected_key()
    st.selectbox(
        "Baseline model",
        options=list(choices),
        format_func=choices.get,
        key=keys.BASELINE_PICKER,
        on_change=_on_pick,
        help="The trained float32 model every page compresses, and the images it was trained "
        "on (MNIST digits or Fashion-MNIST clothing). Train your own on the Train page.",
    )


def baseline_sidebar(
    baseline: Baseline, reference: Measurement, carried: str | None = None
) -> None:
    """The baseline in use, a way to switch it, and its accuracy and size in one line (the
    pages' own metrics compare against them, so they are not repeated as metrics);
    ``carried``: how this page's sliders followed the last switch."""
    with st.sidebar:
        baseline_picker()
        # the picker's short name in full, and how the model was made
        title, note = shown(baseline.title, TITLE_LIMIT), shown(baseline.note, MESSAGE_LIMIT)
        st.caption(f"**{title}**: {note}")
        st.caption(
            baseline_line(reference),
            help=f"{BASELINE_ACCURACY}: the share of the 10,000 "
            f"{datasets.dataset_title(baseline.dataset)} test images the baseline classifies "
            f"correctly. {DENSE_SIZE}: {fmt.exact_bytes(reference.dense_bytes)}, every weight "
            "and bias as a 32-bit float.",
        )
        for note in baselines.unavailable_notes():
            st.caption(f"Not offered: {note}")
        if carried:
            st.caption(f"When you switched models, {carried}")
        upload.model_uploader()


def baseline_line(reference: Measurement) -> str:
    """``Baseline accuracy: **98.30 %** · Float32 size: **1,066.4 KB**`` (labels as on Home)."""
    return (
        f"{BASELINE_ACCURACY}: **{fmt.accuracy(reference.accuracy)}** · "
        f"{DENSE_SIZE}: **{fmt.kilobytes(reference.dense_bytes)}**"
    )


def start_page(
    title: str, icon: str | None = None, methods: tuple[str, ...] = ()
) -> tuple[Baseline, Measurement]:
    """What every page does first: its set-up, the menu, data, this person's baseline.

    ``methods``: the compression methods the page has sliders for (a link sets them)."""
    st.set_page_config(
        page_title=title if title == APP_TITLE else f"{title} · {APP_TITLE}",
        page_icon=icon,
        layout="wide",
    )
    sidebar_menu()
    lesson_walk.open_from_link()
    lesson_walk.follow(title)  # a lesson's step on another page: open that page
    opened = link.read(title.lower())  # a shared link, on this page's first run only
    stepped = lesson_walk.step_link(title)  # a lesson's step: its settings, once
    opened = stepped or opened
    if opened is not None and (stepped is None or lesson_walk.names_model()):
        link.select_baseline(opened)
    baseline = baselines.current_baseline()
    carry.follow_baseline(baseline)  # before a link's values, which take precedence
    datasets.dataset(baseline.dataset)
    if opened is not None:
        link.apply(title.lower(), opened, baseline, methods)
    link.show_notes(opened)
    lesson_walk.show_notice()
    reference = measuring.reference(baseline)
    baseline_sidebar(baseline, reference, carry.carried_note(title.lower()))
    lesson_walk.panel(title, baseline)
    return baseline, reference
