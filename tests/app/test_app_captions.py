"""Texts follow the data and the page: a Fashion-MNIST model is not called digits, the
kept-per-pixel map says what its numbers show, and retraining describes the page's methods."""

from __future__ import annotations

import re

import pytest
from app_driver import chart_array, chart_spec, open_app, problems

from compression.compress import compress
from compression.explain.weights_view import first_layer_pictures, first_layer_view
from compression.models import build_model, layer_names_for
from compression.settings import CompressionSettings
from ui.retrain import retrain_caption
from ui.teaching import SAME_SHARE, kept_map_caption

FASHION = "shipped:mlp:fashion-mnist"  # checkpoints/mlp-fashion-mnist.pt
BORDER = 4  # the outer rows and columns the caption calls the border
WRONG_IMAGES = (
    re.compile(r"handwritten", re.IGNORECASE),
    re.compile(r"\bdigits?\b", re.IGNORECASE),
    re.compile(r"(?<![Ff]ashion-)\bMNIST\b"),
)


def fashion_app(page: str | None = None):
    """A new session with the shipped Fashion-MNIST mlp picked, then ``page`` if given."""
    app = open_app()
    app.selectbox(key="baseline.picker").set_value(FASHION).run()
    if page is not None:
        app.switch_page(page).run()
    assert not problems(app)
    return app


def main_texts(app) -> list[str]:
    """What a person reads in the main area: text, captions, notices and metric help."""
    main = app.main
    shown = (*main.title, *main.header, *main.subheader, *main.markdown, *main.caption)
    notices = (*main.info, *main.success, *main.warning)
    helps = [metric.proto.help for metric in main.metric]
    return [element.value for element in (*shown, *notices)] + helps


def about_other_images(texts: list[str]) -> list[str]:
    return [text for text in texts if any(wrong.search(text) for wrong in WRONG_IMAGES)]


def test_home_with_a_fashion_mnist_model_does_not_speak_of_handwritten_digits():
    app = fashion_app()
    texts = main_texts(app)
    assert any("clothes" in text for text in texts)
    assert about_other_images(texts) == []


def test_prune_page_and_its_pictures_with_a_fashion_mnist_model_say_what_the_data_shows():
    app = fashion_app("pages/3_Prune.py")
    app.toggle(key="prune.teaching").set_value(True).run()
    assert not problems(app)
    texts = main_texts(app)
    assert about_other_images(texts) == []

    kept = chart_array(chart_spec(app, "kept_map")["data"][0]["z"]).numpy()
    assert kept.shape == (28, 28) and kept.min() < 1.0  # the default cut removes weights
    centre = kept[BORDER:-BORDER, BORDER:-BORDER]
    border_share = (kept.sum() - centre.sum()) / (kept.size - centre.size)
    centre_share = centre.mean()
    caption = next(text for text in texts if text.startswith("For every input pixel"))
    assert f"keep {100 * border_share:.0f} % of their weights" in caption
    assert f"those in the centre {100 * centre_share:.0f} %" in caption
    if border_share < centre_share - SAME_SHARE:
        assert "the border goes first" in caption
    elif centre_share < border_share - SAME_SHARE:
        assert "the centre goes first" in caption
    else:
        assert "about the same share" in caption

    retraining = next(text for text in texts if "The shared baseline is not changed" in text)
    assert "Pruned weights stay 0" in retraining
    helps = [app.select_slider(key="prune.ft_epochs").help, app.button(key="prune.ft_go").help]
    assert not any(re.search(r"binariz|\bsigns?\b", text, re.I) for text in [retraining, *helps])


def test_the_retrain_caption_names_only_the_methods_of_its_page():
    assert "binarized" not in retrain_caption(("prune",))
    assert "runed" not in retrain_caption(("binarize",))
    both = retrain_caption(("prune", "binarize"))
    assert both.startswith("Pruned weights stay 0") and "straight-through" in both


def test_the_kept_map_caption_of_an_untouched_layer_and_of_a_pruned_filter_layer():
    state = build_model("cnn", seed=0).state_dict()
    untouched = first_layer_pictures(first_layer_view("cnn", state, state))
    assert kept_map_caption(untouched, "mnist").startswith("These settings remove no weight")
    pruned = compress(state, layer_names_for("cnn"), CompressionSettings(prune_sparsity=0.5))
    view = first_layer_view("cnn", state, pruned.state, pruned.keep_masks["conv1"])
    caption = kept_map_caption(first_layer_pictures(view), "mnist")
    kept = view.kept_per_input
    assert caption.startswith("For each position of the 5 × 5 filter")
    assert f"from {100 * float(kept.min()):.0f} % to {100 * float(kept.max()):.0f} %" in caption


@pytest.mark.parametrize(
    ("page", "named", "not_named"),
    [
        ("pages/3_Prune.py", "the cut ±T", "the values ±a"),
        ("pages/2_Binarize.py", "the values ±a", "the cut ±T"),
        ("pages/3_Quantize.py", "the values s·n", "the values ±a"),
        ("pages/3_Share_weights.py", "the K shared values", "the values ±a"),
    ],
)
def test_the_histograms_colour_key_names_what_the_page_s_method_draws(page, named, not_named):
    app = open_app(page)
    key = next(c.value for c in app.main.caption if c.value.startswith("**Real weights"))
    assert named in key and not_named not in key
