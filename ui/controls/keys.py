"""Every widget key and session key of the app, made in one place.

A widget's key is ``<page>.<name>``; a key that depends on a model carries it (its
architecture, or its weights' key when the widget's range comes from the weights),
so an mlp setting never lands on a cnn. Nothing else in the app spells a key.
"""

from __future__ import annotations

from compression.methods.controls import NUMBER, Control, Method

# Session keys that belong to no page.
BASELINE_PICKER = "baseline.picker"  # widget: the baseline select box in the sidebar
SELECTED_BASELINE = "baseline.selected"  # "shipped:mlp", "shipped:cnn" or an own key
OWN_BASELINES = "baseline.own"  # {key: Baseline} trained by this person
BASELINE_FILES = "baseline.files"  # {key: checkpoint bytes} of the last file asked for
SHARED_MODELS = "baseline.shared"  # {baseline key: its key in the store of shared models}
UPLOAD = "baseline.upload"  # widget: the model file uploader
UPLOAD_ERROR = "baseline.upload_error"  # (file id, error sentence) of the last bad file
CURRENT_SETUP = "setup.current"  # the SharedSetup last shown on a compress page
LINK_READ = "setup.read_pages"  # pages that already read the link
TRAINING = "train.running"  # the Train page's run while it trains (a click may interrupt it)
TRAINED = "train.done"  # what the Train page's last run made
STOPPED_MODEL = "train.stopped"  # a stopped run's model after its last whole epoch
FINETUNED = "finetuned"  # {page: FinetuneOutcome}
SHOWN_BASELINE = "baseline.shown"  # picker key of the baseline the last page run used
LESSON_RUN = "lesson.run"  # the LessonRun this person is walking through
LESSON_READ = "lesson.read"  # the lesson link already opened in this session
LESSON_NOTICE = "lesson.notice"  # what could not be used of the lesson link just opened
LESSON_DRAFT = "lesson.draft"  # the steps a teacher has added so far
CARRIED = "baseline.carried"  # {page: sentence} how its sliders followed a new baseline
COMPARE_A = "compare.a"  # ui.compare.Chosen: the settings pinned as A
COMPARE_B = "compare.b"  # ui.compare.Chosen from a link; absent: B is the sliders' settings
COMPARE_ADDRESS = "compare.address"  # in LINK_READ once the Compare page read its address


def control(page: str, control: Control, baseline_key: str) -> str:
    """A method control's widget; a slider whose range the model sets is one per model."""
    key = f"{page}.{control.widget}"
    if control.kind == NUMBER and control.slider_high is None:
        return f"{key}.{baseline_key}"
    return key


def alternatives(page: str, method: Method) -> str:
    """The switch between a method's alternative controls (prune: by |W| or by share)."""
    return f"{page}.{method.alternatives.widget_name}"


def values_method(page: str) -> str:
    """The choice of a page's values method (Combine: none, binarize, quantize or share)."""
    return f"{page}.values_method"


def preset(page: str, name: str) -> str:
    return f"{page}.preset.{name}"


def layers(page: str, model_name: str) -> str:
    """The chosen layers, one list per architecture (mlp and cnn name theirs differently)."""
    return f"{page}.layers.{model_name}"


def element(page: str, *names: str) -> str:
    """Any other widget or chart of a page: ``histograms``, ``ft_go``, ``values.<method>``."""
    return ".".join((page, *names))


def previous_value(page: str, method: str, field: str) -> str:
    """Session: the slider's value on the page's last run (its direction of travel)."""
    return f"{page}.{method}.{field}.previous"


def likely_next(page: str) -> str:
    """Session: {method: [settings fields of the likely next slider positions]}."""
    return f"{page}.ahead"


def other_positions(page: str) -> str:
    """Session: {method: [settings fields of the slider's other positions]}."""
    return f"{page}.others"
