"""Compression Explorer: ``streamlit run app.py``. The home page: what binarization and
pruning are, real test images, and the model in use. The other pages are the files in ``pages/``.
"""

import streamlit as st

from compression.figures import plots
from compression.models import MODEL_TITLES
from ui import format as fmt
from ui import page, readouts
from ui.controls import keys
from ui.navigation import icon_for, page_path
from ui.safe_text import MESSAGE_LIMIT, TITLE_LIMIT, shown
from ui.state import datasets

# (page, what it offers): at most 32 characters in all, so a link fits on one line in half
# of a 1024-pixel-wide page with the sidebar open
PAGE_LINKS = (
    ("Train", "your own baseline"),
    ("Binarize", "1-bit, ternary weights"),
    ("Prune", "drop the smallest weights"),
    ("Quantize", "2 to 8 bits per weight"),
    ("Share weights", "K shared values"),
    ("Combine", "both, what each adds"),
    ("What if", "sweeps and trade-offs"),
    ("Learn", "the math behind it"),
    ("Draw", "your digit, both models"),
    ("Iterative pruning", "Han's rounds"),
    ("Compare", "A and B side by side"),
)

baseline, reference = page.start_page("Compression Explorer", "🗜️")
images_title = datasets.dataset_title(baseline.dataset)

st.title("Compression Explorer")
st.markdown(
    "See a neural network shrink. A small network reads "
    f"{datasets.dataset_subject(baseline.dataset)}; two classic tricks make it smaller, and "
    "every chart shows what that costs.\n"
    "- **Binarization** stores each weight as one of two values, **±a**: 1 bit instead of "
    "32. A threshold can also send small weights to **0** (ternary weights: 0, ±a).\n"
    "- **Pruning** removes the weights with the smallest magnitude |W|: a zero needs no "
    "value, only its position.\n\n"
    "Move a slider and the accuracy on all 10,000 test images, the size in bytes and the "
    "weight histograms follow at once."
)

metrics = st.columns(4)
metrics[0].metric("Model", baseline.model_name.upper(), help=MODEL_TITLES[baseline.model_name])
metrics[1].metric(
    readouts.BASELINE_ACCURACY,
    fmt.accuracy(reference.accuracy),
    help=f"Share of the 10,000 {images_title} test images classified correctly.",
)
metrics[2].metric(
    readouts.DENSE_SIZE,
    fmt.kilobytes(reference.dense_bytes),
    help=f"{fmt.exact_bytes(reference.dense_bytes)}: every parameter as a 32-bit float.",
)
metrics[3].metric("Parameters", f"{reference.summary['params']:,}", help="Weights and biases.")

columns = 18 if baseline.dataset == "mnist" else 9
mosaic, labels = datasets.digit_mosaic(36, columns, baseline.dataset, padding=4, top=12)
names = datasets.dataset(baseline.dataset).class_names
st.plotly_chart(
    plots.digit_grid(
        mosaic,
        [names[int(label)] for label in labels],
        columns,
        padding=4,
        top=12,
        title=f"Real {images_title} test images",
        width=860,
    ),
    key=keys.element("home", "digits"),
)
st.caption(
    f"28 × 28 grey-scale images from the {images_title} test set, each under its true label."
)

model, links = st.columns(2, gap="large")
with model:
    st.subheader(f"In use: {shown(baseline.title, TITLE_LIMIT)}")
    st.caption(shown(baseline.note, MESSAGE_LIMIT))
    readouts.table(fmt.architecture_table(reference.sizes))
with links:
    st.subheader("Where to go")
    for title, text in PAGE_LINKS:
        st.page_link(page_path(title), label=f"{title}: {text}", icon=icon_for(title))
