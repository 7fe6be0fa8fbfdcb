"""Every control on every page says in one sentence what it does (its ``help=`` text)."""

from __future__ import annotations

import pytest
from app_driver import PAGES, open_app, problems

CONTROLS = (
    "slider", "select_slider", "toggle", "checkbox", "radio", "selectbox", "multiselect",
    "button", "number_input", "segmented_control", "text_input",
)  # fmt: skip


@pytest.mark.parametrize("page", [None, *PAGES])
def test_every_control_has_a_help_text(page):
    app = open_app(page)
    assert not problems(app)
    seen, missing = 0, []
    for kind in CONTROLS:
        for control in app.get(kind):
            seen += 1
            if not control.proto.help.strip():
                missing.append(f"{kind} {control.proto.label!r}")
    assert seen > 0
    assert missing == []
