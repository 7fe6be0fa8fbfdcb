"""A teacher builds a lesson on a compress page: the settings on screen become a step.

Each step keeps the page, the settings as the share link writes them (only those that
differ from no compression; the model stays the student's own), the controls left
visible, a text and an optional question. "Copy lesson link" gives the address with
``?lesson=<text>`` (:mod:`compression.lessons.codec`), or ``?lesson_id=<key>`` when the
lesson is too long for a link and is kept in the lesson store instead.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from compression.lessons.codec import encode_lesson
from compression.lessons.schema import (
    MAX_STEPS,
    MEASURES,
    PROMPT_LIMIT,
    TEXT_LIMIT,
    TITLE_LIMIT,
    LessonError,
    LessonPlan,
    Question,
    Step,
)
from compression.lessons.store import LessonStore, default_folder
from compression.methods import METHODS
from ui.controls import keys
from ui.controls.link_codec import SharedSetup, encode_setup
from ui.lesson_walk import LINK_KEY, STORE_KEY
from ui.safe_text import MESSAGE_LIMIT, shown

MODEL_KEYS = ("model", "dataset", "seed", "baseline")  # the student's model is used


def step_settings(setup: SharedSetup) -> dict[str, str]:
    """The setup's link values that differ from no compression (model keys left out)."""
    plain = encode_setup(SharedSetup(setup.model, setup.dataset, setup.seed))
    return {
        key: value
        for key, value in encode_setup(setup).items()
        if key not in MODEL_KEYS and plain.get(key) != value
    }


def lesson_query(plan: LessonPlan) -> dict[str, str]:
    """``{"lesson": text}``, or ``{"lesson_id": key}`` after storing a lesson too long for a
    link (:class:`LessonError` when neither works)."""
    try:
        return {LINK_KEY: encode_lesson(plan)}
    except LessonError:
        return {STORE_KEY: LessonStore(default_folder()).put(plan)}


def _draft() -> list[Step]:
    return st.session_state.setdefault(keys.LESSON_DRAFT, [])


def _add_step(page: str, setup: SharedSetup) -> None:
    ss = st.session_state
    prompt = (ss.get("lesson_builder.prompt") or "").strip()
    question = Question(prompt, ss.get("lesson_builder.measure", "accuracy")) if prompt else None
    visible = tuple(ss.get(f"lesson_builder.visible.{page}", ()))
    text = (ss.get("lesson_builder.text") or "").strip()
    _draft().append(Step(text, page, step_settings(setup), visible, question))
    ss["lesson_builder.text"] = ss["lesson_builder.prompt"] = ""


def _start_over() -> None:
    st.session_state[keys.LESSON_DRAFT] = []


def builder(page: str, setup: SharedSetup, methods: tuple[str, ...]) -> None:
    """The builder in a popover: a step from the settings on screen, then the lesson's link."""
    draft = _draft()
    controls = list(dict.fromkeys(c.key for name in methods for c in METHODS[name].controls))
    with st.popover("Build a lesson", icon=":material/school:"):
        st.caption(
            "Set the sliders, write what the student should see, then add the setting as a "
            "step. The student's own model is used; only the controls you tick stay visible."
        )
        st.text_area(
            "Step text", max_chars=TEXT_LIMIT, key="lesson_builder.text",
            help="What the student reads at this step, as plain text.",
        )  # fmt: skip
        st.multiselect(
            "Controls the student sees", controls, default=controls,
            key=f"lesson_builder.visible.{page}",
            help="The controls left on the page at this step; the others are hidden and "
            "keep the values on screen now.",
        )  # fmt: skip
        st.text_input(
            "Question (optional): the student predicts a number first",
            max_chars=PROMPT_LIMIT, key="lesson_builder.prompt",
            help="Leave empty for a step without a question.",
        )  # fmt: skip
        st.selectbox(
            "The number it asks for", list(MEASURES), format_func=MEASURES.get,
            key="lesson_builder.measure",
            help="The number the app measures and shows after the student's prediction.",
        )  # fmt: skip
        st.button(
            "Add this setting as a step", key="lesson_builder.add",
            disabled=len(draft) >= MAX_STEPS, on_click=_add_step, args=(page, setup),
            help=f"The settings on screen, this page and the fields above become the "
            f"lesson's next step (at most {MAX_STEPS}).",
        )  # fmt: skip
        if not draft:
            return
        st.caption(f"{len(draft)} step(s): " + "; ".join(shown(s.page, 20) for s in draft))
        title = st.text_input(
            "Lesson title", value="A lesson", max_chars=TITLE_LIMIT, key="lesson_builder.title",
            help="Shown above every step.",
        )  # fmt: skip
        st.markdown("**Copy lesson link**")
        try:
            query = lesson_query(LessonPlan(title.strip() or "A lesson", tuple(draft)))
        except LessonError as error:
            st.warning(f"The lesson cannot be linked: {shown(error, MESSAGE_LIMIT)}.")
        else:
            address = (st.context.url or "").split("?")[0]
            st.code(f"{address}?{urlencode(query)}", language=None, wrap_lines=True)
        st.button(
            "Start over", key="lesson_builder.clear", on_click=_start_over,
            help="Forget the steps added so far.",
        )  # fmt: skip
