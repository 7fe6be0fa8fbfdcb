"""Fashion-MNIST: bundled, verified, found in other folders, and a clear message when absent."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
import torch

from compression import data as data_module
from compression.data import (
    DATASETS,
    SPLIT_FILES,
    SUMS_FILE,
    DataFileError,
    load_dataset,
    locate_dataset,
    missing_dataset_note,
)

FASHION = DATASETS["fashion-mnist"]
load_uncached = load_dataset.__wrapped__  # bypass the process-wide cache in these tests


@pytest.fixture(scope="module")
def fashion():
    return load_dataset("fashion-mnist")


def test_bundled_fashion_mnist_has_the_published_shape_and_balance(fashion):
    assert fashion.train_images.shape == (60000, 1, 28, 28)
    assert fashion.test_images.shape == (10000, 1, 28, 28)
    # Known facts of the data set: 6,000 training and 1,000 test images per class.
    assert torch.bincount(fashion.train_labels).tolist() == [6000] * 10
    assert torch.bincount(fashion.test_labels).tolist() == [1000] * 10
    # Training pixel statistics on a 0..1 scale, as widely reported (0.2860, 0.3530).
    assert float(fashion.train_images.mean()) == pytest.approx(0.2860, abs=5e-4)
    assert float(fashion.train_images.std()) == pytest.approx(0.3530, abs=5e-4)
    assert float(fashion.train_images.min()) >= 0.0 and float(fashion.train_images.max()) == 1.0


def test_class_names_follow_the_label_order_of_the_data_set(fashion):
    assert fashion.class_names == (
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    )  # fmt: skip


def test_the_bundled_folder_comes_first_in_the_search_order():
    assert locate_dataset("fashion-mnist") == FASHION.folder
    assert missing_dataset_note("fashion-mnist") is None


def _spec_with(monkeypatch, folder, *others):
    spec = dataclasses.replace(FASHION, folder=folder, other_folders=tuple(others))
    monkeypatch.setitem(data_module.DATASETS, "fashion-mnist", spec)
    return spec


def _copy_gz_files(target):
    target.mkdir(parents=True)
    for gz_name in SPLIT_FILES.values():
        shutil.copyfile(FASHION.folder / gz_name, target / gz_name)


def test_a_system_folder_is_used_and_checked_against_the_bundled_sums(tmp_path, monkeypatch):
    checkout = tmp_path / "checkout"  # a checkout whose .gz files were deleted
    checkout.mkdir()
    shutil.copyfile(FASHION.folder / SUMS_FILE, checkout / SUMS_FILE)
    system = tmp_path / "usr-share"  # like the Debian package: no checksum list of its own
    _copy_gz_files(system)
    _spec_with(monkeypatch, checkout, tmp_path / "nowhere", system)
    assert locate_dataset("fashion-mnist") == system
    loaded = load_uncached("fashion-mnist")
    assert torch.bincount(loaded.test_labels).tolist() == [1000] * 10

    # The bundled sums still guard the system copy: a swapped file is refused.
    shutil.copyfile(
        FASHION.folder / SPLIT_FILES["test_labels"], system / SPLIT_FILES["test_labels"]
    )
    shutil.copyfile(
        FASHION.folder / SPLIT_FILES["train_labels"], system / SPLIT_FILES["test_labels"]
    )
    with pytest.raises(DataFileError, match="corrupted"):
        load_uncached("fashion-mnist")


def test_missing_everywhere_says_how_to_get_it(tmp_path, monkeypatch):
    _spec_with(monkeypatch, tmp_path / "fashion-mnist", tmp_path / "usr-share")
    note = missing_dataset_note("fashion-mnist")
    assert "apt-get install dataset-fashion-mnist" in note
    assert "git checkout -- data/fashion-mnist/" in note
    with pytest.raises(DataFileError, match="apt-get install dataset-fashion-mnist"):
        load_uncached("fashion-mnist")


def test_mnist_is_unaffected_by_the_search_order():
    assert locate_dataset("mnist") == DATASETS["mnist"].folder
    assert missing_dataset_note("mnist") is None
