"""A lesson walked through in the app: step k of n above the page, Back and Next.

A lesson opens from ``?lesson=<text>`` (the text of :mod:`compression.lessons.codec`, or
the name of a shipped lesson) or ``?lesson_id=<key>`` (one kept in the lesson store); a
link that cannot be read opens the page as usual, with one escaped note. Each step
opens its page with its settings put into the widgets, as a share link's are
(:func:`ui.controls.link.apply`), and hides the controls it does not list
(:func:`fixed_fields`, which the method widgets draw no widget for). A question takes a
number before the measured one is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from compression.lessons.codec import read_lesson
from compression.lessons.reveal import measured_number, reveal_sentence
from compression.lessons.schema import (
    MEASURES,
    PROMPT_LIMIT,
    TEXT_LIMIT,
    LessonError,
    LessonPlan,
    Step,
)
from compression.lessons.shipped import SHIPPED
from compression.lessons.store import LessonStore, default_folder
from compression.methods.controls import Method
from compression.settings import CompressionSettings, SettingsError
from ui.controls import keys
from ui.controls.link import LinkRestore
from ui.controls.link_codec import decode_setup
from ui.navigation import page_path
from ui.safe_text import MESSAGE_LIMIT, TITLE_LIMIT, shown
from ui.state import baselines, measuring, retrained
from ui.state.baselines import Baseline

LINK_KEY = "lesson"  # ?lesson=<encoded lesson or a shipped lesson's name>
STORE_KEY = "lesson_id"  # ?lesson_id=<64 hex digits>
NOTES_SHOWN = 4  # notes about a lesson link, at most


@dataclass
class LessonRun:
    """Where this person is in a lesson."""

    plan: LessonPlan
    source: dict[str, str]  # the query parameters that open this lesson again
    index: int = 0  # the step shown, from 0
    pending: bool = True  # the step's settings are still to be put on its page
    answers: dict[int, float] = field(default_factory=dict)  # step -> revealed answer

    @property
    def step(self) -> Step:
        return self.plan.steps[self.index]


def current_run() -> LessonRun | None:
    return st.session_state.get(keys.LESSON_RUN)


def start(plan: LessonPlan, source: dict[str, str]) -> None:
    """Begin ``plan`` at its first step (its page opens on the next run)."""
    for key in [k for k in st.session_state if str(k).startswith("lesson.answer.")]:
        del st.session_state[key]  # the last lesson's predictions
    st.session_state[keys.LESSON_RUN] = LessonRun(plan, dict(source))


def leave() -> None:
    st.session_state.pop(keys.LESSON_RUN, None)


def go_to(index: int) -> None:
    """Show step ``index`` next (its settings are put on its page on the next run)."""
    run = current_run()
    if run is not None and 0 <= index < len(run.plan.steps):
        run.index, run.pending = index, True


def resolve(params: dict[str, str]) -> tuple[LessonPlan | None, dict[str, str], list[str]]:
    """The lesson named by a link's parameters, what opens it again, and notes (for no
    lesson: the reason)."""
    stored = params.get(STORE_KEY)
    if stored is not None:
        try:
            plan, notes = LessonStore(default_folder()).load(stored.strip().lower())
        except LessonError as error:
            return None, {}, [str(error)]
        return plan, {STORE_KEY: stored}, notes
    text = params.get(LINK_KEY, "")
    if text in SHIPPED:
        return SHIPPED[text], {LINK_KEY: text}, []
    read = read_lesson(text)
    return read.plan, {LINK_KEY: text}, read.notes


def open_from_link() -> None:
    """Open the lesson of the address, once per link in a session; notes on what failed."""
    params = {k: st.query_params[k] for k in (LINK_KEY, STORE_KEY) if k in st.query_params}
    marker = tuple(sorted(params.items()))
    if not params or st.session_state.get(keys.LESSON_READ) == marker:
        return
    st.session_state[keys.LESSON_READ] = marker
    plan, source, notes = resolve(params)
    said = "; ".join(shown(note, MESSAGE_LIMIT) for note in notes[:NOTES_SHOWN])
    if plan is None:
        notice = f"This lesson link could not be opened ({said}); the page opens as usual."
    else:
        start(plan, source)
        notice = f"Part of this lesson could not be used as given: {said}." if notes else None
    if notice is not None:  # shown by the page the lesson opens (show_notice)
        st.session_state[keys.LESSON_NOTICE] = notice


def show_notice() -> None:
    """The note about the lesson link just opened, once."""
    notice = st.session_state.pop(keys.LESSON_NOTICE, None)
    if notice is not None:
        st.info(notice)


def follow(title: str) -> None:
    """Open the page of the step to show, when it is another page than ``title``."""
    run = current_run()
    if run is not None and run.pending and run.step.page != title:
        st.switch_page(page_path(run.step.page), query_params=run.source)


def step_params(step: Step, baseline: Baseline) -> dict[str, str]:
    """The step's link parameters; the model in use where the step names none."""
    model = {"model": baseline.model_name, "dataset": baseline.dataset, "seed": str(baseline.seed)}
    return model | dict(step.settings)


def step_link(title: str) -> LinkRestore | None:
    """The step's settings as a link to apply on this run of ``title`` (once per step)."""
    run = current_run()
    if run is None or not run.pending or run.step.page != title:
        return None
    run.pending = False
    decoded = decode_setup(step_params(run.step, baselines.current_baseline()))
    return LinkRestore(decoded.setup, list(decoded.fallbacks), dict(decoded.unread))


def names_model() -> bool:
    """Whether the lesson's step asks for a model (else the one in use stays)."""
    run = current_run()
    return run is not None and any(k in run.step.settings for k in ("model", "dataset"))


def step_settings(step: Step, baseline: Baseline) -> CompressionSettings:
    """The compression settings of ``step`` for ``baseline``'s layers."""
    settings = decode_setup(step_params(step, baseline)).setup.settings
    try:
        return settings.validated(baseline.layers)
    except SettingsError:  # the step's layers belong to another model
        return CompressionSettings(**{**settings.to_dict(), "layers": None}).validated(
            baseline.layers
        )


def fixed_fields(page: str, method: Method, baseline: Baseline) -> dict:
    """{settings field: value} of ``method``'s controls the lesson step hides on ``page``
    (the step's own values); empty when no step of a lesson is on this page."""
    run = current_run()
    if run is None or run.step.page.lower() != page or run.step.visible is None:
        return {}
    settings = step_settings(run.step, baseline)
    hidden = [c for c in method.controls if c.key not in run.step.visible]
    return {control.field: getattr(settings, control.field) for control in hidden}


def _measured(step: Step, baseline: Baseline, title: str) -> float | str:
    """The number the step's question reveals, or why it is not there yet."""
    settings = step_settings(step, baseline)
    measure = step.question.measure
    if measure == "retrained_accuracy":
        outcome = retrained.finetuned(title.lower(), baseline)
        if outcome is None:
            return "Retrain on this page first (the button further down), then reveal."
        return measured_number(measure, outcome.after.accuracy, 0, 0.0)
    shown_now = measuring.measured(baseline, settings)
    return measured_number(
        measure, shown_now.accuracy, shown_now.size_bytes, shown_now.compression_ratio
    )


def _keep_answer(index: int) -> None:
    run = current_run()
    answer = st.session_state.get(f"lesson.answer.{index}")
    if run is not None and answer is not None:
        run.answers[index] = float(answer)


def _question(run: LessonRun, baseline: Baseline, title: str) -> None:
    question, index = run.step.question, run.index
    label = f"{shown(question.prompt, PROMPT_LIMIT)} ({MEASURES[question.measure]})"
    answer = st.number_input(
        label, value=None, key=f"lesson.answer.{index}", placeholder="your prediction",
        disabled=index in run.answers,
        help="Your prediction; the measured number is shown once you have given it.",
    )  # fmt: skip
    if index not in run.answers:
        st.button(
            "Reveal the measured number", key=f"lesson.reveal.{index}",
            disabled=answer is None, on_click=_keep_answer, args=(index,),
            help="Type your prediction first; then the app shows the number it measures.",
        )  # fmt: skip
        return
    number = _measured(run.step, baseline, title)
    if isinstance(number, str):
        st.warning(number)
        run.answers.pop(index)  # asked again once the number can be measured
        return
    st.success(reveal_sentence(question.measure, run.answers[index], number))


def panel(title: str, baseline: Baseline) -> None:
    """The lesson's step above the page: its text, its question, Back, Next and Leave."""
    run = current_run()
    if run is None:
        return
    steps = len(run.plan.steps)
    with st.container(border=True, key="lesson_panel"):
        st.markdown(
            f"**Lesson: {shown(run.plan.title, TITLE_LIMIT)}** · step {run.index + 1} of {steps}"
        )
        if run.step.page != title:
            st.caption(f"This step is on the {run.step.page} page.")
            st.button(
                "Open it", key="lesson.open", on_click=go_to, args=(run.index,),
                help="Open this step's page with its settings.",
            )  # fmt: skip
        else:
            st.markdown(shown(run.step.text, TEXT_LIMIT))
            if run.step.question is not None:
                _question(run, baseline, title)
        row = st.container(horizontal=True)
        row.button(
            "Back", key="lesson.back", disabled=run.index == 0,
            on_click=go_to, args=(run.index - 1,), icon=":material/arrow_back:",
            help="The step before, with its settings.",
        )  # fmt: skip
        row.button(
            "Next", key="lesson.next", disabled=run.index + 1 >= steps, type="primary",
            on_click=go_to, args=(run.index + 1,), icon=":material/arrow_forward:",
            help="The next step, with its settings.",
        )  # fmt: skip
        row.button(
            "Leave the lesson", key="lesson.leave", on_click=leave,
            help="Close the lesson; every control comes back, at its current value.",
        )  # fmt: skip


def shipped_lessons() -> None:
    """The lessons that come with the app, each with a button that starts it."""
    for name, plan in SHIPPED.items():
        st.button(
            f"{plan.title} ({len(plan.steps)} steps)", key=f"lesson.start.{name}",
            on_click=start, args=(plan, {LINK_KEY: name}), icon=":material/school:",
            help=f"Start the lesson; its link is ?{LINK_KEY}={name}.",
        )  # fmt: skip
