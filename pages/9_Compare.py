"""Compare: two settings of one model side by side (A pinned on a compress page, B the sliders)."""

import streamlit as st

from ui import compare, compare_choice, page

baseline, reference = page.start_page("Compare")

st.title("Compare two settings")
with st.expander("What is this?"):
    st.markdown(
        "Press **Pin as A** on a compress page, move the sliders to another setting B, and "
        "open this page: the two side by side on all 10,000 test images. Which weights each "
        "keeps (a weight is *kept* when it is not 0 after compression), how each class fares, "
        "and the test images exactly one of them gets right. Or paste two share links."
    )
compare_choice.read_address(baseline)
compare_choice.links_form()
chosen = compare_choice.chosen(baseline)
if chosen is not None:
    compare.show(baseline, *chosen)
