"""What if: sweep one setting (pruning-sensitivity curves), a pruning x values grid, a budget."""

import streamlit as st

from ui import page, whatif_page, whatif_tradeoff

baseline, reference = page.start_page("What if")

st.title("What if …?")
st.markdown(
    "Instead of moving one slider at a time, measure many settings at once on all 10,000 "
    "test images. **Sensitivity**: compress one layer at a time, harder and harder, and see "
    "which layers tolerate it. **Trade-off**: try every pair of a pruning and a values "
    "setting (binary, k-bit or shared values) and see which ones give the most accuracy "
    "for their size, beside the papers' results; or ask for the best file of at most N bytes."
)
whatif_page.sensitivity(baseline, reference.accuracy)
whatif_tradeoff.tradeoff(baseline)
