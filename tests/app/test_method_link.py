"""The share link is made from the methods' descriptions: one key per control."""

from __future__ import annotations

from compression.methods import all_controls
from compression.settings import CompressionSettings
from ui.controls.link_codec import SHARE_KEYS, SharedSetup, decode_setup, encode_setup

CONTROLS = all_controls()


def test_the_share_link_has_one_key_per_control_and_reads_back_what_it_wrote():
    keys = ("model", "dataset", "seed", *(c.key for c in CONTROLS), "layers", "baseline")
    assert keys == SHARE_KEYS
    settings = CompressionSettings(
        prune_sparsity=0.75, prune_scope="layer", prune_structure="neurons",
        binarize_threshold=0.35, per_channel=True, layers=("fc2",),
    )  # fmt: skip
    setup = SharedSetup("mlp", "mnist", 3, settings)
    decoded = decode_setup(encode_setup(setup))
    assert decoded.setup == setup and not decoded.notes
