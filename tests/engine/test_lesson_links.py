"""Lessons as links: the encoding round trip, its size bounds, and what a hostile link gets."""

from __future__ import annotations

import base64
import json
import os
import zlib

import pytest

from compression.lessons.codec import (
    MAX_JSON_BYTES,
    MAX_LINK_CHARS,
    VERSION,
    decode_lesson,
    encode_lesson,
    plan_dict,
    read_lesson,
)
from compression.lessons.reveal import measured_number, reveal_sentence
from compression.lessons.schema import (
    MAX_STEPS,
    TEXT_LIMIT,
    LessonError,
    LessonPlan,
    Question,
    Step,
    checked_plan,
)
from compression.lessons.shipped import SHIPPED
from compression.lessons.store import LessonStore, lesson_key

PLAN = LessonPlan(
    "Zeros & bits <b>",
    (
        Step(
            "Half the weights go: [a link](http://x) $x$",
            "Prune",
            {"prune_sparsity": "0.5"},
            ("prune_sparsity",),
            Question("Size at 50%?", "size_kb"),
        ),
        Step("Four bits.", "Quantize", {"bits": "4", "per_channel": "1"}),
    ),
)


def packed(payload: object) -> str:
    """A link text made by hand: version 1, JSON, zlib, base64url without padding."""
    data = zlib.compress(json.dumps(payload).encode())
    return f"{VERSION}." + base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_a_lesson_survives_the_round_trip_through_a_link():
    text = encode_lesson(PLAN)
    assert text.startswith("1.") and len(text) < 400
    assert set(text[2:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    plan, notes = decode_lesson(text)
    assert plan == PLAN and notes == []
    assert encode_lesson(plan) == text  # the same lesson, the same link


def test_the_shipped_lessons_fit_a_link_and_read_back_unchanged():
    assert [plan.title for plan in SHIPPED.values()] == ["What does a zero cost?", "Why retrain?"]
    for plan in SHIPPED.values():
        text = encode_lesson(plan)
        assert len(text) < 1200
        assert decode_lesson(text) == (plan, [])
        assert any(step.question for step in plan.steps)
        assert all(step.visible == ("prune_sparsity",) or step.visible == () for step in plan.steps)


def test_a_lesson_longer_than_a_link_is_refused_by_the_encoder_and_kept_by_the_store(tmp_path):
    # random-looking text does not compress: 20 steps of 800 characters pass the link's bound
    steps = tuple(
        Step(base64.b64encode(os.urandom(600)).decode()[:TEXT_LIMIT], "Prune")
        for _ in range(MAX_STEPS)
    )
    long = LessonPlan("Long", steps)
    with pytest.raises(LessonError, match=f"a link holds {MAX_LINK_CHARS:,}"):
        encode_lesson(long)
    store = LessonStore(tmp_path)
    key = store.put(long)
    assert store.load(key) == (long, [])
    assert key == lesson_key((tmp_path / f"{key}.json").read_bytes())


def test_the_store_forgets_the_least_recently_used_lesson_first(tmp_path):
    store = LessonStore(tmp_path, max_files=2)
    first, second, third = (LessonPlan(f"Lesson {n}", (Step("text", "Prune"),)) for n in range(3))
    one = store.put(first)
    two = store.put(second)
    os.utime(tmp_path / f"{two}.json", ns=(1, 1))  # "two" now the oldest
    store.put(third)
    assert store.load(one)[0] == first
    with pytest.raises(LessonError, match="no lesson with this key"):
        store.load(two)


@pytest.mark.parametrize(
    "key, reason",
    [("../../etc/passwd", "64 hex digits"), ("a" * 63, "64 hex digits"), ("b" * 64, "no lesson")],
)
def test_the_store_reads_only_lesson_keys_it_holds(tmp_path, key, reason):
    with pytest.raises(LessonError, match=reason):
        LessonStore(tmp_path).load(key)


def test_a_tampered_stored_lesson_is_refused(tmp_path):
    store = LessonStore(tmp_path)
    key = store.put(PLAN)
    path = tmp_path / f"{key}.json"
    path.write_bytes(path.read_bytes().replace(b"Half", b"Most"))
    with pytest.raises(LessonError, match="hash does not match"):
        store.load(key)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "not of the form"),
        ("hello", "not of the form"),
        ("1.!!!!", "not of the form"),
        ("1.abc", "not valid base64url|damaged"),
        ("1.AAAA", "damaged"),
        ("2." + encode_lesson(PLAN)[2:], "format 2, this app reads 1"),
        ("1." + "A" * (MAX_LINK_CHARS + 1), "longer than"),
        (encode_lesson(PLAN)[:-20], "cut short|damaged"),
        (packed([1, 2, 3]), "not a lesson"),
        (packed({"v": 7, "t": "x", "s": []}), "made for format 7"),
        (packed({"v": 1, "t": "x", "s": []}), "1 to 20 steps"),
        (packed({"v": 1, "t": "x", "s": [{"x": "a", "p": "Train"}]}), "opens no page"),
        (packed({"v": 1, "t": "x" * 81, "s": [{"x": "a", "p": "Prune"}]}), "longer than 80"),
        (packed({"v": 1, "t": 5, "s": [{"x": "a", "p": "Prune"}]}), "not text"),
        (packed({"v": 1, "t": "x", "s": [{"p": "Prune", "q": {"x": "?", "m": "x"}}]}), "no known"),
        (packed({"v": 1, "t": "x", "s": [{"p": "Prune", "c": [1]}]}), "not a list of keys"),
        (packed({"v": 1, "t": "x", "s": [[]] * 3}), "not a step"),
        (packed({"v": 1, "t": "x", "s": [{"p": "Prune"}] * 21}), "1 to 20 steps"),
        (packed({"v": 1} | {"nest": [[[]]]}), "1 to 20 steps"),
        (packed(json.loads("[" * 50 + "]" * 50)), "not a lesson"),
    ],
)
def test_a_broken_or_stale_link_gives_no_lesson_and_one_sentence(text, reason):
    read = read_lesson(text)
    assert read.plan is None
    assert len(read.notes) == 1 and len(read.notes[0]) < 200
    assert __import__("re").search(reason, read.notes[0]), read.notes


def test_a_link_that_inflates_past_the_bound_is_refused_without_inflating_it_all():
    bomb = zlib.compress(b" " * (50 * MAX_JSON_BYTES), 9)  # 3 MB of spaces in a few KB
    text = f"{VERSION}." + base64.urlsafe_b64encode(bomb).decode().rstrip("=")
    assert len(text) < MAX_LINK_CHARS
    read = read_lesson(text)
    assert read.plan is None and f"larger than {MAX_JSON_BYTES:,} bytes" in read.notes[0]


def test_unknown_controls_and_values_out_of_range_are_left_out_with_a_note():
    payload = plan_dict(PLAN)
    payload["s"][0]["c"] = {
        "prune_sparsity": "1.5",  # above 100%
        "bits": "4.5",  # not whole
        "shared": "abc",
        "warp_drive": "9",
        "prune_scope": "global",  # fits: kept
        "model": "resnet",
        "layers": "fc1;DROP",
        "binarize": "x" * 500,
    }
    payload["s"][0]["show"] = ["prune_sparsity", "self_destruct", 7]
    plan, notes = decode_lesson(packed(payload))
    assert plan.steps[0].settings == {"prune_scope": "global"}
    assert plan.steps[0].visible == ("prune_sparsity",)
    assert len(notes) == 9
    joined = " ".join(notes)
    assert "no control is called warp_drive" in joined and "self_destruct" in joined
    assert "prune_sparsity does not fit (needs a number" in joined
    assert "x" * 50 not in joined  # values are never quoted back, names are cut short
    assert plan.steps[1] == PLAN.steps[1]  # the rest of the lesson is kept


def test_a_plan_outside_the_limits_is_refused_before_it_is_linked():
    with pytest.raises(LessonError, match="longer than 800"):
        encode_lesson(LessonPlan("t", (Step("x" * (TEXT_LIMIT + 1), "Prune"),)))
    with pytest.raises(LessonError, match="no control is called nope"):
        checked_plan(LessonPlan("t", (Step("x", "Prune", {"nope": "1"}),)))
    with pytest.raises(LessonError, match="1 to 20 steps"):
        checked_plan(LessonPlan("t", ()))


def test_the_revealed_number_and_its_sentence():
    assert measured_number("accuracy", 0.4837, 66_149, 16.1) == pytest.approx(48.37)
    assert measured_number("size_kb", 0.5, 567_315, 1.9) == pytest.approx(567.315)
    assert measured_number("ratio", 0.5, 1, 8.4) == 8.4
    assert (
        reveal_sentence("accuracy", 60, 48.37)
        == "You said 60.00 %; measured: 48.37 %, 11.63 points lower than your guess."
    )
    assert reveal_sentence("size_kb", 560, 567.315).endswith("Close!")
    with pytest.raises(ValueError, match="unknown measure"):
        measured_number("happiness", 1, 1, 1)
