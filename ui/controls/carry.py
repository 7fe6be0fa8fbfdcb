"""Slider settings that follow this person to another baseline, keeping what they mean.

Most sliders have one key for every model (a target sparsity, binarize's t), so their
value stays as it is. A slider whose range the model sets (the |W| cut T) has one key
per model; when the baseline changes (the sidebar's picker, a model trained, uploaded
or retrained), :func:`follow_baseline` gives the new model's slider the cut that removes
the same share of weights (:func:`compression.methods.carry.carried_value`).
"""

from __future__ import annotations

from collections.abc import MutableMapping

import streamlit as st
import torch

from compression.methods import METHODS
from compression.methods.carry import carried_value, share_at_or_below
from compression.methods.controls import Control, Method
from compression.models import weight_key
from ui.controls import keys
from ui.controls.method_widgets import SliderRange, slider_range
from ui.state import baselines
from ui.state.baselines import Baseline
from ui.state.lookahead import DIGITS


def slider_positions(bounds: SliderRange) -> list[float]:
    """Every value a slider can take, rounded like the slider's own values."""
    count = round((bounds.high - bounds.low) / bounds.step)
    return [round(bounds.low + index * bounds.step, DIGITS) for index in range(count + 1)]


def chosen_layers(saved: MutableMapping, page: str, baseline: Baseline) -> list[str]:
    """The layers ``page`` compresses on ``baseline``: its saved choice, or all of them
    (a saved name the model lacks is left out; none left: all)."""
    chosen = [name for name in saved.get(keys.layers(page, baseline.model_name), ()) if
              name in baseline.layers]  # fmt: skip
    return chosen or list(baseline.layers)


def _weights(baseline: Baseline, layers: list[str]) -> list[torch.Tensor]:
    return [baseline.state[weight_key(name)] for name in layers]


def _pages_with(saved: MutableMapping, control: Control, baseline_key: str) -> list[str]:
    """The pages whose ``control`` slider has a value for ``baseline_key``."""
    pages = {key.partition(".")[0] for key in saved if isinstance(key, str)}
    return sorted(p for p in pages if keys.control(p, control, baseline_key) in saved)


def carry_sliders(old: Baseline, new: Baseline, saved: MutableMapping) -> dict[str, str]:
    """Give ``new``'s per-model sliders the values of ``old``'s, converted (``saved``: the
    session state) -> {page: one sentence per converted value}."""
    notes: dict[str, list[str]] = {}
    for method in METHODS.values():
        for control in method.numbers():
            for page in _pages_with(saved, control, old.key):
                old_key = keys.control(page, control, old.key)
                new_key = keys.control(page, control, new.key)
                if new_key == old_key:  # one slider for every model: kept as it is
                    continue
                sentence = _carry_one(page, method, control, old, new, saved)
                notes.setdefault(page, []).append(sentence)
    return {page: " ".join(sentences) for page, sentences in notes.items()}


def _carry_one(
    page: str, method: Method, control: Control, old: Baseline, new: Baseline, saved
) -> str:
    old_value = float(saved[keys.control(page, control, old.key)])
    old_weights = _weights(old, chosen_layers(saved, page, old))
    new_weights = _weights(new, chosen_layers(saved, page, new))
    positions = slider_positions(slider_range(method, control, new))
    value = carried_value(control, old_value, old_weights, new_weights, positions)
    saved[keys.control(page, control, new.key)] = value
    before = 100 * share_at_or_below(old_weights, old_value)
    after = 100 * share_at_or_below(new_weights, value)
    return (
        f"the {control.name} {_shown(control, old_value)} became {_shown(control, value)} "
        f"on this model, to remove the same share of the chosen layers' weights "
        f"({before:.1f}% on the last model, {after:.1f}% on this one)."
    )


def _shown(control: Control, value: float) -> str:
    """``T = 0.024``: the number as its slider writes it."""
    number = control.number_format % value if control.number_format else f"{value:g}"
    return f"{control.symbol} = {number}"


def follow_baseline(baseline: Baseline) -> None:
    """On a page's run: when the baseline changed since the last run, carry the sliders."""
    saved = st.session_state
    key = baselines.selected_key()
    last = saved.get(keys.SHOWN_BASELINE)
    saved[keys.SHOWN_BASELINE] = key
    if last is None or last == key:
        return
    try:
        old = baselines.baseline_for(last)
    except KeyError:  # no longer kept (a person keeps a few own models)
        return
    if old.key != baseline.key:
        saved[keys.CARRIED] = carry_sliders(old, baseline, saved)


def carried_note(page: str) -> str | None:
    """How ``page``'s sliders followed the last change of baseline (None: unchanged)."""
    return st.session_state.get(keys.CARRIED, {}).get(page)
