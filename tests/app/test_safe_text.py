"""Text from a link or a file is shown as typed: short, on one line, no Markdown or HTML."""

from __future__ import annotations

import re

import pytest

from ui.safe_text import html_text, markdown_escaped, quoted, shown

HOSTILE = [
    "[Session expired - log in](https://example.com)",
    "![logo](https://example.com/logo.png)",
    "<img src=x onerror=alert(1)> <a href='https://example.com'>x</a>",
    "**bold** __bold__ *it* _it_ ~strike~ ~~strike~~ `code`",
    ":red[alarm] :material/warning: :smile: :streamlit: :blue-background[x]",
    "$x^2$ and $$y$$",
    "https://example.com www.example.com WWW.EXAMPLE.COM me@example.com",
    "# heading\n> quote\n| a | b |\n|---|---|\n- item\n1. item\n    code",
    "&lt;b&gt; &#91;x&#93; &amp;",
    r"\[already\] \\[escaped\]",
    "[a]: https://example.com\n[a]",
]


def rendered(markdown: str) -> str:
    """What a person reads: each backslash escape shows the character after it."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def markdown_left(markdown: str) -> list[str]:
    """What could still start Markdown in ``markdown`` once its escapes are taken out."""
    bare = re.sub(r"\\.", "", markdown)  # an escaped character is plain text
    found = re.findall(r"[\\`*~\[\]<>&$]", bare)
    found += re.findall(r"(?<![^\W_])_|_(?![^\W_])", bare)  # emphasis at a word's edge
    found += re.findall(r"[:@](?=[^\s\u2060])", bare)  # "https:", ":smile:", "a@b.c"
    found += re.findall(r"(?i)www\.", bare)
    found += re.findall(r"^(?:[#+]|-\s|\d+[.)]\s)", bare)
    return found


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_keeps_no_markdown_and_reads_as_typed(text):
    escaped = markdown_escaped(text)
    assert markdown_left(escaped) == []
    assert "\n" not in escaped and not escaped.startswith(" ")
    assert rendered(escaped) == " ".join(text.replace("\t", " ").split("\n")).strip()


def test_a_link_and_an_image_read_with_their_brackets_escaped():
    assert shown("[Session expired - log in](https://example.com)", 60) == (
        "\\[Session expired - log in\\](https:\u2060//example.com)"
    )
    assert shown("![x](y)") == r"!\[x\](y)"
    assert shown(":smile: me@example.com") == ":\u2060smile: me@\u2060example.com"


def test_lines_that_would_start_a_list_a_rule_or_a_heading_do_not():
    assert shown("- item") == r"\- item"
    assert shown("---") == r"\---"
    assert shown("1. item") == r"1\. item"
    assert shown("2) item") == r"2\) item"
    assert shown("# title") == r"\# title"
    assert shown("+ item") == r"\+ item"
    assert shown("> quote") == r"\> quote"


def test_numbers_names_and_sentences_read_unchanged():
    assert quoted("lots") == "'lots'"
    assert quoted("-3") == "'-3'"
    assert quoted("1.5") == "'1.5'"
    assert shown("my-mlp.pt") == "my-mlp.pt"
    assert shown("train_config") == "train_config"  # "_" inside a word is no emphasis
    assert shown("x.pt: fc1.weight has shape (10, 784)", 400) == (
        "x.pt: fc1.weight has shape (10, 784)"
    )


@pytest.mark.parametrize("size", [41, 1_000, 100_000])
def test_long_values_are_cut_to_the_limit_with_an_ellipsis(size):
    text = "[" * size
    assert len(rendered(shown(text))) == 40 and rendered(shown(text)).endswith("…")
    assert len(rendered(quoted(text))) == 42  # the quotes around 40 characters
    assert len(rendered(shown(text, 400))) == min(size, 400)


def test_line_breaks_and_control_characters_cannot_start_new_markdown():
    assert shown("a\n\n# b\r\nc\td") == "a  # b  c d"  # "#" mid-line is no heading
    assert shown("x\x00y\u202ez") == "x\ufffdy\ufffdz"  # NUL and a right-to-left override


def test_plotly_titles_get_html_escaped():
    assert html_text("<a href='https://example.com'>me</a> & co") == (
        "&lt;a href='https://example.com'&gt;me&lt;/a&gt; &amp; co"
    )
    assert len(html_text("x" * 10_000)) == 120
