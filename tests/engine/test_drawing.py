"""A drawing becomes the 28 x 28 input a model sees, prepared like the MNIST images."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from shared_data import random_state

from compression.drawing import (
    BOX,
    DRAWING_SIDE,
    FIELD,
    INK_MAX,
    DrawingError,
    centre_of_mass,
    is_blank,
    mnist_input,
    parse_drawing,
    probabilities,
)
from compression.models import build_model

MIDDLE = FIELD / 2  # where MNIST's digits have their centre of mass, row and column


def drawing_with(rows: slice, cols: slice, side: int = DRAWING_SIDE) -> np.ndarray:
    drawing = np.zeros((side, side), dtype=np.float32)
    drawing[rows, cols] = 1.0
    return drawing


def ink_box(image: np.ndarray, floor: float = 0.05) -> tuple[int, int]:
    """(height, width) of the pixels above ``floor``."""
    rows = np.flatnonzero((image > floor).any(axis=1))
    cols = np.flatnonzero((image > floor).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def test_a_centred_blob_stays_centred_and_fills_the_box():
    yy, xx = np.indices((DRAWING_SIDE, DRAWING_SIDE))
    disc = (((yy - 27.5) ** 2 + (xx - 27.5) ** 2) <= 15**2).astype(np.float32)
    image = mnist_input(disc)
    assert image.shape == (FIELD, FIELD) and image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0
    row, col = centre_of_mass(image)
    assert abs(row - MIDDLE) <= 0.5 and abs(col - MIDDLE) <= 0.5
    assert ink_box(image) == (BOX, BOX)


def test_ink_is_centred_by_its_centre_of_mass_not_its_box():
    """A triangle in a corner: its mass lies a sixth of its box from the box's centre."""
    corner = np.tril(np.ones((DRAWING_SIDE, DRAWING_SIDE), dtype=np.float32))
    corner[:, 30:] = 0
    image = mnist_input(corner)
    row, col = centre_of_mass(image)
    assert abs(row - MIDDLE) <= 0.5 and abs(col - MIDDLE) <= 0.5


@pytest.mark.parametrize("rows, cols, expected", [
    (slice(8, 48), slice(25, 35), (BOX, BOX // 4)),  # tall: 40 x 10 -> 20 x 5
    (slice(25, 35), slice(8, 48), (BOX // 4, BOX)),  # wide: 10 x 40 -> 5 x 20
])  # fmt: skip
def test_the_aspect_ratio_is_kept(rows, cols, expected):
    image = mnist_input(drawing_with(rows, cols))
    assert ink_box(image, floor=0.5) == expected


def test_a_small_drawing_is_scaled_up_to_the_box():
    dot = drawing_with(slice(30, 34), slice(30, 32))  # 4 x 2 pixels
    assert ink_box(mnist_input(dot), floor=0.5) == (BOX, BOX // 2)


def test_lopsided_ink_is_shifted_no_further_than_the_field_allows():
    drawing = np.zeros((DRAWING_SIDE, DRAWING_SIDE), dtype=np.float32)
    drawing[0:40, 0:4] = 1.0  # a heavy bar on the left ...
    drawing[0, 4:40] = 0.2  # ... and a faint stroke far to its right
    image = mnist_input(drawing)
    assert ink_box(image, floor=0.02)[1] == BOX  # nothing cut off ...
    assert image[:, -1].max() > 0.02  # ... though the box was moved to the right edge
    assert centre_of_mass(image)[1] < MIDDLE - 1  # short of the centre


@pytest.mark.parametrize("blank", [np.zeros((56, 56)), np.full((56, 56), 0.01)])
def test_a_blank_drawing_gives_no_input(blank):
    assert is_blank(blank)
    assert mnist_input(blank) is None


def test_the_drawing_is_not_changed():
    drawing = drawing_with(slice(5, 20), slice(30, 50))
    before = drawing.copy()
    mnist_input(drawing)
    np.testing.assert_array_equal(drawing, before)


def test_mnist_test_digits_come_back_almost_as_they_were(shipped_mlp, mnist):
    """MNIST digits are already prepared this way: drawn twice as large, they come back
    close to the original, and the shipped model reads them the same."""
    images, labels = mnist.test_images[:200], mnist.test_labels[:200]
    likeness, same = [], 0
    for original, label in zip(images[:, 0].numpy(), labels.tolist(), strict=True):
        large = np.kron(original, np.ones((2, 2), dtype=np.float32))  # 56 x 56
        remade = mnist_input(large)
        likeness.append(np.corrcoef(remade.ravel(), original.ravel())[0, 1])
        same += int(np.argmax(probabilities("mlp", shipped_mlp.state, remade))) == label
    assert np.mean(likeness) > 0.97 and np.min(likeness) > 0.6
    assert same >= 0.97 * len(labels)


def test_parse_drawing_reads_a_flat_list_of_grey_levels():
    payload = [0] * (DRAWING_SIDE * DRAWING_SIDE)
    payload[DRAWING_SIDE + 2] = INK_MAX  # row 1, column 2
    payload[-1] = 51
    drawing = parse_drawing(payload)
    assert drawing.shape == (DRAWING_SIDE, DRAWING_SIDE)
    assert drawing[1, 2] == 1.0 and drawing[-1, -1] == pytest.approx(0.2)
    assert drawing.sum() == pytest.approx(1.2)


@pytest.mark.parametrize("payload, reason", [
    ("0" * 3136, "list of numbers"),
    ({"pixels": []}, "list of numbers"),
    (None, "list of numbers"),
    ([0] * 3135, "3136 pixels"),
    ([0] * 3137, "3136 pixels"),
    ([0.5] * 3136, "whole numbers"),
    ([True] * 3136, "whole numbers"),
    (["1"] * 3136, "whole numbers"),
    ([None] * 3136, "whole numbers"),
    ([0] * 3135 + [256], "0 to 255"),
    ([-1] + [0] * 3135, "0 to 255"),
    ([10**30] + [0] * 3135, "0 to 255"),
])  # fmt: skip
def test_parse_drawing_refuses_anything_else_in_one_line(payload, reason):
    with pytest.raises(DrawingError, match=reason) as caught:
        parse_drawing(payload)
    assert "\n" not in str(caught.value)


def test_probabilities_are_the_softmax_of_the_model_s_scores():
    state = random_state("cnn", seed=3)
    image = np.random.default_rng(0).random((FIELD, FIELD)).astype(np.float32)
    model = build_model("cnn")
    model.load_state_dict(state)
    with torch.no_grad():
        expected = torch.softmax(model.eval()(torch.from_numpy(image)[None, None]), 1)[0]
    shares = probabilities("cnn", state, image)
    np.testing.assert_allclose(shares, expected.numpy(), rtol=1e-5, atol=1e-7)
    assert shares.sum() == pytest.approx(1.0)
