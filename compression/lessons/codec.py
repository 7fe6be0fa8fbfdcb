"""A lesson as one short text for a link: ``<version>.<base64url(zlib(JSON))>``.

``encode_lesson(plan)`` gives ``"1.eJyr..."`` (URL-safe, no padding), at most
:data:`MAX_LINK_CHARS` characters (a longer lesson goes to the store,
:mod:`compression.lessons.store`). ``read_lesson(text)`` never raises: a text that is
not a lesson of this version, too long, or that inflates past :data:`MAX_JSON_BYTES`
gives no lesson and one sentence; a setting or visible control that does not fit is
left out with a note and the rest of the lesson is kept. The JSON uses short keys:
``{"v": 1, "t": title, "s": [{"x": text, "p": page, "c": {key: value}, "show": [keys],
"q": {"x": prompt, "m": measure}}]}``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from dataclasses import dataclass, field

from compression.lessons.schema import (
    MAX_STEPS,
    MEASURES,
    PAGES,
    PROMPT_LIMIT,
    TEXT_LIMIT,
    TITLE_LIMIT,
    LessonError,
    LessonPlan,
    Question,
    Step,
    checked_plan,
    checked_settings,
    checked_text,
    checked_visible,
)

VERSION = 1
MAX_LINK_CHARS = 6000  # of the encoded text; browsers and servers take URLs of 8,000+
MAX_JSON_BYTES = 64_000  # a lesson inflated; 20 steps of 800 characters fit
_TEXT = re.compile(r"(\d{1,3})\.([A-Za-z0-9_-]*)", re.ASCII)


@dataclass(frozen=True)
class ReadLesson:
    """A lesson read from a link, or None and why; notes on what was left out."""

    plan: LessonPlan | None
    notes: list[str] = field(default_factory=list)


def plan_dict(plan: LessonPlan) -> dict:
    """The JSON object of a lesson (short keys; absent fields left out)."""
    steps = []
    for step in plan.steps:
        item = {"x": step.text, "p": step.page}
        if step.settings:
            item["c"] = dict(step.settings)
        if step.visible is not None:
            item["show"] = list(step.visible)
        if step.question is not None:
            item["q"] = {"x": step.question.prompt, "m": step.question.measure}
        steps.append(item)
    return {"v": VERSION, "t": plan.title, "s": steps}


def plan_json(plan: LessonPlan) -> bytes:
    """Compact JSON of a checked lesson, keys sorted: the same lesson, the same bytes."""
    text = json.dumps(plan_dict(checked_plan(plan)), sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")


def encode_lesson(plan: LessonPlan) -> str:
    """``"1.<base64url(zlib(JSON))>"``; :class:`LessonError` when longer than a link allows."""
    packed = base64.urlsafe_b64encode(zlib.compress(plan_json(plan), 9)).rstrip(b"=")
    text = f"{VERSION}.{packed.decode('ascii')}"
    if len(text) > MAX_LINK_CHARS:
        raise LessonError(
            f"the lesson needs {len(text):,} characters, a link holds {MAX_LINK_CHARS:,}"
        )
    return text


def _inflated(packed: str) -> bytes:
    try:
        data = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
    except (binascii.Error, ValueError):
        raise LessonError("the lesson link is not valid base64url") from None
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(data, MAX_JSON_BYTES + 1)
    except zlib.error:
        raise LessonError("the lesson link is damaged (it does not decompress)") from None
    if len(raw) > MAX_JSON_BYTES or inflater.unconsumed_tail:
        raise LessonError(f"the lesson is larger than {MAX_JSON_BYTES:,} bytes")
    if not inflater.eof:
        raise LessonError("the lesson link is cut short")
    return raw


def _question(item: object, number: int) -> Question | None:
    if item is None:
        return None
    if not isinstance(item, dict) or item.get("m") not in MEASURES:
        raise LessonError(f"the question of step {number} asks for no known number")
    return Question(checked_text(item.get("x"), PROMPT_LIMIT, f"question of step {number}"),
                    item["m"])  # fmt: skip


def _step(item: object, number: int, notes: list[str]) -> Step:
    if not isinstance(item, dict):
        raise LessonError(f"step {number} is not a step")
    text = checked_text(item.get("x", ""), TEXT_LIMIT, f"text of step {number}")
    if item.get("p") not in PAGES:
        raise LessonError(f"step {number} opens no page this app has")
    settings = item.get("c", {})
    if not isinstance(settings, dict):
        raise LessonError(f"the settings of step {number} are not a list of keys and values")
    kept, dropped = checked_settings(settings)
    visible, hidden = checked_visible(item.get("show"))
    notes.extend(f"step {number}: {note}" for note in dropped + hidden)
    return Step(text, item["p"], kept, visible, _question(item.get("q"), number))


def plan_from_dict(payload: object) -> tuple[LessonPlan, list[str]]:
    """A lesson from its JSON object, and notes on settings left out (:class:`LessonError`
    when its version, its structure or a text does not fit)."""
    if not isinstance(payload, dict):
        raise LessonError("the lesson is not a lesson")
    if payload.get("v") != VERSION:
        raise LessonError(
            f"the lesson was made for format {str(payload.get('v'))[:8]}, this app reads {VERSION}"
        )
    steps = payload.get("s")
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
        raise LessonError(f"a lesson has 1 to {MAX_STEPS} steps")
    notes: list[str] = []
    title = checked_text(payload.get("t", ""), TITLE_LIMIT, "lesson's title")
    plan = LessonPlan(title, tuple(_step(item, n, notes) for n, item in enumerate(steps, 1)))
    return plan, notes


def decode_lesson(text: str) -> tuple[LessonPlan, list[str]]:
    """The lesson of a link's text and its notes; :class:`LessonError` (one sentence) if none."""
    if not isinstance(text, str) or len(text) > MAX_LINK_CHARS:
        raise LessonError(f"the lesson link is longer than {MAX_LINK_CHARS:,} characters")
    match = _TEXT.fullmatch(text.strip())
    if match is None:
        raise LessonError("the lesson link is not of the form <version>.<text>")
    if int(match[1]) != VERSION:
        raise LessonError(f"the lesson link is of format {match[1]}, this app reads {VERSION}")
    try:
        payload = json.loads(_inflated(match[2]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise LessonError("the lesson link does not hold a lesson") from None
    return plan_from_dict(payload)


def read_lesson(text: str) -> ReadLesson:
    """:func:`decode_lesson` that never raises: no lesson and the reason instead."""
    try:
        plan, notes = decode_lesson(text)
    except LessonError as error:
        return ReadLesson(None, [str(error)])
    return ReadLesson(plan, notes)
