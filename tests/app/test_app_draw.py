"""The Draw page: a test image or a drawing, read by the baseline and the compressed model.

The probabilities on screen are checked against a forward pass computed here, with the
model class, ``load_state_dict`` and softmax, from the checkpoint file itself.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from app_driver import APP, TIMEOUT, chart_array, chart_spec, problems
from streamlit.testing.v1 import AppTest

from compression.compress import compress
from compression.data import load_dataset
from compression.files.checkpoint import load_checkpoint
from compression.models import build_model, weight_layer_names
from compression.settings import CompressionSettings
from ui.draw import BAD_DRAWING, EMPTY_PROMPT, IMAGE_KEY, PAD_KEY, SOURCE_KEY, TEST_IMAGE

DRAW = "pages/7_Draw.py"
CHECKPOINTS = APP.parent / "checkpoints"
# A share link's settings, then the same settings written out here.
LINK = {"prune_sparsity": "0.9", "prune_scope": "layer", "binarize": "0.5", "layers": "all"}
NO_COMPRESSION = "No compression is set, so both models are the same"
SETTINGS = CompressionSettings(prune_sparsity=0.9, prune_scope="layer", binarize_threshold=0.5)


def open_with_settings(model: str, dataset: str) -> AppTest:
    """A new tab on the Combine page of a link with :data:`SETTINGS`, then on Draw."""
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.query_params.update({"model": model, "dataset": dataset, **LINK})
    app.switch_page("pages/4_Combine.py").run()
    return app.switch_page(DRAW).run()


def softmax_of(model_name: str, state: dict, image: torch.Tensor) -> np.ndarray:
    model = build_model(model_name)
    model.load_state_dict(state)
    with torch.no_grad():
        return torch.softmax(model.eval()(image.reshape(1, 1, 28, 28)), dim=1)[0].numpy()


def shown_probabilities(app: AppTest) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The class names and both models' bars of the probability chart."""
    bars = chart_spec(app, "draw.probabilities")["data"]
    assert [bar["name"] for bar in bars] == ["baseline", "compressed"]
    names = [str(name) for name in bars[0]["x"]]
    return names, chart_array(bars[0]["y"]).numpy(), chart_array(bars[1]["y"]).numpy()


def shown_input(app: AppTest) -> np.ndarray:
    return chart_array(chart_spec(app, "draw.input")["data"][0]["z"]).numpy()


def send(app: AppTest, payload) -> AppTest:
    """What the browser's drawing pad sends on pointer up (its ``pixels`` state)."""
    app.session_state[PAD_KEY] = {"pixels": payload}
    return app.run()


def drawn(image: torch.Tensor) -> list[int]:
    """A 28 x 28 test image drawn twice as large, as the pad's 56 x 56 grey levels."""
    large = np.kron(image.reshape(28, 28).numpy(), np.ones((2, 2)))
    return [int(level) for level in np.round(255 * large).ravel()]


@pytest.mark.parametrize("model, dataset", [
    ("mlp", "mnist"), ("cnn", "mnist"), ("mlp", "fashion-mnist"),
])  # fmt: skip
def test_a_test_image_shows_both_models_probabilities(model, dataset):
    app = open_with_settings(model, dataset)
    index = 8
    app.button_group(key=SOURCE_KEY).set_value(TEST_IMAGE).run()
    app.number_input(key=IMAGE_KEY).set_value(index).run()
    assert not problems(app)
    data = load_dataset(dataset)
    image = data.test_images[index]
    np.testing.assert_allclose(shown_input(app), image[0].numpy(), atol=1e-6)
    names, baseline, compressed = shown_probabilities(app)
    assert names == list(data.class_names)

    state = load_checkpoint(CHECKPOINTS / f"{model}-{dataset}.pt").state
    layers = weight_layer_names(build_model(model))
    squeezed = compress(state, layers, SETTINGS).state
    np.testing.assert_allclose(baseline, softmax_of(model, state, image), atol=1e-5)
    np.testing.assert_allclose(compressed, softmax_of(model, squeezed, image), atol=1e-5)
    assert np.abs(baseline - compressed).max() > 1e-3  # the settings did change the model
    label = data.class_names[int(data.test_labels[index])]
    assert any(f"Test image 8: a {label}" in caption.value for caption in app.caption)
    assert any("prune 90% of weights" in text.value for text in app.markdown)
    assert not any(NO_COMPRESSION in caption.value for caption in app.caption)


def test_a_drawn_digit_is_read_like_an_mnist_digit(shipped_mlp):
    data = load_dataset("mnist")
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    app.switch_page(DRAW).run()
    assert any(EMPTY_PROMPT in info.value for info in app.info)  # nothing drawn yet
    assert not app.get("plotly_chart")
    index = 0  # a 7
    send(app, drawn(data.test_images[index]))
    assert not problems(app)
    seen = shown_input(app)
    original = data.test_images[index, 0].numpy()
    assert np.corrcoef(seen.ravel(), original.ravel())[0, 1] > 0.95
    _, baseline, compressed = shown_probabilities(app)
    np.testing.assert_allclose(
        baseline, softmax_of("mlp", shipped_mlp.state, torch.from_numpy(seen)), atol=1e-5
    )
    np.testing.assert_allclose(baseline, compressed, atol=1e-6)  # no settings yet: the same
    assert any(NO_COMPRESSION in caption.value for caption in app.caption)
    assert int(np.argmax(baseline)) == 7
    assert any("Both agree: the baseline says **7**" in text.value for text in app.markdown)


def test_a_cleared_or_blank_pad_asks_for_a_drawing():
    data = load_dataset("mnist")
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    app.switch_page(DRAW).run()
    send(app, drawn(data.test_images[1]))
    assert len(app.get("plotly_chart")) == 2
    for blank in ([0] * 56 * 56, None):  # white paper, then the Clear button
        send(app, blank)
        assert not problems(app)
        assert any(EMPTY_PROMPT in info.value for info in app.info)
        assert not app.get("plotly_chart")


@pytest.mark.parametrize("payload", [
    "0" * 3136, [0] * 100, [300] * 3136, [0.5] * 3136, {"x": 1}, [[0] * 56] * 56,
])  # fmt: skip
def test_a_bad_payload_gives_one_line_and_changes_nothing(payload):
    data = load_dataset("mnist")
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    app.switch_page(DRAW).run()
    send(app, drawn(data.test_images[2]))
    before = (shown_input(app), shown_probabilities(app))
    send(app, payload)
    assert not app.exception
    (error,) = app.error
    assert error.value.startswith(BAD_DRAWING) and "\n" not in error.value
    np.testing.assert_array_equal(shown_input(app), before[0])
    np.testing.assert_array_equal(shown_probabilities(app)[1], before[1][1])
    send(app, drawn(data.test_images[2]))
    assert not app.error  # the next good drawing is read as usual
