"""Learn: the math behind the sliders, each formula above its value on your model."""

import streamlit as st

from ui import lesson_walk, page, teaching
from ui.controls import link
from ui.lessons import LESSONS, lesson_markdown
from ui.retrain import settings_caption
from ui.safe_text import TITLE_LIMIT, shown

baseline, reference = page.start_page("Learn")

st.title("Learn: the math behind the sliders")
setup = link.current_setup(baseline)
settings = setup.settings.validated(baseline.layers)
link.share_box(link.keep(baseline, settings))
st.markdown(
    "Each section explains one idea in a few lines of math. The table under it is "
    f"computed now, on **{shown(baseline.title, TITLE_LIMIT)}** with the settings you last "
    f"used on a compress page: *{settings_caption(settings)}*. Change them on Binarize, "
    "Prune, Quantize, Share weights or Combine and come back: the numbers follow."
)

with st.expander("Lessons to walk through, step by step", icon=":material/school:"):
    st.markdown(
        "Each lesson opens a page with its settings, asks you to predict a number, then "
        "shows the one measured on your model. Build your own with *Build a lesson* on a "
        "compress page."
    )
    lesson_walk.shipped_lessons()

for lesson in LESSONS:
    st.header(lesson.title, divider="gray")
    st.markdown(lesson_markdown(lesson.key))
    live = teaching.lesson_example(lesson.key, baseline, settings)
    if live is not None:
        columns = teaching.lesson_columns(live.table)
        st.dataframe(
            live.table, hide_index=True, column_config=columns, width="content", height="content"
        )
        st.caption(live.caption)
    teaching.lesson_layer_table(lesson.key, baseline, settings)
