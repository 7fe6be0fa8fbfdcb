"""The first layer's strongest units drawn before and after compression."""

from __future__ import annotations

import numpy as np

from compression.compress import compress
from compression.explain.weights_view import first_layer_pictures, first_layer_view
from compression.figures.first_layer import first_layer_panels, kept_per_input_figure
from compression.figures.plot_style import MODEBAR_ROOM
from compression.models import build_model
from compression.settings import CompressionSettings


def test_figure_has_three_panels_with_the_same_units():
    state = {k: v.detach().clone() for k, v in build_model("mlp", seed=0).state_dict().items()}
    compressed = compress(state, ["fc1", "fc2", "fc3"], CompressionSettings(prune_sparsity=0.5))
    view = first_layer_view("mlp", state, compressed.state, compressed.keep_masks["fc1"], count=6)
    pictures = first_layer_pictures(view, columns=3)
    panels = first_layer_panels(pictures)
    assert [title for title, _ in panels] == [
        "before compression", "after compression", "kept weights (dark)"
    ]  # fmt: skip
    figures = [figure for _, figure in panels]
    assert all(len(figure.data) == 1 for figure in figures)
    before, after, kept = (np.asarray(f.data[0].customdata, dtype=float) for f in figures)
    np.testing.assert_allclose(before[:28, :28], view.before[0].numpy())
    np.testing.assert_allclose(after[:28, :28], view.after[0].numpy())
    np.testing.assert_array_equal(kept[:28, :28], view.kept[0].numpy())
    for figure in figures:
        captions = [a.text for a in figure.layout.annotations]
        assert captions == [f"unit {int(u)}" for u in view.units]
    heat = kept_per_input_figure(pictures).data[0]
    np.testing.assert_allclose(np.asarray(heat.z, dtype=float), view.kept_per_input.numpy())


def test_weight_panels_are_coloured_by_each_image_scaled_to_its_peak():
    state = {k: v.detach().clone() for k, v in build_model("cnn", seed=1).state_dict().items()}
    pictures = first_layer_pictures(first_layer_view("cnn", state, state, count=6), columns=3)
    (_, figure), *_ = first_layer_panels(pictures)
    shown = np.asarray(figure.data[0].z, dtype=float)
    np.testing.assert_array_equal(shown, pictures.before_scaled.pixels)
    captions = [a.text for a in figure.layout.annotations]
    assert captions == [f"filter {unit}" for unit in pictures.units]
    assert figure.layout.height == MODEBAR_ROOM + 20 + 75 * 2  # the toolbar's row, two rows
