"""Lesson links in the app: a shipped lesson walked through, its questions answered, a
teacher's lesson built on a page, and links that cannot be read."""

from __future__ import annotations

import base64
import json
import zlib
from urllib.parse import parse_qs, urlsplit

import pytest
from app_driver import APP, TIMEOUT, exact_size, metrics, problems, slider
from streamlit.testing.v1 import AppTest

from compression.lessons.codec import decode_lesson, encode_lesson, plan_dict
from compression.lessons.schema import LessonPlan, Step
from compression.lessons.shipped import SHIPPED
from compression.lessons.store import LESSONS_ENV, LessonStore


@pytest.fixture(autouse=True)
def lesson_store(tmp_path, monkeypatch):
    folder = tmp_path / "shared-lessons"
    monkeypatch.setenv(LESSONS_ENV, str(folder))
    return LessonStore(folder)


def open_link(**params: str) -> AppTest:
    """A new tab opened on the home page's address with ``params``."""
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in params.items():
        app.query_params[key] = value
    return app.run()


def panel_text(app: AppTest) -> str:
    return " ".join(m.value for m in app.markdown)


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def test_a_shipped_lesson_opens_its_page_with_its_settings_and_only_its_slider():
    app = open_link(lesson="zero-cost")
    assert not problems(app)
    assert "**Lesson: What does a zero cost?** · step 1 of 3" in panel_text(app)
    assert "the positions cost bits too" in panel_text(app)
    # the Prune page, only the sparsity slider: no switch, no scope, no structure toggle
    assert [s.label for s in app.slider] == ["Target sparsity (% of weights removed)"]
    assert slider(app, "Target sparsity").value == 50
    assert not app.segmented_control and not app.radio
    assert app.query_params["prune_sparsity"] == "0.5"


def test_a_question_is_answered_before_the_measured_number_is_shown_then_next_and_back():
    app = open_link(lesson="zero-cost")
    reveal = button(app, "Reveal the measured number")
    assert reveal.disabled  # no prediction typed yet
    assert not app.success
    app.number_input[0].set_value(500).run()
    button(app, "Reveal the measured number").click().run()
    assert not problems(app)
    measured = exact_size(app) / 1000  # the page's own size readout, in KB
    assert app.success[0].value == (
        f"You said 500.0 KB; measured: {measured:,.1f} KB, "
        f"{measured - 500:,.1f} KB higher than your guess."
    )
    assert app.number_input[0].disabled  # the prediction cannot change after the reveal

    button(app, "Next").click().run()
    assert not problems(app)
    assert "step 2 of 3" in panel_text(app)
    assert slider(app, "Target sparsity").value == 90
    assert app.number_input[0].value is None and not app.success  # a new question
    app.number_input[0].set_value(100).run()
    button(app, "Reveal the measured number").click().run()
    assert f"measured: {exact_size(app) / 1000:,.1f} KB" in app.success[0].value

    button(app, "Back").click().run()
    assert "step 1 of 3" in panel_text(app) and slider(app, "Target sparsity").value == 50
    assert app.success  # the answer given before is still shown
    button(app, "Leave the lesson").click().run()
    assert "Lesson:" not in panel_text(app)
    assert app.segmented_control and app.radio  # every control is back


def test_why_retrain_asks_to_retrain_before_revealing_the_retrained_accuracy():
    app = open_link(lesson="why-retrain")
    app.number_input[0].set_value(60).run()
    button(app, "Reveal the measured number").click().run()
    assert "points" in app.success[0].value  # the accuracy at 95% sparsity
    button(app, "Next").click().run()
    assert [s.label for s in app.slider] == []  # step 2 hides the slider too
    app.number_input[0].set_value(90).run()
    button(app, "Reveal the measured number").click().run()
    assert not problems(app)
    assert app.warning[0].value.startswith("Retrain on this page first")
    # retrain (1 epoch on 2,000 images, to keep the test short), then ask again
    app.select_slider(key="prune.ft_epochs").set_value(1)
    app.selectbox(key="prune.ft_images").set_value(2_000)
    app.button(key="prune.ft_go").click().run()
    assert not problems(app) and "step 2 of 3" in panel_text(app)
    app.number_input[0].set_value(90).run()
    button(app, "Reveal the measured number").click().run()
    retrained = metrics(app)["Accuracy after retraining"]  # "93.12 %"
    assert f"measured: {retrained}" in app.success[0].value


def test_the_learn_page_starts_a_shipped_lesson():
    app = open_link()
    app.switch_page("pages/6_Learn.py").run()
    button(app, "Why retrain? (3 steps)").click().run()
    assert not problems(app)
    assert "**Lesson: Why retrain?** · step 1 of 3" in panel_text(app)
    assert slider(app, "Target sparsity").value == 95


@pytest.mark.parametrize(
    "params, note",
    [
        ({"lesson": "1.not-a-lesson"}, "damaged"),
        ({"lesson": "[click](http://evil) **now**"}, "not of the form"),
        ({"lesson": "9." + encode_lesson(SHIPPED["zero-cost"])[2:]}, "format 9"),
        ({"lesson_id": "0" * 64}, "no lesson with this key"),
        ({"lesson_id": "../secrets"}, "64 hex digits"),
    ],
)
def test_a_broken_or_stale_lesson_link_opens_the_page_with_a_note(params, note):
    app = open_link(**params)
    assert not problems(app)
    info = " ".join(i.value for i in app.info)
    assert "This lesson link could not be opened" in info and note in info
    assert "[click](" not in info and "Lesson:" not in panel_text(app)


def test_a_lesson_with_values_that_do_not_fit_keeps_the_rest_with_a_note():
    payload = plan_dict(LessonPlan("Mixed", (Step("Some text.", "Prune"),)))
    payload["s"][0]["c"] = {"prune_sparsity": "0.8", "bits": "99", "<b>warp</b>": "1"}
    payload["s"][0]["show"] = ["prune_sparsity", "[x](http://evil)"]
    data = zlib.compress(json.dumps(payload).encode())
    app = open_link(lesson="1." + base64.urlsafe_b64encode(data).decode().rstrip("="))
    assert not problems(app)
    assert "step 1 of 1" in panel_text(app) and slider(app, "Target sparsity").value == 80
    assert [s.label for s in app.slider] == ["Target sparsity (% of weights removed)"]
    info = " ".join(i.value for i in app.info)
    assert info.startswith("Part of this lesson could not be used as given")
    assert "the value of bits does not fit" in info
    assert "<b>" not in info and "[x](" not in info  # escaped


def test_a_teacher_builds_a_lesson_on_a_page_and_the_link_opens_it(lesson_store):
    app = open_link()
    app.switch_page("pages/3_Quantize.py").run()
    slider(app, "Bits per weight K").set_value(3).run()
    app.text_area(key="lesson_builder.text").input("Three bits per weight.").run()
    app.multiselect(key="lesson_builder.visible.Quantize").set_value(["bits"]).run()
    app.text_input(key="lesson_builder.prompt").input("Accuracy at 3 bits?").run()
    button(app, "Add this setting as a step").click().run()
    assert not problems(app)
    app.text_input(key="lesson_builder.title").input("Few bits").run()
    address = app.code[-1].value
    query = parse_qs(urlsplit(address).query)
    plan, notes = decode_lesson(query["lesson"][0])
    assert notes == [] and plan.title == "Few bits"
    (step,) = plan.steps
    assert (step.page, step.text, step.visible) == ("Quantize", "Three bits per weight.", ("bits",))
    assert step.settings == {"bits": "3"} and step.question.prompt == "Accuracy at 3 bits?"

    student = open_link(lesson=query["lesson"][0])
    assert not problems(student)
    assert "**Lesson: Few bits** · step 1 of 1" in panel_text(student)
    assert [s.label for s in student.slider] == ["Bits per weight K"]
    assert slider(student, "Bits per weight K").value == 3
    assert not student.toggle or all(t.label != "Per-channel scales" for t in student.toggle)
