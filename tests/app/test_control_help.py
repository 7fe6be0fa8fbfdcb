"""The help texts the app shows: each one exists, is shown, and is one short sentence."""

from __future__ import annotations

import re

from app_driver import ROOT

from ui.controls.help_texts import CONTROL_HELP

APP_SOURCES = [
    ROOT / "app.py",
    *sorted((ROOT / "pages").glob("*.py")),
    *sorted(path for path in (ROOT / "ui").rglob("*.py") if path.name != "help_texts.py"),
]


def test_the_app_shows_every_help_text_and_each_one_it_asks_for_exists():
    asked = set()
    for path in APP_SOURCES:
        asked |= set(re.findall(r'CONTROL_HELP\["(\w+)"\]', path.read_text()))
    assert asked == set(CONTROL_HELP)


def test_each_help_text_is_one_short_sentence():
    for key, text in CONTROL_HELP.items():
        assert text.endswith("."), key
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
        assert len(sentences) == 1, (key, sentences)
        assert 3 <= len(text.split()) <= 35, key
