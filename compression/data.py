"""Image classification data sets in IDX format (MNIST, Fashion-MNIST), verified and decoded once.

The four gzipped IDX files of a data set live in one folder, next to a
``RAW_SHA256SUMS`` file that lists the SHA-256 of each *decompressed* file.
Loading checks every file against its sum, so a missing, truncated or altered
file fails with a message that names it and says how to restore it.

A data set may also be found in other folders (a system package, a torchvision
download); they are searched in order after the bundled one, and their files are
checked against the bundled ``RAW_SHA256SUMS`` when they have no list of their own.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_ROOT = PROJECT_ROOT / "data"

SPLIT_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
SUMS_FILE = "RAW_SHA256SUMS"

# Training-set pixel statistics of MNIST on a 0..1 scale (a well-known fact of the data).
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081

_IDX_UINT8 = 0x08


class DataFileError(RuntimeError):
    """A data file is missing, truncated, corrupted or not in IDX format."""


@dataclass(frozen=True)
class DatasetSpec:
    """Where a data set lives and how to restore it."""

    name: str  # short name used everywhere (CLI, URL, UI)
    title: str  # what a person reads
    folder: Path  # folder with the four .gz files and RAW_SHA256SUMS
    class_names: tuple[str, ...]  # label index -> readable name
    restore_hint: str  # one sentence: how to get the files back
    other_folders: tuple[Path, ...] = ()  # searched in order when ``folder`` lacks the files


DATASETS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec(
        name="mnist",
        title="MNIST handwritten digits",
        folder=DATA_ROOT / "mnist",
        class_names=tuple(str(d) for d in range(10)),
        restore_hint="restore the bundled files with `git checkout -- data/mnist/`",
    ),
    "fashion-mnist": DatasetSpec(
        name="fashion-mnist",
        title="Fashion-MNIST clothing images (Zalando)",
        folder=DATA_ROOT / "fashion-mnist",
        class_names=(
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        restore_hint=(
            "restore the bundled files with `git checkout -- data/fashion-mnist/`, "
            "or install them with `apt-get install dataset-fashion-mnist`"
        ),
        other_folders=(
            Path("/usr/share/datasets/fashion-mnist"),  # Debian package dataset-fashion-mnist
            DATA_ROOT / "FashionMNIST" / "raw",  # torchvision.datasets.FashionMNIST(root="data")
        ),
    ),
}


@dataclass(frozen=True)
class Dataset:
    """A decoded data set: images (N, 1, 28, 28) float32 in [0, 1], labels (N,) int64."""

    name: str
    train_images: torch.Tensor  # (60000, 1, 28, 28)
    train_labels: torch.Tensor  # (60000,)
    test_images: torch.Tensor  # (10000, 1, 28, 28)
    test_labels: torch.Tensor  # (10000,)
    class_names: tuple[str, ...]


def read_checksums(sums_path: Path) -> dict[str, str]:
    """Parse a ``sha256sum`` listing into {file name: hex digest}."""
    if not sums_path.is_file():
        raise DataFileError(f"checksum list {sums_path} is missing")
    sums = {}
    for line in sums_path.read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            sums[name.lstrip("*")] = digest
    return sums


def _raw_name(gz_name: str) -> str:
    return gz_name.removesuffix(".gz")


def read_idx_file(path: Path, expected_sha256: str | None, restore_hint: str) -> np.ndarray:
    """Decompress one gzipped IDX file, verify its SHA-256 and return its uint8 array.

    IDX layout: 2 zero bytes, a type byte (0x08 = uint8), a rank byte, then one
    big-endian uint32 per dimension, then the data in C order.
    """

    def fail(reason: str) -> DataFileError:
        return DataFileError(f"data file {path} {reason}; {restore_hint}.")

    if not path.is_file():
        raise fail("is missing")
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as error:
        raise fail(f"is truncated or not a gzip file ({error})") from None
    if expected_sha256 is not None and hashlib.sha256(raw).hexdigest() != expected_sha256:
        raise fail("is corrupted (its SHA-256 does not match RAW_SHA256SUMS)")
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != _IDX_UINT8:
        raise fail("is not an IDX file of unsigned bytes")
    rank = raw[3]
    header_end = 4 + 4 * rank
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank))
    if len(raw) != header_end + int(np.prod(dims)):
        raise fail(f"has {len(raw) - header_end} data bytes, its header says {dims}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header_end).reshape(dims)


def _has_all_files(folder: Path) -> bool:
    return all((folder / gz_name).is_file() for gz_name in SPLIT_FILES.values())


def locate_dataset(name: str) -> Path:
    """The first folder of the data set's search order that holds all four IDX files.

    When none does, the bundled folder, so that loading names the missing file.
    """
    spec = DATASETS[name]
    found = [f for f in (spec.folder, *spec.other_folders) if _has_all_files(f)]
    return found[0] if found else spec.folder


def missing_dataset_note(name: str) -> str | None:
    """None when the data set's files are on this machine, else how to get them."""
    spec = DATASETS[name]
    if any(_has_all_files(f) for f in (spec.folder, *spec.other_folders)):
        return None
    return f"{spec.title} is not on this machine; {spec.restore_hint}."


@functools.lru_cache(maxsize=4)
def load_dataset(name: str = "mnist", folder: Path | None = None) -> Dataset:
    """Load and verify a data set once per process; later calls return the same tensors.

    Images are scaled to [0, 1] (pixel / 255) with shape (N, 1, 28, 28).
    Callers must treat the returned tensors as read-only: they are shared.
    Without ``folder`` the files come from :func:`locate_dataset`'s search order.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {sorted(DATASETS)}")
    spec = DATASETS[name]
    folder = locate_dataset(name) if folder is None else Path(folder)
    has_own_sums = (folder / SUMS_FILE).is_file() or folder == spec.folder
    sums_path = (folder if has_own_sums else spec.folder) / SUMS_FILE
    if not sums_path.is_file():
        raise DataFileError(f"checksum list {sums_path} is missing; {spec.restore_hint}.")
    sums = read_checksums(sums_path)
    arrays = {}
    for split, gz_name in SPLIT_FILES.items():
        arrays[split] = read_idx_file(
            folder / gz_name, sums.get(_raw_name(gz_name)), spec.restore_hint
        )
    for prefix in ("train", "test"):
        n_images, n_labels = len(arrays[f"{prefix}_images"]), len(arrays[f"{prefix}_labels"])
        if n_images != n_labels:
            raise DataFileError(f"{name} {prefix}: {n_images} images but {n_labels} labels")

    def images(array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(array.copy()).unsqueeze(1).float().div_(255.0)

    def labels(array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(array.astype(np.int64))

    return Dataset(
        name=name,
        train_images=images(arrays["train_images"]),
        train_labels=labels(arrays["train_labels"]),
        test_images=images(arrays["test_images"]),
        test_labels=labels(arrays["test_labels"]),
        class_names=spec.class_names,
    )


def subset(images: torch.Tensor, labels: torch.Tensor, count: int | None, seed: int = 0):
    """The first ``count`` examples of a fixed random permutation (all when count is None)."""
    if count is None or count >= len(labels):
        return images, labels
    if count <= 0:
        raise ValueError(f"a subset needs at least one example, got {count}")
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))[:count]
    return images[order], labels[order]
