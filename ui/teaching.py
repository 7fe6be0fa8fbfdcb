"""What the network learned and lost: one section shared by the compress pages.

Three tabs, fed by the settings on screen: the first layer's weights as pictures
(before, after, and which weights survive), the test images the compression got
wrong that the baseline got right, and the compressed model's confusion matrix.
The predictions come with the cached :class:`~compression.measure.Measurement`, the
pictures from a cache per (baseline, settings), so a slider position seen before
costs only the drawing. The section sits behind a toggle: building its three
figures adds to every slider move, so it is on by default only where a page asks.
"""

from __future__ import annotations

import json

import numpy as np
import streamlit as st

from compression.compress import compress
from compression.explain import errors_view, weights_view
from compression.figures import errors, first_layer
from compression.measure import Measurement
from compression.models import output_layer
from compression.settings import CompressionSettings
from ui import format as fmt
from ui import lessons
from ui.controls import keys
from ui.controls.widgets import KEEP
from ui.state import datasets
from ui.state.baselines import Baseline

UNITS_SHOWN = 16  # strongest first-layer units drawn
GALLERY_SIZE = 24  # new mistakes drawn (all are counted)
UNIT_PANELS = ("before", "after", "kept")  # chart keys of the first-layer panels, in order
SAME_SHARE = 0.02  # border and centre kept shares closer than this read as "about the same"
TALL_TABLE = 32  # rows a lesson table shows whole; a longer one scrolls
SAME_SPREAD = 0.02  # pixel standard deviations (pixels in [0, 1]) closer than this: no reason


@st.cache_data(max_entries=128, show_spinner=False)
def _first_layer(
    baseline_key: str, settings_json: str, _baseline: Baseline
) -> weights_view.FirstLayerPictures:
    settings = CompressionSettings.from_dict(json.loads(settings_json))
    compressed = compress(_baseline.state, _baseline.layers, settings)
    layer = weights_view.first_layer(_baseline.model_name)
    view = weights_view.first_layer_view(
        _baseline.model_name,
        _baseline.state,
        compressed.state,
        compressed.keep_masks.get(layer),
        count=UNITS_SHOWN,
    )
    return weights_view.first_layer_pictures(view)


@st.cache_data(max_entries=4, show_spinner=False)
def pixel_spread(dataset_name: str) -> np.ndarray:
    """(28, 28) standard deviation of every pixel over the data set's test images (cached)."""
    return weights_view.pixel_spread(datasets.cached_dataset(dataset_name).test_images)


def kept_map_caption(pictures: weights_view.FirstLayerPictures, dataset_name: str) -> str:
    """What the kept-per-input map shows, read from its numbers: which part loses more.

    The reason (pixels that hardly vary learn little) is given only where the images'
    pixel spread points the same way as the kept shares.
    """
    kept = pictures.kept_per_input
    layer = f"`{pictures.layer}`"
    if kept.min() >= 1.0:
        return f"These settings remove no weight of {layer}: every unit keeps all its weights."
    if kept.shape != (weights_view.IMAGE_SIDE, weights_view.IMAGE_SIDE):
        return (
            f"For each position of the {kept.shape[0]} × {kept.shape[1]} filter, the share of "
            f"all {layer} filters that keep its weight: from {fmt.percent(kept.min(), 0)} "
            f"to {fmt.percent(kept.max(), 0)}."
        )
    shares = weights_view.border_and_centre(kept)
    text = (
        f"For every input pixel, the share of all units of {layer} that keep its weight. "
        f"Pixels in the outer {shares.width} rows and columns keep "
        f"{fmt.percent(shares.border, 0)} of their weights on average, those in the centre "
        f"{fmt.percent(shares.centre, 0)}"
    )
    lower = shares.lower(SAME_SHARE)
    if lower is None:
        return text + ": about the same share."
    text += f": the {lower} goes first."
    spread = weights_view.border_and_centre(pixel_spread(dataset_name))
    if spread.lower(SAME_SPREAD) != lower:
        return text
    other = "centre" if lower == "border" else "border"
    return text + (
        f" Across the {datasets.dataset_title(dataset_name)} test images a {lower} pixel "
        f"also varies less than a {other} pixel (standard deviation "
        f"{getattr(spread, lower):.2f} against {getattr(spread, other):.2f} on average): an "
        "input that hardly changes teaches its weights little, so they stay small."
    )


def first_layer_pictures(
    baseline: Baseline, settings: CompressionSettings
) -> weights_view.FirstLayerPictures:
    """The strongest first-layer units of ``baseline``, before and after ``settings`` (cached)."""
    settings_json = json.dumps(settings.to_dict(), sort_keys=True)
    return _first_layer(baseline.key, settings_json, baseline)


@st.cache_data(max_entries=256, show_spinner=False)
def _lesson_example(
    baseline_key: str, settings_json: str, lesson_key: str, _baseline: Baseline
) -> lessons.LiveExample | None:
    settings = CompressionSettings.from_dict(json.loads(settings_json))
    layers = settings.chosen_layers(_baseline.layers)
    output = output_layer(_baseline.layers)
    return lessons.live_example(lesson_key, _baseline.state, layers, settings, output)


def lesson_example(
    lesson_key: str, baseline: Baseline, settings: CompressionSettings
) -> lessons.LiveExample | None:
    """The live table of a lesson, on ``baseline`` under ``settings`` (cached)."""
    settings_json = json.dumps(settings.to_dict(), sort_keys=True)
    return _lesson_example(baseline.key, settings_json, lesson_key, baseline)


@st.cache_data(max_entries=256, show_spinner=False)
def _layer_example(
    baseline_key: str, settings_json: str, lesson_key: str, layer: str, _baseline: Baseline
) -> lessons.LiveExample | None:
    settings = CompressionSettings.from_dict(json.loads(settings_json))
    layers = settings.chosen_layers(_baseline.layers)
    output = output_layer(_baseline.layers)
    return lessons.layer_example(lesson_key, _baseline.state, layers, layer, settings, output)


def lesson_layer_table(lesson_key: str, baseline: Baseline, settings: CompressionSettings) -> None:
    """A lesson's second table, for one layer the person picks (lessons without one: nothing).

    The layer is chosen among the compressed ones; the table is cached like the first.
    """
    if lesson_key not in lessons.LAYER_EXAMPLES:
        return
    layers = list(settings.chosen_layers(baseline.layers))
    layer = st.selectbox(
        "Layer", layers, key=keys.element("learn", lesson_key, "layer"),
        help="The layer whose shared values the table below lists.",
    )  # fmt: skip
    settings_json = json.dumps(settings.to_dict(), sort_keys=True)
    live = _layer_example(baseline.key, settings_json, lesson_key, layer, baseline)
    st.dataframe(
        live.table, hide_index=True, column_config=lesson_columns(live.table),
        width="content", height="content" if len(live.table) <= TALL_TABLE else 600,
    )  # fmt: skip
    st.caption(live.caption)


def lesson_columns(table) -> dict:
    """``st.dataframe`` column settings of a lesson table: readable titles, number formats."""
    config = {}
    for column in table.columns:
        view = lessons.COLUMN_VIEWS[column]
        if view.format == "hidden":
            config[column] = None
        elif view.format == "check":
            config[column] = st.column_config.CheckboxColumn(view.title)
        elif view.format is None:
            config[column] = st.column_config.TextColumn(view.title)
        else:
            config[column] = st.column_config.NumberColumn(view.title, format=view.format)
    return config


def learned_and_lost(
    page: str,
    baseline: Baseline,
    settings: CompressionSettings,
    measured: Measurement,
    reference: Measurement,
    shown: bool = False,
) -> None:
    """The section: a toggle (default ``shown``), then weights, new mistakes, confusion matrix."""
    st.subheader("What the network learned and lost")
    if not st.toggle(
        "Show the pictures (weights, new mistakes, confusion matrix)",
        value=shown,
        key=keys.element(page, "teaching"),
        persist_state=KEEP,
        help="Draw the first layer's weights before and after compression, the test images "
        "that compression broke, and the confusion matrix; they follow every slider move.",
    ):
        return
    data = datasets.dataset(baseline.dataset)
    names = data.class_names
    weights, mistakes, confusion = st.tabs(
        ["First-layer weights", "New mistakes", "Confusion matrix"]
    )
    with weights:
        pictures = first_layer_pictures(baseline, settings)
        noun = "filters" if pictures.layer.startswith("conv") else "hidden units"
        panels = first_layer.first_layer_panels(pictures)
        for column, (title, figure), name in zip(
            st.columns(len(panels)), panels, UNIT_PANELS, strict=True
        ):
            column.caption(f"**{title}**")
            column.plotly_chart(figure, key=keys.element(page, "unit_images", name))
        st.caption(
            f"The {len(pictures.units)} {noun} of `{pictures.layer}` with the largest ‖W‖₂, "
            "each drawn as the input image it responds to: red pixels excite it, blue ones "
            "inhibit it (each image scaled to its own largest |W|); in the last panel, dark = "
            "weight kept."
        )
        st.plotly_chart(
            first_layer.kept_per_input_figure(pictures), key=keys.element(page, "kept_map")
        )
        st.caption(kept_map_caption(pictures, baseline.dataset))
    with mistakes:
        changes = errors_view.prediction_changes(
            reference.predictions, measured.predictions, data.test_labels
        )
        gallery = errors_view.misclassified_gallery(
            reference.predictions, measured.predictions, data.test_labels, GALLERY_SIZE
        )
        st.markdown(
            f"**{changes['lost']:,}** test images the baseline got right are now wrong; "
            f"**{changes['gained']:,}** it got wrong are now right "
            f"(net {changes['gained'] - changes['lost']:+,} of {len(data.test_labels):,})."
        )
        if gallery.total:
            columns = 8 if baseline.dataset == "mnist" else 6
            mosaic = errors_view.gallery_mosaic(data.test_images, gallery, columns)
            captions = errors_view.gallery_captions(gallery, names)
            st.plotly_chart(
                errors.gallery_figure(mosaic, captions, gallery.total),
                key=keys.element(page, "gallery"),
            )
            st.caption("Each image: true class (the baseline's answer) → the compressed answer.")
        else:
            st.success("The compressed model gets every image right that the baseline got right.")
    with confusion:
        matrix = errors_view.confusion_matrix(measured.predictions, data.test_labels, names)
        st.plotly_chart(
            errors.confusion_figure(matrix, title="Compressed model: true vs predicted"),
            key=keys.element(page, "confusion"),
        )
        st.caption(
            "Rows: the true class; columns: the compressed model's answer. The colour stops "
            "at the largest mistake count, so the off-diagonal cells stand out."
        )
