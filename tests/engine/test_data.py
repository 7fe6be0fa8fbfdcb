"""The bundled MNIST loads as documented and damaged files are named in the error."""

import gzip
import shutil
from dataclasses import replace

import pytest
import torch

from compression.data import DATASETS, DataFileError, load_dataset, subset

MNIST_FOLDER = DATASETS["mnist"].folder
TRAIN_LABEL_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_mnist_has_60000_train_and_10000_test_images_in_unit_range(mnist):
    assert mnist.train_images.shape == (60000, 1, 28, 28)
    assert mnist.test_images.shape == (10000, 1, 28, 28)
    assert mnist.train_images.dtype == torch.float32
    assert mnist.train_labels.dtype == torch.int64
    assert mnist.train_labels.shape == (60000,) and mnist.test_labels.shape == (10000,)
    assert float(mnist.train_images.min()) == 0.0 and float(mnist.train_images.max()) == 1.0


def test_mnist_matches_its_well_known_label_counts_and_pixel_statistics(mnist):
    assert torch.bincount(mnist.train_labels).tolist() == TRAIN_LABEL_COUNTS
    assert torch.bincount(mnist.test_labels).tolist() == TEST_LABEL_COUNTS
    assert float(mnist.train_images.mean()) == pytest.approx(0.1307, abs=1e-4)
    assert float(mnist.train_images.std()) == pytest.approx(0.3081, abs=1e-4)


def test_loading_twice_returns_the_same_decoded_tensors(mnist):
    assert load_dataset("mnist") is mnist


def _copy_of_mnist(tmp_path):
    folder = tmp_path / "mnist"
    shutil.copytree(MNIST_FOLDER, folder)
    return folder


def test_missing_file_is_named_with_how_to_restore_it(tmp_path):
    folder = _copy_of_mnist(tmp_path)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataFileError, match=r"t10k-labels-idx1-ubyte\.gz is missing.*git checkout"):
        load_dataset.__wrapped__("mnist", folder)


def test_truncated_file_is_reported_as_truncated(tmp_path):
    folder = _copy_of_mnist(tmp_path)
    path = folder / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(DataFileError, match=r"train-labels-idx1-ubyte\.gz is truncated"):
        load_dataset.__wrapped__("mnist", folder)


def test_altered_file_fails_the_sha256_check(tmp_path):
    folder = _copy_of_mnist(tmp_path)
    path = folder / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[100] = (raw[100] + 1) % 10  # one label changed: still a valid IDX file
    path.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(DataFileError, match=r"t10k-labels-idx1-ubyte\.gz is corrupted"):
        load_dataset.__wrapped__("mnist", folder)


def test_a_folder_without_its_own_checksums_is_checked_against_the_bundled_list(tmp_path):
    folder = _copy_of_mnist(tmp_path)
    (folder / "RAW_SHA256SUMS").unlink()
    path = folder / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[200] = (raw[200] + 1) % 10
    path.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(DataFileError, match=r"t10k-labels-idx1-ubyte\.gz is corrupted"):
        load_dataset.__wrapped__("mnist", folder)


def test_missing_bundled_checksum_list_is_an_error(tmp_path, monkeypatch):
    folder = _copy_of_mnist(tmp_path)
    (folder / "RAW_SHA256SUMS").unlink()
    monkeypatch.setitem(DATASETS, "mnist", replace(DATASETS["mnist"], folder=folder))
    with pytest.raises(DataFileError, match="RAW_SHA256SUMS is missing"):
        load_dataset.__wrapped__("mnist", folder)


def test_unknown_dataset_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="mnist"):
        load_dataset("imagenet")


def test_subset_is_a_reproducible_sample_of_the_requested_size(mnist):
    images, labels = subset(mnist.test_images, mnist.test_labels, 100, seed=3)
    again_images, again_labels = subset(mnist.test_images, mnist.test_labels, 100, seed=3)
    assert images.shape == (100, 1, 28, 28)
    assert torch.equal(labels, again_labels) and torch.equal(images, again_images)
    assert not torch.equal(labels, subset(mnist.test_images, mnist.test_labels, 100, seed=4)[1])
