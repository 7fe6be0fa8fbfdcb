"""Experiments as links: settings -> query parameters -> the same settings, bad links included."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from compression.settings import CompressionSettings
from ui.controls.link_codec import (
    SHARE_KEYS,
    SharedSetup,
    decode_setup,
    encode_setup,
    query_string,
)

SETUPS = [
    SharedSetup(),
    SharedSetup("cnn", "fashion-mnist", 42, CompressionSettings(prune_threshold=0.05)),
    SharedSetup(
        "mlp", "mnist", 7,
        CompressionSettings(prune_sparsity=0.1 + 0.2, prune_scope="global",
                            binarize_threshold=0.7, per_channel=True, layers=("fc1", "fc3")),
    ),
    SharedSetup(
        "cnn", "mnist", 2**32 - 1,
        CompressionSettings(prune_sparsity=0.5, prune_structure="neurons", layers=("conv2",)),
    ),
    SharedSetup("mlp", "mnist", 0, CompressionSettings(binarize_threshold=0.0)),
    SharedSetup("mlp", "mnist", 3, CompressionSettings(prune_sparsity=0.5), "0a" * 32),
]  # fmt: skip


@pytest.mark.parametrize("setup", SETUPS)
def test_every_setup_survives_a_round_trip_exactly(setup):
    params = encode_setup(setup)
    own_model = set() if setup.baseline is None else {"baseline"}  # a shipped one: no key
    assert set(params) == set(SHARE_KEYS) - {"baseline"} | own_model
    assert all(isinstance(value, str) for value in params.values())
    decoded = decode_setup(params)
    assert decoded.setup == setup  # floats too: 0.1 + 0.2 is not 0.3 and stays so
    assert decoded.notes == []


def test_round_trip_through_a_url_query_string():
    setup = SETUPS[2]
    assert decode_setup(dict(parse_qsl(query_string(setup)))).setup == setup


def test_an_empty_link_gives_the_defaults_without_notes():
    decoded = decode_setup({})
    assert decoded.setup == SharedSetup()
    assert decoded.notes == []


GARBAGE = {
    "model": ("transformer", "model"),
    "dataset": ("imagenet", "dataset"),
    "seed": ("-1", "seed"),
    "prune_threshold": ("nan", "prune_threshold"),
    "prune_sparsity": ("1.5", "prune_sparsity"),
    "prune_scope": ("planet", "prune_scope"),
    "prune_structure": ("blocks", "prune_structure"),
    "binarize": ("inf", "binarize"),
    "per_channel": ("perhaps", "per_channel"),
    "layers": ("fc9", "layers"),
    "baseline": ("../../etc/passwd", "baseline"),
}


@pytest.mark.parametrize("key", list(GARBAGE))
def test_one_bad_value_falls_back_to_its_default_and_says_so(key):
    good = encode_setup(replace(SETUPS[2], baseline="f" * 64))
    bad_value, named = GARBAGE[key]
    decoded = decode_setup({**good, key: bad_value})
    assert len(decoded.notes) == 1
    assert named in decoded.notes[0] and repr(bad_value) in decoded.notes[0]
    expected = decode_setup({k: v for k, v in good.items() if k != key}).setup
    assert decoded.setup == expected  # only that field went back to its default


def test_everything_bad_at_once_gives_the_defaults_and_one_note_each():
    decoded = decode_setup({key: value for key, (value, _) in GARBAGE.items()})
    assert decoded.setup == SharedSetup()
    assert len(decoded.notes) == len(GARBAGE)


@pytest.mark.parametrize(
    "junk",
    ["", " ", "0x10", "1e400", "-0.5", "١", "None", "[]", "{'a': 1}", "\x00", "9" * 5000],
)
def test_no_junk_value_raises(junk):
    for key in SHARE_KEYS:
        decoded = decode_setup({key: junk})
        decoded.setup.settings.validated(["fc1", "fc2", "fc3", "conv1", "conv2"])


def test_unknown_keys_are_left_to_others_and_lists_take_the_last_value():
    decoded = decode_setup({"embed": "true", "model": ["mlp", "cnn"]})
    assert decoded.setup.model == "cnn"
    assert decoded.notes == []


def test_stale_layers_of_another_model_are_dropped_with_a_note():
    decoded = decode_setup({"model": "mlp", "layers": "conv1,fc2"})
    assert decoded.setup.settings.layers == ("fc2",)
    assert "conv1" in decoded.notes[0]
    decoded = decode_setup({"model": "mlp", "layers": "conv1"})
    assert decoded.setup.settings.layers is None  # nothing usable: all layers


def test_layers_are_put_in_forward_order_without_repeats():
    decoded = decode_setup({"model": "cnn", "layers": "fc3,conv1,fc3"})
    assert decoded.setup.settings.layers == ("conv1", "fc3")


def test_contradicting_settings_are_resolved_with_a_note():
    both = decode_setup({"prune_threshold": "0.1", "prune_sparsity": "0.5"})
    assert both.setup.settings.prune_threshold is None
    assert both.setup.settings.prune_sparsity == 0.5
    neurons = decode_setup(
        {"prune_sparsity": "0.5", "prune_structure": "neurons", "prune_scope": "global"}
    )
    assert neurons.setup.settings.prune_scope == "layer"
    assert len(neurons.notes) == 1


def sharing_app():
    """A stand-in page: widgets start from the link and write their values back to it."""
    import streamlit as st

    from compression.settings import CompressionSettings
    from ui.controls.link_codec import SharedSetup, decode_setup, encode_setup

    decoded = decode_setup(st.query_params.to_dict())
    for note in decoded.notes:
        st.warning(note)
    start = decoded.setup
    model = st.selectbox("model", ["mlp", "cnn"], index=["mlp", "cnn"].index(start.model))
    sparsity = st.slider("sparsity", 0.0, 1.0, start.settings.prune_sparsity or 0.0, 0.05)
    seed = st.number_input("seed", 0, 2**32 - 1, start.seed)
    chosen = SharedSetup(
        model, start.dataset, int(seed), CompressionSettings(prune_sparsity=sparsity)
    )
    st.query_params.from_dict(encode_setup(chosen))


def test_streamlit_link_round_trip_reopens_the_same_settings():
    first = AppTest.from_function(sharing_app)
    first.query_params.update({"model": "cnn", "prune_sparsity": "0.6", "seed": "5"})
    first.run()
    assert not first.exception and not first.warning
    assert first.selectbox[0].value == "cnn"
    assert first.slider[0].value == pytest.approx(0.6)
    first.slider[0].set_value(0.85).run()
    link = dict(first.query_params)
    assert link["prune_sparsity"] == "0.85" and link["model"] == "cnn" and link["seed"] == "5"

    reopened = AppTest.from_function(sharing_app)  # a new visitor opening the link
    reopened.query_params.update(link)
    reopened.run()
    assert not reopened.exception and not reopened.warning
    assert reopened.selectbox[0].value == "cnn"
    assert reopened.slider[0].value == pytest.approx(0.85)
    assert reopened.number_input[0].value == 5


def test_streamlit_bad_link_opens_with_defaults_and_a_note():
    app = AppTest.from_function(sharing_app)
    app.query_params.update({"model": "gpt", "prune_sparsity": "lots"})
    app.run()
    assert not app.exception
    assert app.selectbox[0].value == "mlp"
    assert app.slider[0].value == 0.0
    notes = [warning.value for warning in app.warning]
    assert len(notes) == 2 and "'gpt'" in notes[0] and "'lots'" in notes[1]


@pytest.mark.parametrize(
    "key", ["a" * 63, "a" * 65, "g" * 64, "٣" * 64, "../" + "a" * 61, "a" * 64 + "/..", " "]
)
def test_a_shared_models_key_is_exactly_64_hex_digits(key):
    decoded = decode_setup({"baseline": key})
    assert decoded.setup == SharedSetup()  # the shipped model
    assert len(decoded.notes) == 1 and "the shipped model" in decoded.notes[0]
    assert len(decoded.notes[0]) < 160  # a long value is cut short
    assert decode_setup({"baseline": "AB" * 32}).setup.baseline == "ab" * 32


@pytest.mark.parametrize("odd", ["١", "1_0", "0x10", "+-1", "1e", ".", "9" * 30])
def test_only_plain_ascii_numbers_are_read(odd):
    decoded = decode_setup({"seed": odd, "prune_sparsity": odd})
    assert decoded.setup == SharedSetup()
    assert len(decoded.notes) == 2
