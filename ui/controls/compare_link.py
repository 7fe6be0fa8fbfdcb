"""Two share links as the settings A and B of a comparison; a comparison as one link.

A share link (:mod:`ui.controls.link_codec`) is pasted whole (``https://…/Prune?model=mlp&…``)
or as its query string. Unlike a page's own link, which falls back value by value with a
note, a link pasted here must read exactly: a comparison built on a value the link did not
say would compare the wrong thing. So any problem refuses the pair with one sentence (its
untrusted parts cut short and escaped, :mod:`ui.safe_text`), and nothing changes.
The comparison's own address carries both links' query strings: ``?a=<query A>&b=<query B>``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from ui.controls.link_codec import SHARE_KEYS, SharedSetup, decode_setup, encode_setup
from ui.safe_text import quoted

LINK_LIMIT = 2_000  # characters of one pasted link (a share link has about 300)
FIELDS_LIMIT = 2 * len(SHARE_KEYS)  # query fields of one link: a few repeats, no more
COMPARE_KEYS = ("a", "b")  # the comparison's address: each holds one link's query string


class CompareLinkError(ValueError):
    """A pasted link cannot be compared; the message is one sentence, safe to show."""


def read_share_link(text: str, name: str) -> SharedSetup:
    """The setup of one share link (``name``: "A" or "B", for the message), read exactly."""
    text = (text or "").strip()
    if not text:
        raise CompareLinkError(f"link {name} is empty: paste a link from Share this experiment")
    if len(text) > LINK_LIMIT:
        raise CompareLinkError(
            f"link {name} is too long ({len(text):,} characters; a share link has "
            f"fewer than {LINK_LIMIT:,})"
        )
    query = text.split("?", 1)[1] if "?" in text else text
    query = query.split("#", 1)[0]
    try:
        params = parse_qsl(query, max_num_fields=FIELDS_LIMIT)
    except ValueError:
        raise CompareLinkError(f"link {name} has too many fields for a share link") from None
    if not any(key in SHARE_KEYS for key, _ in params):
        raise CompareLinkError(
            f"link {name} ({quoted(text)}) is not a share link: it has none of its keys "
            "(model, dataset, prune_sparsity, …)"
        )
    decoded = decode_setup(dict(params))  # a repeated key: the last one, as on a page
    if decoded.notes:
        raise CompareLinkError(f"link {name} cannot be read exactly: {decoded.notes[0]}")
    return decoded.setup


def same_model(a: SharedSetup, b: SharedSetup) -> None:
    """Raise unless A and B are settings of one model (architecture, data, seed, weights)."""

    def model(s: SharedSetup) -> tuple:
        return (s.model, s.dataset, s.seed, s.baseline)

    if model(a) != model(b):
        raise CompareLinkError(
            f"links A and B compress different models (A: {_described(a)}; B: "
            f"{_described(b)}): compare two settings of one model"
        )


def _described(setup: SharedSetup) -> str:
    """``mlp on mnist, seed 0`` (the values are the decoder's: known names and numbers)."""
    own = "" if setup.baseline is None else f", shared model {setup.baseline[:12]}…"
    return f"{setup.model} on {setup.dataset}, seed {setup.seed}{own}"


def read_pair(link_a: str, link_b: str) -> tuple[SharedSetup, SharedSetup]:
    """Both links read exactly and of one model, else :class:`CompareLinkError`."""
    a, b = read_share_link(link_a, "A"), read_share_link(link_b, "B")
    same_model(a, b)
    return a, b


def compare_params(a: SharedSetup, b: SharedSetup) -> dict[str, str]:
    """The comparison's address fields: ``{"a": "model=mlp&…", "b": "model=mlp&…"}``."""
    return {"a": urlencode(encode_setup(a)), "b": urlencode(encode_setup(b))}
