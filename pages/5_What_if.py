"""What if: sweep one setting (pruning-sensitivity curves) or a pruning x binarization grid."""

import streamlit as st

from ui import page, whatif_page

baseline, reference = page.start_page("What if")

st.title("What if …?")
st.markdown(
    "Instead of moving one slider at a time, measure many settings at once on all 10,000 "
    "test images. **Sensitivity**: compress one layer at a time, harder and harder, and see "
    "which layers tolerate it. **Trade-off**: try every pair of a pruning and a binarization "
    "setting and see which ones give the most accuracy for their size."
)
whatif_page.sensitivity(baseline, reference.accuracy)
whatif_page.tradeoff(baseline)
