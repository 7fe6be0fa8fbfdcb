"""Surprising numbers come with their reason; the shipped model's with its retrained numbers."""

from __future__ import annotations

import json

import torch
from app_driver import open_app, problems, slider

from compression.data import PROJECT_ROOT
from compression.files.checkpoint import Checkpoint, checkpoint_bytes, load_checkpoint
from compression.models import layer_names_for, weight_key

STORY = json.loads((PROJECT_ROOT / "checkpoints" / "retrained_story.json").read_text())


def _captions(app) -> str:
    return "\n".join(caption.value for caption in app.caption)


def _outcome(**fields) -> dict:
    """The shipped story's outcome whose settings have ``fields`` (and no pruning unless
    given), read from the JSON file itself."""
    (model,) = [m for m in STORY["models"] if m["checkpoint"] == "mlp-mnist.pt"]
    for outcome in model["outcomes"]:
        settings = outcome["settings"]
        wanted = {"prune_threshold": None, **fields}
        if all(settings[k] == v for k, v in wanted.items()):
            return outcome
    raise AssertionError(f"no outcome for {fields}")


def _percent(fraction: float) -> str:
    return f"{fraction:.2%}"


def test_binarize_explains_the_jumps_and_shows_retraining_smooths_them():
    app = open_app("pages/2_Binarize.py")
    assert not problems(app)
    text = _captions(app)
    assert "Why accuracy jumps as t moves" in text
    for t in (0.0, 0.5, 0.7, 1.0, 1.5):
        outcome = _outcome(binarize_threshold=t)
        step = f"t = {t:g}: {_percent(outcome['before_accuracy'])} → "
        assert step + _percent(outcome["after_accuracy"]) in text


def test_the_ternary_preset_says_why_it_costs_bytes_and_that_retraining_reverses_it():
    app = open_app("pages/2_Binarize.py")
    app.button(key="binarize.preset.ternary").click().run()
    assert slider(app, "Binarization threshold").value == 0.7
    text = _captions(app)
    assert "Why t = 0.7 takes more bytes than binary" in text
    binary, ternary = _outcome(binarize_threshold=0.0), _outcome(binarize_threshold=0.7)
    # the shipped numbers say what the page claims: worse before, better after
    assert ternary["before_accuracy"] < binary["before_accuracy"]
    assert ternary["after_accuracy"] > binary["after_accuracy"]
    assert (
        f"loses to binary ({_percent(ternary['before_accuracy'])} vs "
        f"{_percent(binary['before_accuracy'])})" in text
    )
    assert (
        f"it wins: {_percent(ternary['after_accuracy'])} vs "
        f"{_percent(binary['after_accuracy'])}" in text
    )


def test_combine_opens_where_pruning_a_binary_layer_pays_and_shows_it_after_retraining():
    app = open_app("pages/4_Combine.py")
    assert not problems(app)
    checkpoint = load_checkpoint(PROJECT_ROOT / "checkpoints" / "mlp-mnist.pt")
    layers = layer_names_for("mlp")
    magnitudes = torch.cat([checkpoint.state[weight_key(n)].abs().reshape(-1) for n in layers])
    cut = slider(app, "Pruning threshold")
    removed = float((magnitudes <= cut.value).float().mean())
    assert 0.78 < removed < 0.82  # the start removes about 80% of the weights
    assert slider(app, "Binarization threshold").value == 0.0
    table = app.dataframe[0].value.set_index("model")
    both, alone = table.loc["pruned + binarized"], table.loc["binarized"]
    assert both["bytes"] < alone["bytes"]
    assert "Why pruning adds bytes" not in _captions(app)
    combined = _outcome(prune_threshold=cut.value, binarize_threshold=0.0)
    binary = _outcome(binarize_threshold=0.0)
    assert f"pruned + binarized {_percent(combined['after_accuracy'])}" in _captions(
        app
    ) and f"binarized {_percent(binary['after_accuracy'])}" in _captions(app)


def test_a_cut_that_adds_bytes_says_why():
    app = open_app("pages/4_Combine.py")
    slider(app, "Pruning threshold").set_value(0.024).run()
    table = app.dataframe[0].value.set_index("model")["bytes"]
    assert table["pruned + binarized"] > table["binarized"]
    assert "Why pruning adds bytes here" in _captions(app)


def test_another_model_gets_the_reasons_but_no_shipped_numbers(shipped_mlp):
    nudged = {name: tensor.clone() for name, tensor in shipped_mlp.state.items()}
    nudged["fc1.weight"][0, 0] += 1e-3  # one weight: no longer the model that was measured
    app = open_app()
    app.sidebar.get("file_uploader")[0].set_value(
        ("nudged.pt", checkpoint_bytes(Checkpoint("mlp", nudged, {})), "application/octet-stream")
    )
    app.run()
    app.switch_page("pages/2_Binarize.py").run()
    assert not problems(app)
    assert app.sidebar.selectbox(key="baseline.picker").value.startswith("upload:")
    text = _captions(app)
    assert "Why accuracy jumps as t moves" in text
    assert "Measured on this model" not in text
