"""A share link of a person's own model opens that model, in a new session, from the store."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl

import pytest
import torch
from app_driver import APP, TIMEOUT, baseline_shown, metrics, number, open_app, problems, slider
from streamlit.testing.v1 import AppTest

from compression.files.checkpoint import Checkpoint, checkpoint_bytes
from compression.files.model_store import ModelStore
from compression.models import module_for
from compression.train import evaluate
from ui.state.shared_models import recipe_text

PRUNE = "pages/3_Prune.py"
PICKER = "baseline.picker"
SHIPPED_MLP_ACCURACY = 98.30  # the shipped checkpoint's test accuracy, as the sidebar shows it


def open_link(page: str, params: dict[str, str]) -> AppTest:
    """A new browser tab opened on ``page`` with ``params`` in its address."""
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.query_params.update(params)
    return app.switch_page(page).run()


def shared_link(app: AppTest) -> dict[str, str]:
    """The query parameters of the link in the share box."""
    code = " ".join(block.value for block in app.code if "model=" in block.value)
    return dict(parse_qsl(code.split("?", 1)[1]))


def picked(app: AppTest) -> str:
    return app.sidebar.selectbox(key=PICKER).value


def baseline_accuracy(app: AppTest) -> float:
    return number(baseline_shown(app)["Baseline accuracy"])


def in_use(app: AppTest):
    """The Baseline this session compresses (read from its session state)."""
    return app.session_state["baseline.own"][picked(app)]


def notice(app: AppTest) -> str:
    return " ".join(info.value for info in app.info)


def same_weights(one: dict, other: dict) -> bool:
    return set(one) == set(other) and all(torch.equal(one[k], other[k]) for k in one)


def test_an_uploaded_models_link_opens_that_model_in_a_new_session(
    tiny_mlp_state, mnist, shared_models
):
    data = checkpoint_bytes(Checkpoint("mlp", tiny_mlp_state, {"dataset": "mnist"}))
    app = open_app(PRUNE)
    app.sidebar.get("file_uploader")[0].set_value(("mine.pt", data, "application/octet-stream"))
    app.run()
    slider(app, "Pruning threshold").set_value(0.05).run()
    assert not problems(app) and picked(app).startswith("upload:")
    link = shared_link(app)
    assert link["baseline"] == hashlib.sha256(data).hexdigest()  # the file as uploaded
    assert app.query_params["baseline"] == link["baseline"]  # the address bar holds it too
    assert [p.name for p in shared_models.iterdir()] == [f"{link['baseline']}.pt"]
    caption = " ".join(c.value for c in app.caption)
    assert "kept on this server" in caption

    opened = open_link(PRUNE, link)  # another person, another session
    assert not problems(opened) and not notice(opened)
    assert picked(opened) == f"shared:{link['baseline']}"
    assert same_weights(in_use(opened).state, tiny_mlp_state)
    expected = evaluate(module_for("mlp"), tiny_mlp_state, mnist.test_images, mnist.test_labels)
    assert baseline_accuracy(opened) == pytest.approx(100 * expected.accuracy, abs=0.006)
    assert baseline_accuracy(opened) == baseline_accuracy(app)
    assert abs(baseline_accuracy(opened) - SHIPPED_MLP_ACCURACY) > 1  # not the shipped model
    assert slider(opened, "Pruning threshold").value == pytest.approx(0.05)
    assert metrics(opened)["Test accuracy"] == metrics(app)["Test accuracy"]
    sidebar = " ".join(c.value for c in opened.sidebar.caption)
    assert "shared MLP (LeNet-300-100) #1" in sidebar and "opened from a shared link" in sidebar
    assert shared_link(opened)["baseline"] == link["baseline"]  # shared on, the same key


def test_a_trained_models_link_opens_that_model_with_its_recipe(shared_models):
    app = open_app("pages/1_Train.py")
    app.slider(key="train.epochs").set_value(1)
    app.select_slider(key="train.images").set_value(2_000)
    app.button(key="train.go").click().run()
    assert picked(app).startswith("trained:")
    trained = in_use(app)
    app.switch_page(PRUNE).run()
    assert not problems(app)
    link = shared_link(app)
    assert link["model"] == "mlp" and len(link["baseline"]) == 64

    opened = open_link(PRUNE, link)
    assert not problems(opened) and not notice(opened)
    shared = in_use(opened)
    assert same_weights(shared.state, trained.state)
    assert shared.metadata["train_config"] == trained.metadata["train_config"]
    assert baseline_accuracy(opened) == baseline_accuracy(app)
    assert baseline_accuracy(opened) == pytest.approx(
        100 * trained.history[-1]["test_accuracy"], abs=0.006
    )
    sidebar = " ".join(c.value for c in opened.sidebar.caption)
    assert "trained on MNIST, 1 epoch" in sidebar and "2,000 training images" in sidebar
    assert ModelStore(shared_models).get(link["baseline"]) is not None


@pytest.mark.parametrize("case", ["unknown", "damaged", "malformed"])
def test_a_link_to_a_model_not_kept_here_opens_the_shipped_model_with_a_note(
    case, shared_models, tiny_mlp_state
):
    key = "0123456789abcdef" * 4
    if case == "damaged":  # stored, then the file was changed on disk
        data = checkpoint_bytes(Checkpoint("mlp", tiny_mlp_state, {}))
        key = ModelStore(shared_models).put(data)
        (shared_models / f"{key}.pt").write_bytes(data[:1000])
    given = "../" * 40 + "x" if case == "malformed" else key
    app = open_link(PRUNE, {"model": "mlp", "prune_threshold": "0.05", "baseline": given})
    assert not problems(app)
    assert picked(app) == "shipped:mlp"
    assert baseline_accuracy(app) == pytest.approx(SHIPPED_MLP_ACCURACY, abs=0.01)
    assert slider(app, "Pruning threshold").value == pytest.approx(0.05)  # settings applied
    text = notice(app)
    assert text.count("shipped") == 1 and len(text) < 400
    if case == "malformed":
        assert "ignored baseline=" in text and "64 hex digits" in text
        assert "../" * 20 not in text  # cut short
    else:
        assert f"({key[:12]}…) could not be opened" in text and key not in text
        assert "showing the shipped MLP on MNIST instead" in text
        reason = "no model with this key" if case == "unknown" else "damaged"
        assert reason in text
    assert "baseline" not in app.query_params  # the address now names the shipped model


def test_switching_back_to_the_shipped_model_drops_the_key_from_the_link(tiny_mlp_state):
    data = checkpoint_bytes(Checkpoint("mlp", tiny_mlp_state, {}))
    app = open_app(PRUNE)
    app.sidebar.get("file_uploader")[0].set_value(("mine.pt", data, "application/octet-stream"))
    app.run()
    assert "baseline" in shared_link(app)
    app.sidebar.selectbox(key=PICKER).set_value("shipped:mlp").run()
    assert not problems(app)
    assert "baseline" not in shared_link(app) and "baseline" not in app.query_params


def test_a_model_that_cannot_be_stored_says_so_in_the_share_box(tiny_mlp_state, shared_models):
    shared_models.parent.mkdir(parents=True, exist_ok=True)
    shared_models.write_text("a file where the folder should be")
    data = checkpoint_bytes(Checkpoint("mlp", tiny_mlp_state, {}))
    app = open_app(PRUNE)
    app.sidebar.get("file_uploader")[0].set_value(("mine.pt", data, "application/octet-stream"))
    app.run()
    assert not problems(app)
    assert "baseline" not in shared_link(app)
    caption = " ".join(c.value for c in app.caption)
    assert "could not be kept on this server" in caption and "opens the shipped MLP" in caption
    assert str(shared_models) not in caption  # no server paths on the page
    assert shared_models.read_text() == "a file where the folder should be"


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"dataset": "mnist", "train_config": {"epochs": 1, "learning_rate": 0.001, "seed": 4,
          "train_subset": 2000}},
         "trained on MNIST, 1 epoch, learning rate 0.001, seed 4, 2,000 training images"),
        ({"dataset": "fashion-mnist", "train_config": {"epochs": 8, "train_subset": None},
          "finetuned_from": "shipped MLP"},
         "retrained after compression on Fashion-MNIST, 8 epochs, all 60,000 training images"),
        ({"file_format": "compact", "compression": None},
         "a compressed model for MNIST; its training recipe is not recorded"),
        ({"command": "python -m compression train"},
         "for MNIST; its training recipe is not recorded; made by python -m compression train"),
    ],
)  # fmt: skip
def test_a_shared_models_recipe_is_read_from_its_metadata(metadata, expected):
    assert recipe_text(metadata) == expected


def test_text_in_a_shared_models_metadata_is_shown_short_and_as_plain_text(
    tiny_mlp_state, shared_models
):
    hostile = "[log in again](https://example.com) <img src=x> " + "x" * 3_000
    data = checkpoint_bytes(Checkpoint("mlp", tiny_mlp_state, {"command": hostile}))
    key = ModelStore(shared_models).put(data)
    app = open_link(PRUNE, {"baseline": key})
    assert not problems(app) and picked(app) == f"shared:{key}"
    sidebar = next(c.value for c in app.sidebar.caption if "opened from a shared link" in c.value)
    assert r"\[log in again\](https:" in sidebar and r"\<img src=x\>" in sidebar
    assert "https://" not in sidebar and len(sidebar) < 700
