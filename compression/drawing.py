"""A drawing made into the 28 x 28 input a model sees, and the class probabilities of it.

The drawing arrives as a square grey image (0 = paper, 255 = ink, sent by the browser).
:func:`mnist_input` prepares it as the MNIST images were prepared: the ink's bounding box
is scaled to fit 20 x 20 pixels keeping its aspect ratio, then placed in a 28 x 28 field
so that its centre of mass falls on the centre (shifted less only where the full shift
would push ink out of the field). :func:`probabilities` is softmax(f(x)) of one image.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.func import functional_call

from compression.models import module_for

DRAWING_SIDE = 56  # pixels per side of the grey image the browser sends
INK_MAX = 255  # the browser's grey level of full ink
FIELD = 28  # pixels per side of a model's input
BOX = 20  # pixels per side of the box the ink is scaled into
INK_FLOOR = 0.02  # a drawing pixel counts as ink above this share of full ink


class DrawingError(ValueError):
    """What the browser sent is not a drawing (wrong type, length or values)."""


def parse_drawing(payload: object, side: int = DRAWING_SIDE) -> np.ndarray:
    """The browser's flat list of ``side * side`` integers 0..255 as a (side, side) array
    of floats in [0, 1]; anything else raises :class:`DrawingError` with one line."""
    if not isinstance(payload, list | tuple):
        raise DrawingError(f"a drawing is a list of numbers, not {type(payload).__name__}")
    if len(payload) != side * side:
        raise DrawingError(f"a drawing has {side * side} pixels, this one has {len(payload)}")
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in payload):
        raise DrawingError("a drawing's pixels are whole numbers")
    if not all(0 <= value <= INK_MAX for value in payload):
        raise DrawingError(f"a drawing's pixels are from 0 to {INK_MAX}")
    grey = np.asarray(payload, dtype=np.float32).reshape(side, side)
    return grey / np.float32(INK_MAX)


def is_blank(drawing: np.ndarray) -> bool:
    """True when no pixel holds ink (nothing drawn, or everything cleared)."""
    return not bool((drawing > INK_FLOOR).any())


def mnist_input(drawing: np.ndarray) -> np.ndarray | None:
    """The (28, 28) float32 image in [0, 1] a model sees, or None for a blank drawing.

    Crop to the ink's bounding box, scale so its longer side is 20 pixels (anti-aliased
    bilinear resampling: shrinking averages over each new pixel's footprint, so thin
    strokes fade instead of vanishing), paste at the centre of 28 x 28, then
    shift by round((14, 14) - centre of mass), clipped so no ink leaves the field (the
    MNIST images have their centre of mass at (14.0, 14.0), rows and columns from 0).
    """
    if drawing.ndim != 2:
        raise ValueError(f"a drawing is one grey image, got shape {drawing.shape}")
    if is_blank(drawing):
        return None
    rows = np.flatnonzero((drawing > INK_FLOOR).any(axis=1))
    cols = np.flatnonzero((drawing > INK_FLOOR).any(axis=0))
    ink = drawing[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    scale = BOX / max(ink.shape)
    height = max(1, round(ink.shape[0] * scale))
    width = max(1, round(ink.shape[1] * scale))
    resized = torch.nn.functional.interpolate(
        torch.from_numpy(np.ascontiguousarray(ink, dtype=np.float32))[None, None],
        size=(height, width),
        mode="bilinear",
        antialias=True,
        align_corners=False,
    )[0, 0].clamp_(0.0, 1.0)
    top, left = (FIELD - height) // 2, (FIELD - width) // 2
    shift_down, shift_right = _centring_shift(resized.numpy(), top, left)
    field = np.zeros((FIELD, FIELD), dtype=np.float32)
    top, left = top + shift_down, left + shift_right
    field[top : top + height, left : left + width] = resized.numpy()
    return field


def _centring_shift(box: np.ndarray, top: int, left: int) -> tuple[int, int]:
    """Whole-pixel (down, right) moving the box's centre of mass to the field's centre,
    limited so the box stays inside the field."""
    total = float(box.sum())
    if total <= 0:
        return 0, 0
    row_mass, col_mass = box.sum(axis=1), box.sum(axis=0)
    centre_row = top + float(np.arange(box.shape[0]) @ row_mass) / total
    centre_col = left + float(np.arange(box.shape[1]) @ col_mass) / total
    middle = FIELD / 2  # (14, 14): where the MNIST digits have their centre of mass
    down = int(np.clip(round(middle - centre_row), -top, FIELD - box.shape[0] - top))
    right = int(np.clip(round(middle - centre_col), -left, FIELD - box.shape[1] - left))
    return down, right


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of an image's centre of mass: sum(i * x_i) / sum(x_i) per axis."""
    total = float(image.sum())
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum()) / total, float((cols * image).sum()) / total


def probabilities(model_name: str, state: dict[str, torch.Tensor], image: np.ndarray) -> np.ndarray:
    """softmax(f(x)) of one (28, 28) image in [0, 1] under the weights ``state`` (unchanged)."""
    pixels = torch.as_tensor(np.asarray(image, dtype=np.float32)).reshape(1, 1, FIELD, FIELD)
    with torch.inference_mode():
        logits = functional_call(module_for(model_name), state, (pixels,))
        return torch.softmax(logits, dim=1)[0].numpy().astype(np.float64)
