"""The Draw page's glue: a drawing (or a test image) in, both models' probabilities out.

The compressed model is this person's baseline under the settings they last looked at on
a compress page (:func:`ui.controls.link.current_setup`), compressed into new tensors:
the cached baseline is only read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from compression.compress import compress
from compression.drawing import DrawingError, mnist_input, parse_drawing, probabilities
from compression.figures import drawing_plots
from compression.settings import CompressionSettings
from ui import format as fmt
from ui.controls import keys
from ui.draw_canvas import drawing_pad
from ui.safe_text import MESSAGE_LIMIT, shown
from ui.state import datasets
from ui.state.baselines import Baseline

PAGE = "draw"
DRAW, TEST_IMAGE = "Draw", "A test image"
SOURCE_KEY = keys.element(PAGE, "source")
IMAGE_KEY = keys.element(PAGE, "test_image")
PAD_KEY = keys.element(PAGE, "pad")
LAST_GOOD_KEY = keys.element(PAGE, "last_good")  # session: the last good drawing's input
BAD_DRAWING = "The drawing could not be read"  # starts the one line a bad payload gives
EMPTY_PROMPT = "Draw a digit in the box"  # what a blank pad shows instead of a prediction


@dataclass(frozen=True)
class Answers:
    """softmax(f(x)) of one input under both models, one probability per class."""

    baseline: np.ndarray
    compressed: np.ndarray


@st.cache_resource(max_entries=4, show_spinner=False)
def _compressed_state(
    baseline_key: str, settings_json: str, _baseline: Baseline
) -> dict[str, torch.Tensor]:
    """New tensors of the baseline under the settings (shared read-only between people)."""
    settings = CompressionSettings.from_dict(json.loads(settings_json))
    return compress(_baseline.state, _baseline.layers, settings).state


def compressed_state(baseline: Baseline, settings: CompressionSettings) -> dict[str, torch.Tensor]:
    settings_json = json.dumps(settings.to_dict(), sort_keys=True)
    return _compressed_state(baseline.key, settings_json, baseline)


def answers(baseline: Baseline, settings: CompressionSettings, image: np.ndarray) -> Answers:
    """Both models' class probabilities for one (28, 28) image in [0, 1]."""
    return Answers(
        probabilities(baseline.model_name, baseline.state, image),
        probabilities(baseline.model_name, compressed_state(baseline, settings), image),
    )


def chosen_input(baseline: Baseline) -> tuple[np.ndarray | None, str]:
    """The 28 x 28 image to classify (None: nothing to classify yet) and its caption."""
    source = st.segmented_control(
        "Input", (DRAW, TEST_IMAGE), default=DRAW, key=SOURCE_KEY, required=True,
        help="Draw your own image, or show both models one of the test images.",
    )  # fmt: skip
    if source == TEST_IMAGE:
        return _test_image(baseline)
    return _drawn_image()


def _test_image(baseline: Baseline) -> tuple[np.ndarray, str]:
    data = datasets.dataset(baseline.dataset)
    index = st.number_input(
        "Test image number", min_value=0, max_value=len(data.test_labels) - 1, value=0,
        step=1, key=IMAGE_KEY,
        help="Any of the test images, which neither model was trained on.",
    )  # fmt: skip
    label = data.class_names[int(data.test_labels[index])]
    return data.test_images[index, 0].numpy(), f"Test image {index:,}: a {label}."


def _drawn_image() -> tuple[np.ndarray | None, str]:
    """The pad's drawing as a model's input (None while the pad is blank).

    What the browser sent is checked first: a bad payload gives one line and the page
    keeps the last good drawing's input."""
    payload = drawing_pad(PAD_KEY)
    if payload is None:
        image = None
    else:
        try:
            image = mnist_input(parse_drawing(payload))
        except DrawingError as error:
            st.error(f"{BAD_DRAWING}: {shown(error, MESSAGE_LIMIT)}.")
            image = st.session_state.get(LAST_GOOD_KEY)
    st.session_state[LAST_GOOD_KEY] = image
    if image is None:
        return None, EMPTY_PROMPT
    return image, (
        "Your drawing as the models see it: its ink scaled into 20 × 20 pixels and centred "
        "by its centre of mass in 28 × 28, as the MNIST digits were."
    )


def show_input(image: np.ndarray, caption: str) -> None:
    """The 28 x 28 input as the models see it."""
    st.plotly_chart(
        drawing_plots.input_picture(image), key=keys.element(PAGE, "input"), width="content"
    )
    st.caption(caption)


def show_answers(baseline: Baseline, settings: CompressionSettings, image: np.ndarray) -> None:
    """Both models' probabilities for ``image``, side by side, and their verdict."""
    names = datasets.dataset(baseline.dataset).class_names
    found = answers(baseline, settings, image)
    st.plotly_chart(
        drawing_plots.probability_bars(names, found.baseline, found.compressed),
        key=keys.element(PAGE, "probabilities"),
    )
    st.markdown(_verdict(names, found))
    if is_uncompressed(settings):
        st.caption(
            "No compression is set, so both models are the same: choose settings on Binarize, "
            "Prune, Quantize or Combine and come back to compare."
        )


def is_uncompressed(settings: CompressionSettings) -> bool:
    """True when the settings change no weight: both models are the same model."""
    return settings.positions_method is None and settings.values_method is None


def _verdict(names: tuple[str, ...], found: Answers) -> str:
    """One sentence: each model's answer and how sure it is."""
    said = []
    for model, shares in (("baseline", found.baseline), ("compressed model", found.compressed)):
        best = int(np.argmax(shares))
        said.append(f"the {model} says **{names[best]}** ({fmt.percent(float(shares[best]), 1)})")
    agree = int(np.argmax(found.baseline)) == int(np.argmax(found.compressed))
    return ("Both agree: " if agree else "They disagree: ") + "; ".join(said) + "."
