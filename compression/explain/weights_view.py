"""What the first layer learned, as pictures: one image per hidden unit or filter.

Row ``i`` of ``fc1.weight`` (shape (300, 784)) holds the 784 input weights of hidden
unit ``i``; reshaped to 28x28 it shows which pixels excite (positive) or inhibit
(negative) that unit. A ``conv1`` filter (shape (1, 5, 5)) is already an image.
The strongest units are the rows with the largest L2 norm ``||W[i]||_2`` in the
*baseline*, and the same units are shown after compression, so the pictures line up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from compression.compress import weight_key
from compression.explain.mosaic import Mosaic, mosaic_of, scale_each

IMAGE_SIDE = 28  # MNIST and Fashion-MNIST images are 28x28
FIRST_LAYERS = {"mlp": "fc1", "cnn": "conv1"}  # the layer that looks at the pixels
BORDER_WIDTH = 4  # MNIST centres each digit's 20x20 box in the 28x28 image: 4 pixels round it


def first_layer(model_name: str) -> str:
    """Name of the weight layer that reads the input image (``fc1`` or ``conv1``)."""
    if model_name not in FIRST_LAYERS:
        raise ValueError(f"unknown model {model_name!r}; choose one of {sorted(FIRST_LAYERS)}")
    return FIRST_LAYERS[model_name]


def unit_images(weight: torch.Tensor) -> torch.Tensor:
    """One image per output unit.

    Linear (out, 784) -> (out, 28, 28); Conv2d with one input channel
    (out, 1, k, k) -> (out, k, k).
    """
    if weight.dim() == 2 and weight.shape[1] == IMAGE_SIDE * IMAGE_SIDE:
        return weight.detach().reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    if weight.dim() == 4 and weight.shape[1] == 1:
        return weight.detach()[:, 0]
    raise ValueError(
        f"a weight of shape {tuple(weight.shape)} does not look at a 28x28 image; "
        "expected (units, 784) or (filters, 1, k, k)"
    )


def strongest_units(weight: torch.Tensor, count: int) -> torch.Tensor:
    """Indices of the ``count`` output units with the largest ``||W[i]||_2``, largest first.

    Ties go to the lower index, so the order is fully determined by the weights.
    """
    norms = weight.detach().reshape(weight.shape[0], -1).norm(p=2, dim=1)
    order = torch.sort(norms, descending=True, stable=True).indices
    return order[: max(0, count)]


def kept_positions(compressed_weight: torch.Tensor, keep_mask: torch.Tensor | None) -> torch.Tensor:
    """Where a weight survives: the pruning keep-mask, or else the nonzero entries.

    Without pruning, the zeros come from the ternary band of binarization.
    """
    return keep_mask.detach().bool() if keep_mask is not None else compressed_weight.detach() != 0


@dataclass(frozen=True)
class FirstLayerView:
    """Images of the strongest units of the first layer, before and after compression."""

    layer: str  # "fc1" or "conv1"
    units: torch.Tensor  # (k,) unit indices, strongest first (baseline L2 norm)
    norms: torch.Tensor  # (k,) baseline ||W[i]||_2 of those units
    before: torch.Tensor  # (k, h, w) baseline weights
    after: torch.Tensor  # (k, h, w) compressed weights
    kept: torch.Tensor  # (k, h, w) bool: True where the weight survives
    kept_per_input: torch.Tensor  # (h, w): fraction of *all* units keeping each input weight

    @property
    def kept_fraction(self) -> torch.Tensor:
        """(k,) share of each shown unit's weights that survive."""
        return self.kept.reshape(len(self.units), -1).float().mean(dim=1)


def first_layer_view(
    model_name: str,
    baseline_state: dict[str, torch.Tensor],
    compressed_state: dict[str, torch.Tensor],
    keep_mask: torch.Tensor | None = None,
    count: int = 16,
) -> FirstLayerView:
    """Pick the ``count`` strongest first-layer units of the baseline and show both versions.

    ``keep_mask`` is the pruning mask of the first layer (``CompressedModel.keep_masks``),
    None when it was not pruned. Nothing passed in is changed.
    """
    layer = first_layer(model_name)
    before_weight = baseline_state[weight_key(layer)].detach()
    after_weight = compressed_state[weight_key(layer)].detach()
    if before_weight.shape != after_weight.shape:
        raise ValueError(
            f"{layer}: baseline shape {tuple(before_weight.shape)} differs from "
            f"compressed shape {tuple(after_weight.shape)}"
        )
    units = strongest_units(before_weight, count)
    kept_all = unit_images(kept_positions(after_weight, keep_mask).float())
    return FirstLayerView(
        layer=layer,
        units=units,
        norms=before_weight.reshape(before_weight.shape[0], -1).norm(p=2, dim=1)[units],
        before=unit_images(before_weight)[units].clone(),
        after=unit_images(after_weight)[units].clone(),
        kept=kept_all[units].bool(),
        kept_per_input=kept_all.mean(dim=0),
    )


@dataclass(frozen=True)
class FirstLayerPictures:
    """A :class:`FirstLayerView` as the numbers a figure draws: mosaics of the shown units.

    Each ``*_scaled`` mosaic divides every image by its own largest |W|, so weak units
    stay visible; the unscaled ones hold the true values (for hovering).
    """

    layer: str  # "fc1" or "conv1"
    units: tuple[int, ...]  # unit indices, strongest first
    before: Mosaic  # baseline weights
    before_scaled: Mosaic
    after: Mosaic  # compressed weights
    after_scaled: Mosaic
    kept: Mosaic  # 1.0 where the weight survives, 0.0 where it was removed
    kept_per_input: np.ndarray  # (h, w): fraction of *all* units keeping each input weight


def first_layer_pictures(view: FirstLayerView, columns: int = 4) -> FirstLayerPictures:
    """The view's images tiled ``columns`` per row, with room for a caption above each."""

    def tiled(images: torch.Tensor) -> Mosaic:
        return mosaic_of(images, columns, captioned=True)

    return FirstLayerPictures(
        layer=view.layer,
        units=tuple(int(unit) for unit in view.units),
        before=tiled(view.before),
        before_scaled=tiled(scale_each(view.before)),
        after=tiled(view.after),
        after_scaled=tiled(scale_each(view.after)),
        kept=tiled(view.kept.float()),
        kept_per_input=view.kept_per_input.numpy(),
    )


@dataclass(frozen=True)
class BorderAndCentre:
    """The mean of a per-pixel map over the image's border and over its centre."""

    border: float  # mean over the outer ``width`` rows and columns
    centre: float  # mean over the other pixels
    width: int

    def lower(self, tolerance: float = 0.0) -> str | None:
        """``"border"`` or ``"centre"``, whichever has the smaller mean; None when the two
        differ by at most ``tolerance``."""
        if abs(self.border - self.centre) <= tolerance:
            return None
        return "border" if self.border < self.centre else "centre"


def border_and_centre(
    values: np.ndarray | torch.Tensor, width: int = BORDER_WIDTH
) -> BorderAndCentre:
    """Mean of an (h, w) map over its outer ``width`` rows and columns, and over the rest.

    Applied to ``kept_per_input`` it says whether the border or the centre loses more
    weights; applied to :func:`pixel_spread`, which of the two varies less.
    """
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"expected an (h, w) map, got shape {array.shape}")
    if width < 1 or 2 * width >= min(array.shape):
        raise ValueError(
            f"border width {width} does not fit a {array.shape[0]}x{array.shape[1]} map with "
            f"a centre; choose 1 to {(min(array.shape) - 1) // 2}"
        )
    centre = np.zeros(array.shape, dtype=bool)
    centre[width:-width, width:-width] = True
    return BorderAndCentre(float(array[~centre].mean()), float(array[centre].mean()), width)


def pixel_spread(images: torch.Tensor) -> np.ndarray:
    """(h, w) standard deviation of every pixel over ``images`` ((N, 1, h, w) or (N, h, w)).

    A pixel that is the same in every image tells them apart no better than a bias does,
    so the weights that read it learn little.
    """
    if images.dim() == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.dim() != 3 or len(images) < 2:
        raise ValueError(
            f"expected at least 2 images of shape (N, 1, h, w) or (N, h, w), got "
            f"{tuple(images.shape)}"
        )
    return images.detach().float().std(dim=0).numpy()
