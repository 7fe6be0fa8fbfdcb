"""An experiment as a link: the page's settings live in the address bar (``st.query_params``).

Reading: the first run of a page in a session applies the link's model, data set,
seed and compression settings to this person's widgets (:func:`apply`). A value
that does not fit falls back to its default and the page says so in one note, which
names the value the page really uses: the slider's value, in the slider's range and units.
Writing: every run of a compress page puts the settings on screen into the address
(:func:`keep`), so copying the address copies the experiment. A person's own model is put
into the store of shared models and named in the link (:mod:`ui.state.shared_models`); a
link whose model is no longer kept opens the shipped one with a note. The encoding is
:mod:`ui.controls.link_codec`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import streamlit as st

from compression.files.model_store import MAX_FILES, ModelStoreError
from compression.methods import METHODS
from compression.methods.controls import NUMBER, Control, Method
from compression.settings import CompressionSettings, SettingsError
from ui.controls import keys, method_widgets
from ui.controls.link_codec import (
    SHARE_KEYS,
    SharedSetup,
    UnreadNumber,
    decode_setup,
    encode_setup,
    query_string,
)
from ui.controls.method_widgets import SliderRange
from ui.safe_text import MESSAGE_LIMIT, TITLE_LIMIT, shown
from ui.state import baselines, datasets, shared_models
from ui.state.baselines import Baseline

CURRENT = keys.CURRENT_SETUP


@dataclass
class LinkRestore:
    """A link read on this run: its setup and what could not be used as given."""

    setup: SharedSetup
    notes: list[str] = field(default_factory=list)
    unread: dict[str, UnreadNumber] = field(default_factory=dict)  # noted by apply


def read(page: str) -> LinkRestore | None:
    """The link's setup on the first run of ``page`` in this session (None otherwise)."""
    done = st.session_state.setdefault(keys.LINK_READ, set())
    if page in done:
        return None
    done.add(page)
    params = st.query_params.to_dict()
    if not any(key in params for key in SHARE_KEYS):
        return None
    decoded = decode_setup(params)
    return LinkRestore(decoded.setup, list(decoded.fallbacks), dict(decoded.unread))


def select_baseline(link: LinkRestore) -> None:
    """Use the link's own model from the store of shared models; else (or when it is no
    longer kept) the shipped baseline of the link's model and data set, when there is one."""
    setup = link.setup
    if setup.baseline is not None:
        try:
            opened = shared_models.open_shared(setup.baseline)
        except ModelStoreError as error:
            link.notes.append(
                f"the model shared in this link ({setup.baseline[:12]}…) could not be opened: "
                f"{shown(error, MESSAGE_LIMIT)}; showing the shipped {setup.model.upper()} on "
                f"{datasets.dataset_title(setup.dataset)} instead"
            )
        else:  # the model's own architecture, data set and seed are the link's
            link.setup = replace(
                setup, model=opened.model_name, dataset=opened.dataset, seed=opened.seed
            )
            return
    key = baselines.shipped_key(setup.model, setup.dataset)
    if key in baselines.baseline_choices():
        baselines.select_baseline(key)
        return
    link.notes.append(
        f"there is no shipped {setup.model} for {datasets.dataset_title(setup.dataset)} here; "
        "train it on the Train page (its model, data set and seed are filled in)"
    )


def apply(page: str, link: LinkRestore, baseline: Baseline, methods: tuple[str, ...] = ()) -> None:
    """Put the link's settings into this page's widgets and the Train page's recipe.

    ``methods`` are the methods this page has sliders for; every note about one of their
    numbers names the value the slider is left at.
    """
    setup = link.setup
    ss = st.session_state
    ss[keys.element("train", "model")] = setup.model
    ss[keys.element("train", "seed")] = setup.seed
    ss[keys.element("train", "dataset")] = setup.dataset
    same_model = (setup.model, setup.dataset) == (baseline.model_name, baseline.dataset)
    if same_model and setup.seed != baseline.seed:
        link.notes.append(
            f"the link's model was trained with seed {setup.seed}, "
            f"{shown(baseline.title, TITLE_LIMIT)} with "
            f"seed {baseline.seed}; train with seed {setup.seed} on the Train page for "
            "the same weights"
        )
    try:
        settings = setup.settings.validated(baseline.layers)
    except SettingsError:  # the link's layers belong to another model
        settings = replace(setup.settings, layers=None)
    ss[keys.layers(page, baseline.model_name)] = list(settings.chosen_layers(baseline.layers))
    ss[CURRENT] = setup_of(baseline, settings)  # what the Learn page computes on
    for name, method in METHODS.items():
        on_page = name in methods  # else no slider: the page uses the settings as read
        if on_page and (method.is_used(settings) or method.encoding):  # a flag: on or off
            _apply_method(page, link, baseline, method, settings)
        elif on_page:
            _switch_to_unread(page, link, method)
        _note_unread(page, link, method, baseline, on_page)


def _apply_method(
    page: str, link: LinkRestore, baseline: Baseline, method: Method, settings
) -> None:
    """Set one method's widgets to the link's values, each number within its slider."""
    ss = st.session_state
    for option, field_name, _ in method.alternatives.options if method.alternatives else ():
        if getattr(settings, field_name) is not None:
            ss[keys.alternatives(page, method)] = option
    for control in method.controls:
        value = getattr(settings, control.field)
        key = keys.control(page, control, baseline.key)
        if control.kind == NUMBER:
            if value is not None:
                ss[key] = _slider_value(link, method, control, baseline, value)
        elif control.only_with is None or getattr(settings, control.only_with) is not None:
            ss[key] = value == control.toggle_value if control.toggle_value else value


def _note_unread(
    page: str, link: LinkRestore, method: Method, baseline: Baseline, on_page: bool
) -> None:
    """One note per number of ``method`` the link gave unreadably: the slider's range and
    what the page uses instead (after the link's other values are applied)."""
    for control in method.numbers():
        unread = link.unread.get(control.field)
        if unread is None:
            continue
        bounds = method_widgets.slider_range(method, control, baseline)
        reason = f"needs a number from {_range_text(control, bounds)}"
        used = f"using {_in_use(page, method, control, baseline)}" if on_page else None
        link.notes.append(replace(unread, reason=reason).note(used or "not used on this page"))


def _switch_to_unread(page: str, link: LinkRestore, method: Method) -> None:
    """A link that asks for a cut by one alternative (``prune_threshold=abc``) and sets no
    other gets that alternative's slider, at its start value."""
    switch = method.alternatives
    for option, field_name, _ in switch.options if switch else ():
        if field_name in link.unread:
            st.session_state[keys.alternatives(page, method)] = option
            return


def _in_use(page: str, method: Method, control: Control, baseline: Baseline) -> str:
    """What the page uses in place of ``control``'s number: its slider's value, or the
    other alternative's when the switch shows that one."""
    switch = method.alternatives
    if switch is not None and control.field in switch.fields:
        fields = {option: field_name for option, field_name, _ in switch.options}
        option = st.session_state.get(keys.alternatives(page, method))
        chosen = method.control(fields.get(option, switch.options[0][1]))
        if chosen != control:
            return f"the {chosen.name} {_slider_text(page, method, chosen, baseline)}"
    return _slider_text(page, method, control, baseline)


def _slider_text(page: str, method: Method, control: Control, baseline: Baseline) -> str:
    """The value ``control``'s slider shows on this run, as the slider writes it."""
    bounds = method_widgets.slider_range(method, control, baseline)
    start = round(100 * bounds.start) if control.percent else bounds.start
    return _as_shown(
        control, st.session_state.get(keys.control(page, control, baseline.key), start)
    )


def _as_shown(control: Control, value: float) -> str:
    """A slider's value as the slider shows it: ``99%``, ``T = 0.024``, ``t = 1.5``."""
    if control.percent:
        return f"{round(value)}%"
    number = control.number_format % value if control.number_format else f"{value:g}"
    return f"{control.symbol} = {number}"


def _range_text(control: Control, bounds: SliderRange) -> str:
    """A slider's range in the link's units (and in percent for a percent slider)."""
    text = f"{bounds.low:g} to {bounds.high:g}"
    if control.percent:
        text += f", that is {round(100 * bounds.low)}% to {round(100 * bounds.high)}%"
    return text


def _slider_value(
    link: LinkRestore, method: Method, control: Control, baseline: Baseline, value: float
) -> float:
    """``value`` in the slider's units, within its range; a note when it is not as given."""
    bounds = method_widgets.slider_range(method, control, baseline)
    kept = min(max(value, bounds.low), bounds.high)
    used = round(100 * kept) if control.percent else kept  # the slider shows whole percents
    given = format(value, ".15g")  # a parsed float: digits, sign, point and exponent only
    if kept != value:
        link.notes.append(
            f"{control.key} {given} is outside the slider's range "
            f"({_range_text(control, bounds)}); using {_as_shown(control, used)}"
        )
    elif control.percent and not math.isclose(100 * value, used, abs_tol=1e-9):
        link.notes.append(
            f"{control.key} {given} falls between the slider's whole percents; "
            f"using {_as_shown(control, used)}"
        )
    return used


def show_notes(link: LinkRestore | None) -> None:
    """The link's notes in one notice (Markdown: each value from the link is escaped)."""
    if link is not None and link.notes:
        st.info("This link could not be followed exactly: " + "; ".join(link.notes) + ".")


def setup_of(baseline: Baseline, settings: CompressionSettings) -> SharedSetup:
    """The setup on screen; every layer chosen reads ``layers=all`` in the link."""
    if settings.layers is not None and set(settings.layers) == set(baseline.layers):
        settings = replace(settings, layers=None)
    return SharedSetup(baseline.model_name, baseline.dataset, baseline.seed, settings)


def keep(baseline: Baseline, settings: CompressionSettings) -> SharedSetup:
    """Write the settings on screen into the address bar (only the keys that changed).

    A person's own model is stored for sharing here (once) and named by ``baseline``."""
    setup = replace(setup_of(baseline, settings), baseline=shared_models.stored_key(baseline))
    st.session_state[CURRENT] = setup
    encoded = encode_setup(setup)
    for key, value in encoded.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    if "baseline" not in encoded and "baseline" in st.query_params:
        del st.query_params["baseline"]  # a shipped model now: the old key would open another
    return setup


def current_setup(baseline: Baseline) -> SharedSetup:
    """The last settings this person looked at with ``baseline`` (none: no compression)."""
    setup = st.session_state.get(CURRENT)
    if setup is None or (setup.model, setup.dataset) != (baseline.model_name, baseline.dataset):
        return setup_of(baseline, CompressionSettings())
    return setup


def share_box(setup: SharedSetup) -> None:
    """The link to this experiment, ready to copy (for a teacher's slides or a chat)."""
    address = (st.context.url or "").split("?")[0]
    baseline = baselines.current_baseline()
    problem = shared_models.share_problem(baseline)
    with st.popover("Share this experiment", icon=":material/link:"):
        if problem is not None:
            caption = (
                "Your model could not be kept on this server for sharing "
                f"({shown(problem, MESSAGE_LIMIT)}): this link opens the shipped "
                f"{setup.model.upper()} with the same settings."
            )
        elif setup.baseline is not None:
            caption = (
                "This link opens the same model, data set and settings in a new tab: your "
                "model is kept on this server under its fingerprint. The server keeps up to "
                f"{MAX_FILES} shared models, the most recently used; a link to one it no "
                "longer keeps opens the shipped model."
            )
        else:
            caption = "This link opens the same model, data set and settings in a new tab."
        st.caption(caption + " The address bar holds it too.")
        st.code(f"{address}?{query_string(setup)}", language=None, wrap_lines=True)
