"""A compression method's controls as widgets, made from its description.

:func:`method_ui` draws what :class:`compression.methods.controls.Method` lists: the
switch between alternatives, the slider of the chosen number (its range its own, or the
model's), its presets, then the other controls in one row; it returns the settings
fields. :func:`saved_fields` reads the same fields back from the session state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from compression.methods import METHODS
from compression.methods.controls import CHOICE, NUMBER, Control, Method
from compression.models import output_layer
from ui.controls import keys
from ui.controls.widgets import KEEP
from ui.state.baselines import Baseline
from ui.state.lookahead import DIGITS, remember_ahead


@dataclass(frozen=True)
class SliderRange:
    """Where a number control's slider goes, in settings units (a share, not a percent)."""

    low: float
    high: float
    step: float
    start: float


@st.cache_data(max_entries=64, show_spinner=False)
def _model_range(
    method_name: str, baseline_key: str, _baseline: Baseline, starts: tuple = ()
) -> tuple:
    method = METHODS[method_name]
    return tuple(method.slider_range(_baseline.state, _baseline.layers, dict(starts) or None))


def slider_range(
    method: Method, control: Control, baseline: Baseline, starts: Mapping | None = None
) -> SliderRange:
    """The slider of a number control: its own range, or the model's (e.g. a |W| cut).

    ``starts``: {field: start} where a page opens differently from the controls' own starts.
    """
    starts = starts or {}
    if control.slider_high is None:
        top, step, start = _model_range(
            method.name, baseline.key, baseline, tuple(sorted(starts.items()))
        )
        return SliderRange(control.low, top, step, start)
    start = starts.get(control.field, control.start)
    return SliderRange(control.low, control.slider_high, control.step, start)


def method_ui(
    page: str,
    method: Method,
    baseline: Baseline,
    starts: Mapping | None = None,
    fixed: Mapping | None = None,
) -> dict:
    """A method's controls as widgets -> its ``CompressionSettings`` fields.

    Made from the method's description: the switch between alternatives, the slider of
    the chosen number, its presets, then its other controls in one row. ``starts``:
    {field: start} of the page, where it opens differently from the controls' own.
    ``fixed``: {field: value} of controls not drawn (a lesson step hides them), returned
    as given; the switch between alternatives is drawn only when none of them is fixed.
    """
    fixed = fixed or {}
    chosen = _chosen_alternative(page, method, fixed)
    values = {}
    numbers = [c for c in method.numbers() if chosen is None or c.field == chosen]
    for control in numbers:
        if control.field in fixed:
            values[control.field] = fixed[control.field]
        else:
            values[control.field] = _slider(page, method, control, baseline, starts)
    others = [
        c
        for c in method.controls
        if c.kind != NUMBER and (c.only_with is None or c.only_with in values)
    ]
    values |= {c.field: fixed[c.field] for c in others if c.field in fixed}
    others = [c for c in others if c.field not in fixed]
    drawn = [c for c in numbers if c.field not in fixed]
    presets = [(c, value, name) for c in drawn for value, name in c.presets]
    if presets:
        row = st.container(horizontal=True, vertical_alignment="center", wrap=True)
        cells = [row] * len(others)
        for control, value, name in presets:
            row.button(
                f"{name}: {control.symbol} = {value:g}",
                key=keys.preset(page, name),
                on_click=_set_value,
                args=(keys.control(page, control, baseline.key), value),
                help=f"Set the {control.name} to {value:g}.",
            )
    else:
        cells = st.columns(len(others)) if others else []
    for cell, control in zip(cells, others, strict=True):
        values[control.field] = _choice(cell, page, control, values)
        if control.note_when_on and values[control.field] not in (control.default, False):
            cell.caption(control.note_when_on.format(output=output_layer(baseline.layers)))
    return values


NO_VALUES = "none"  # the values choice that keeps the survivors float32
VALUES_HEADING = "Values of the survivors"


def values_choice(page: str, names: tuple[str, ...], start: str | None) -> str | None:
    """A choice of one values method among ``names`` (or none) -> its name, or None.

    One at a time: a layer takes at most one values method. ``start``: the page's first
    choice (None: none); a share link sets it (:func:`ui.controls.link.apply`)."""
    options = [NO_VALUES, *names]
    chosen = st.selectbox(
        VALUES_HEADING,
        options=options,
        index=options.index(start or NO_VALUES),
        format_func=values_label,
        key=keys.values_method(page),
        persist_state=KEEP,
        help="What the kept weights become, one method per layer: ±a or 0 (binary / "
        "ternary), K-bit integers times a scale, or K shared values found by k-means; "
        "none keeps them float32.",
    )
    return None if chosen == NO_VALUES else chosen


def values_label(name: str | None) -> str:
    """A values method as the choice names it: ``binary / ternary``; ``none (float32)``."""
    if name is None or name == NO_VALUES:
        return "none (float32)"
    return METHODS[name].choice_label or METHODS[name].title


def _chosen_alternative(page: str, method: Method, fixed: Mapping) -> str | None:
    """The settings field a method's alternatives switch names (None: no switch).

    With some of the alternatives ``fixed`` the switch is not drawn: the one left free
    is chosen, else the fixed one that is set, else the first."""
    switch = method.alternatives
    if switch is None:
        return None
    free = [field for _, field, _ in switch.options if field not in fixed]
    if len(free) < len(switch.options):
        if len(free) == 1:
            return free[0]
        given = [field for _, field, _ in switch.options if fixed.get(field) is not None]
        return (given or [switch.options[0][1]])[0]
    fields = {option: field for option, field, _ in switch.options}
    names = {option: name for option, _, name in switch.options}
    option = st.segmented_control(
        switch.label,
        options=list(fields),
        default=switch.options[0][0],
        format_func=names.get,
        key=keys.alternatives(page, method),
        persist_state=KEEP,
        required=True,
        help=switch.help,
    )
    return fields[option]


def _slider(
    page: str, method: Method, control: Control, baseline: Baseline, starts: Mapping | None
) -> float:
    """One number control as a slider; its value in settings units, rounded."""
    bounds = slider_range(method, control, baseline, starts)
    key = keys.control(page, control, baseline.key)
    scale = 100 if control.percent else 1  # a share shows as a whole percentage
    options = {
        "min_value": round(bounds.low * scale) if control.percent else bounds.low,
        "max_value": round(bounds.high * scale) if control.percent else bounds.high,
        "step": round(bounds.step * scale) if control.percent else bounds.step,
        "format": "%d%%" if control.percent else control.number_format,
    }
    start = round(bounds.start * scale) if control.percent else bounds.start
    if control.presets:
        # The preset buttons set this slider through the session, so its start value is
        # put there too, not passed as ``value`` (Streamlit warns when a widget gets both).
        st.session_state.setdefault(key, start)
    else:
        options["value"] = start
    shown = st.slider(control.label, key=key, persist_state=KEEP, help=control.help, **options)
    value = shown / 100 if control.percent else round(shown, DIGITS)
    remember_ahead(page, method.name, control.field, value, bounds.step, bounds.low, bounds.high)
    return value


def _choice(cell, page: str, control: Control, values: dict):
    """A choice (radio, or a toggle for one value) or a flag (toggle), in ``cell``."""
    key = keys.control(page, control, "")
    if control.kind == CHOICE and control.toggle_value is None:
        return cell.radio(
            control.label,
            options=list(control.choices),
            format_func=control.choice_labels.get,
            key=key,
            persist_state=KEEP,
            horizontal=True,
            help=control.help,
        )
    disabled = _disabled(control, values)
    on = cell.toggle(
        control.label,
        value=False,
        key=key,
        persist_state=KEEP,
        disabled=disabled,
        help=control.help,
    )
    if disabled and control.disabled_reason:
        cell.caption(control.disabled_reason)
    if control.kind == CHOICE:
        return control.toggle_value if on and not disabled else control.default
    return on


def shown_on(page: str, method: Method, saved: Mapping) -> bool:
    """Whether ``page`` has drawn any widget of ``method`` (``saved``: the session state).

    Only the method's own numbers and switch count: a control two methods share (the
    per-channel toggle) says nothing about which of them the page shows. On a page with a
    choice of values methods, a values method other than the one chosen is not shown."""
    choice = saved.get(keys.values_method(page))
    if choice is not None and method.quantize is not None and choice != method.name:
        return False
    names = [keys.element(page, control.widget) for control in method.numbers()]
    if method.alternatives is not None:
        names.append(keys.alternatives(page, method))
    return any(key == name or key.startswith(f"{name}.") for key in saved for name in names)


def saved_fields(page: str, method: Method, baseline_key: str, saved: Mapping) -> dict | None:
    """The settings fields ``method``'s widgets on ``page`` were left at, as
    :func:`method_ui` returned them; None when a number was never set for this model."""
    chosen = None
    if method.alternatives is not None:
        options = {option: field for option, field, _ in method.alternatives.options}
        chosen = options.get(saved.get(keys.alternatives(page, method)))
        if chosen is None:
            return None
    values = {}
    for control in method.numbers():
        if chosen is not None and control.field != chosen:
            continue
        key = keys.control(page, control, baseline_key)
        if key not in saved:
            return None
        values[control.field] = saved[key] / 100 if control.percent else float(saved[key])
    for control in method.controls:
        if control.kind == NUMBER or (control.only_with and control.only_with not in values):
            continue
        value = saved.get(keys.control(page, control, baseline_key))
        if control.kind == CHOICE and control.toggle_value is None:
            values[control.field] = control.default if value is None else value
            continue
        on = bool(value) and not _disabled(control, values)
        if control.kind == CHOICE:  # a choice shown as a toggle
            values[control.field] = control.toggle_value if on else control.default
        else:
            values[control.field] = on
    return values


def _disabled(control: Control, values: dict) -> bool:
    """Whether another control's value greys ``control`` out (and keeps it at its default)."""
    if control.disabled_when is None:
        return False
    field, value = control.disabled_when
    return values.get(field) == value


def _set_value(key: str, value) -> None:
    st.session_state[key] = value
