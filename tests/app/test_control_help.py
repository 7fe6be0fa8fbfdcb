"""Every control a link can set has a one-sentence help text."""

from __future__ import annotations

import re
from dataclasses import fields

from compression.train import TrainConfig
from ui.help_texts import CONTROL_HELP
from ui.link_codec import SHARE_KEYS


def test_every_shared_setting_and_training_option_has_help():
    training = {f.name for f in fields(TrainConfig)} - {"lr_decay"}  # not a control
    missing = (set(SHARE_KEYS) | training) - set(CONTROL_HELP)
    assert not missing


def test_each_help_text_is_one_short_sentence():
    for key, text in CONTROL_HELP.items():
        assert text.endswith("."), key
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
        assert len(sentences) == 1, (key, sentences)
        assert 3 <= len(text.split()) <= 35, key
