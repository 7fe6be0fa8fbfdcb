"""Uploading a model in the sidebar: a good file becomes the baseline; a bad one changes nothing."""

from __future__ import annotations

import io
import re

import pytest
import torch
from app_driver import baseline_shown, number, open_app, problems
from hostile_files import bad_checkpoints, checkpoint_file

from compression.compress import compress
from compression.files.checkpoint import Checkpoint, checkpoint_bytes
from compression.files.export import export_bytes
from compression.files.model_file import MAX_MODEL_FILE_BYTES
from compression.models import build_model, layer_names_for, module_for
from compression.settings import CompressionSettings
from compression.train import evaluate
from ui import upload as upload_module
from ui.safe_text import markdown_escaped
from ui.upload import UPLOAD_LABEL, handle_upload

PICKER = "baseline.picker"


def picked(app) -> str:
    return app.sidebar.selectbox(key=PICKER).value


def picker_labels(app) -> list[str]:
    box = app.sidebar.selectbox(key=PICKER)
    return list(box.options)


def upload(app, file_name: str, data: bytes):
    app.sidebar.get("file_uploader")[0].set_value((file_name, data, "application/octet-stream"))
    return app.run()


def baseline_accuracy(app) -> float:
    return number(baseline_shown(app)["Baseline accuracy"])


def test_sidebar_offers_the_uploader_with_its_size_limit():
    app = open_app()
    uploader = app.sidebar.get("file_uploader")[0]
    assert uploader.label == "Use your own model (.pt or .cxm, up to 8 MB)" == UPLOAD_LABEL
    assert "8,388,608 bytes" in uploader.help
    assert sorted(uploader.proto.type) == [".cxm", ".pt"]
    assert uploader.proto.max_upload_size_mb == MAX_MODEL_FILE_BYTES // 2**20


def test_an_uploaded_checkpoint_becomes_the_baseline(tiny_mlp_state, mnist):
    app = open_app()
    upload(app, "my-mlp.pt", checkpoint_bytes(Checkpoint("mlp", tiny_mlp_state, {})))
    assert not problems(app)
    assert picked(app).startswith("upload:")
    assert app.sidebar.selectbox(key=PICKER).format_func(picked(app)) == "my-mlp.pt (uploaded)"
    assert "uploaded as the checkpoint my-mlp.pt" in app.sidebar.caption[0].value
    expected = evaluate(module_for("mlp"), tiny_mlp_state, mnist.test_images, mnist.test_labels)
    assert baseline_accuracy(app) == pytest.approx(100 * expected.accuracy, abs=0.006)


def test_an_uploaded_compact_model_becomes_the_baseline(tiny_mlp_state, mnist):
    settings = CompressionSettings(prune_sparsity=0.8, binarize_threshold=0.7)
    compressed = compress(tiny_mlp_state, layer_names_for("mlp"), settings).state
    app = open_app("pages/2_Binarize.py")
    upload(app, "small.cxm", export_bytes("mlp", compressed, settings))
    assert not problems(app)
    assert picked(app).startswith("upload:")
    expected = evaluate(module_for("mlp"), compressed, mnist.test_images, mnist.test_labels)
    assert baseline_accuracy(app) == pytest.approx(100 * expected.accuracy, abs=0.006)


def test_the_same_file_twice_is_one_baseline_and_reruns_do_not_reselect_it(tiny_mlp_state):
    data = checkpoint_bytes(Checkpoint("mlp", tiny_mlp_state, {}))
    app = open_app()
    shipped = len(picker_labels(app))
    upload(app, "again.pt", data)
    upload(app, "again.pt", data)
    assert len(picker_labels(app)) == shipped + 1  # the shipped baselines and one upload
    app.sidebar.selectbox(key=PICKER).set_value("shipped:mlp").run()
    app.run()  # the file is still in the uploader: it must not take over again
    assert picked(app) == "shipped:mlp"


class _WritesAMarker:
    """A pickle that, if unpickled unsafely, would create a file."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _hostile(tmp_path) -> bytes:
    buffer = io.BytesIO()
    torch.save(
        {"format": "compression-explorer/checkpoint", "x": _WritesAMarker(str(tmp_path / "ran"))},
        buffer,
    )
    return buffer.getvalue()


def _wrong_shapes() -> bytes:
    state = build_model("mlp", seed=0).state_dict()
    state["fc1.weight"] = torch.zeros(10, 784)
    return checkpoint_bytes(Checkpoint("mlp", state, {}))


def _good() -> bytes:
    return checkpoint_bytes(Checkpoint("mlp", build_model("mlp", seed=0).state_dict(), {}))


BAD_FILES = {
    "hostile pickle": (_hostile, "refused, the file asks to load code"),
    "random bytes": (lambda _: bytes(range(256)) * 40, "not a model file"),
    "truncated": (lambda _: _good()[:20_000], "not a"),
    "over the limit": (
        lambda _: _good() + bytes(MAX_MODEL_FILE_BYTES),
        "over the 8,388,608-byte limit",
    ),
    "wrong shapes": (lambda _: _wrong_shapes(), "fc1.weight has shape (10, 784)"),
    "unknown data set": (
        lambda _: checkpoint_bytes(
            Checkpoint("mlp", build_model("mlp", seed=0).state_dict(), {"dataset": "cifar"})
        ),
        "unknown data set 'cifar'",
    ),
    # tracebacks or a message of many megabytes before: each is one short line now (the
    # words as the error's Markdown source holds them, with signs like "_" escaped)
    **{
        f"hostile {case}": (lambda _, data=data: data, markdown_escaped(words))
        for case, (data, words) in bad_checkpoints().items()
    },
}


@pytest.fixture(scope="module")
def home():
    """One session for the bad files: none of them may change it."""
    return open_app()


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_gives_one_error_and_changes_nothing(home, tmp_path, case):
    make, message = BAD_FILES[case]
    before = (picked(home), picker_labels(home), baseline_accuracy(home))
    upload(home, f"bad-{case}.pt", make(tmp_path))
    errors = [error.value for error in home.sidebar.error]
    assert not home.exception
    assert len(errors) == 1 and message in errors[0] and f"bad-{case}.pt" in errors[0]
    assert (picked(home), picker_labels(home), baseline_accuracy(home)) == before
    assert not (tmp_path / "ran").exists()


HOSTILE_NAME = "[Session expired - log in](https://example.com) ![x](https://example.com/x.png).pt"
SHOWN_NAME = "\\[Session expired - log in\\](https:\u2060//exam…"  # escaped and cut short


def unescaped(markdown: str) -> set[str]:
    """Link, image and HTML characters of ``markdown`` that no backslash escapes."""
    return set(re.sub(r"\\.", "", markdown)) & set("[]<>")


def test_a_file_name_cannot_put_links_or_images_on_the_page(tiny_mlp_state):
    app = open_app()
    upload(app, HOSTILE_NAME, checkpoint_bytes(Checkpoint("mlp", tiny_mlp_state, {})))
    assert not problems(app)
    title = app.sidebar.selectbox(key=PICKER).format_func(picked(app))
    assert title == "[Session expired - log in](https://exam… (uploaded)"  # plain text, short
    note = app.sidebar.caption[0].value
    in_use = next(h.value for h in app.subheader if h.value.startswith("In use"))
    assert SHOWN_NAME in note and unescaped(note) == set()
    assert SHOWN_NAME in in_use and unescaped(in_use) == set()


def test_a_refused_file_with_a_long_hostile_name_gives_a_short_escaped_error():
    app = open_app()
    upload(app, HOSTILE_NAME * 1_000, bytes(range(256)) * 40)
    errors = [error.value for error in app.sidebar.error]
    assert len(errors) == 1 and len(errors[0]) < 1_000  # the name alone is 84 KB
    assert r"\[Session expired - log in\]" in errors[0] and unescaped(errors[0]) == set()


def test_the_name_and_values_of_a_bad_file_show_short_and_as_plain_text(home):
    link = "[Session expired - log in](https://example.com/login)"
    upload(home, link * 20 + ".pt", checkpoint_file({"dataset": link * 50}))
    errors = [error.value for error in home.sidebar.error]
    assert not home.exception and len(errors) == 1
    assert len(errors[0]) < 400 and "unknown data set" in errors[0]
    assert not re.search(r"(?<!\\)[\[\]]", errors[0])  # every bracket escaped: no link


def test_an_unexpected_error_while_reading_an_upload_is_one_line(monkeypatch):
    def breaks(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(upload_module, "load_model_file", breaks)
    session = {}
    handle_upload(session, "file-1", "odd.pt", b"PK\x03\x04")
    file_id, message = session[upload_module._ERROR]
    assert file_id == "file-1" and message == "odd.pt: could not be read as a model file"
