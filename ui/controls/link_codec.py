"""An experiment as a link: page settings <-> a flat dict of strings (URL query parameters).

``encode_setup(setup)`` gives ``{"model": "mlp", "prune_sparsity": "0.9", ...}`` for
``st.query_params``; ``decode_setup(params)`` reads one back. Decoding never raises:
a missing, malformed, out-of-range or stale value (a layer the model does not have,
a data set this version does not know) falls back to its default. A fallback whose
value is known here adds one sentence to ``fallbacks``; a method's number that could
not be read is kept in ``unread``, because the value a page then uses (a slider's
start) is only known to the page (:func:`ui.controls.link.apply` writes its note).
The notes are Markdown: every value from the link in them is cut short and escaped
(:mod:`ui.safe_text`), so a link cannot put its own text, links or images into the
page's notice. Keys this module does not know are left alone (the URL may carry other
state). A person's own model is named by ``baseline=<key>``, its key in the store of shared
models (:mod:`compression.files.model_store`); a shipped model needs no such key.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from compression.data import DATASETS
from compression.files.hashed_folder import KEY_LENGTH
from compression.files.model_store import is_model_key
from compression.methods import METHODS, all_controls
from compression.methods.controls import CHOICE, NUMBER, Control
from compression.models import MODELS, layer_names_for
from compression.settings import CompressionSettings, SettingsError
from ui.safe_text import MESSAGE_LIMIT, quoted, shown

OFF = "off"  # a switched-off threshold
ALL_LAYERS = "all"
SEED_MAX = 2**32 - 1  # numpy's limit; torch accepts it too
# Plain ASCII numbers of sane length only (Python's float() and int() also take
# "1_0", Arabic-Indic digits and 5000-digit strings).
_DECIMAL = re.compile(r"[+-]?(?:\d{1,20}(?:\.\d{0,20})?|\.\d{1,20})(?:[eE][+-]?\d{1,3})?", re.ASCII)
_WHOLE = re.compile(r"\d{1,20}", re.ASCII)


@dataclass(frozen=True)
class SharedSetup:
    """Everything a link restores: which model, which data, how it is compressed."""

    model: str = "mlp"  # key of compression.models.MODELS
    dataset: str = "mnist"  # key of compression.data.DATASETS
    seed: int = 0  # training seed of the baseline
    settings: CompressionSettings = field(default_factory=CompressionSettings)
    baseline: str | None = None  # store key of a person's own model (None: the shipped one)


@dataclass(frozen=True)
class UnreadNumber:
    """A method's number in a link that could not be read; its setting stays unset."""

    key: str  # the URL key
    raw: str  # as given in the link: untrusted, quote it with ui.safe_text.quoted
    reason: str  # what the settings accept: "needs a number between 0 and 10 or 'off'"

    def note(self, outcome: str) -> str:
        """One sentence: the value as given (short, escaped), why not, and ``outcome``."""
        return f"ignored {self.key}={quoted(self.raw)} ({self.reason}); {outcome}"


@dataclass(frozen=True)
class DecodedSetup:
    """The setup read from a link and what had to be replaced by a default."""

    setup: SharedSetup
    fallbacks: list[str] = field(default_factory=list)  # one sentence per known fallback
    unread: dict[str, UnreadNumber] = field(default_factory=dict)  # by settings field

    @property
    def notes(self) -> list[str]:
        """One sentence per value not used as given (an unread number: the reason only)."""
        return self.fallbacks + [number.note("it is left unset") for number in self.unread.values()]


# The model's keys, then one key per method control (its URL key), then the layers, then
# the store key of a person's own model (only when there is one).
SHARE_KEYS = ("model", "dataset", "seed", *(c.key for c in all_controls()), "layers", "baseline")


def _number(value: float | None) -> str:
    # repr of a float reads back to the same float: float(repr(x)) == x.
    return OFF if value is None else repr(float(value))


def _encoded(control: Control, value: object) -> str:
    if control.kind == NUMBER and control.integer and value is not None:
        return str(int(value))  # bits=4, not 4.0
    if control.kind == NUMBER:
        return _number(value)
    if control.kind == CHOICE:
        return str(value)
    return "1" if value else "0"


def encode_setup(setup: SharedSetup) -> dict[str, str]:
    """A flat {key: string} dict with every field, for ``st.query_params.from_dict``
    (``baseline`` only for a person's own model)."""
    s = setup.settings
    own = {} if setup.baseline is None else {"baseline": setup.baseline}
    return {
        "model": setup.model,
        "dataset": setup.dataset,
        "seed": str(int(setup.seed)),
        **{c.key: _encoded(c, getattr(s, c.field)) for c in all_controls()},
        "layers": ALL_LAYERS if s.layers is None else ",".join(s.layers),
        **own,
    }


def query_string(setup: SharedSetup) -> str:
    """``model=mlp&dataset=mnist&...``: append to the page's address after ``?``."""
    return urlencode(encode_setup(setup))


class _Reader:
    """Reads one key at a time; a value that does not fit becomes the default plus a note."""

    def __init__(self, params: Mapping[str, object]):
        self.params, self.notes = params, []
        self.unread: dict[str, UnreadNumber] = {}  # by settings field

    def text(self, key: str) -> str | None:
        value = self.params.get(key)
        if isinstance(value, list | tuple):  # a repeated key: the last one wins
            value = value[-1] if value else None
        return None if value is None else str(value).strip()

    def reject(self, key: str, raw: str, reason: str, default: object) -> None:
        self.notes.append(f"ignored {key}={quoted(raw)} ({reason}); using {default}")

    def choice(self, key: str, allowed: list[str] | tuple[str, ...], default: str) -> str:
        raw = self.text(key)
        if raw is None or raw in allowed:
            return default if raw is None else raw
        self.reject(key, raw, f"choose one of {', '.join(allowed)}", repr(default))
        return default

    def number(self, control: Control, default: float | None) -> float | None:
        """A method's number within the settings' range; else ``default``, kept as unread."""
        raw = self.text(control.key)
        if raw is None or raw.lower() == OFF:
            return default if raw is None else None
        value = float(raw) if _DECIMAL.fullmatch(raw) else math.nan
        high = math.inf if control.high is None else control.high
        whole = value.is_integer() or not control.integer
        if not math.isfinite(value) or not control.low <= value <= high or not whole:
            kind = "a whole number" if control.integer else "a number"
            reason = f"needs {kind} {control.bounds()} or {OFF!r}"
            self.unread[control.field] = UnreadNumber(control.key, raw, reason)
            return default
        return value

    def integer(self, key: str, low: int, high: int, default: int) -> int:
        raw = self.text(key)
        if raw is None:
            return default
        if _WHOLE.fullmatch(raw) and low <= int(raw) <= high:
            return int(raw)
        self.reject(key, raw, f"needs a whole number from {low} to {high}", default)
        return default

    def flag(self, key: str, default: bool) -> bool:
        raw = self.text(key)
        if raw is None:
            return default
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        self.reject(key, raw, "needs 1 or 0", "1" if default else "0")
        return default

    def layers(self, key: str, model_layers: list[str]) -> tuple[str, ...] | None:
        raw = self.text(key)
        if raw is None or raw.lower() == ALL_LAYERS:
            return None
        names = [name.strip() for name in raw.split(",") if name.strip()]
        unknown = [name for name in names if name not in model_layers]
        known = tuple(name for name in model_layers if name in names)  # forward order, no repeats
        if unknown:
            reason = f"this model has {', '.join(model_layers)}"
            if known:
                self.notes.append(
                    f"ignored layer(s) {quoted(','.join(unknown))} in {key} ({reason}); "
                    f"using {','.join(known)}"
                )
            else:
                self.reject(key, raw, reason, "all layers")
        elif not known:
            self.reject(key, raw, "no layer named", "all layers")
        return known or None

    def model_key(self, key: str) -> str | None:
        """The store key of a shared model (64 hex digits), else None with a note."""
        raw = self.text(key)
        if raw is None or is_model_key(raw.lower()):
            return None if raw is None else raw.lower()
        self.reject(key, raw, f"not the key of a shared model, {KEY_LENGTH} hex digits",
                    "the shipped model")  # fmt: skip
        return None

    def control(self, control: Control, default: object) -> object:
        """The value of one method control, read by its kind within its range."""
        if control.kind == NUMBER:
            return self.number(control, default)
        if control.kind == CHOICE:
            return self.choice(control.key, control.choices, default)
        return self.flag(control.key, default)


def decode_setup(params: Mapping[str, object]) -> DecodedSetup:
    """Read a setup from query parameters; anything unusable falls back with a note."""
    defaults = SharedSetup()
    read = _Reader(params)
    model = read.choice("model", sorted(MODELS), defaults.model)
    dataset = read.choice("dataset", sorted(DATASETS), defaults.dataset)
    seed = read.integer("seed", 0, SEED_MAX, defaults.seed)
    base = defaults.settings
    settings = CompressionSettings(
        **{c.field: read.control(c, getattr(base, c.field)) for c in all_controls()},
        layers=read.layers("layers", layer_names_for(model)),
    )
    settings = _consistent(settings, model, read.notes)
    setup = SharedSetup(model, dataset, seed, settings, read.model_key("baseline"))
    return DecodedSetup(setup, read.notes, read.unread)


def _consistent(settings: CompressionSettings, model: str, notes: list[str]) -> CompressionSettings:
    """Resolve combinations the settings reject with each method's own rules, with notes."""
    for method in METHODS.values():
        settings, changes = method.reconcile(settings)
        notes.extend(changes)
    try:
        return settings.validated(layer_names_for(model))
    except SettingsError as error:  # a rule added later that this decoder does not know
        reason = shown(error, MESSAGE_LIMIT)
        notes.append(f"the link's compression settings do not fit ({reason}); using none")
        return CompressionSettings()
