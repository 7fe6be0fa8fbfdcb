"""A compression method is described once; the settings, the command line and the sweeps
are made from that description (the share link: tests/app/test_method_link.py)."""

from __future__ import annotations

import argparse
from dataclasses import fields, replace

import pytest

from compression.cli import build_parser
from compression.methods import METHODS, all_controls, method_of
from compression.methods.controls import CHOICE, NUMBER
from compression.settings import CompressionSettings, SettingsError
from compression.sweeps.sweep import DEFAULT_VALUES, SWEEP_METHODS

LAYERS = ["fc1", "fc2", "fc3"]
CONTROLS = all_controls()


def test_every_settings_field_but_the_layers_belongs_to_exactly_one_control():
    settings_fields = [f.name for f in fields(CompressionSettings) if f.name != "layers"]
    control_fields = [control.field for control in CONTROLS]
    assert sorted(control_fields) == sorted(settings_fields)
    assert all(method_of(name).name in METHODS for name in control_fields)


def _compression_options() -> dict[str, argparse.Action]:
    evaluate = build_parser()._subparsers._group_actions[0].choices["evaluate"]
    return {flag: action for action in evaluate._actions for flag in action.option_strings}


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: c.field)
def test_each_control_is_a_command_line_option_with_its_own_kind(control):
    action = _compression_options()[control.flag]
    assert action.dest == control.field
    if control.kind == CHOICE:
        assert tuple(action.choices) == control.choices and action.default == control.default
    elif control.kind == NUMBER:
        assert action.metavar == control.metavar
    else:
        assert isinstance(action, argparse._StoreTrueAction)


def test_a_method_s_alternatives_are_mutually_exclusive_on_the_command_line():
    prune = METHODS["prune"]
    options = _compression_options()
    groups = {id(g) for g in build_parser()._subparsers._group_actions[0].choices["evaluate"]
              ._mutually_exclusive_groups for a in g._group_actions
              if a.dest in prune.alternatives.fields}  # fmt: skip
    assert len(groups) == 1
    assert all(options[prune.control(f).flag].dest == f for f in prune.alternatives.fields)


@pytest.mark.parametrize(
    "control", [c for c in CONTROLS if c.kind == NUMBER], ids=lambda c: c.field
)
def test_validation_uses_the_range_each_control_declares(control):
    inside = CompressionSettings(**{control.field: control.low})
    assert inside.validated(LAYERS) is inside
    below = CompressionSettings(**{control.field: control.low - 0.5})
    with pytest.raises(SettingsError, match=control.name):
        below.validated(LAYERS)
    if control.high is not None:
        with pytest.raises(SettingsError, match=control.name):
            CompressionSettings(**{control.field: control.high + 0.5}).validated(LAYERS)


def test_the_sweepable_settings_are_the_controls_with_a_sweep_axis():
    swept = {c.sweep.name: c for c in CONTROLS if c.sweep is not None}
    assert set(SWEEP_METHODS) == set(swept) == set(DEFAULT_VALUES)
    for name, control in swept.items():
        method = SWEEP_METHODS[name]
        assert (method.field, method.low, method.high) == (control.field, control.low, control.high)
        for value in DEFAULT_VALUES[name]:
            assert method.check(value) == value


def test_each_method_s_own_rules_repair_a_link_with_a_note():
    both = CompressionSettings(prune_threshold=0.1, prune_sparsity=0.5)
    repaired, notes = METHODS["prune"].reconcile(both)
    assert repaired == replace(both, prune_threshold=None) and len(notes) == 1
    unchanged, none = METHODS["binarize"].reconcile(CompressionSettings(binarize_threshold=0.7))
    assert unchanged.binarize_threshold == 0.7 and none == []


def test_the_positions_method_comes_before_the_values_method():
    settings = CompressionSettings(prune_sparsity=0.5, binarize_threshold=0.0)
    assert settings.positions_method is METHODS["prune"]
    assert settings.values_method is METHODS["binarize"]
    assert CompressionSettings().positions_method is None
    assert CompressionSettings().values_method is None
