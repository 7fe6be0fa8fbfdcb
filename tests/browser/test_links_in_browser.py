"""A shared link's values, drawn by the real Streamlit front end: text, never links or pictures."""

from __future__ import annotations

from urllib.parse import urlencode

from bench import live_app

HOSTILE_LINK = {
    "model": "<img src=x onerror=alert(1)>",
    "prune_scope": "![logo](https://example.com/logo.png)",
    "prune_structure": ":smile: :material/warning: :red[x] $x^2$",
    "dataset": "**bold** www.example.com",
    "layers": "fc1,[Session expired - log in](https://example.com)",
}


def test_a_hostile_link_shows_its_values_as_plain_text_in_the_notice(server, tab):
    tab.goto(live_app.page_url(server, "pages/3_Prune.py") + "?" + urlencode(HOSTILE_LINK))
    live_app.settle(tab)
    notice = tab.locator("[data-testid='stAlert']", has_text="This link could not be followed")
    assert notice.count() == 1
    for drawn in ("a", "img", "strong", "em", "code", ".katex", "[data-testid='stIconMaterial']"):
        assert notice.locator(drawn).count() == 0, f"the notice draws {drawn}"
    text = notice.inner_text().replace("\u2060", "")  # the word joiners are invisible
    for typed in (
        "model='<img src=x onerror=alert(1)>'",
        "prune_scope='![logo](https://example.com/logo.png)'",
        "':smile: :material/warning: :red[x] $x^2$'",
        "'**bold** www.example.com'",
        "'[Session expired - log in](https://exam…'",
    ):
        assert typed in text
    assert "😄" not in text
