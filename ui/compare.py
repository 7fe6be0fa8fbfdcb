"""Two settings side by side: pin A on a compress page, move the sliders to B, compare.

A is pinned with :func:`pin_button` (in a compress page's share row) or read from a share
link; B is the settings last shown on a compress page, unless a link gave it. Both live in
this person's session. The numbers come from :mod:`compression.compare`, the pictures from
:mod:`compression.figures.compare_plots`; the page's address carries both settings
(:mod:`ui.controls.compare_link`), so it can be shared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
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
from compression.models import layer_names_for
from compression.settings import CompressionSettings, SettingsError
from ui import format as fmt
from ui import readouts
from ui.controls import keys, link
from ui.controls.compare_link import (
    COMPARE_KEYS,
    LINK_LIMIT,
    CompareLinkError,
    compare_params,
    read_pair,
)
from ui.controls.link_codec import SharedSetup
from ui.navigation import page_path
from ui.retrain import settings_caption
from ui.safe_text import MESSAGE_LIMIT, shown
from ui.state import baselines, datasets, measuring, shared_models
from ui.state.baselines import Baseline

GALLERY_LIMIT = 24  # disagreeing test images drawn (all are counted)
# images a row: MNIST's captions are short ("A 7 ✓ · B 1"), Fashion-MNIST's are not
GALLERY_COLUMNS = {"mnist": 6}
OTHER_GALLERY_COLUMNS = 4


@dataclass(frozen=True)
class Chosen:
    """One side of the comparison: settings of one baseline, and where they came from."""

    baseline_key: str
    settings: CompressionSettings
    source: str  # "the Prune page", "link A": app text, never a link's


# --- choosing A and B -----------------------------------------------------------------------


def _pin(baseline_key: str, settings: CompressionSettings, title: str) -> None:
    st.session_state[keys.COMPARE_A] = Chosen(baseline_key, settings, f"the {title} page")
    st.session_state.pop(keys.COMPARE_B, None)  # B follows the sliders again
    st.toast("Pinned as A. Move the sliders to B, then open Compare.", icon=":material/push_pin:")


def pin_button(page: str, title: str, baseline: Baseline, settings: CompressionSettings) -> None:
    """ "Pin as A" (and, once something is pinned, a link to the Compare page)."""
    st.button(
        "Pin as A",
        icon=":material/push_pin:",
        key=keys.element(page, "pin"),
        on_click=_pin,
        args=(baseline.key, link.setup_of(baseline, settings).settings, title),  # all: None
        help="Keep these settings as A. Move the sliders to a setting B and open the Compare "
        "page to see both side by side.",
    )
    if st.session_state.get(keys.COMPARE_A) is not None:
        st.page_link(page_path("Compare"), label="Compare with A", icon=":material/compare:")


def _adopt(a: SharedSetup, b: SharedSetup) -> None:
    """Make the links' model this person's baseline and the links' settings A and B.

    Raises :class:`CompareLinkError` (and leaves the baseline in use as it was) when the
    model cannot be opened or the settings do not fit it.
    """
    try:
        settings_a = a.settings.validated(layer_names_for(a.model))
        settings_b = b.settings.validated(layer_names_for(b.model))
    except SettingsError as error:
        reason = shown(error, MESSAGE_LIMIT)
        raise CompareLinkError(f"the links' settings do not fit: {reason}") from None
    previous = baselines.selected_key()
    restore = link.LinkRestore(a)
    link.select_baseline(restore)  # selects only on success; a failure adds a note
    baseline = baselines.current_baseline()
    if restore.notes or (baseline.model_name, baseline.dataset) != (a.model, a.dataset):
        baselines.select_baseline(previous)
        reason = restore.notes[0] if restore.notes else "that model is not offered here"
        raise CompareLinkError(f"the links' model cannot be opened: {reason}")
    st.session_state[keys.COMPARE_A] = Chosen(baseline.key, settings_a, "link A")
    st.session_state[keys.COMPARE_B] = Chosen(baseline.key, settings_b, "link B")


def _follow(link_a: str, link_b: str) -> bool:
    """Compare two links; False (and one line saying why) when they cannot be."""
    try:
        _adopt(*read_pair(link_a, link_b))
    except CompareLinkError as error:
        st.error(f"Nothing changed: {error}.")
        return False
    return True


def read_address(baseline: Baseline) -> None:
    """On the page's first run in a session, compare the address's ``a`` and ``b`` links."""
    done = st.session_state.setdefault(keys.LINK_READ, set())
    if keys.COMPARE_ADDRESS in done:
        return
    done.add(keys.COMPARE_ADDRESS)
    given = {key: st.query_params.get(key) for key in COMPARE_KEYS}
    if all(value is None for value in given.values()):
        return
    followed = _follow(given["a"] or "", given["b"] or "")
    if followed and baselines.current_baseline().key != baseline.key:
        st.rerun()  # the sidebar shows the links' model


def links_form() -> None:
    """Two share links pasted, compared on submit; a bad one changes nothing."""
    with (
        st.expander("Compare two share links"),
        st.form(keys.element("compare", "links"), border=False),
    ):
        link_a, link_b = (
            st.text_input(
                f"Link {name}",
                max_chars=LINK_LIMIT,
                key=keys.element("compare", f"link_{name.lower()}"),
                help=f"A share link for setting {name}, copied from a compress page's "
                "*Share this experiment* box (the whole address, or what follows '?').",
            )
            for name in ("A", "B")
        )
        submitted = st.form_submit_button(
            "Compare these links",
            help="Both links must be of one model and read exactly; otherwise nothing changes.",
        )
    if submitted and _follow(link_a, link_b):
        st.rerun()  # redraw with the links' model and settings (and its sidebar)


def chosen(baseline: Baseline) -> tuple[Chosen, Chosen] | None:
    """A and B for ``baseline``, or None (and a line saying what to do) when A is missing."""
    a = st.session_state.get(keys.COMPARE_A)
    if a is None:
        st.info(
            "Nothing to compare yet: on a compress page (Prune, Binarize, Quantize, Share "
            "weights, Combine) press **Pin as A**, move the sliders, and come back; or paste "
            "two share links above."
        )
        return None
    if a.baseline_key != baseline.key:
        st.info("A was pinned on another baseline model: pin A again with this one.")
        return None
    b = st.session_state.get(keys.COMPARE_B)
    if b is None or b.baseline_key != baseline.key:
        b = Chosen(baseline.key, link.current_setup(baseline).settings, "the sliders")
    return a, b


# --- showing them ---------------------------------------------------------------------------


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
