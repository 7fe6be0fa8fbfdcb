"""The image data sets, loaded once per server process and shared read-only by every person.

Every function here takes the data set's name, with no default: a baseline is measured on
its own ``Baseline.dataset``, and a default would let a caller measure it on another.
"""

from __future__ import annotations

import streamlit as st

from compression.data import DATASETS, DataFileError, Dataset, load_dataset
from compression.explain.chart_data import sample_digits as _sample_digits
from compression.explain.mosaic import labelled_mosaic
from ui.safe_text import MESSAGE_LIMIT, shown

DATASET_TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
# What the images show, for sentences like "a small network reads ..."
DATASET_SUBJECTS = {
    "mnist": "handwritten digits",
    "fashion-mnist": "pictures of clothes, shoes and bags",
}


@st.cache_resource(show_spinner="Loading the images …")
def cached_dataset(name: str) -> Dataset:
    """The verified tensors of a data set (shared, read-only); raises ``DataFileError``.

    For code that runs outside a page (the background measurements); pages call
    :func:`dataset`.
    """
    return load_dataset(name)


def dataset(name: str) -> Dataset:
    """The verified tensors of a data set (shared, read-only); stops the page if unreadable."""
    try:
        return cached_dataset(name)
    except DataFileError as error:
        reason = shown(error, MESSAGE_LIMIT)
        st.error(f"The {DATASETS[name].title} files could not be read: {reason}")
        st.stop()


def dataset_title(name: str) -> str:
    """``"mnist"`` -> ``"MNIST"``, ``"fashion-mnist"`` -> ``"Fashion-MNIST"``."""
    return DATASET_TITLES.get(name, name)


def dataset_subject(name: str) -> str:
    """``"mnist"`` -> ``"handwritten digits"``: what the data set's images show."""
    return DATASET_SUBJECTS.get(name, "small grey-scale images")


@st.cache_data(max_entries=8, show_spinner=False)
def digit_mosaic(count: int, columns: int, dataset_name: str, **layout):
    """``count`` test images tiled for the Home page (``labelled_mosaic``), and their labels."""
    pixels, labels = sample_digits(count, dataset_name)
    return labelled_mosaic(pixels, columns, **layout), labels


@st.cache_data(max_entries=8, show_spinner=False)
def sample_digits(count: int, dataset_name: str, seed: int = 0):
    """``count`` test images (uint8 pixels, labels), the same for everyone."""
    data = cached_dataset(dataset_name)
    return _sample_digits(data.test_images, data.test_labels, count, seed)
