"""What a lesson holds: steps, each a text, a page with preset settings, the controls left
visible, and optionally a question whose answer is a number the app then measures.

A step's settings are the share link's keys and values (``{"prune_sparsity": "0.9"}``,
see ``ui.controls.link_codec``); :func:`checked_settings` keeps those that name a control
and fit its range and drops the rest with a note. Every text has a length limit, and a
lesson at most :data:`MAX_STEPS` steps, so a lesson from a link stays small. Plain data:
the app decides how a step is shown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from compression.data import DATASETS
from compression.methods import all_controls
from compression.methods.controls import CHOICE, NUMBER, Control
from compression.models import MODELS

MAX_STEPS = 20
TITLE_LIMIT = 80  # characters of a lesson's title
TEXT_LIMIT = 800  # characters of a step's text
PROMPT_LIMIT = 200  # characters of a question
VALUE_LIMIT = 40  # characters of one setting's value
# Pages a step may open (the app's menu titles): the compress pages and Learn.
PAGES = ("Binarize", "Prune", "Quantize", "Share weights", "Combine", "Learn")
# What a question asks the student to predict, and the unit of the answer.
MEASURES = {
    "accuracy": "accuracy on the test images, in %",
    "size_kb": "compressed size, in KB",
    "ratio": "compression ratio (dense ÷ compressed)",
    "retrained_accuracy": "accuracy after retraining on the page, in %",
}
OFF = "off"
SETUP_KEYS = ("model", "dataset", "seed", "layers")  # link keys besides the controls'
_DECIMAL = re.compile(r"[+-]?(?:\d{1,20}(?:\.\d{0,20})?|\.\d{1,20})(?:[eE][+-]?\d{1,3})?", re.ASCII)
_LAYERS = re.compile(r"[a-z0-9_,]{1,40}", re.ASCII)


class LessonError(ValueError):
    """A lesson could not be read or does not fit its limits; the message is one sentence."""


@dataclass(frozen=True)
class Question:
    """Asked before the app shows a number: the student types a prediction first."""

    prompt: str  # "What accuracy do you expect at 95% sparsity?"
    measure: str  # a key of MEASURES: which number the app reveals


@dataclass(frozen=True)
class Step:
    """One screen of a lesson."""

    text: str  # plain text, shown escaped (no Markdown from a link)
    page: str  # one of PAGES
    settings: Mapping[str, str] = field(default_factory=dict)  # link keys -> values
    visible: tuple[str, ...] | None = None  # control link keys left visible; None: all
    question: Question | None = None


@dataclass(frozen=True)
class LessonPlan:
    """A lesson: a title and its steps, in order."""

    title: str
    steps: tuple[Step, ...]


def control_keys() -> dict[str, Control]:
    """Every control by its link key (``sparsity`` -> the pruning control)."""
    return {control.key: control for control in all_controls()}


def _value_problem(control: Control, value: str) -> str | None:
    """Why ``value`` does not fit ``control`` (None when it fits)."""
    if control.kind == NUMBER:
        if value.lower() == OFF:
            return None
        number = float(value) if _DECIMAL.fullmatch(value) else math.nan
        high = math.inf if control.high is None else control.high
        if not math.isfinite(number) or not control.low <= number <= high:
            return f"needs a number {control.bounds()} or {OFF!r}"
        if control.integer and not number.is_integer():
            return "needs a whole number"
        return None
    if control.kind == CHOICE:
        return None if value in control.choices else f"choose one of {', '.join(control.choices)}"
    return None if value in ("0", "1") else "needs 1 or 0"


def _setup_problem(key: str, value: str) -> str | None:
    if key == "model":
        return None if value in MODELS else f"choose one of {', '.join(sorted(MODELS))}"
    if key == "dataset":
        return None if value in DATASETS else f"choose one of {', '.join(sorted(DATASETS))}"
    if key == "seed":
        return None if value.isascii() and value.isdigit() and len(value) <= 10 else "a seed"
    return None if _LAYERS.fullmatch(value) else "layer names separated by commas"


def checked_settings(settings: Mapping[str, object]) -> tuple[dict[str, str], list[str]]:
    """The settings that name a control (or the model, data set, seed, layers) and fit it,
    and one note per value left out. Notes hold no value from the settings, only keys
    cut to :data:`VALUE_LIMIT` characters, for the app to escape."""
    controls = control_keys()
    kept, notes = {}, []
    for key, value in settings.items():
        name = str(key)[:VALUE_LIMIT]
        if not isinstance(value, str) or len(value) > VALUE_LIMIT:
            notes.append(f"the setting {name} is not a short text; left out")
            continue
        if key in controls:
            problem = _value_problem(controls[key], value.strip())
        elif key in SETUP_KEYS:
            problem = _setup_problem(key, value.strip())
        else:
            notes.append(f"no control is called {name}; left out")
            continue
        if problem is None:
            kept[key] = value.strip()
        else:
            notes.append(f"the value of {name} does not fit ({problem}); left out")
    return kept, notes


def checked_visible(visible: object) -> tuple[tuple[str, ...] | None, list[str]]:
    """The visible controls that exist (None: all visible), and a note per unknown one."""
    if visible is None:
        return None, []
    if not isinstance(visible, list | tuple):
        return None, ["the list of visible controls is not a list; showing every control"]
    controls = control_keys()
    known = tuple(dict.fromkeys(k for k in visible if isinstance(k, str) and k in controls))
    unknown = [str(k)[:VALUE_LIMIT] for k in visible if not isinstance(k, str) or k not in controls]
    notes = [f"no control is called {name}; it is not shown" for name in unknown]
    return known, notes


def checked_text(text: object, limit: int, what: str) -> str:
    """``text`` if it is a string within ``limit`` characters, else :class:`LessonError`."""
    if not isinstance(text, str):
        raise LessonError(f"the {what} is not text")
    if len(text) > limit:
        raise LessonError(f"the {what} is longer than {limit} characters")
    return text.strip()


def checked_plan(plan: LessonPlan) -> LessonPlan:
    """``plan`` if it is within every limit (else :class:`LessonError`, one sentence)."""
    checked_text(plan.title, TITLE_LIMIT, "lesson's title")
    if not 1 <= len(plan.steps) <= MAX_STEPS:
        raise LessonError(f"a lesson has 1 to {MAX_STEPS} steps, not {len(plan.steps)}")
    for number, step in enumerate(plan.steps, 1):
        checked_text(step.text, TEXT_LIMIT, f"text of step {number}")
        if step.page not in PAGES:
            raise LessonError(f"step {number} opens no page this app has")
        _, notes = checked_settings(step.settings)
        if notes:
            raise LessonError(f"step {number}: {notes[0]}")
        _, notes = checked_visible(step.visible)
        if notes:
            raise LessonError(f"step {number}: {notes[0]}")
        if step.question is not None:
            checked_text(step.question.prompt, PROMPT_LIMIT, f"question of step {number}")
            if step.question.measure not in MEASURES:
                raise LessonError(f"the question of step {number} asks for no known number")
    return plan
