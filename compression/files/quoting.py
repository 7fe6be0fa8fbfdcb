"""Values from a file, quoted in a message: short, on one line, and never expanded.

A hostile file can hold a 7 MB string or a list that expands to 10^9 items through
back-references, so a message never calls ``repr`` on such a value: it shows a few dozen
characters of a text, the digits of a number and only the type and length of anything else.
"""

from __future__ import annotations

QUOTE_LIMIT = 40  # characters of an untrusted text shown in a message
NAME_LIMIT = 80  # characters of an uploaded file's name shown on screen
PATH_LIMIT = 300  # characters of a path given on the command line, shown in a message
_LARGEST_SHOWN_INTEGER = 2**64


def shortened(text: str, limit: int = PATH_LIMIT) -> str:
    """``text`` cut to ``limit`` characters (an ellipsis marks the cut), on one line.

    Line breaks, control and invisible characters are written as Python escapes
    (``\\n``, ``\\x1b``, ``\\u202e``), so the text cannot break or disguise a message.
    """
    head = text[:limit]
    shown = "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in head
    )
    return shown + "…" if len(text) > limit else shown


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``value`` as a message shows it: a text quoted and shortened, a number as written,
    anything else by its type and length (never its contents)."""
    if isinstance(value, str):
        cut = f" ({len(value):,} characters)" if len(value) > limit else ""
        return f"'{shortened(value, limit)}'{cut}"
    if value is None or isinstance(value, bool | float):
        return repr(value)
    if isinstance(value, int):
        if abs(value) < _LARGEST_SHOWN_INTEGER:
            return str(value)
        return f"a {value.bit_length():,}-bit whole number"
    kind = type(value).__name__
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    if isinstance(value, dict | list | tuple | set | frozenset | bytes | bytearray):
        count = len(value)
        return f"{article} {kind} of {count:,} item{'' if count == 1 else 's'}"
    return f"{article} {kind}"
