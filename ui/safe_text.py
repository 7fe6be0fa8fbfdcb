"""Text from a link or a file, made safe to show: short, on one line, Markdown and HTML escaped.

Streamlit renders Markdown (and its own ``:red[...]``, ``:material/...:`` and ``$...$``) in
notices, captions and headers, and Plotly renders a few HTML tags in chart titles. A value
from a shared link or an uploaded file could otherwise draw a link, an image or a heading
inside the app's own words, and a long one would fill the page. Every value that did not come
from the app itself goes through :func:`shown` or :func:`quoted` before it is displayed.
"""

from __future__ import annotations

import html
import re

VALUE_LIMIT = 40  # characters of one value from a link or a file (a name, a number)
TITLE_LIMIT = 120  # a baseline's title, which may hold a file name
MESSAGE_LIMIT = 400  # a sentence that may quote a file, e.g. why a file was refused
ELLIPSIS = "…"

# Characters that start Markdown anywhere in a line: emphasis and code, links and images, raw
# HTML and entities, strikethrough and LaTeX ("$"). CommonMark reads a backslash before any
# ASCII punctuation as that character, so escaping shows it as typed. "_" only emphasises at
# a word's edge, so "train_config" stays as it is.
_SPECIAL = re.compile(r"[\\`*~\[\]<>&$]|(?<![^\W_])_|_(?![^\W_])")
# Streamlit finds web and e-mail addresses ("https://", "www.", "a@b.c"), emoji (":smile:")
# and icons (":material/...:") in the text after parsing, where a backslash no longer
# counts: an invisible word joiner after ":" and "@" and before the "." of "www." breaks
# them up. It also keeps Streamlit's ":red[...]" from reading as a colour.
_JOINED = re.compile(r"(?<=[:@])(?=\S)|(?i:(?<=www)(?=\.))")
_WORD_JOINER = "\u2060"
# At the start of a line: a heading, a list item, a rule or a quote ("#", "+ ", "- ",
# "---", "1. ", "1) ", ">"; ">" is always escaped).
_LINE_START = re.compile(r"^(?:#|\+|-(?=[\s-]|$)|\d{1,9}(?=[.)](?:\s|$)))")


def one_line(text: str) -> str:
    """``text`` on one line: line breaks and tabs become spaces, other control and format
    characters (NUL, a right-to-left override) the replacement character; outer spaces go."""
    return "".join(
        ch if ch.isprintable() else " " if ch.isspace() else "\ufffd" for ch in text
    ).strip()


def shortened(text: str, limit: int = VALUE_LIMIT) -> str:
    """``text`` on one line, cut to at most ``limit`` characters ending in an ellipsis."""
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + ELLIPSIS
    return one_line(text)


def markdown_escaped(text: str) -> str:
    """``text`` (made one line) as Streamlit Markdown that shows exactly these characters."""
    escaped = _SPECIAL.sub(r"\\\g<0>", one_line(text))
    escaped = _JOINED.sub(_WORD_JOINER, escaped)
    return _LINE_START.sub(_escaped_start, escaped, count=1)


def _escaped_start(match: re.Match) -> str:
    marker = match[0]
    return f"{marker}\\" if marker[0].isdigit() else f"\\{marker}"


def shown(text: object, limit: int = VALUE_LIMIT) -> str:
    """Untrusted text for Markdown: at most ``limit`` characters, escaped."""
    return markdown_escaped(shortened(str(text), limit))


def quoted(value: object, limit: int = VALUE_LIMIT) -> str:
    """An untrusted value in quotes for Markdown, like ``repr``: ``'lots'``, short and escaped."""
    return markdown_escaped(repr(shortened(str(value), limit)))


def html_text(text: object, limit: int = TITLE_LIMIT) -> str:
    """Untrusted text for a Plotly title (which renders ``<a>``, ``<b>``, ...): short, escaped."""
    return html.escape(shortened(str(text), limit), quote=False)
