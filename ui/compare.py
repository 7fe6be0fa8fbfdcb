"""The Compare page's parts: settings A and B of one baseline, measured and drawn side by side.

Where A and B come from: :mod:`ui.compare_choice`. The numbers come from
:mod:`compression.compare`, the pictures from :mod:`compression.figures.compare_plots`; the
page's address carries both settings (:mod:`ui.controls.compare_link`), so it can be shared.
"""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from compression.compare import (
    Comparison,
    compare,
    disagreement_captions,
    disagreement_mosaic,
    overlap_table,
)
from compression.figures import compare_plots
from compression.measure import Measurement
from compression.settings import CompressionSettings
from ui import format as fmt
from ui import readouts
from ui.compare_choice import Chosen
from ui.controls import keys, link
from ui.controls.compare_link import compare_params
from ui.controls.link_codec import SharedSetup
from ui.retrain import settings_caption
from ui.state import datasets, measuring, shared_models
from ui.state.baselines import Baseline

GALLERY_LIMIT = 24  # disagreeing test images drawn (all are counted)
# images a row: MNIST's captions are short ("A 7 ✓ · B 1"), Fashion-MNIST's are not
GALLERY_COLUMNS = {"mnist": 6}
OTHER_GALLERY_COLUMNS = 4


@st.cache_data(max_entries=32, show_spinner="Comparing …")
def _compared(
    baseline_key: str, a_json: str, b_json: str, _baseline: Baseline, _a: Measurement,
    _b: Measurement,
) -> Comparison:  # fmt: skip
    data = datasets.cached_dataset(_baseline.dataset)
    return compare(_baseline.state, _a, _b, data.test_labels, data.class_names, GALLERY_LIMIT)


def _json(settings: CompressionSettings) -> str:
    return json.dumps(settings.to_dict(), sort_keys=True)


def comparison(baseline: Baseline, a: Chosen, b: Chosen) -> Comparison:
    """Both settings measured (cached, like the compress pages') and compared (cached)."""
    measured_a = measuring.measured(baseline, a.settings)
    measured_b = measuring.measured(baseline, b.settings)
    return _compared(
        baseline.key, _json(a.settings), _json(b.settings), baseline, measured_a, measured_b
    )


def _layers_line(settings: CompressionSettings) -> str:
    return "" if settings.layers is None else f" on {', '.join(settings.layers)}"


def sides(a: Chosen, b: Chosen) -> None:
    """What A and B are, one line each."""
    for name, side in (("A", a), ("B", b)):
        st.markdown(
            f"**{name}** ({side.source}): {settings_caption(side.settings)}"
            f"{_layers_line(side.settings)}"
        )


def metric_table(found: Comparison) -> pd.DataFrame:
    """The headline numbers as read on the compress pages: A, B and B − A."""
    rows, table = [], found.metrics.set_index("metric")

    def row(label: str, metric: str, shown_as, change) -> None:
        a, b, difference = table.loc[metric, ["a", "b", "difference"]]
        rows.append({"": label, "A": shown_as(a), "B": shown_as(b), "B − A": change(difference)})

    row(readouts.ACCURACY, "accuracy", fmt.accuracy, fmt.points)
    row(readouts.SIZE, "size_bytes", lambda n: fmt.kilobytes(int(n)),
        lambda d: f"{d / 1000:+,.1f} KB")  # fmt: skip
    row(readouts.SPARSITY, "sparsity", fmt.percent, fmt.points)
    row(readouts.BITS, "bits_per_weight", fmt.bits, lambda d: f"{d:+.2f}")
    return pd.DataFrame(rows)


def show(baseline: Baseline, a: Chosen, b: Chosen) -> None:
    """The comparison: metrics, one layer's histograms and kept weights, classes, images."""
    found = comparison(baseline, a, b)
    _keep_address(baseline, a, b)
    left, right = st.columns([2, 3], gap="large")
    with left:
        sides(a, b)
        layers = [overlap.layer for overlap in found.overlaps]
        layer = st.selectbox(
            "Layer", layers, key=keys.element("compare", "layer"),
            help="The layer of the two charts below: its weights' histogram and its weight "
            "matrix (a conv layer's filters as rows).",
        )  # fmt: skip
        share_box(baseline, a, b)
    with right:
        readouts.table(metric_table(found))
    views = {view.name: view for view in found.a.layers}, {v.name: v for v in found.b.layers}
    left, right = st.columns(2)
    left.plotly_chart(
        compare_plots.histogram_overlay(views[0][layer], views[1][layer]),
        key=keys.element("compare", "histogram"),
    )
    right.plotly_chart(
        compare_plots.overlap_heatmap(found.maps[layer], layer),
        key=keys.element("compare", "map"),
    )
    left, right = st.columns(2)
    left.plotly_chart(
        compare_plots.overlap_bars(overlap_table(found.overlaps)),
        key=keys.element("compare", "overlap"),
    )
    right.plotly_chart(
        compare_plots.per_class_bars(found.per_class), key=keys.element("compare", "classes")
    )
    _gallery(baseline, found)


def _gallery(baseline: Baseline, found: Comparison) -> None:
    """The test images exactly one of A and B gets right, with both answers."""
    shown_images = found.disagreements
    if not len(shown_images.indices):
        st.caption("A and B get the same test images right.")
        return
    data = datasets.cached_dataset(baseline.dataset)
    columns = GALLERY_COLUMNS.get(baseline.dataset, OTHER_GALLERY_COLUMNS)
    total = shown_images.only_a_right + shown_images.only_b_right
    st.markdown(
        f"**Test images exactly one of them gets right**: the first {len(shown_images.indices)} "
        f"of {total:,}, each with both answers (✓ the right one)."
    )
    st.plotly_chart(
        compare_plots.disagreement_grid(
            disagreement_mosaic(data.test_images, shown_images, columns),
            disagreement_captions(shown_images, data.class_names),
            shown_images.only_a_right,
            shown_images.only_b_right,
        ),
        key=keys.element("compare", "gallery"),
    )


def _setups(baseline: Baseline, a: Chosen, b: Chosen) -> tuple[SharedSetup, SharedSetup]:
    """A and B as share-link setups (a person's own model named by its store key)."""
    own = shared_models.stored_key(baseline)
    return tuple(replace(link.setup_of(baseline, side.settings), baseline=own) for side in (a, b))


def _keep_address(baseline: Baseline, a: Chosen, b: Chosen) -> None:
    """Both settings in the address bar, so copying it copies the comparison."""
    for key, value in compare_params(*_setups(baseline, a, b)).items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def share_box(baseline: Baseline, a: Chosen, b: Chosen) -> None:
    """The comparison as one link, ready to copy."""
    address = (st.context.url or "").split("?")[0]
    params = compare_params(*_setups(baseline, a, b))
    query = urlencode(params)  # each link's own "&" and "=" quoted inside its field
    with st.popover("Share this comparison", icon=":material/link:"):
        st.caption("This link opens the same model with A and B in a new tab.")
        st.code(f"{address}?{query}", language=None, wrap_lines=True)
