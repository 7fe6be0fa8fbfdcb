"""Groups of widgets that return plain values (compression settings, a training recipe).

Widget values persist for the whole session (``persist_state="session"``), so a
person finds their sliders where they left them when they come back to a page.
Keys that depend on a model carry its name, so an mlp setting never lands on a cnn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import streamlit as st

from compression.data import DATASETS
from compression.methods import METHODS
from compression.methods.controls import CHOICE, NUMBER, Control, Method
from compression.settings import CompressionSettings
from compression.train import TrainConfig
from ui import datasets, keys
from ui.baselines import Baseline
from ui.help_texts import CONTROL_HELP

KEEP = "session"  # persist_state of every widget
DIGITS = 10  # slider values are rounded so a key press and a guess name the same setting


def layers_ui(baseline: Baseline, page: str) -> tuple[str, ...]:
    """Which weight layers to compress (all by default)."""
    return tuple(
        st.multiselect(
            "Layers to compress",
            options=baseline.layers,
            default=baseline.layers,
            key=keys.layers(page, baseline.model_name),
            persist_state=KEEP,
            help="Layers left out stay float32 and untouched.",
        )
    )


@dataclass(frozen=True)
class SliderRange:
    """Where a number control's slider goes, in settings units (a share, not a percent)."""

    low: float
    high: float
    step: float
    start: float


@st.cache_data(max_entries=64, show_spinner=False)
def _model_range(method_name: str, baseline_key: str, _baseline: Baseline) -> tuple:
    return tuple(METHODS[method_name].slider_range(_baseline.state, _baseline.layers))


def slider_range(method: Method, control: Control, baseline: Baseline) -> SliderRange:
    """The slider of a number control: its own range, or the model's (e.g. a |W| cut)."""
    if control.slider_high is None:
        top, step, start = _model_range(method.name, baseline.key, baseline)
        return SliderRange(control.low, top, step, start)
    return SliderRange(control.low, control.slider_high, control.step, control.start)


def method_ui(page: str, method: Method, baseline: Baseline) -> dict:
    """A method's controls as widgets -> its ``CompressionSettings`` fields.

    Made from the method's description: the switch between alternatives, the slider of
    the chosen number, its presets, then its other controls in one row.
    """
    chosen = _chosen_alternative(page, method)
    values = {}
    numbers = [c for c in method.numbers() if chosen is None or c.field == chosen]
    for control in numbers:
        values[control.field] = _slider(page, method, control, baseline)
    others = [
        c
        for c in method.controls
        if c.kind != NUMBER and (c.only_with is None or c.only_with in values)
    ]
    presets = [(c, value, name) for c in numbers for value, name in c.presets]
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
    return values


def _chosen_alternative(page: str, method: Method) -> str | None:
    """The settings field a method's alternatives switch names (None: no switch)."""
    switch = method.alternatives
    if switch is None:
        return None
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


def _slider(page: str, method: Method, control: Control, baseline: Baseline) -> float:
    """One number control as a slider; its value in settings units, rounded."""
    bounds = slider_range(method, control, baseline)
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
    _remember_ahead(page, method.name, control.field, value, bounds)
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
    if control.kind == CHOICE:
        return control.toggle_value if on and not disabled else control.default
    return on


def shown_on(page: str, method: Method, saved: Mapping) -> bool:
    """Whether ``page`` has drawn any widget of ``method`` (``saved``: the session state)."""
    names = [keys.element(page, control.widget) for control in method.controls]
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


def _remember_ahead(page: str, group: str, field: str, value: float, bounds: SliderRange) -> None:
    """Keep the values a slider is likely to take next: one step on, one back, two on;
    and its other positions, nearest first.

    "On" is the way it last moved (up at first). The group that moved last comes first
    in :func:`nearby_settings` and :func:`other_positions`.
    """
    step, low, high = bounds.step, bounds.low, bounds.high
    ahead = st.session_state.setdefault(keys.likely_next(page), {})
    others = st.session_state.setdefault(keys.other_positions(page), {})
    previous = st.session_state.get(keys.previous_value(page, group, field))
    st.session_state[keys.previous_value(page, group, field)] = value
    direction = -1 if previous is not None and value < previous else 1
    candidates = [round(value + steps * direction * step, DIGITS) for steps in (1, -1, 2)]
    inside = [{field: v} for v in candidates if low <= v <= high]
    if previous != value or group not in ahead:
        ahead.pop(group, None)  # re-inserted last: the most recent move
        others.pop(group, None)
    ahead[group] = inside
    taken = {value, *candidates}
    positions = slider_positions(value, step, low, high, direction)
    others[group] = [{field: v} for v in positions if v not in taken]


def slider_positions(
    value: float, step: float, low: float, high: float, direction: int = 1
) -> list[float]:
    """Every value of a slider from ``low`` to ``high`` by ``step``, nearest ``value`` first.

    Of two equally near, the one in ``direction`` (+1 up, -1 down) comes first. Rounded
    to :data:`DIGITS` like the slider's own values, so both name the same setting.
    """
    count = int(round((high - low) / step, 6))
    values = {round(low + index * step, DIGITS) for index in range(count + 1)}
    values |= {round(high, DIGITS)}  # the top, when the range is not a whole number of steps
    values = {v for v in values if low <= v <= high}
    return sorted(values, key=lambda v: (round(abs(v - value) / step), -direction * (v - value)))


def nearby_settings(page: str, settings: CompressionSettings) -> list[CompressionSettings]:
    """``settings`` with one slider of ``page`` moved to a likely next value, likeliest first."""
    ahead = st.session_state.get(keys.likely_next(page), {})
    return [
        replace(settings, **fields) for group in reversed(list(ahead)) for fields in ahead[group]
    ]


def other_positions(page: str, settings: CompressionSettings) -> list[CompressionSettings]:
    """``settings`` with one slider of ``page`` at each of its other values, nearest first.

    The slider that moved last comes first; the guesses of :func:`nearby_settings` are
    not repeated.
    """
    others = st.session_state.get(keys.other_positions(page), {})
    return [
        replace(settings, **fields) for group in reversed(list(others)) for fields in others[group]
    ]


LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
TRAINING_IMAGES = [2_000, 10_000, 60_000]


def dataset_ui() -> str:
    """Which images to train on (a data set name of ``compression.data.DATASETS``)."""
    return st.radio(
        "Images",
        options=list(DATASETS),
        key="train.dataset",
        persist_state=KEEP,
        format_func=lambda name: f"{datasets.dataset_title(name)}: {DATASETS[name].title}",
        horizontal=True,
        help=CONTROL_HELP["dataset"],
    )


def train_ui() -> tuple[str, TrainConfig]:
    """Model and recipe for the Train page -> (model name, TrainConfig)."""
    left, middle, right, last = st.columns(4)
    model_name = left.radio(
        "Model",
        options=["mlp", "cnn"],
        key="train.model",
        persist_state=KEEP,
        format_func={"mlp": "MLP 784-300-100-10", "cnn": "CNN (LeNet-5 style)"}.get,
        help="The MLP trains in seconds; the CNN has 4× fewer parameters but is slower on a CPU.",
    )
    epochs = middle.slider(
        "Epochs",
        min_value=1,
        max_value=10,
        value=3,
        key="train.epochs",
        persist_state=KEEP,
        help="Passes over the training images.",
    )
    learning_rate = right.select_slider(
        "Learning rate",
        options=LEARNING_RATES,
        value=1e-3,
        format_func="{:g}".format,
        key="train.lr",
        persist_state=KEEP,
        help="Adam's step size at the start; it shrinks by 25% after every epoch.",
    )
    seed = last.number_input(
        "Seed",
        min_value=0,
        max_value=1_000_000,
        value=0,
        step=1,
        key="train.seed",
        persist_state=KEEP,
        help="Same seed, same recipe: the same weights.",
    )
    with st.expander("Advanced"):
        columns = st.columns(2)
        images = columns[0].select_slider(
            "Training images",
            options=TRAINING_IMAGES,
            value=60_000,
            format_func="{:,}".format,
            key="train.images",
            persist_state=KEEP,
            help="A fixed random subset of the 60,000 MNIST training images (fewer: faster).",
        )
        batch = columns[1].select_slider(
            "Batch size",
            options=[32, 64, 128, 256],
            value=128,
            key="train.batch",
            persist_state=KEEP,
            help=CONTROL_HELP["batch_size"],
        )
    config = TrainConfig(
        epochs=int(epochs),
        learning_rate=float(learning_rate),
        batch_size=int(batch),
        seed=int(seed),
        train_subset=None if images >= 60_000 else int(images),
    )
    return model_name, config
