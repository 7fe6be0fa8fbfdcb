"""Two share links read exactly as A and B; anything else is refused in one safe sentence."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from compression.settings import CompressionSettings
from ui.controls.compare_link import (
    LINK_LIMIT,
    CompareLinkError,
    compare_params,
    read_pair,
    read_share_link,
)
from ui.controls.link_codec import SharedSetup, decode_setup, query_string

A = SharedSetup("cnn", "mnist", 0, CompressionSettings(prune_sparsity=0.5, layers=("conv1",)))
B = SharedSetup("cnn", "mnist", 0, CompressionSettings(quantize_bits=3, per_channel=True))


@pytest.mark.parametrize(
    "text",
    [
        f"https://example.org/Prune?{query_string(A)}",
        f"  {query_string(A)}  ",
        f"https://example.org/Prune?{query_string(A)}#top",
    ],
)
def test_a_whole_link_or_its_query_reads_as_its_setup(text):
    assert read_share_link(text, "A") == A


def test_a_pair_of_one_model_reads_and_travels_in_one_address():
    a, b = read_pair(query_string(A), f"http://h/Quantize?{query_string(B)}")
    assert (a, b) == (A, B)
    params = compare_params(a, b)
    assert decode_setup(dict(parse_qsl(params["a"]))).setup == A
    assert decode_setup(dict(parse_qsl(params["b"]))).setup == B


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "link A is empty"),
        ("x" * (LINK_LIMIT + 1), "too long"),
        ("https://example.org/Prune", "is not a share link"),
        ("?a=1&b=2", "is not a share link"),
        ("&".join(["model=mlp"] * 100), "too many fields"),
        ("model=mlp&prune_sparsity=1.5", "cannot be read exactly: ignored prune_sparsity='1.5'"),
        ("model=transformer", "cannot be read exactly: ignored model='transformer'"),
    ],
)
def test_a_bad_link_is_refused_with_one_sentence(text, said):
    with pytest.raises(CompareLinkError, match=None) as refused:
        read_share_link(text, "A")
    assert said in str(refused.value)
    assert "\n" not in str(refused.value)


def test_text_from_a_link_is_escaped_in_the_sentence():
    with pytest.raises(CompareLinkError) as refused:
        read_share_link("[click](http://evil.example)", "B")
    message = str(refused.value)
    assert "\\[click\\](http:\u2060//evil.example)" in message  # no link, no address


def test_links_of_two_models_are_refused():
    other = SharedSetup("mlp", "mnist", 0, B.settings)
    with pytest.raises(CompareLinkError, match="compress different models"):
        read_pair(query_string(A), query_string(SharedSetup("cnn", "mnist", 1, B.settings)))
    with pytest.raises(CompareLinkError, match="A: cnn on mnist, seed 0; B: mlp on mnist"):
        read_pair(query_string(A), query_string(other))
