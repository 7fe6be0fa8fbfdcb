"""The bundled MNIST loads as documented and damaged files are named in the error."""

import gzip
import hashlib
import shutil
import tempfile
from dataclasses import replace

import pytest
import torch

from compression.data import (
    DATASETS,
    SUMS_FILE,
    DataFileError,
    decompress_verified,
    idx_header,
    load_dataset,
    subset,
)

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


def test_loading_twice_returns_the_same_decoded_tensors():
    # Not the session fixture: a fault test may have emptied the cache since it was made.
    first = load_dataset("mnist")
    assert load_dataset("mnist") is first


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


def test_a_file_missing_from_the_checksum_list_is_an_error_not_unchecked(tmp_path):
    folder = _copy_of_mnist(tmp_path)
    sums = folder / SUMS_FILE
    lines = sums.read_text().splitlines()
    sums.write_text("\n".join(line for line in lines if "t10k-labels" not in line) + "\n")
    with pytest.raises(DataFileError, match=r"RAW_SHA256SUMS has no line for t10k-labels-idx1"):
        load_dataset.__wrapped__("mnist", folder)


@pytest.mark.parametrize(
    ("contents", "reason"),
    [
        (b"ba891046e6505d7a  train-images-idx3-ubyte\n", r"line 1 is not '<SHA-256> <file name>'"),
        (bytes(range(256)) * 4, "is not a text file"),
    ],
)
def test_a_malformed_or_binary_checksum_list_is_named_in_one_line(tmp_path, contents, reason):
    folder = _copy_of_mnist(tmp_path)
    (folder / SUMS_FILE).write_bytes(contents)
    with pytest.raises(DataFileError, match=f"checksum list .*RAW_SHA256SUMS {reason}") as error:
        load_dataset.__wrapped__("mnist", folder)
    assert "\n" not in str(error.value) and "git checkout -- data/mnist/" in str(error.value)


def test_a_file_that_inflates_past_its_size_is_refused_at_that_size(tmp_path, monkeypatch):
    bomb = tmp_path / "t10k-labels-idx1-ubyte.gz"
    bomb.write_bytes(gzip.compress(bytes(1 << 20)) * 256)  # 256 MiB of zeros in ~260 KB
    inflated = []
    real_open = gzip.open

    def counting_open(*args, **kwargs):
        stream = real_open(*args, **kwargs)
        real_read = stream.read

        def read(size=-1):
            chunk = real_read(size)
            inflated.append(len(chunk))
            return chunk

        stream.read = read
        return stream

    monkeypatch.setattr(gzip, "open", counting_open)
    expected = "0" * 64
    with pytest.raises(DataFileError, match=r"is corrupted \(it decompresses to more than 10,008"):
        decompress_verified(bomb, tmp_path / "t10k-labels-idx1-ubyte", expected, (10000,), "hint")
    assert sum(inflated) == 10_008 + 1  # the labels' size, and one byte to see there is more


def test_a_listed_file_of_the_wrong_shape_is_not_taken_for_idx(tmp_path):
    payload = idx_header((98, 102)) + bytes(9996)  # the 10,008 bytes of (10000,), other shape
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(payload))
    digest = hashlib.sha256(payload).hexdigest()
    with pytest.raises(DataFileError, match=r"labels\.gz is not an IDX file .* \(10000,\)"):
        decompress_verified(path, tmp_path / "labels", digest, (10000,), "hint")


def test_loading_leaves_no_decompressed_copy_behind(tmp_path, monkeypatch):
    folder = _copy_of_mnist(tmp_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    before = sorted(p.name for p in folder.iterdir())
    loaded = load_dataset.__wrapped__("mnist", folder)
    assert loaded.test_labels.shape == (10000,)
    assert sorted(p.name for p in folder.iterdir()) == before
    assert list(scratch.iterdir()) == []


def test_unknown_dataset_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="mnist"):
        load_dataset("imagenet")


def test_subset_is_a_reproducible_sample_of_the_requested_size(mnist):
    images, labels = subset(mnist.test_images, mnist.test_labels, 100, seed=3)
    again_images, again_labels = subset(mnist.test_images, mnist.test_labels, 100, seed=3)
    assert images.shape == (100, 1, 28, 28)
    assert torch.equal(labels, again_labels) and torch.equal(images, again_images)
    assert not torch.equal(labels, subset(mnist.test_images, mnist.test_labels, 100, seed=4)[1])
