"""Draw: a digit drawn with the mouse or a finger (or a test image), read by both models."""

import streamlit as st

from ui import draw, page
from ui.controls import link
from ui.retrain import settings_caption
from ui.state.datasets import dataset_subject

baseline, reference = page.start_page("Draw")

st.title("Draw a digit")
settings = link.current_setup(baseline).settings.validated(baseline.layers)
st.markdown(
    f"The models read {dataset_subject(baseline.dataset)}. Draw one in the box with the "
    "mouse or a finger, or pick a test image. Both models read it: "
    f"the baseline and the compressed model (*{settings_caption(settings)}*, the settings you "
    "last used on a compress page). Does compression change the answer?"
)
pad, answers = st.columns([1, 2], gap="large")
with pad:
    image, caption = draw.chosen_input(baseline)
    if image is not None:
        draw.show_input(image, caption)
with answers:
    if image is None:
        st.info(f"{caption}: both models' answers appear here.")
    else:
        draw.show_answers(baseline, settings, image)
