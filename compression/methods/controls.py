"""How a compression method is offered to a person: one description per setting.

A :class:`Method` lists its :class:`Control` objects. The command line's options, the
settings' validation, the sweeps, the share link and the page controls are all made
from these descriptions, so a method's range, step, help text and URL key are written
once, here, and nowhere else.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import torch

    from compression.settings import CompressionSettings

NUMBER, CHOICE, FLAG = "number", "choice", "flag"


@dataclass(frozen=True)
class SweepAxis:
    """A number control that ``python -m compression sweep --method`` can vary."""

    name: str  # as on the command line: "prune-sparsity"
    axis_title: str  # for charts and the What-if page
    default_values: tuple[float, ...]  # the values swept when a person gives none
    replaces: tuple[str, ...]  # settings fields a swept value takes the place of


@dataclass(frozen=True)
class Control:
    """One setting of a method: the settings field it sets and how it is offered.

    The command-line option is ``--`` + the field with dashes (``prune_sparsity`` ->
    ``--prune-sparsity``); the widget key and the URL key default to ``url_key``.
    """

    field: str  # the CompressionSettings field it sets
    kind: Literal["number", "choice", "flag"]
    name: str  # what error messages call it: "target sparsity"
    label: str  # on screen
    help: str  # one sentence for the widget: what moving it does
    meaning: str = ""  # what the number is, for error messages: "an absolute |W|"
    cli_help: str = ""  # one line for ``--help``
    url_key: str = ""  # query parameter of a share link (default: the field)
    widget_name: str = ""  # widget key after the page name (default: the URL key)
    # number: the values the settings accept (high None: no upper bound)
    low: float = 0.0
    high: float | None = None
    # number: the slider. ``slider_high`` None means the model decides the range (see
    # Method.slider_range); ``percent`` shows value x 100 as a whole percentage.
    slider_high: float | None = None
    step: float = 0.01
    start: float = 0.0
    percent: bool = False
    number_format: str | None = None
    integer: bool = False  # number: whole values only (the CLI takes an integer)
    metavar: str = "X"  # on the command line
    symbol: str = "x"  # in formulas and on preset buttons: "t"
    presets: tuple[tuple[float, str], ...] = ()  # (value, name): one button each
    sweep: SweepAxis | None = None
    # choice: the allowed values, their names on screen, and the default
    choices: tuple[str, ...] = ()
    choice_labels: dict[str, str] = field(default_factory=dict)
    default: Any = None
    # choice shown as a toggle: the value it stands for when on (off is ``default``)
    toggle_value: str | None = None
    # shown only while this number field is the chosen alternative (None: always)
    only_with: str | None = None
    # (field, value): greyed out, and at its default, while that field has that value
    disabled_when: tuple[str, str] | None = None
    # one line under a toggle while it is on; ``{output}`` is the model's output layer
    note_when_on: str = ""
    # why it is greyed out, shown next to it while it is (a tooltip alone is easy to miss)
    disabled_reason: str = ""

    @property
    def flag(self) -> str:
        return "--" + self.field.replace("_", "-")

    @property
    def key(self) -> str:
        """The URL key of a share link."""
        return self.url_key or self.field

    @property
    def widget(self) -> str:
        return self.widget_name or self.key

    def check(self, value: Any) -> str | None:
        """Why ``value`` does not fit this control, or None when it does."""
        if value is None or self.kind == FLAG:
            return None
        if self.kind == CHOICE:
            if value in self.choices:
                return None
            return f"{self.name} must be one of {self.choices}, got {value!r}"
        too_high = self.high is not None and value > self.high
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{self.name} must be a number, got {value!r}"
        if math.isnan(value) or value < self.low or too_high:
            meaning = f" ({self.meaning})" if self.meaning else ""
            return f"{self.name} must be {self.bounds()}{meaning}, got {value}"
        if self.integer and not float(value).is_integer():
            return f"{self.name} must be a whole number, got {value}"
        return None

    def bounds(self) -> str:
        if self.high is None:
            return f">= {self.low:g}"
        return f"between {self.low:g} and {self.high:g}"


@dataclass(frozen=True)
class Alternatives:
    """Number controls of which at most one is set (a pruning cut: by |W| or by share)."""

    widget_name: str  # widget key after the page name
    label: str
    help: str
    options: tuple[tuple[str, str, str], ...]  # (option, settings field, name on screen)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(field_name for _, field_name, _ in self.options)


@dataclass(frozen=True)
class Method:
    """A compression method: its math, its controls, and the rules across its controls.

    A *positions* method decides which weights exist (``masks``); a *values* method
    decides what the remaining weights become (``quantize`` and its straight-through
    twin for training). A layer takes at most one values method.
    """

    name: str  # "prune"
    title: str  # "Prune"
    controls: tuple[Control, ...]
    alternatives: Alternatives | None = None
    # rules across controls: the first problem with ``settings``, or None
    conflicts: Callable[[CompressionSettings], str | None] = lambda settings: None
    # a link's settings made consistent, each change with a sentence saying what it did
    reconcile: Callable[[CompressionSettings], tuple[CompressionSettings, list[str]]] = (
        lambda settings: (settings, [])
    )
    # positions: ({layer: weight}, settings, the model's output layer) -> {layer: keep mask}
    masks: Callable[[dict[str, torch.Tensor], CompressionSettings, str | None], dict] | None = None
    # values: (weight, settings, keep mask) -> (new weight, scale)
    quantize: Callable[..., tuple[torch.Tensor, torch.Tensor]] | None = None
    quantize_ste: Callable[..., torch.Tensor] | None = None
    # values trained directly rather than through ``quantize_ste`` (weight sharing's
    # centroids): (state, weight keys, settings) -> an object with ``start`` (the
    # parameters) and ``weights(params)`` (the model's state)
    trainable_values: Callable[..., Any] | None = None
    # the model-dependent slider range of a number control with slider_high None:
    # (state, layers, starts) -> (top, step, start); ``starts``: {field: start} of the
    # page's sliders (None: the controls' own)
    slider_range: Callable[..., tuple[float, float, float]] | None = None
    # what this method draws on the weight histograms, as a page's colour key says it
    # (Streamlit colour Markdown): ":red[¦ the cut ±T]"
    histogram_marks: tuple[str, ...] = ()
    # an *encoding* (Huffman coding): how the streams are written, no weight changes; its
    # flags are offered on every page that compresses, besides the page's own methods
    encoding: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(control.field for control in self.controls)

    def control(self, field_name: str) -> Control:
        return next(control for control in self.controls if control.field == field_name)

    def numbers(self) -> tuple[Control, ...]:
        return tuple(control for control in self.controls if control.kind == NUMBER)

    def is_used(self, settings: CompressionSettings) -> bool:
        """Whether ``settings`` applies this method (one of its numbers is set)."""
        return any(getattr(settings, control.field) is not None for control in self.numbers())

    def problems(self, settings: CompressionSettings) -> str | None:
        """The first reason ``settings`` does not fit this method's controls, or None."""
        for control in self.controls:
            problem = control.check(getattr(settings, control.field))
            if problem:
                return problem
        if self.alternatives is not None:
            chosen = [f for f in self.alternatives.fields if getattr(settings, f) is not None]
            if len(chosen) > 1:
                names = " or a ".join(self.control(f).name for f in self.alternatives.fields)
                return f"give a {names}, not both"
        return self.conflicts(settings)
